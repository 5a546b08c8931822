/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text for a terminal or a mailing list (compare-out.h), shared by the
 * compact and the full text formats: strings from result sets with
 * control characters as '?', cut to a column with a '~', labels that
 * stay apart, paragraphs and commands wrapped at 80 columns, the
 * environment differences, and what would settle the comparison.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare-out.h"
#include "lib/mmab.h"

/* Write S with control characters as '?', padded with spaces to WIDTH when PAD. */
void cmp_tty_put(FILE *f, const char *s, size_t width, bool pad)
{
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
		chars += (*p & 0xc0) != 0x80;
	}
	for (; pad && chars < width; chars++)
		fputc(' ', f);
}

/*
 * S (plain words) wrapped at WIDTH columns, each line after the first
 * starting with INDENT; a word longer than a line gets one of its own.
 * Control characters are written as '?'.
 */
void cmp_tty_wrap(FILE *f, const char *s, size_t width, const char *indent)
{
	size_t col = 0;

	while (*s) {
		size_t len = strcspn(s, " ");

		if (len) {
			if (col && col + 1 + len > width) {
				fputc('\n', f);
				fputs(indent, f);
				col = strlen(indent);
			} else if (col) {
				fputc(' ', f);
				col++;
			}
			for (size_t i = 0; i < len; i++)
				fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i], f);
			col += len;
		}
		s += len;
		s += strspn(s, " ");
	}
	if (col)
		fputc('\n', f);
}

/* text_put cut to WIDTH characters, a '~' marking the cut. */
void cmp_tty_cell(FILE *f, const char *s, size_t width, bool pad)
{
	size_t chars = 0, len = 0;
	const char *p;
	char *tmp;

	s = s ? s : "";
	for (p = s; *p; p++)
		chars += (*p & 0xc0) != 0x80;
	if (chars <= width) {
		cmp_tty_put(f, s, width, pad);
		return;
	}
	/* keep width-1 whole characters and a '~' */
	for (chars = 0; s[len] && chars < width - 1; len++) {
		chars += (s[len] & 0xc0) != 0x80;
		while ((s[len + 1] & 0xc0) == 0x80)
			len++;
	}
	tmp = xasprintf("%.*s~", (int)len, s);
	cmp_tty_put(f, tmp, width, pad);
	free(tmp);
}

/* text_put keeping the last WIDTH-1 characters of S after a '~' (paths). */
void cmp_tty_tail(FILE *f, const char *s, size_t width, bool pad)
{
	size_t chars = 0;
	const char *p;

	s = s ? s : "";
	for (p = s; *p; p++)
		chars += (*p & 0xc0) != 0x80;
	if (chars <= width) {
		cmp_tty_put(f, s, width, pad);
		return;
	}
	for (p = s; chars > width - 1; p++)
		chars -= (*p & 0xc0) != 0x80;
	while ((*p & 0xc0) == 0x80)
		p++;
	fputc('~', f);
	cmp_tty_put(f, p, width - 1, pad);
}

/*
 * Set S's label in a column WIDTH wide.  Labels of one run share a long
 * prefix ("6.18.44-fc-v595-madvise", "6.18.44-fc-v595-defer"), and cutting
 * their ends would print the sets under the same name: when a label does
 * not fit, what all labels share up to a separator is shown as '~'
 * ("~madvise", "~defer"), and what still does not fit is cut from the
 * front.  The header lists the full labels.
 */
void cmp_tty_label(FILE *f, const struct cmp_table *t, size_t s, size_t width, bool pad)
{
	const char **labels = xcalloc(t->n_sets, sizeof(*labels));
	const char *l = t->sets[s].label ? t->sets[s].label : "";
	char *tmp;

	if (strlen(l) <= width || t->n_sets < 2) {
		cmp_tty_cell(f, l, width, pad);
		free(labels);
		return;
	}
	for (size_t i = 0; i < t->n_sets; i++)
		labels[i] = t->sets[i].label;
	tmp = rset_label_short(labels, t->n_sets, s, width);
	if (strlen(tmp) <= width)
		cmp_tty_put(f, tmp, width, pad);
	else
		cmp_tty_tail(f, tmp[0] == '~' ? tmp + 1 : tmp, width, pad);
	free(tmp);
	free(labels);
}

const char *cmp_tty_color(enum cmp_verdict v, int color)
{
	if (!color)
		return "";
	return v == CMP_BETTER ? "\033[32m" : v == CMP_WORSE ? "\033[31m"
	       : v == CMP_DIFFERS ? "\033[33m" : "";
}

const char *cmp_tty_verdict(enum cmp_verdict v)
{
	switch (v) {
	case CMP_BETTER: return "BETTER";
	case CMP_WORSE: return "WORSE";
	case CMP_DIFFERS: return "DIFFERS";
	default: return cmp_verdict_name(v);
	}
}

void cmp_tty_env(FILE *f, const struct cmp_table *t)
{
	for (int compared = 1; compared >= 0; compared--) {
		for (size_t s = 0; s < t->n_sets; s++) {
			bool first = true;

			for (size_t i = 0; i < t->n_env; i++) {
				const struct cmp_env *e = &t->env[i];
				char *a, *b;

				if (e->set != s || e->compared != compared)
					continue;
				if (first) {
					fputs(compared ? "Compared: " : "WARNING: ", f);
					cmp_tty_cell(f, t->sets[s].label, 24, false);
					fputs(compared ? " vs the baseline in\n"
						       : " differs in more than the thing compared:\n", f);
					first = false;
				}
				cmp_env_show(e, &a, &b);
				fputs("  ", f);
				cmp_tty_tail(f, e->key, 40, false);
				fputs(": ", f);
				cmp_tty_cell(f, a, 72 - (strlen(e->key) < 40 ? strlen(e->key) : 40), false);
				fputs("\n    -> ", f);
				cmp_tty_cell(f, b, 72, false);
				fputc('\n', f);
				free(a);
				free(b);
			}
		}
	}
}


/* A command line wrapped at 78 columns with " \" (shell continuations). */
static void tty_command(FILE *f, const char *line)
{
	size_t col = 2;

	fputs("  ", f);
	while (*line) {
		size_t len = strcspn(line, " ");

		/* a quoted word may hold spaces: keep it whole */
		if (*line == '\'') {
			const char *end = strchr(line + 1, '\'');

			len = end ? (size_t)(end - line) + 1 + strcspn(end + 1, " ") : strlen(line);
		}
		/* an option stays on the line of its value */
		if (*line == '-' && line[len] == ' ' && line[len + 1] && line[len + 1] != '-')
			len += 1 + strcspn(line + len + 1, " ");
		if (col > 4 && col + 1 + len > 76) {
			fputs(" \\\n    ", f);
			col = 4;
		} else if (col > 2) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)len, line);
		col += len;
		line += len;
		line += strspn(line, " ");
	}
	fputc('\n', f);
}

void cmp_tty_advice(FILE *f, const struct cmp_table *t, size_t max)
{
	struct cmp_near *near = xcalloc(max + 1, sizeof(*near));
	size_t n = cmp_closest(t, near, max), nl;
	char **lines;

	if (!n) {
		free(near);
		return;
	}
	fputs("Closest to a verdict (n: iterations a side that would prove the change):\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct cmp_cell *c = &near[i].row->cells[near[i].set];
		char pc[32];

		cmp_fmt_pct(pc, sizeof(pc), c->change_pct);
		fputs("  ", f);
		cmp_tty_cell(f, near[i].row->workload, 12, true);
		fputc(' ', f);
		/* the set only when there is more than one to tell apart */
		cmp_tty_cell(f, near[i].row->metric, t->n_sets > 2 ? 32 : 46, true);
		if (t->n_sets > 2) {
			fputc(' ', f);
			cmp_tty_label(f, t, near[i].set, 13, true);
		}
		fprintf(f, " %8s  n %.0f\n", pc, near[i].n);
	}
	nl = cmp_settle(t, near, n, &lines);
	if (nl)
		fprintf(f, "To settle %s:\n", n == 1 ? "it" : "them");
	for (size_t i = 0; i < nl; i++) {
		char *safe = xstrdup(lines[i]);

		/* a command is text from result sets too: no control character on a terminal */
		for (unsigned char *p = (unsigned char *)safe; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				*p = '?';
		tty_command(f, safe);
		free(safe);
		free(lines[i]);
	}
	free(lines);
	free(near);
}

/* "key a -> b" of E, each value cut to 32 characters (malloc'd); a knob as run by its name. */
static char *env_short(const struct cmp_env *e)
{
	const char *key = strncmp(e->key, "knobs.as_run.", 13) ? e->key : e->key + 13;
	char *a, *b, *out;

	cmp_env_show(e, &a, &b);
	out = xasprintf("%s %.32s%s -> %.32s%s", key, a, strlen(a) > 32 ? "~" : "", b,
			strlen(b) > 32 ? "~" : "");
	free(a);
	free(b);
	return out;
}

/* Whether set S's kernel A/B name differs from the baseline's (then it says it all). */
static bool named_kernel(const struct cmp_table *t, size_t s)
{
	for (size_t i = 0; i < t->n_env; i++)
		if (t->env[i].set == s && !strcmp(t->env[i].key, "kernel.name"))
			return true;
	return false;
}

/* A compared key the kernel's name and release already say (with NAMED). */
static bool implied(const struct cmp_env *e, bool named)
{
	static const char *const keys[] = { "uname.release", "uname.version",
					    "kernel_config_sha256", "kernel.spec" };

	for (size_t i = 0; named && i < ARRAY_SIZE(keys); i++)
		if (!strcmp(e->key, keys[i]))
			return true;
	return false;
}

void cmp_tty_env_short(FILE *f, const struct cmp_table *t)
{
	for (int compared = 1; compared >= 0; compared--)
		for (size_t s = 0; s < t->n_sets; s++) {
			bool named = named_kernel(t, s);
			char *line = NULL, *x;

			for (size_t i = 0; i < t->n_env; i++) {
				const struct cmp_env *e = &t->env[i];
				char *one;

				if (e->set != s || e->compared != compared ||
				    (compared && implied(e, named)))
					continue;
				one = env_short(e);
				x = line ? xasprintf("%s; %s", line, one)
					 : xasprintf("%s %s %s: %s", compared ? "Compared:" : "WARNING:",
						     t->sets[s].label, compared ? "against the baseline in"
						     : "differs in more than the thing compared", one);
				free(one);
				free(line);
				line = x;
			}
			if (!line)
				continue;
			/* control characters from the sets never reach the terminal */
			for (unsigned char *p = (unsigned char *)line; *p; p++)
				if (*p < 0x20 || *p == 0x7f)
					*p = '?';
			cmp_tty_wrap(f, line, 78, "  ");
			free(line);
		}
}

void cmp_tty_verdicts(FILE *f, const struct cmp_table *t)
{
	struct cmp_tally ty;
	size_t dropped, paired = cmp_paired_count(t, &dropped);
	char *line;

	cmp_tally(t, &ty);
	line = xasprintf("Verdicts: %zu better, %zu worse, %zu differ in %zu comparison%s (false "
			 "discovery rate %.0f%%; %zu paired by seed, the others Welch); %zu not "
			 "judged (fewer than %d values a side).", ty.v[CMP_BETTER], ty.v[CMP_WORSE],
			 ty.v[CMP_DIFFERS], t->n_tests, t->n_tests == 1 ? "" : "s", 100 * CMP_ALPHA,
			 paired, ty.v[CMP_CANNOT_JUDGE], CMP_MIN_N);
	cmp_tty_wrap(f, line, 78, "");
	free(line);
	if (dropped)
		fprintf(f, "  (%zu iteration%s without %s pair left out of the paired tests)\n",
			dropped, dropped == 1 ? "" : "s", dropped == 1 ? "its" : "their");
	cmp_tty_proven(f, t);
}

void cmp_tty_proven(FILE *f, const struct cmp_table *t)
{
	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t s = 0; s < t->n_sets; s++) {
			const struct cmp_cell *c = &t->rows[r].cells[s];
			char pc[32], q[32];

			if (c->verdict < CMP_BETTER)
				continue;
			cmp_fmt_pct(pc, sizeof(pc), c->change_pct);
			cmp_fmt_p(q, sizeof(q), c->q);
			fprintf(f, "  %-7s ", cmp_tty_verdict(c->verdict));
			cmp_tty_label(f, t, s, 14, true);
			fputc(' ', f);
			cmp_tty_cell(f, t->rows[r].workload, 12, true);
			fputc(' ', f);
			cmp_tty_cell(f, t->rows[r].metric, 26, false);
			fprintf(f, " %s (q %s)\n", pc, q);
		}
}

void cmp_tty_alerts(FILE *f, const struct cmp_table *t)
{
	char **lines;
	size_t n = cmp_alert_lines(t, &lines);

	for (size_t i = 0; i < n; i++) {
		char *w = xasprintf("WARNING: %s", lines[i]);

		cmp_tty_wrap(f, w, 78, "  ");
		free(w);
		free(lines[i]);
	}
	if (n)
		free(lines);
}

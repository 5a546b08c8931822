/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The comparison written out (compare.h): text for a mailing list (80
 * columns, a legend, colours only when asked), GitHub markdown, CSV and
 * JSON with one record per (set, metric), and the HTML fragment of the
 * report.  Strings from result sets are data: control characters never
 * reach a terminal, markdown and HTML get them escaped, CSV quoted.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "lib/csv.h"
#include "analysis/derived.h"
#include "analysis/html.h"
#include "lib/mmab.h"

#define LABEL_W 16		/* set labels in text rows */

/* ---- numbers for people ---- */

static void fnum(char *b, size_t len, double v)
{
	double a = fabs(v);

	if (isnan(v))
		snprintf(b, len, "n/a");
	else if (isinf(v) || a >= 1e9 || (a > 0 && a < 1e-4))
		snprintf(b, len, "%.3e", v);
	else if (a >= 1e4)
		snprintf(b, len, "%.0f", v);
	else
		snprintf(b, len, "%.5g", v);
}

static void fpct(char *b, size_t len, double v)
{
	if (isnan(v))
		snprintf(b, len, "n/a");
	else if (fabs(v) < 100)
		snprintf(b, len, "%+.2f%%", v);
	else
		snprintf(b, len, "%+.0f%%", v);
}

static void fp(char *b, size_t len, double p)
{
	if (isnan(p))
		snprintf(b, len, "n/a");
	else if (p < 0.001)
		snprintf(b, len, "<0.001");
	else
		snprintf(b, len, "%.3f", p);
}

static void fcov(char *b, size_t len, double cov)
{
	if (isnan(cov))
		snprintf(b, len, "n/a");
	else
		snprintf(b, len, "%.1f%%", 100 * cov);
}

/* A CI bound in %: one decimal is all an interval needs. */
static void fpct1(char *b, size_t len, double v)
{
	if (fabs(v) < 1000)
		snprintf(b, len, "%+.1f%%", v);
	else
		snprintf(b, len, "%+.0f%%", v);
}

/* The CI of the difference as % of the baseline's arithmetic mean. */
static void fci(char *lo, char *hi, size_t len, const struct cmp_cell *base,
		const struct cmp_cell *c)
{
	double m = base->s.n ? base->s.sum / (double)base->s.n : NAN;

	if (!isnan(c->t.ci_low) && m != 0) {
		fpct1(lo, len, 100 * c->t.ci_low / fabs(m));
		fpct1(hi, len, 100 * c->t.ci_high / fabs(m));
	} else {
		snprintf(lo, len, "n/a");
		snprintf(hi, len, "n/a");
	}
}

static const char *dir_text(enum metric_dir d)
{
	return d == METRIC_HIGHER ? "higher is better"
	       : d == METRIC_LOWER ? "lower is better" : "no better direction";
}

static const char *section_title(enum cmp_section s)
{
	switch (s) {
	case SEC_METRICS: return "workload metrics (metrics.csv)";
	case SEC_VMSTAT: return "vmstat: first-to-last deltas per iteration";
	case SEC_FRAG: return "fragmentation (buddyinfo.csv, all zones summed)";
	case SEC_SLAB: return "slab caches that grew most (slabinfo.csv)";
	default: return "stalls (stalls.csv), durations in us";
	}
}

/* The metric's name within its section: "vmstat.alloc_stalls" -> "alloc_stalls". */
static const char *short_name(const struct cmp_row *r)
{
	size_t n = strlen(cmp_section_name(r->section));

	if (r->section != SEC_METRICS && !strncmp(r->metric, cmp_section_name(r->section), n) &&
	    r->metric[n] == '.')
		return r->metric + n + 1;
	return r->metric;
}

/* Every value of every set the same (and there are some): one line says it all. */
static bool constant_row(const struct cmp_table *t, const struct cmp_row *r, double *v,
			 size_t *n)
{
	*n = 0;
	for (size_t s = 0; s < t->n_sets; s++) {
		const struct cmp_cell *c = &r->cells[s];

		if (!c->s.n || c->s.min != c->s.max || c->s.min != r->cells[0].s.min)
			return false;
		*n += c->s.n;
	}
	*v = r->cells[0].s.min;
	return true;
}

static bool all_na(const struct cmp_table *t, const struct cmp_row *r)
{
	for (size_t s = 0; s < t->n_sets; s++)
		if (r->cells[s].s.n)
			return false;
	return true;
}

struct tally {
	size_t v[CMP_DIFFERS + 1];
};

static void count_verdicts(const struct cmp_table *t, struct tally *ty)
{
	memset(ty, 0, sizeof(*ty));
	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t s = 0; s < t->n_sets; s++)
			ty->v[t->rows[r].cells[s].verdict]++;
}

/* Iterations of workload W in set RS: "3 ok" or "1 ok, 1 failed". */
static char *iter_summary(const struct rset *rs, const char *w)
{
	static const char *const st[] = { "ok", "failed", "skipped", "incomplete", "unknown" };
	char *out = xstrdup("");

	for (size_t i = 0; i < ARRAY_SIZE(st); i++) {
		size_t n = rset_count(rs, w, st[i]);
		char *o;

		if (!n)
			continue;
		o = xasprintf("%s%s%zu %s", out, *out ? ", " : "", n, st[i]);
		free(out);
		out = o;
	}
	if (!*out) {
		free(out);
		out = xstrdup("no iterations");
	}
	return out;
}

/*
 * " a 3 ok; b 1 ok, 1 failed" then each iteration not used, between OPEN
 * and CLOSE: "#2 failed: oom".  PUT writes a string from a result set
 * (escaped for the format).
 */
static void iter_line(FILE *f, const struct cmp_table *t, const char *w,
		      void (*put)(FILE *, const char *), const char *open, const char *close)
{
	for (size_t s = 0; s < t->n_sets; s++) {
		char *it = iter_summary(&t->sets[s], w);

		fputs(s ? "; " : " ", f);
		put(f, t->sets[s].label);
		fprintf(f, " %s", it);
		free(it);
		for (size_t i = 0; i < t->sets[s].n_iters; i++) {
			const struct rset_iter *ri = &t->sets[s].iters[i];
			char num[32];

			if (strcmp(ri->workload, w) || rset_iter_used(ri))
				continue;
			snprintf(num, sizeof(num), "#%d ", ri->iteration);
			fprintf(f, "%s%s", open, num);
			put(f, ri->status);
			fputs(": ", f);
			put(f, ri->reason);
			fputs(close, f);
		}
	}
}

/* The verdict count and how verdicts are reached, for md and HTML. */
static void summary_sentence(FILE *f, const struct cmp_table *t,
			     void (*put)(FILE *, const char *))
{
	struct tally ty;
	char *s;

	count_verdicts(t, &ty);
	s = xasprintf("%zu better, %zu worse, %zu differ, %zu no difference proven, %zu cannot "
		      "be judged (fewer than %d values a side), %zu n/a. False discovery rate "
		      "%.0f%%: Welch's p adjusted by Benjamini-Hochberg over %zu comparisons "
		      "(column q); the verdict uses q.",
		      ty.v[CMP_BETTER], ty.v[CMP_WORSE], ty.v[CMP_DIFFERS], ty.v[CMP_NO_DIFF],
		      ty.v[CMP_CANNOT_JUDGE], CMP_MIN_N, ty.v[CMP_NA], 100 * CMP_ALPHA, t->n_tests);
	put(f, s);
	free(s);
}

static void legend_sentence(FILE *f, const struct cmp_table *t, void (*put)(FILE *, const char *))
{
	char *s = xasprintf(
		"n: iterations with a value (failed iterations are not pooled); mean: harmonic "
		"for rates, else arithmetic; change: of the means shown, in %% of the baseline's; "
		"CI: 95%% confidence interval of the difference of the means (Welch), in %% of "
		"the baseline's mean; p (MWU): Mann-Whitney U, exact below 50 values without "
		"ties, else normal with tie correction; q: Welch's p adjusted by "
		"Benjamini-Hochberg over the %zu comparisons with %d or more values a side; "
		"verdict: better or worse (differs, for metrics without a better direction) when "
		"q < %.2f, else no difference proven. vmstat figures are first-to-last deltas "
		"of each iteration.", t->n_tests, CMP_MIN_N, CMP_ALPHA);

	put(f, s);
	free(s);
}

/* ---- text ---- */

/* Write S with control characters as '?', padded with spaces to WIDTH when PAD. */
static void text_put(FILE *f, const char *s, size_t width, bool pad)
{
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
		chars += (*p & 0xc0) != 0x80;
	}
	for (; pad && chars < width; chars++)
		fputc(' ', f);
}

/* text_put cut to WIDTH characters, a '~' marking the cut. */
static void text_cell(FILE *f, const char *s, size_t width, bool pad)
{
	size_t chars = 0, len = 0;
	const char *p;
	char *tmp;

	s = s ? s : "";
	for (p = s; *p; p++)
		chars += (*p & 0xc0) != 0x80;
	if (chars <= width) {
		text_put(f, s, width, pad);
		return;
	}
	/* keep width-1 whole characters and a '~' */
	for (chars = 0; s[len] && chars < width - 1; len++) {
		chars += (s[len] & 0xc0) != 0x80;
		while ((s[len + 1] & 0xc0) == 0x80)
			len++;
	}
	tmp = xasprintf("%.*s~", (int)len, s);
	text_put(f, tmp, width, pad);
	free(tmp);
}

/* text_put keeping the last WIDTH-1 characters of S after a '~' (paths). */
static void text_cell_tail(FILE *f, const char *s, size_t width, bool pad)
{
	size_t chars = 0;
	const char *p;

	s = s ? s : "";
	for (p = s; *p; p++)
		chars += (*p & 0xc0) != 0x80;
	if (chars <= width) {
		text_put(f, s, width, pad);
		return;
	}
	for (p = s; chars > width - 1; p++)
		chars -= (*p & 0xc0) != 0x80;
	while ((*p & 0xc0) == 0x80)
		p++;
	fputc('~', f);
	text_put(f, p, width - 1, pad);
}

/*
 * Set S's label in a column WIDTH wide.  Labels of one run share a long
 * prefix ("6.18.44-fc-v595-madvise", "6.18.44-fc-v595-defer"), and cutting
 * their ends would print the sets under the same name: when a label does
 * not fit, what all labels share up to a separator is shown as '~'
 * ("~madvise", "~defer"), and what still does not fit is cut from the
 * front.  The header lists the full labels.
 */
static void text_label(FILE *f, const struct cmp_table *t, size_t s, size_t width, bool pad)
{
	const char *l = t->sets[s].label ? t->sets[s].label : "";
	size_t common = strlen(l), cut = 0;
	char *tmp;

	if (strlen(l) <= width || t->n_sets < 2) {
		text_cell(f, l, width, pad);
		return;
	}
	for (size_t i = 0; i < t->n_sets; i++) {
		const char *o = t->sets[i].label ? t->sets[i].label : "";
		size_t k = 0;

		while (k < common && o[k] == l[k])
			k++;
		common = k;
	}
	for (size_t k = 0; k < common; k++)
		if (strchr("-_.+", l[k]))
			cut = k + 1;
	if (!cut || !l[cut]) {
		text_cell_tail(f, l, width, pad);
		return;
	}
	tmp = xasprintf("~%s", l + cut);
	if (strlen(tmp) <= width)
		text_put(f, tmp, width, pad);
	else
		text_cell_tail(f, tmp + 1, width, pad);
	free(tmp);
}

static const char *color_of(enum cmp_verdict v, int color)
{
	if (!color)
		return "";
	return v == CMP_BETTER ? "\033[32m" : v == CMP_WORSE ? "\033[31m"
	       : v == CMP_DIFFERS ? "\033[33m" : "";
}

static const char *verdict_text(enum cmp_verdict v)
{
	switch (v) {
	case CMP_BETTER: return "BETTER";
	case CMP_WORSE: return "WORSE";
	case CMP_DIFFERS: return "DIFFERS";
	default: return cmp_verdict_name(v);
	}
}

/*
 * What to show of a difference: the values, or for the kernel command line
 * (hundreds of characters) only the words that are not in the other one.
 */
static void env_show(const struct cmp_env *e, char **base, char **value)
{
	const char *a = e->base, *b = e->value;

	if (strcmp(e->key, "cmdline") || !a || !b) {
		*base = xstrdup(a ? a : "n/a");
		*value = xstrdup(b ? b : "n/a");
		return;
	}
	for (int side = 0; side < 2; side++) {
		const char *x = side ? b : a, *y = side ? a : b;
		char *out = xstrdup(""), *o;

		while (*x) {
			size_t len = strcspn(x, " ");
			bool found = false;

			for (const char *p = y; *p && !found;) {
				size_t l = strcspn(p, " ");

				found = l == len && !strncmp(p, x, len);
				p += l;
				p += strspn(p, " ");
			}
			if (len && !found) {
				o = xasprintf("%s%s%.*s", out, *out ? " " : "only: ", (int)len, x);
				free(out);
				out = o;
			}
			x += len;
			x += strspn(x, " ");
		}
		if (!*out) {
			free(out);
			out = xstrdup("(no word the other lacks)");
		}
		*(side ? value : base) = out;
	}
}

static void text_env(FILE *f, const struct cmp_table *t)
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
					text_cell(f, t->sets[s].label, 24, false);
					fputs(compared ? " vs the baseline in\n"
						       : " differs in more than the thing compared:\n", f);
					first = false;
				}
				env_show(e, &a, &b);
				fputs("  ", f);
				text_cell_tail(f, e->key, 40, false);
				fputs(": ", f);
				text_cell(f, a, 72 - (strlen(e->key) < 40 ? strlen(e->key) : 40), false);
				fputs("\n    -> ", f);
				text_cell(f, b, 72, false);
				fputc('\n', f);
				free(a);
				free(b);
			}
		}
	}
}

static void text_row(FILE *f, const struct cmp_table *t, const struct cmp_row *r, int color)
{
	const struct cmp_cell *base = &r->cells[t->baseline];
	char b[6][32], line[256];
	double v;
	size_t n;

	text_cell(f, short_name(r), 40, false);
	fprintf(f, " [");
	text_cell(f, r->unit[0] ? r->unit : "-", 12, false);
	fprintf(f, ", %s%s]", dir_text(r->dir), r->agg == AGG_HMEAN ? ", harmonic mean" : "");
	if (constant_row(t, r, &v, &n)) {
		fnum(b[0], sizeof(b[0]), v);
		fprintf(f, ": %s in all %zu values\n", b[0], n);
		return;
	}
	fprintf(f, "\n  %-*s   n      mean    median    stddev    CoV       min       max\n",
		LABEL_W, "set");
	for (size_t s = 0; s < t->n_sets; s++) {
		const struct cmp_cell *c = &r->cells[s];

		fputs("  ", f);
		text_label(f, t, s, LABEL_W, true);
		if (!c->s.n) {
			fputs("   0  n/a (not recorded)\n", f);
			continue;
		}
		fnum(b[0], sizeof(b[0]), c->s.mean);
		fnum(b[1], sizeof(b[1]), c->s.median);
		fnum(b[2], sizeof(b[2]), c->s.stddev);
		fcov(b[3], sizeof(b[3]), c->s.cov);
		fnum(b[4], sizeof(b[4]), c->s.min);
		fnum(b[5], sizeof(b[5]), c->s.max);
		fprintf(f, " %3zu %9s %9s %9s %6s %9s %9s\n", c->s.n, b[0], b[1], b[2], b[3], b[4],
			b[5]);
		if (s == t->baseline)
			continue;
		fpct(b[0], sizeof(b[0]), c->change_pct);
		if (c->verdict == CMP_NA)
			continue;	/* the baseline has no value: nothing to compare */
		if (c->verdict == CMP_CANNOT_JUDGE) {
			fprintf(f, "    %-7s fewer than %d values a side: cannot judge\n", b[0],
				CMP_MIN_N);
			continue;
		}
		fci(b[1], b[2], sizeof(b[1]), base, c);
		fp(b[3], sizeof(b[3]), c->t.p_welch);
		fp(b[4], sizeof(b[4]), c->t.p_mwu);
		fp(b[5], sizeof(b[5]), c->q);
		snprintf(line, sizeof(line), "    %-7s [%s, %s]  p %s  U %s  q %s", b[0], b[1], b[2],
			 b[3], b[4], b[5]);
		/* the verdict goes on its own line rather than past column 80 */
		fprintf(f, "%s%s%s%s%s\n", line,
			strlen(line) + 2 + strlen(verdict_text(c->verdict)) > 80 ? "\n      " : "  ",
			color_of(c->verdict, color), verdict_text(c->verdict),
			*color_of(c->verdict, color) ? "\033[0m" : "");
	}
}

/* "n/a in every set: a, b, c" wrapped at 80 columns. */
static void text_na_list(FILE *f, const struct cmp_table *t, size_t from, size_t to)
{
	size_t col = 0;

	for (size_t r = from; r < to; r++) {
		const char *name = short_name(&t->rows[r]);

		if (!all_na(t, &t->rows[r]))
			continue;
		if (!col) {
			fputs("n/a in every set (not recorded):", f);
			col = 32;
		}
		if (col + strlen(name) + 2 > 78) {
			fputs("\n ", f);
			col = 1;
		}
		fputc(' ', f);
		text_cell(f, name, 60, false);
		col += strlen(name) + 1;
	}
	if (col)
		fputc('\n', f);
}

static void text_legend(FILE *f, const struct cmp_table *t)
{
	fprintf(f,
		"Legend: n = iterations with a value (failed iterations are not pooled);\n"
		"mean is harmonic for rates (\"harmonic mean\"), else arithmetic; CoV =\n"
		"stddev / mean.  The line under a set compares it with the baseline: the\n"
		"change of the mean shown, in %% of the baseline's; CI = 95%% confidence\n"
		"interval of the difference of the means (Welch), in %% of the baseline's\n"
		"mean; p = Welch's t-test; U = Mann-Whitney U (exact below 50 values\n"
		"without ties, else normal with tie correction); q = p adjusted by\n"
		"Benjamini-Hochberg over the %zu comparisons with %d or more values a side.\n"
		"Verdict: BETTER/WORSE (DIFFERS without a better direction) when q < %.2f,\n"
		"else \"no difference proven\".  vmstat figures are first-to-last deltas of\n"
		"each iteration ('mmab help compare' has every formula).\n",
		t->n_tests, CMP_MIN_N, CMP_ALPHA);
}

static void text_summary(FILE *f, const struct cmp_table *t)
{
	struct tally ty;

	count_verdicts(t, &ty);
	fprintf(f, "Verdicts: %zu better, %zu worse, %zu differ, %zu no difference proven,\n"
		"%zu cannot be judged (fewer than %d values a side), %zu n/a.  False\n"
		"discovery rate %.0f%%: Welch's p adjusted (Benjamini-Hochberg) over %zu\n"
		"comparisons.\n",
		ty.v[CMP_BETTER], ty.v[CMP_WORSE], ty.v[CMP_DIFFERS], ty.v[CMP_NO_DIFF],
		ty.v[CMP_CANNOT_JUDGE], CMP_MIN_N, ty.v[CMP_NA], 100 * CMP_ALPHA, t->n_tests);
	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t s = 0; s < t->n_sets; s++) {
			const struct cmp_cell *c = &t->rows[r].cells[s];
			char pc[32], q[32];

			if (c->verdict != CMP_BETTER && c->verdict != CMP_WORSE &&
			    c->verdict != CMP_DIFFERS)
				continue;
			fpct(pc, sizeof(pc), c->change_pct);
			fp(q, sizeof(q), c->q);
			fprintf(f, "  %-7s ", verdict_text(c->verdict));
			text_label(f, t, s, 14, true);
			fputc(' ', f);
			text_cell(f, t->rows[r].workload, 12, true);
			fputc(' ', f);
			text_cell(f, t->rows[r].metric, 26, false);
			fprintf(f, " %s (q %s)\n", pc, q);
		}
}

/* "iterations: a 3 ok; b 2 ok, 1 failed", one line when it fits, then the failures. */
static void text_iterations(FILE *f, const struct cmp_table *t, const char *w)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		abort();
	fputs("iterations:", m);
	for (size_t s = 0; s < t->n_sets; s++) {
		char *it = iter_summary(&t->sets[s], w);

		fputs(s ? "; " : " ", m);
		text_cell(m, t->sets[s].label, 24, false);
		fprintf(m, " %s", it);
		free(it);
	}
	fclose(m);
	if (len <= 80) {
		fprintf(f, "%s\n", buf);
	} else {
		fputs("iterations:\n", f);
		for (size_t s = 0; s < t->n_sets; s++) {
			char *it = iter_summary(&t->sets[s], w);

			fputs("  ", f);
			text_label(f, t, s, 40, false);
			fprintf(f, " %s\n", it);
			free(it);
		}
	}
	free(buf);
	for (size_t s = 0; s < t->n_sets; s++)
		for (size_t i = 0; i < t->sets[s].n_iters; i++) {
			const struct rset_iter *ri = &t->sets[s].iters[i];

			if (strcmp(ri->workload, w) || rset_iter_used(ri))
				continue;
			fputs("  ", f);
			text_label(f, t, s, 16, false);
			fprintf(f, " #%d %s: ", ri->iteration, ri->status);
			text_cell(f, ri->reason, 40, false);
			fputc('\n', f);
		}
}

static void text_out(FILE *f, const struct cmp_table *t, int color)
{
	fprintf(f, "mmab compare: %zu result set%s, baseline ", t->n_sets, t->n_sets == 1 ? "" : "s");
	text_cell(f, t->sets[t->baseline].label, 40, false);
	fputc('\n', f);
	for (size_t s = 0; s < t->n_sets; s++) {
		fprintf(f, "  %c ", s == t->baseline ? '*' : ' ');
		text_cell(f, t->sets[s].label, 24, true);
		fputc(' ', f);
		text_cell_tail(f, t->sets[s].path, 48, false);
		fputc('\n', f);
	}
	fputc('\n', f);
	if (t->n_env) {
		text_env(f, t);
		fputc('\n', f);
	}
	text_summary(f, t);
	for (size_t r = 0; r < t->n_rows;) {
		const char *w = t->rows[r].workload;

		fputs("\n== ", f);
		text_cell(f, w, 60, false);
		fputs(" ==\n", f);
		text_iterations(f, t, w);
		while (r < t->n_rows && !strcmp(t->rows[r].workload, w)) {
			enum cmp_section sec = t->rows[r].section;
			size_t from = r;

			fprintf(f, "\n-- %s --\n", section_title(sec));
			for (; r < t->n_rows && t->rows[r].section == sec &&
			       !strcmp(t->rows[r].workload, w); r++)
				if (!all_na(t, &t->rows[r]))
					text_row(f, t, &t->rows[r], color);
			text_na_list(f, t, from, r);
		}
	}
	fputc('\n', f);
	text_legend(f, t);
}

/* ---- markdown and HTML: the same flat table ---- */

/* Display strings of one (row, set) cell. */
struct cells {
	char n[16], mean[32], median[32], sd[32], cov[32], min[32], max[32];
	char change[32], ci[80], pw[32], pu[32], q[32];
};

static void cell_strings(const struct cmp_table *t, const struct cmp_row *r, size_t s,
			 struct cells *o)
{
	const struct cmp_cell *c = &r->cells[s], *base = &r->cells[t->baseline];
	char lo[32], hi[32];

	snprintf(o->n, sizeof(o->n), "%zu", c->s.n);
	fnum(o->mean, sizeof(o->mean), c->s.mean);
	fnum(o->median, sizeof(o->median), c->s.median);
	fnum(o->sd, sizeof(o->sd), c->s.stddev);
	fcov(o->cov, sizeof(o->cov), c->s.cov);
	fnum(o->min, sizeof(o->min), c->s.min);
	fnum(o->max, sizeof(o->max), c->s.max);
	if (s == t->baseline) {
		o->change[0] = o->ci[0] = o->pw[0] = o->pu[0] = o->q[0] = '\0';
		return;
	}
	fpct(o->change, sizeof(o->change), c->change_pct);
	fci(lo, hi, sizeof(lo), base, c);
	if (strcmp(lo, "n/a"))
		snprintf(o->ci, sizeof(o->ci), "%s .. %s", lo, hi);
	else
		snprintf(o->ci, sizeof(o->ci), "n/a");
	fp(o->pw, sizeof(o->pw), c->t.p_welch);
	fp(o->pu, sizeof(o->pu), c->t.p_mwu);
	fp(o->q, sizeof(o->q), c->q);
}

static const char *const table_heads[] = {
	"metric", "unit", "better", "set", "n", "mean", "median", "stddev", "CoV", "min", "max",
	"change", "95% CI of change", "p (Welch)", "p (MWU)", "q (BH)", "verdict",
};

static const char *better_word(enum metric_dir d)
{
	return d == METRIC_HIGHER ? "higher" : d == METRIC_LOWER ? "lower" : "-";
}

/* Markdown table cell: escape what GitHub would render as markup or HTML. */
static void md_put(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '|': case '\\': case '`': case '*': case '_': case '[': case ']':
		case '#': case '~':
			fputc('\\', f);
			fputc(*s, f);
			break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '\n': case '\r': case '\t': fputc(' ', f); break;
		default:
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				fputc('?', f);
			else
				fputc(*s, f);
		}
	}
}

static void md_out(FILE *f, const struct cmp_table *t)
{
	fputs("## mmab compare\n\nBaseline: **", f);
	md_put(f, t->sets[t->baseline].label);
	fputs("**; sets:", f);
	for (size_t s = 0; s < t->n_sets; s++) {
		fputs(s ? ", " : " ", f);
		md_put(f, t->sets[s].label);
	}
	fputs(".\n\n", f);
	for (size_t i = 0; i < t->n_env; i++) {
		const struct cmp_env *e = &t->env[i];

		char *a, *b;

		env_show(e, &a, &b);
		fputs(e->compared ? "- Compared: " : "- **Warning**: ", f);
		md_put(f, t->sets[e->set].label);
		fputs(e->compared ? " vs the baseline in " : " differs from the baseline in ", f);
		md_put(f, e->key);
		fputs(": ", f);
		md_put(f, a);
		fputs(" → ", f);
		md_put(f, b);
		fputc('\n', f);
		free(a);
		free(b);
	}
	fputs(t->n_env ? "\n**Verdicts**: " : "**Verdicts**: ", f);
	summary_sentence(f, t, md_put);
	fputc('\n', f);
	for (size_t r = 0; r < t->n_rows;) {
		const char *w = t->rows[r].workload;

		fputs("\n### ", f);
		md_put(f, w);
		fputs("\n\nIterations:", f);
		iter_line(f, t, w, md_put, " (", ")");
		fputs(".\n", f);
		while (r < t->n_rows && !strcmp(t->rows[r].workload, w)) {
			enum cmp_section sec = t->rows[r].section;

			fprintf(f, "\n#### %s\n\n|", section_title(sec));
			for (size_t h = 0; h < ARRAY_SIZE(table_heads); h++)
				fprintf(f, " %s |", table_heads[h]);
			fputs("\n|---|---|---|---|", f);
			for (size_t h = 4; h < ARRAY_SIZE(table_heads) - 1; h++)
				fputs("--:|", f);
			fputs("---|\n", f);
			for (; r < t->n_rows && t->rows[r].section == sec &&
			       !strcmp(t->rows[r].workload, w); r++) {
				const struct cmp_row *row = &t->rows[r];

				for (size_t s = 0; s < t->n_sets; s++) {
					struct cells c;

					cell_strings(t, row, s, &c);
					fputs("| ", f);
					md_put(f, short_name(row));
					fputs(" | ", f);
					md_put(f, row->unit);
					fprintf(f, " | %s | ", better_word(row->dir));
					md_put(f, t->sets[s].label);
					fprintf(f, " | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | "
						"%s | %s | %s%s%s |\n",
						c.n, c.mean, c.median, c.sd, c.cov, c.min, c.max,
						c.change, c.ci, c.pw, c.pu, c.q,
						row->cells[s].verdict >= CMP_BETTER ? "**" : "",
						cmp_verdict_name(row->cells[s].verdict),
						row->cells[s].verdict >= CMP_BETTER ? "**" : "");
				}
			}
		}
	}
	fputc('\n', f);
	legend_sentence(f, t, md_put);
	fputc('\n', f);
}

static void html_out(FILE *f, const struct cmp_table *t)
{
	fputs("<section id=\"comparison\">\n<p class=\"meta\">Baseline: <strong>", f);
	html_escape(f, t->sets[t->baseline].label);
	fputs("</strong></p>\n", f);
	for (int compared = 0; compared <= 1; compared++) {
		bool open = false;

		for (size_t i = 0; i < t->n_env; i++) {
			const struct cmp_env *e = &t->env[i];

			if (e->compared != compared)
				continue;
			if (!open) {
				fputs(compared ? "<div class=\"note\"><p>The thing compared:</p><ul>\n"
					       : "<div class=\"warning\"><p>The sets differ in more "
						 "than the thing compared:</p><ul>\n", f);
				open = true;
			}
			char *a, *b;

			env_show(e, &a, &b);
			fputs("<li>", f);
			html_escape(f, t->sets[e->set].label);
			fputs(": <code>", f);
			html_escape(f, e->key);
			fputs("</code> <q>", f);
			html_escape(f, a);
			fputs("</q> in the baseline, <q>", f);
			html_escape(f, b);
			fputs("</q> here</li>\n", f);
			free(a);
			free(b);
		}
		if (open)
			fputs("</ul></div>\n", f);
	}
	fputs("<p class=\"summary\">Verdicts: ", f);
	summary_sentence(f, t, html_escape);
	fputs("</p>\n", f);
	for (size_t r = 0; r < t->n_rows;) {
		const char *w = t->rows[r].workload;

		fputs("<h3 class=\"workload\">", f);
		html_escape(f, w);
		fputs("</h3>\n<p class=\"meta\">Iterations:", f);
		iter_line(f, t, w, html_escape, " <span class=\"failed\">", "</span>");
		fputs("</p>\n", f);
		while (r < t->n_rows && !strcmp(t->rows[r].workload, w)) {
			enum cmp_section sec = t->rows[r].section;

			fprintf(f, "<h4>%s</h4>\n<div class=\"scroll\"><table>\n<thead><tr>",
				section_title(sec));
			for (size_t h = 0; h < ARRAY_SIZE(table_heads); h++)
				fprintf(f, "<th>%s</th>", table_heads[h]);
			fputs("</tr></thead>\n<tbody>\n", f);
			for (; r < t->n_rows && t->rows[r].section == sec &&
			       !strcmp(t->rows[r].workload, w); r++) {
				const struct cmp_row *row = &t->rows[r];

				for (size_t s = 0; s < t->n_sets; s++) {
					enum cmp_verdict v = row->cells[s].verdict;
					struct cells c;

					cell_strings(t, row, s, &c);
					fputs("<tr><td class=\"metric\">", f);
					html_escape(f, short_name(row));
					fputs("</td><td class=\"text\">", f);
					html_escape(f, row->unit);
					fprintf(f, "</td><td class=\"text\">%s</td><td class=\"text\">",
						better_word(row->dir));
					html_escape(f, t->sets[s].label);
					fprintf(f, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
						"<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
						"<td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%s</td>"
						"</tr>\n",
						c.n, c.mean, c.median, c.sd, c.cov, c.min, c.max, c.change,
						c.ci, c.pw, c.pu, c.q,
						v == CMP_BETTER ? "better" : v == CMP_WORSE ? "worse"
						: v == CMP_DIFFERS ? "differs" : v == CMP_NO_DIFF ? "nodiff"
						: "na", cmp_verdict_name(v));
				}
			}
			fputs("</tbody></table></div>\n", f);
		}
	}
	fputs("<p class=\"legend\">", f);
	legend_sentence(f, t, html_escape);
	fputs("</p>\n</section>\n", f);
}

/* ---- CSV and JSON: one record per (set, metric) ---- */

static const char *const record_fields[] = {
	"workload", "metric", "unit", "direction", "set", "n", "mean", "median", "stddev",
	"min", "max", "change_pct", "ci_low", "ci_high", "p_welch", "p_mwu", "verdict",
	"cov", "q",
};

static void csv_num_field(FILE *f, double v)
{
	char b[64];

	metric_format_value(b, sizeof(b), v);
	fprintf(f, ",%s", b);
}

static void csv_out(FILE *f, const struct cmp_table *t)
{
	for (size_t h = 0; h < ARRAY_SIZE(record_fields); h++)
		fprintf(f, "%s%s", h ? "," : "", record_fields[h]);
	fputc('\n', f);
	for (size_t r = 0; r < t->n_rows; r++) {
		const struct cmp_row *row = &t->rows[r];

		for (size_t s = 0; s < t->n_sets; s++) {
			const struct cmp_cell *c = &row->cells[s];

			csv_write_str(f, row->workload);
			fputc(',', f);
			csv_write_str(f, row->metric);
			fputc(',', f);
			csv_write_str(f, row->unit);
			fprintf(f, ",%s,", metric_dir_name(row->dir));
			csv_write_str(f, t->sets[s].label);
			fprintf(f, ",%zu", c->s.n);
			csv_num_field(f, c->s.mean);
			csv_num_field(f, c->s.median);
			csv_num_field(f, c->s.stddev);
			csv_num_field(f, c->s.min);
			csv_num_field(f, c->s.max);
			csv_num_field(f, c->change_pct);
			csv_num_field(f, c->t.ci_low);
			csv_num_field(f, c->t.ci_high);
			csv_num_field(f, c->t.p_welch);
			csv_num_field(f, c->t.p_mwu);
			fprintf(f, ",%s", cmp_verdict_name(c->verdict));
			csv_num_field(f, c->s.cov);
			csv_num_field(f, c->q);
			fputc('\n', f);
		}
	}
}

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jstr(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;

	/* not UTF-8 (a hand-edited set): keep it readable rather than drop it */
	if (s && !v) {
		char *c = xstrdup(s);

		for (unsigned char *p = (unsigned char *)c; *p; p++)
			if (*p >= 0x80)
				*p = '?';
		v = json_string(c);
		free(c);
	}
	return v ? v : json_null();
}

static int json_out(FILE *f, const struct cmp_table *t)
{
	json_t *root = json_object(), *sets = json_array(), *env = json_array();
	json_t *recs = json_array();
	struct tally ty;
	int err;

	count_verdicts(t, &ty);
	json_object_set_new(root, "baseline", jstr(t->sets[t->baseline].label));
	json_object_set_new(root, "alpha", json_real(CMP_ALPHA));
	json_object_set_new(root, "verdict_uses",
			    json_string("p_welch adjusted by Benjamini-Hochberg (q) over "
					"comparisons with at least 3 values a side"));
	json_object_set_new(root, "comparisons", json_integer((json_int_t)t->n_tests));
	for (size_t s = 0; s < t->n_sets; s++) {
		const struct rset *rs = &t->sets[s];
		json_t *o = json_object(), *its = json_array();

		json_object_set_new(o, "label", jstr(rs->label));
		json_object_set_new(o, "path", jstr(rs->path));
		json_object_set_new(o, "baseline", json_boolean(s == t->baseline));
		json_object_set_new(o, "problems", json_integer(rs->problems));
		for (size_t i = 0; i < rs->n_iters; i++) {
			json_t *it = json_object();

			json_object_set_new(it, "workload", jstr(rs->iters[i].workload));
			json_object_set_new(it, "iteration", json_integer(rs->iters[i].iteration));
			json_object_set_new(it, "status", jstr(rs->iters[i].status));
			json_object_set_new(it, "reason", jstr(rs->iters[i].reason));
			json_array_append_new(its, it);
		}
		json_object_set_new(o, "iterations", its);
		json_array_append_new(sets, o);
	}
	json_object_set_new(root, "sets", sets);
	for (size_t i = 0; i < t->n_env; i++) {
		const struct cmp_env *e = &t->env[i];
		json_t *o = json_object();

		json_object_set_new(o, "key", jstr(e->key));
		json_object_set_new(o, "set", jstr(t->sets[e->set].label));
		json_object_set_new(o, "baseline_value", jstr(e->base));
		json_object_set_new(o, "value", jstr(e->value));
		json_object_set_new(o, "compared", json_boolean(e->compared));
		json_array_append_new(env, o);
	}
	json_object_set_new(root, "environment", env);
	for (size_t r = 0; r < t->n_rows; r++) {
		const struct cmp_row *row = &t->rows[r];

		for (size_t s = 0; s < t->n_sets; s++) {
			const struct cmp_cell *c = &row->cells[s];
			json_t *o = json_object();

			json_object_set_new(o, "workload", jstr(row->workload));
			json_object_set_new(o, "metric", jstr(row->metric));
			json_object_set_new(o, "unit", jstr(row->unit));
			json_object_set_new(o, "direction", json_string(metric_dir_name(row->dir)));
			json_object_set_new(o, "set", jstr(t->sets[s].label));
			json_object_set_new(o, "n", json_integer((json_int_t)c->s.n));
			json_object_set_new(o, "mean", jnum(c->s.mean));
			json_object_set_new(o, "median", jnum(c->s.median));
			json_object_set_new(o, "stddev", jnum(c->s.stddev));
			json_object_set_new(o, "min", jnum(c->s.min));
			json_object_set_new(o, "max", jnum(c->s.max));
			json_object_set_new(o, "change_pct", jnum(c->change_pct));
			json_object_set_new(o, "ci_low", jnum(c->t.ci_low));
			json_object_set_new(o, "ci_high", jnum(c->t.ci_high));
			json_object_set_new(o, "p_welch", jnum(c->t.p_welch));
			json_object_set_new(o, "p_mwu", jnum(c->t.p_mwu));
			json_object_set_new(o, "verdict", json_string(cmp_verdict_name(c->verdict)));
			json_object_set_new(o, "cov", jnum(c->s.cov));
			json_object_set_new(o, "q", jnum(c->q));
			json_array_append_new(recs, o);
		}
	}
	json_object_set_new(root, "records", recs);
	err = json_dumpf(root, f, JSON_INDENT(1) | JSON_REAL_PRECISION(16));
	fputc('\n', f);
	json_decref(root);
	return err ? -EIO : 0;
}

int compare_print(FILE *f, enum compare_fmt fmt, const struct cmp_table *t, int color)
{
	int err = 0;

	switch (fmt) {
	case CMP_TEXT: text_out(f, t, color); break;
	case CMP_MD: md_out(f, t); break;
	case CMP_CSV: csv_out(f, t); break;
	case CMP_JSON: err = json_out(f, t); break;
	case CMP_HTML: html_out(f, t); break;
	}
	if (!err && ferror(f))
		err = -EIO;
	return err;
}

int compare_write(FILE *f, enum compare_fmt fmt, struct rset *sets, size_t n, size_t baseline,
		  int color)
{
	struct cmp_table t;
	int err = compare_build(sets, n, baseline, &t);

	if (err)
		return err;
	err = compare_print(f, fmt, &t, color);
	compare_free(&t);
	return err;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The compact formats of compare (compare-out.h), the default: one line
 * per metric with the sets side by side, each its mean and its change
 * against the baseline, proven changes marked, as kernel developers quote
 * mmtests' compare-kernels on mailing lists.  Text fits 80 columns (the
 * baseline and two more sets side by side; more sets get blocks of their
 * own, one after the other); markdown is the same table for GitHub.  The
 * rows: the workload's own metrics that have a better direction and are
 * not the same everywhere, and any row, derived summaries included, with a
 * proven change.  -v gives every row with its statistics.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare-out.h"
#include "lib/mmab.h"

#define BLOCK_SETS 2		/* sets beside the baseline in one 80-column block */
#define VALUE_W 10
#define CHANGE_W 10

/* Whether R has a proven change in any set. */
static bool row_proven(const struct cmp_table *t, const struct cmp_row *r)
{
	for (size_t s = 0; s < t->n_sets; s++)
		if (r->cells[s].verdict >= CMP_BETTER)
			return true;
	return false;
}

static bool compact_want(const struct cmp_out *o, const struct cmp_row *r)
{
	double v;
	size_t n;

	if (row_proven(o->t, r))
		return true;
	return r->section == SEC_METRICS && r->dir != METRIC_NONE && !cmp_all_na(o->t, r) &&
	       !cmp_constant_row(o->t, r, &v, &n);
}

/* The mark after a change: B better, W worse, D differs, ? too few to judge. */
static char mark_of(enum cmp_verdict v)
{
	return v == CMP_BETTER ? 'B' : v == CMP_WORSE ? 'W' : v == CMP_DIFFERS ? 'D'
	       : v == CMP_CANNOT_JUDGE ? '?' : ' ';
}

/*
 * "(-29.37%)" for a change not proven, "*-90.11%*" for a proven one (with
 * MD, parentheses: the cell is bold); "" for none.
 */
static void change_text(char *b, size_t len, const struct cmp_cell *c, bool md)
{
	char pc[32];

	if (c->verdict == CMP_BASELINE || c->verdict == CMP_NA ||
	    (isnan(c->change_pct) && c->verdict < CMP_BETTER)) {
		*b = '\0';
		return;
	}
	if (fabs(c->change_pct) >= 99999.5)	/* a column of CHANGE_W: "(+1e+06%)" */
		snprintf(pc, sizeof(pc), "%+.0e%%", c->change_pct);
	else
		cmp_fmt_pct(pc, sizeof(pc), c->change_pct);	/* n/a from a zero baseline */
	snprintf(b, len, c->verdict >= CMP_BETTER && !md ? "*%s*" : "(%s)", pc);
}

/* ---- text ---- */

/* The sets of each block: the others in order, BLOCK_SETS at a time. */
struct blocks {
	size_t n;
	size_t (*sets)[BLOCK_SETS];	/* set indices, SIZE_MAX for none */
	FILE **f;
	char **buf;
	size_t *len;
	size_t width;			/* of the metric names */
};

static void blocks_open(struct cmp_out *o)
{
	const struct cmp_table *t = o->t;
	struct blocks *b = xcalloc(1, sizeof(*b));
	size_t others = t->n_sets - 1, k = 0;

	b->n = others ? (others + BLOCK_SETS - 1) / BLOCK_SETS : 1;
	b->sets = xcalloc(b->n, sizeof(*b->sets));
	b->f = xcalloc(b->n, sizeof(*b->f));
	b->buf = xcalloc(b->n, sizeof(*b->buf));
	b->len = xcalloc(b->n, sizeof(*b->len));
	for (size_t i = 0; i < b->n; i++)
		for (size_t j = 0; j < BLOCK_SETS; j++)
			b->sets[i][j] = SIZE_MAX;
	for (size_t s = 0; s < t->n_sets; s++)
		if (s != t->baseline) {
			b->sets[k / BLOCK_SETS][k % BLOCK_SETS] = s;
			k++;
		}
	for (size_t i = 0; i < b->n; i++) {
		b->f[i] = open_memstream(&b->buf[i], &b->len[i]);
		if (!b->f[i])
			abort();
	}
	/* 80 columns: "  " name " " baseline, then " " value " " change mark per set */
	b->width = 80 - 2 - 1 - VALUE_W -
		   (t->n_sets > 1 ? (t->n_sets > 2 ? BLOCK_SETS : 1) : 0) *
		   (1 + VALUE_W + 1 + CHANGE_W + 1);
	o->priv = b;
}

/*
 * Set S's label right-aligned in WIDTH columns.  When a label does not
 * fit, every label is shortened the same way (rset_label_short: "~defer"
 * beside "~madvise"), then cut from the front; the first line has them in
 * full.
 */
static void head_label(FILE *f, const struct cmp_table *t, size_t s, size_t width, bool all)
{
	const char **labels = xcalloc(t->n_sets, sizeof(*labels));
	char *l, *safe;
	size_t len;

	for (size_t i = 0; i < t->n_sets; i++)
		labels[i] = t->sets[i].label;
	l = rset_label_short(labels, t->n_sets, s, all ? 0 : width);
	len = strlen(l);
	safe = len > width ? xasprintf("~%s", l + len - width + 1) : xstrdup(l);
	for (unsigned char *p = (unsigned char *)safe; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	fprintf(f, "%*s", (int)width, safe);
	free(safe);
	free(l);
	free(labels);
}

/* The column heads of block I: the labels over their values. */
static void block_head(const struct cmp_out *o, const struct blocks *b, size_t i)
{
	const struct cmp_table *t = o->t;
	bool all = strlen(t->sets[t->baseline].label) > VALUE_W;
	FILE *f = b->f[i];

	for (size_t s = 0; s < t->n_sets; s++)
		all |= strlen(t->sets[s].label) > VALUE_W + 1 + CHANGE_W;
	fprintf(f, "%*s", (int)(2 + b->width + 1), "");
	head_label(f, t, t->baseline, VALUE_W, all);
	for (size_t j = 0; j < BLOCK_SETS && b->sets[i][j] != SIZE_MAX; j++) {
		fputc(' ', f);
		head_label(f, t, b->sets[i][j], VALUE_W + 1 + CHANGE_W, all);
	}
	fputc('\n', f);
}

/* The first line: which sets, against which baseline. */
static void compact_title(FILE *f, const struct cmp_table *t)
{
	char *line = xstrdup("mmab compare:"), *x;

	for (size_t s = 0, k = 0; s < t->n_sets; s++) {
		if (s == t->baseline)
			continue;
		x = xasprintf("%s%s %s", line, k++ ? "," : "", t->sets[s].label);
		free(line);
		line = x;
	}
	x = xasprintf("%s%s %s (baseline)", line, t->n_sets > 1 ? " against" : "",
		      t->sets[t->baseline].label);
	free(line);
	line = x;
	cmp_tty_wrap(f, line, 78, "  ");
	free(line);
}

static void text_compact_begin(struct cmp_out *o)
{
	const struct cmp_table *t = o->t;
	struct blocks *b;

	compact_title(o->f, t);
	cmp_tty_alerts(o->f, t);
	cmp_tty_env_short(o->f, t);
	blocks_open(o);
	b = o->priv;
	for (size_t i = 0; i < b->n; i++) {
		fputc('\n', b->f[i]);
		block_head(o, b, i);
	}
}

/* Whether RI, not used, ended like an earlier iteration of W in RS (listed with it). */
static bool listed(const struct rset *rs, const struct rset_iter *ri, const char *w)
{
	for (const struct rset_iter *o = rs->iters; o < ri; o++)
		if (!strcmp(o->workload, w) && !rset_iter_used(o) && !strcmp(o->status, ri->status) &&
		    !strcmp(o->reason, ri->reason))
			return true;
	return false;
}

/* "LABEL #1 #4 failed oom": RS's iterations of W that ended like RI. */
static char *not_used(const struct rset *rs, const struct rset_iter *ri, const char *w)
{
	char *s = xstrdup(rs->label), *x;

	for (const struct rset_iter *o = ri; o < rs->iters + rs->n_iters; o++) {
		if (strcmp(o->workload, w) || rset_iter_used(o) || strcmp(o->status, ri->status) ||
		    strcmp(o->reason, ri->reason))
			continue;
		x = xasprintf("%s #%d", s, o->iteration);
		free(s);
		s = x;
	}
	x = xasprintf("%s %s%s%s", s, ri->status, *ri->reason ? " " : "", ri->reason);
	free(s);
	return x;
}

/* The workload's name, and its iterations that were not used, grouped by how they ended. */
static void text_compact_workload(struct cmp_out *o, const char *w)
{
	const struct blocks *b = o->priv;
	char *line = xstrdup(w), *x;
	bool any = false;

	for (size_t s = 0; s < o->t->n_sets; s++) {
		const struct rset *rs = &o->t->sets[s];

		for (size_t i = 0; i < rs->n_iters; i++) {
			const struct rset_iter *ri = &rs->iters[i];
			char *one;

			if (strcmp(ri->workload, w) || rset_iter_used(ri) || listed(rs, ri, w))
				continue;
			one = not_used(rs, ri, w);
			x = xasprintf("%s%s %s", line, any ? "," : " (not used:", one);
			free(one);
			free(line);
			line = x;
			any = true;
		}
	}
	if (any) {
		x = xasprintf("%s)", line);
		free(line);
		line = x;
	}
	for (size_t i = 0; i < b->n; i++)
		cmp_tty_wrap(b->f[i], line, 78, "    ");
	free(line);
}

/* One set's value, change and mark in block I's line. */
static void text_compact_cell(FILE *f, const struct cmp_cell *c, bool baseline)
{
	char v[32], ch[40];

	cmp_fmt_num(v, sizeof(v), c->s.mean);
	if (baseline) {
		fprintf(f, " %*s", VALUE_W, v);
		return;
	}
	change_text(ch, sizeof(ch), c, false);
	fprintf(f, " %*s %*s%c", VALUE_W, v, CHANGE_W, ch, mark_of(c->verdict));
}

static void text_compact_row(struct cmp_out *o, const struct cmp_row *r)
{
	const struct blocks *b = o->priv;

	for (size_t i = 0; i < b->n; i++) {
		FILE *f = b->f[i];

		fputs("  ", f);
		cmp_tty_cell(f, r->metric, b->width, true);
		text_compact_cell(f, &r->cells[o->t->baseline], true);
		for (size_t j = 0; j < BLOCK_SETS && b->sets[i][j] != SIZE_MAX; j++)
			text_compact_cell(f, &r->cells[b->sets[i][j]], false);
		fputc('\n', f);
	}
}

/*
 * The blocks, trailing blanks trimmed, the legend, then the verdicts and,
 * last, what would settle the closest ones.
 */
static int text_compact_end(struct cmp_out *o)
{
	struct blocks *b = o->priv;

	for (size_t i = 0; i < b->n; i++) {
		char *line, *save = NULL;

		if (fclose(b->f[i]))
			abort();
		for (line = strtok_r(b->buf[i], "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			size_t len = strlen(line);

			while (len && line[len - 1] == ' ')
				len--;
			fprintf(o->f, "%.*s\n", (int)len, line);
		}
		if (i + 1 < b->n)
			fputc('\n', o->f);
		free(b->buf[i]);
	}
	fputs("\n(x%): change of the mean, not proven; *x%*: proven (q < 0.05): B better,\n"
	      "W worse, D differs; ?: fewer than 3 values a side.  Every metric, p, CI\n"
	      "and the power of each test: mmab compare -v.\n\n", o->f);
	cmp_tty_verdicts(o->f, o->t);
	cmp_tty_advice(o->f, o->t, CMP_CLOSE);
	free(b->sets);
	free(b->f);
	free(b->buf);
	free(b->len);
	free(b);
	return 0;
}

const struct cmp_out_ops cmp_text_compact_ops = {
	.want_row = compact_want,
	.begin = text_compact_begin,
	.workload = text_compact_workload,
	.row = text_compact_row,
	.end = text_compact_end,
};

/* ---- markdown ---- */

static void md_compact_begin(struct cmp_out *o)
{
	const struct cmp_table *t = o->t;

	fputs("## mmab compare\n\n", o->f);
	for (size_t s = 0, k = 0; s < t->n_sets; s++) {
		if (s == t->baseline)
			continue;
		fputs(k++ ? ", " : "", o->f);
		cmp_md_put(o->f, t->sets[s].label);
	}
	fputs(t->n_sets > 1 ? " against **" : "**", o->f);
	cmp_md_put(o->f, t->sets[t->baseline].label);
	fputs("** (baseline).\n\n", o->f);
	cmp_md_alerts(o->f, t);
	for (size_t i = 0; i < t->n_env; i++)
		cmp_md_env(o->f, t, &t->env[i]);
}

static void md_compact_workload(struct cmp_out *o, const char *w)
{
	const struct cmp_table *t = o->t;
	bool first = true;

	fputs("\n### ", o->f);
	cmp_md_put(o->f, w);
	fputs("\n\n", o->f);
	for (size_t s = 0; s < t->n_sets; s++)
		for (size_t i = 0; i < t->sets[s].n_iters; i++) {
			const struct rset_iter *ri = &t->sets[s].iters[i];

			if (strcmp(ri->workload, w) || rset_iter_used(ri))
				continue;
			fputs(first ? "Not used: " : ", ", o->f);
			cmp_md_put(o->f, t->sets[s].label);
			fprintf(o->f, " #%d ", ri->iteration);
			cmp_md_put(o->f, ri->status);
			fputc(' ', o->f);
			cmp_md_put(o->f, ri->reason);
			first = false;
		}
	fputs(first ? "| metric |" : ".\n\n| metric |", o->f);
	for (size_t s = 0; s < t->n_sets; s++) {
		fputc(' ', o->f);
		cmp_md_put(o->f, t->sets[s].label);
		fputs(" |", o->f);
	}
	fputs("\n|---|", o->f);
	for (size_t s = 0; s < t->n_sets; s++)
		fputs("--:|", o->f);
	fputc('\n', o->f);
}

static void md_compact_row(struct cmp_out *o, const struct cmp_row *r)
{
	fputs("| ", o->f);
	cmp_md_put(o->f, r->metric);
	for (size_t s = 0; s < o->t->n_sets; s++) {
		const struct cmp_cell *c = &r->cells[s];
		char v[32], ch[40];
		bool proven = c->verdict >= CMP_BETTER;

		cmp_fmt_num(v, sizeof(v), c->s.mean);
		change_text(ch, sizeof(ch), c, true);
		fprintf(o->f, " | %s%s%s%s%s%s", proven ? "**" : "", v, *ch ? " " : "", ch,
			proven ? " " : "", proven ? cmp_verdict_name(c->verdict) : "");
		fprintf(o->f, "%s%s", proven ? "**" : "", c->verdict == CMP_CANNOT_JUDGE ? " ?" : "");
	}
	fputs(" |\n", o->f);
}

static int md_compact_end(struct cmp_out *o)
{
	struct cmp_tally ty;
	struct cmp_near near[CMP_CLOSE];
	size_t n = cmp_closest(o->t, near, CMP_CLOSE), nl;
	char **lines, *pairs = cmp_pairing_text(o->t);

	cmp_tally(o->t, &ty);
	fprintf(o->f, "\n**Verdicts**: %zu better, %zu worse, %zu differ in %zu comparisons (false "
		"discovery rate %.0f%%), %zu not judged (fewer than %d values a side). %s "
		"(x%%): change of the mean against the baseline; in bold with its verdict when "
		"proven (q < 0.05); ?: too few values to judge. Every metric with its "
		"statistics: `mmab compare -v -f md`.\n",
		ty.v[CMP_BETTER], ty.v[CMP_WORSE], ty.v[CMP_DIFFERS], o->t->n_tests,
		100 * CMP_ALPHA, ty.v[CMP_CANNOT_JUDGE], CMP_MIN_N, pairs);
	free(pairs);
	if (!n)
		return 0;
	fputs("\nClosest to a verdict (iterations a side that would prove the change):\n\n", o->f);
	for (size_t i = 0; i < n; i++) {
		char pc[32];

		cmp_fmt_pct(pc, sizeof(pc), near[i].row->cells[near[i].set].change_pct);
		fputs("- ", o->f);
		cmp_md_put(o->f, near[i].row->workload);
		fputc(' ', o->f);
		cmp_md_put(o->f, near[i].row->metric);
		fputc(' ', o->f);
		cmp_md_put(o->f, o->t->sets[near[i].set].label);
		fprintf(o->f, " %s: %.0f\n", pc, near[i].n);
	}
	nl = cmp_settle(o->t, near, n, &lines);
	fputs(nl ? "\n```sh\n" : "", o->f);
	for (size_t i = 0; i < nl; i++) {
		for (unsigned char *p = (unsigned char *)lines[i]; *p; p++)
			if (*p < 0x20 || *p == 0x7f || *p == '`')
				*p = '?';
		fprintf(o->f, "%s\n", lines[i]);
		free(lines[i]);
	}
	fputs(nl ? "```\n" : "", o->f);
	free(lines);
	return 0;
}

const struct cmp_out_ops cmp_md_compact_ops = {
	.want_row = compact_want,
	.begin = md_compact_begin,
	.workload = md_compact_workload,
	.row = md_compact_row,
	.end = md_compact_end,
};

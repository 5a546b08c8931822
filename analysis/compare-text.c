/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The text format of compare (compare-out.h): for a terminal or a
 * mailing list, 80 columns, a legend, colours only when asked.  Control
 * characters from result sets are printed as '?'.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare-out.h"
#include "lib/mmab.h"

#define LABEL_W 16		/* set labels in text rows */

/* Under a cell not proven: what this n detects, and what would prove the change. */
static void text_power(FILE *f, const struct cmp_cell *c)
{
	char mde[32], n[16];

	if (c->verdict != CMP_NO_DIFF || isnan(c->mde_pct))
		return;
	cmp_fmt_mde(mde, sizeof(mde), c->mde_pct);
	cmp_fmt_n(n, sizeof(n), c);
	if (!strcmp(n, "-"))
		fprintf(f, "      mde %s\n", mde);
	else
		fprintf(f, "      mde %s; %s a side would prove this change\n", mde, n);
}

/* The lines under a set: its cell C against the baseline's BASE. */
static void text_against(FILE *f, const struct cmp_cell *base, const struct cmp_cell *c,
			 int color)
{
	char b[6][32], line[256];

	cmp_fmt_pct(b[0], sizeof(b[0]), c->change_pct);
	if (c->verdict == CMP_NA)
		return;		/* the baseline has no value: nothing to compare */
	if (c->verdict == CMP_CANNOT_JUDGE) {
		fprintf(f, "    %-7s fewer than %d values a side: cannot judge\n", b[0], CMP_MIN_N);
		return;
	}
	cmp_fmt_ci(b[1], b[2], sizeof(b[1]), base, c);
	cmp_fmt_p(b[5], sizeof(b[5]), c->q);
	if (c->test == CMP_TEST_PAIRED) {
		cmp_fmt_p(b[3], sizeof(b[3]), c->pt.p_t);
		cmp_fmt_p(b[4], sizeof(b[4]), c->pt.p_wilcoxon);
		snprintf(line, sizeof(line), "    %-7s [%s, %s]  pt %s  W %s  q %s", b[0], b[1], b[2],
			 b[3], b[4], b[5]);
	} else {
		cmp_fmt_p(b[3], sizeof(b[3]), c->t.p_welch);
		cmp_fmt_p(b[4], sizeof(b[4]), c->t.p_mwu);
		snprintf(line, sizeof(line), "    %-7s [%s, %s]  p %s  U %s  q %s", b[0], b[1], b[2],
			 b[3], b[4], b[5]);
	}
	/* the verdict goes on its own line rather than past column 80 */
	fprintf(f, "%s%s%s%s%s\n", line,
		strlen(line) + 2 + strlen(cmp_tty_verdict(c->verdict)) > 80 ? "\n      " : "  ",
		cmp_tty_color(c->verdict, color), cmp_tty_verdict(c->verdict),
		*cmp_tty_color(c->verdict, color) ? "\033[0m" : "");
	text_power(f, c);
}

static void text_row(FILE *f, const struct cmp_table *t, const struct cmp_row *r, int color)
{
	char b[6][32];
	double v;
	size_t n;

	cmp_tty_cell(f, cmp_short_name(r), 40, false);
	fprintf(f, " [");
	cmp_tty_cell(f, r->unit[0] ? r->unit : "-", 12, false);
	fprintf(f, ", %s%s]", cmp_dir_text(r->dir), r->agg == AGG_HMEAN ? ", harmonic mean" : "");
	if (cmp_constant_row(t, r, &v, &n)) {
		cmp_fmt_num(b[0], sizeof(b[0]), v);
		fprintf(f, ": %s in all %zu values\n", b[0], n);
		return;
	}
	fprintf(f, "\n  %-*s   n      mean    median    stddev    CoV       min       max\n",
		LABEL_W, "set");
	for (size_t s = 0; s < t->n_sets; s++) {
		const struct cmp_cell *c = &r->cells[s];

		fputs("  ", f);
		cmp_tty_label(f, t, s, LABEL_W, true);
		if (!c->s.n) {
			fputs("   0  n/a (not recorded)\n", f);
			continue;
		}
		cmp_fmt_num(b[0], sizeof(b[0]), c->s.mean);
		cmp_fmt_num(b[1], sizeof(b[1]), c->s.median);
		cmp_fmt_num(b[2], sizeof(b[2]), c->s.stddev);
		cmp_fmt_cov(b[3], sizeof(b[3]), c->s.cov);
		cmp_fmt_num(b[4], sizeof(b[4]), c->s.min);
		cmp_fmt_num(b[5], sizeof(b[5]), c->s.max);
		fprintf(f, " %3zu %9s %9s %9s %6s %9s %9s\n", c->s.n, b[0], b[1], b[2], b[3], b[4],
			b[5]);
		if (s != t->baseline)
			text_against(f, &r->cells[t->baseline], c, color);
	}
}

/* "n/a in every set: a, b, c" wrapped at 80 columns. */
static void text_na_list(FILE *f, const struct cmp_table *t, const struct cmp_row *rows,
			 size_t n)
{
	size_t col = 0;

	for (size_t r = 0; r < n; r++) {
		const char *name = cmp_short_name(&rows[r]);

		if (!cmp_all_na(t, &rows[r]))
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
		cmp_tty_cell(f, name, 60, false);
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
		"without ties, else normal with tie correction).  Sets paired by seed\n"
		"(iteration k with the same seed on both sides) are tested on the\n"
		"differences of their pairs instead: CI of the mean difference, pt = the\n"
		"paired t-test, W = Wilcoxon's signed-rank test.  q = the p of the test\n"
		"used (p or pt) adjusted by Benjamini-Hochberg over the %zu comparisons\n"
		"with %d or more values (pairs) a side.  mde = the smallest change the\n"
		"test detects with power 0.8 at this n and noise (two-sided 0.05); \"N a\n"
		"side would prove\" it: in a run of that workload alone.\n"
		"Verdict: BETTER/WORSE (DIFFERS without a better direction) when q < %.2f,\n"
		"else \"no difference proven\".  vmstat figures are first-to-last deltas of\n"
		"each iteration ('mmab help compare' has every formula).\n",
		t->n_tests, CMP_MIN_N, CMP_ALPHA);
}

static void text_summary(FILE *f, const struct cmp_table *t)
{
	struct cmp_tally ty;

	char *pairs = cmp_pairing_text(t);

	cmp_tally(t, &ty);
	fprintf(f, "Verdicts: %zu better, %zu worse, %zu differ, %zu no difference proven,\n"
		"%zu cannot be judged (fewer than %d values a side), %zu n/a.  False\n"
		"discovery rate %.0f%%: the p of each test adjusted (Benjamini-Hochberg)\n"
		"over %zu comparisons.\n",
		ty.v[CMP_BETTER], ty.v[CMP_WORSE], ty.v[CMP_DIFFERS], ty.v[CMP_NO_DIFF],
		ty.v[CMP_CANNOT_JUDGE], CMP_MIN_N, ty.v[CMP_NA], 100 * CMP_ALPHA, t->n_tests);
	cmp_tty_wrap(f, pairs, 78, "");
	free(pairs);
	cmp_tty_proven(f, t);
	cmp_tty_advice(f, t, CMP_CLOSE);
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
		char *it = cmp_iter_summary(&t->sets[s], w);

		fputs(s ? "; " : " ", m);
		cmp_tty_cell(m, t->sets[s].label, 24, false);
		fprintf(m, " %s", it);
		free(it);
	}
	fclose(m);
	if (len <= 80) {
		fprintf(f, "%s\n", buf);
	} else {
		fputs("iterations:\n", f);
		for (size_t s = 0; s < t->n_sets; s++) {
			char *it = cmp_iter_summary(&t->sets[s], w);

			fputs("  ", f);
			cmp_tty_label(f, t, s, 40, false);
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
			cmp_tty_label(f, t, s, 16, false);
			fprintf(f, " #%d %s: ", ri->iteration, ri->status);
			cmp_tty_cell(f, ri->reason, 40, false);
			fputc('\n', f);
		}
}

/* ---- the walk's callbacks ---- */

static bool text_want(const struct cmp_out *o, const struct cmp_row *r)
{
	return !cmp_all_na(o->t, r);
}

static void text_begin(struct cmp_out *o)
{
	const struct cmp_table *t = o->t;
	FILE *f = o->f;

	fprintf(f, "mmab compare: %zu result set%s, baseline ", t->n_sets, t->n_sets == 1 ? "" : "s");
	cmp_tty_cell(f, t->sets[t->baseline].label, 40, false);
	fputc('\n', f);
	for (size_t s = 0; s < t->n_sets; s++) {
		fprintf(f, "  %c ", s == t->baseline ? '*' : ' ');
		cmp_tty_cell(f, t->sets[s].label, 24, true);
		fputc(' ', f);
		cmp_tty_tail(f, t->sets[s].path, 48, false);
		fputc('\n', f);
	}
	fputc('\n', f);
	cmp_tty_alerts(f, t);
	if (t->n_env) {
		cmp_tty_env(f, t);
		fputc('\n', f);
	}
	text_summary(f, t);
}

static void text_workload(struct cmp_out *o, const char *w)
{
	fputs("\n== ", o->f);
	cmp_tty_cell(o->f, w, 60, false);
	fputs(" ==\n", o->f);
	text_iterations(o->f, o->t, w);
}

static void text_section(struct cmp_out *o, const struct cmp_row *rows, size_t n)
{
	(void)n;
	fprintf(o->f, "\n-- %s --\n", cmp_section_title(rows[0].section));
}

static void text_row_cb(struct cmp_out *o, const struct cmp_row *r)
{
	text_row(o->f, o->t, r, o->flags & CMP_COLOR);
}

static void text_section_end(struct cmp_out *o, const struct cmp_row *rows, size_t n)
{
	text_na_list(o->f, o->t, rows, n);
}

static int text_end(struct cmp_out *o)
{
	fputc('\n', o->f);
	text_legend(o->f, o->t);
	return 0;
}

const struct cmp_out_ops cmp_text_ops = {
	.want_row = text_want,
	.begin = text_begin,
	.workload = text_workload,
	.section = text_section,
	.row = text_row_cb,
	.section_end = text_section_end,
	.end = text_end,
};

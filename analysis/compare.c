/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building the comparison (compare.h): the rows (compare-rows.c), each
 * cell summarised and tested against the baseline, the false discovery
 * rate controlled over the whole table, and the environment diff
 * (compare-env.c).  The output formats are compare-print.c's.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare-int.h"
#include "lib/mmab.h"

static const char *const verdict_names[] = {
	[CMP_BASELINE] = "baseline",
	[CMP_NA] = "n/a",
	[CMP_CANNOT_JUDGE] = "cannot judge",
	[CMP_NO_DIFF] = "no difference proven",
	[CMP_BETTER] = "better",
	[CMP_WORSE] = "worse",
	[CMP_DIFFERS] = "differs",
};

const char *cmp_verdict_name(enum cmp_verdict v)
{
	return (unsigned)v < ARRAY_SIZE(verdict_names) ? verdict_names[v] : "n/a";
}

static const char *const test_names[] = {
	[CMP_TEST_WELCH] = "welch",
	[CMP_TEST_PAIRED] = "paired-t",
};

const char *cmp_test_name(enum cmp_test t)
{
	return t == CMP_TEST_WELCH || t == CMP_TEST_PAIRED ? test_names[t] : NULL;
}

/* ---- pairs ---- */

/*
 * Whether sets A and B are paired for workload W: some iteration ended ok
 * on both sides, and every such iteration had one and the same seed on
 * both.
 */
static bool sets_paired(const struct rset *a, const struct rset *b, const char *w)
{
	size_t common = 0;

	for (size_t i = 0; i < a->n_iters; i++) {
		const struct rset_iter *x = &a->iters[i], *y;

		if (strcmp(x->workload, w) || !rset_iter_used(x))
			continue;
		y = rset_iter_find(b, w, x->iteration);
		if (!y || !rset_iter_used(y))
			continue;
		if (x->seed == RSET_NO_SEED || x->seed != y->seed)
			return false;
		common++;
	}
	return common > 0;
}

/*
 * C against BASE as pairs matched by iteration: the paired tests in
 * c->pt, and the finite values left without a partner in c->dropped.
 */
static void pair_up(struct cmp_cell *c, const struct cmp_cell *base)
{
	double *a = xcalloc(c->n_values + 1, sizeof(*a)), *b = xcalloc(c->n_values + 1, sizeof(*b));
	size_t n = 0, finite = 0;

	for (size_t i = 0; i < c->n_values; i++) {
		finite += isfinite(c->values[i]);
		for (size_t k = 0; k < base->n_values; k++)
			if (base->iterations[k] == c->iterations[i]) {
				a[n] = base->values[k];
				b[n++] = c->values[i];
				break;
			}
	}
	for (size_t k = 0; k < base->n_values; k++)
		finite += isfinite(base->values[k]);
	stats_paired(a, b, n, &c->pt);
	c->dropped = finite - 2 * c->pt.n;
	free(a);
	free(b);
}

/* ---- statistics and verdicts ---- */

/* The p-values a BH family is made of, with the cells they came from. */
struct family {
	double *p;
	struct cmp_cell **cell;
	const struct cmp_row **row;
	size_t n;
};

static void family_add(struct family *f, struct cmp_cell *c, const struct cmp_row *row, double p)
{
	f->p = xrealloc(f->p, (f->n + 1) * sizeof(*f->p));
	f->cell = xrealloc(f->cell, (f->n + 1) * sizeof(*f->cell));
	f->row = xrealloc(f->row, (f->n + 1) * sizeof(*f->row));
	f->p[f->n] = p;
	f->cell[f->n] = c;
	f->row[f->n++] = row;
}

/* The test C's verdict rests on: paired when PAIRED and enough pairs are left. */
static void choose_test(struct cmp_cell *c, bool paired)
{
	bool use_pairs = paired && c->pt.n >= CMP_MIN_N;

	c->test = use_pairs ? CMP_TEST_PAIRED : CMP_TEST_WELCH;
	c->diff = use_pairs ? c->pt.diff : c->t.diff;
	c->ci_low = use_pairs ? c->pt.ci_low : c->t.ci_low;
	c->ci_high = use_pairs ? c->pt.ci_high : c->t.ci_high;
	c->p = use_pairs ? c->pt.p_t : c->t.p_welch;
}

/*
 * Cell C of ROW against the baseline's cell BASE, PAIRED or not: tested,
 * and in the family if it can be.
 */
static void judge_cell(struct cmp_cell *c, const struct cmp_cell *base, const struct cmp_row *row,
		       bool paired, struct family *fam)
{
	stats_compare(base->values, base->n_values, c->values, c->n_values, &c->t);
	memset(&c->pt, 0, sizeof(c->pt));
	c->dropped = 0;
	if (paired)
		pair_up(c, base);
	choose_test(c, paired);
	/* of the means shown: harmonic ones for rates */
	c->change_pct = base->s.n && c->s.n && base->s.mean != 0
		? 100 * (c->s.mean - base->s.mean) / fabs(base->s.mean) : NAN;
	c->verdict = CMP_NO_DIFF;
	if (!base->s.n || !c->s.n) {
		c->verdict = CMP_NA;
		c->test = CMP_TEST_NONE;
	} else if (c->test == CMP_TEST_WELCH && (base->s.n < CMP_MIN_N || c->s.n < CMP_MIN_N)) {
		c->verdict = CMP_CANNOT_JUDGE;
	} else if (!isnan(c->p)) {
		family_add(fam, c, row, c->p);	/* NaN: every value (difference) the same */
	}
}

static void baseline_cell(struct cmp_cell *c)
{
	memset(&c->pt, 0, sizeof(c->pt));
	c->t.diff = c->t.ci_low = c->t.ci_high = c->t.p_welch = NAN;
	c->t.p_mwu = c->t.change_pct = c->change_pct = NAN;
	c->pt.diff = c->pt.sd = c->pt.ci_low = c->pt.ci_high = c->pt.p_t = c->pt.p_wilcoxon = NAN;
	c->diff = c->ci_low = c->ci_high = c->p = NAN;
	c->test = CMP_TEST_NONE;
	c->dropped = 0;
	c->verdict = CMP_BASELINE;
}

/* Benjamini-Hochberg over the family, then the verdict of each cell in it. */
static void judge_family(struct family *fam)
{
	stats_bh_adjust(fam->p, fam->n);
	for (size_t i = 0; i < fam->n; i++) {
		struct cmp_cell *c = fam->cell[i];

		c->q = fam->p[i];
		if (!(c->q < CMP_ALPHA))
			continue;
		if (fam->row[i]->dir == METRIC_NONE)
			c->verdict = CMP_DIFFERS;
		else if ((c->diff > 0) == (fam->row[i]->dir == METRIC_HIGHER))
			c->verdict = CMP_BETTER;
		else
			c->verdict = CMP_WORSE;
	}
}

/* Whether each set is paired with the baseline for ROW's workload (PAIRED[set]). */
static void pairing(const struct cmp_table *t, const struct cmp_row *row, const char **w,
		    bool *paired)
{
	if (*w && !strcmp(*w, row->workload))
		return;
	*w = row->workload;
	for (size_t s = 0; s < t->n_sets; s++)
		paired[s] = s != t->baseline &&
			    sets_paired(&t->sets[t->baseline], &t->sets[s], row->workload);
}

/* ---- what the data can prove ---- */

static bool proven(enum cmp_verdict v)
{
	return v == CMP_BETTER || v == CMP_WORSE || v == CMP_DIFFERS;
}

/*
 * The variances of C's test (paired: VA of the differences) and the
 * standard error and degrees of freedom of its estimate; false when it
 * has fewer than 2 values (pairs) a side.
 */
static bool noise(const struct cmp_cell *c, const struct cmp_cell *base, double *va, double *vb,
		  double *se, double *df)
{
	if (c->test == CMP_TEST_PAIRED) {
		*va = c->pt.sd * c->pt.sd;
		*vb = NAN;
		*se = c->pt.sd / sqrt((double)c->pt.n);
		*df = (double)c->pt.n - 1;
		return c->pt.n > 1;
	}
	if (base->s.n < 2 || c->s.n < 2)
		return false;
	*va = base->s.stddev * base->s.stddev;
	*vb = c->s.stddev * c->s.stddev;
	{
		double a = *va / (double)base->s.n, b = *vb / (double)c->s.n;

		*se = sqrt(a + b);
		*df = a + b > 0 ? (a + b) * (a + b) / (a * a / (double)(base->s.n - 1) +
						       b * b / (double)(c->s.n - 1))
				: (double)(base->s.n + c->s.n - 2);
	}
	return true;
}

/* mde_pct and (not proven) n_needed of C, at level ALPHA_W for n_needed. */
static void power_cell(struct cmp_cell *c, const struct cmp_cell *base, double alpha_w)
{
	double va, vb, se, df, m = base->s.n ? base->s.sum / (double)base->s.n : NAN;

	c->mde_pct = c->n_needed = NAN;
	if (c->test == CMP_TEST_NONE || !noise(c, base, &va, &vb, &se, &df))
		return;
	if (m != 0)
		c->mde_pct = 100 * stats_mde(se, df, CMP_ALPHA, CMP_POWER) / fabs(m);
	if (c->verdict != CMP_NO_DIFF && c->verdict != CMP_CANNOT_JUDGE)
		return;
	c->n_needed = stats_n_needed(va, vb, c->test == CMP_TEST_PAIRED, c->diff, alpha_w,
				     CMP_POWER, CMP_N_MAX);
	if (c->n_needed < CMP_MIN_N)
		c->n_needed = CMP_MIN_N;
}

/*
 * Per workload and set, the level its comparisons would be held to in a
 * run of their own (compare.h), and each cell's power figures.
 */
static void power(struct cmp_table *t)
{
	for (size_t r = 0; r < t->n_rows;) {
		size_t end = r;

		while (end < t->n_rows && !strcmp(t->rows[end].workload, t->rows[r].workload))
			end++;
		for (size_t s = 0; s < t->n_sets; s++) {
			size_t m = 0, d = 0;

			if (s == t->baseline)
				continue;
			for (size_t k = r; k < end; k++) {
				m += !isnan(t->rows[k].cells[s].q);
				d += proven(t->rows[k].cells[s].verdict);
			}
			for (size_t k = r; k < end; k++)
				power_cell(&t->rows[k].cells[s], &t->rows[k].cells[t->baseline],
					   m ? CMP_ALPHA * (double)(d + 1) / (double)m : CMP_ALPHA);
		}
		for (size_t k = r; k < end; k++)
			t->rows[k].cells[t->baseline].mde_pct =
				t->rows[k].cells[t->baseline].n_needed = NAN;
		r = end;
	}
}

static void judge(struct cmp_table *t)
{
	struct family fam = { 0 };
	bool *paired = xcalloc(t->n_sets, sizeof(*paired));
	const char *w = NULL;

	for (size_t r = 0; r < t->n_rows; r++) {
		struct cmp_row *row = &t->rows[r];

		pairing(t, row, &w, paired);
		for (size_t s = 0; s < t->n_sets; s++) {
			struct cmp_cell *c = &row->cells[s];

			stats_summarise(c->values, c->n_values, row->agg, &c->s);
			c->q = NAN;
		}
		for (size_t s = 0; s < t->n_sets; s++) {
			if (s == t->baseline)
				baseline_cell(&row->cells[s]);
			else
				judge_cell(&row->cells[s], &row->cells[t->baseline], row, paired[s],
					   &fam);
		}
	}
	judge_family(&fam);
	t->n_tests = fam.n;
	power(t);
	free(fam.p);
	free(fam.cell);
	free(fam.row);
	free(paired);
}

/* ---- the table ---- */

int compare_build(struct rset *sets, size_t n, size_t baseline, struct cmp_table *t)
{
	memset(t, 0, sizeof(*t));
	if (!n || baseline >= n)
		return -EINVAL;
	t->sets = sets;
	t->n_sets = n;
	t->baseline = baseline;
	cmp_rows_build(t);
	judge(t);
	cmp_env_build(t);
	cmp_alerts_build(t);
	return 0;
}

void compare_free(struct cmp_table *t)
{
	for (size_t r = 0; r < t->n_rows; r++) {
		struct cmp_row *row = &t->rows[r];

		for (size_t s = 0; s < t->n_sets; s++) {
			free(row->cells[s].values);
			free(row->cells[s].iterations);
			free(row->cells[s].seeds);
		}
		free(row->cells);
		free(row->workload);
		free(row->metric);
		free(row->unit);
	}
	free(t->rows);
	for (size_t i = 0; i < t->n_env; i++) {
		free(t->env[i].key);
		free(t->env[i].base);
		free(t->env[i].value);
	}
	free(t->env);
	for (size_t i = 0; i < t->n_alerts; i++)
		free(t->alerts[i].where);
	free(t->alerts);
	memset(t, 0, sizeof(*t));
}


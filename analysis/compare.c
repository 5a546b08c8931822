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

/* Cell C of ROW against the baseline's cell BASE: tested, and in the family if it can be. */
static void judge_cell(struct cmp_cell *c, const struct cmp_cell *base, const struct cmp_row *row,
		       struct family *fam)
{
	stats_compare(base->values, base->n_values, c->values, c->n_values, &c->t);
	/* of the means shown: harmonic ones for rates */
	c->change_pct = base->s.n && c->s.n && base->s.mean != 0
		? 100 * (c->s.mean - base->s.mean) / fabs(base->s.mean) : NAN;
	if (!base->s.n || !c->s.n) {
		c->verdict = CMP_NA;
	} else if (base->s.n < CMP_MIN_N || c->s.n < CMP_MIN_N) {
		c->verdict = CMP_CANNOT_JUDGE;
	} else if (isnan(c->t.p_welch)) {
		c->verdict = CMP_NO_DIFF;	/* every value the same */
	} else {
		family_add(fam, c, row, c->t.p_welch);
		c->verdict = CMP_NO_DIFF;
	}
}

static void baseline_cell(struct cmp_cell *c)
{
	c->t.diff = c->t.ci_low = c->t.ci_high = c->t.p_welch = NAN;
	c->t.p_mwu = c->t.change_pct = c->change_pct = NAN;
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
		else if ((c->t.diff > 0) == (fam->row[i]->dir == METRIC_HIGHER))
			c->verdict = CMP_BETTER;
		else
			c->verdict = CMP_WORSE;
	}
}

static void judge(struct cmp_table *t)
{
	struct family fam = { 0 };

	for (size_t r = 0; r < t->n_rows; r++) {
		struct cmp_row *row = &t->rows[r];

		for (size_t s = 0; s < t->n_sets; s++) {
			struct cmp_cell *c = &row->cells[s];

			stats_summarise(c->values, c->n_values, row->agg, &c->s);
			c->q = NAN;
		}
		for (size_t s = 0; s < t->n_sets; s++) {
			if (s == t->baseline)
				baseline_cell(&row->cells[s]);
			else
				judge_cell(&row->cells[s], &row->cells[t->baseline], row, &fam);
		}
	}
	judge_family(&fam);
	t->n_tests = fam.n;
	free(fam.p);
	free(fam.cell);
	free(fam.row);
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
	return 0;
}

void compare_free(struct cmp_table *t)
{
	for (size_t r = 0; r < t->n_rows; r++) {
		struct cmp_row *row = &t->rows[r];

		for (size_t s = 0; s < t->n_sets; s++)
			free(row->cells[s].values);
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
	memset(t, 0, sizeof(*t));
}


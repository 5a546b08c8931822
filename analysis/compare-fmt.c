/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What several output formats of compare share (compare-out.h): numbers
 * for people, names and headings, the verdict tally, iteration summaries,
 * the sentences that explain a table, and the cells of the flat table of
 * markdown and HTML.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare-out.h"
#include "lib/mmab.h"

void cmp_fmt_num(char *b, size_t len, double v)
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

void cmp_fmt_pct(char *b, size_t len, double v)
{
	if (isnan(v))
		snprintf(b, len, "n/a");
	else if (fabs(v) < 100)
		snprintf(b, len, "%+.2f%%", v);
	else
		snprintf(b, len, "%+.0f%%", v);
}

void cmp_fmt_p(char *b, size_t len, double p)
{
	if (isnan(p))
		snprintf(b, len, "n/a");
	else if (p < 0.001)
		snprintf(b, len, "<0.001");
	else
		snprintf(b, len, "%.3f", p);
}

void cmp_fmt_cov(char *b, size_t len, double cov)
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

void cmp_fmt_ci(char *lo, char *hi, size_t len, const struct cmp_cell *base,
		const struct cmp_cell *c)
{
	double m = base->s.n ? base->s.sum / (double)base->s.n : NAN;

	if (!isnan(c->ci_low) && m != 0) {
		fpct1(lo, len, 100 * c->ci_low / fabs(m));
		fpct1(hi, len, 100 * c->ci_high / fabs(m));
	} else {
		snprintf(lo, len, "n/a");
		snprintf(hi, len, "n/a");
	}
}

void cmp_fmt_mde(char *b, size_t len, double mde_pct)
{
	if (isnan(mde_pct))
		snprintf(b, len, "n/a");
	else if (mde_pct < 1)
		snprintf(b, len, "%.2g%%", mde_pct);
	else if (mde_pct < 100)
		snprintf(b, len, "%.1f%%", mde_pct);
	else
		snprintf(b, len, "%.0f%%", mde_pct);
}

void cmp_fmt_n(char *b, size_t len, const struct cmp_cell *c)
{
	if (!isnan(c->n_needed))
		snprintf(b, len, "%.0f", c->n_needed);
	else if (c->verdict == CMP_NO_DIFF && c->diff != 0 && !isnan(c->mde_pct))
		snprintf(b, len, ">%d", CMP_N_MAX);
	else
		snprintf(b, len, "-");
}

const char *cmp_dir_text(enum metric_dir d)
{
	return d == METRIC_HIGHER ? "higher is better"
	       : d == METRIC_LOWER ? "lower is better" : "no better direction";
}

const char *cmp_better_word(enum metric_dir d)
{
	return d == METRIC_HIGHER ? "higher" : d == METRIC_LOWER ? "lower" : "-";
}

const char *cmp_section_title(enum cmp_section s)
{
	switch (s) {
	case SEC_METRICS: return "workload metrics (metrics.csv)";
	case SEC_VMSTAT: return "vmstat: first-to-last deltas per iteration";
	case SEC_FRAG: return "fragmentation (buddyinfo.csv, all zones summed)";
	case SEC_SLAB: return "slab caches that grew most (slabinfo.csv)";
	default: return "stalls (stalls.csv), durations in us";
	}
}

const char *cmp_short_name(const struct cmp_row *r)
{
	size_t n = strlen(cmp_section_name(r->section));

	if (r->section != SEC_METRICS && !strncmp(r->metric, cmp_section_name(r->section), n) &&
	    r->metric[n] == '.')
		return r->metric + n + 1;
	return r->metric;
}

bool cmp_constant_row(const struct cmp_table *t, const struct cmp_row *r, double *v,
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

bool cmp_all_na(const struct cmp_table *t, const struct cmp_row *r)
{
	for (size_t s = 0; s < t->n_sets; s++)
		if (r->cells[s].s.n)
			return false;
	return true;
}

void cmp_tally(const struct cmp_table *t, struct cmp_tally *ty)
{
	memset(ty, 0, sizeof(*ty));
	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t s = 0; s < t->n_sets; s++)
			ty->v[t->rows[r].cells[s].verdict]++;
}

char *cmp_iter_summary(const struct rset *rs, const char *w)
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

void cmp_iter_line(FILE *f, const struct cmp_table *t, const char *w,
		      void (*put)(FILE *, const char *), const char *open, const char *close)
{
	for (size_t s = 0; s < t->n_sets; s++) {
		char *it = cmp_iter_summary(&t->sets[s], w);

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

/* Iterations of W used in set A but not in set B. */
static size_t unmatched(const struct rset *a, const struct rset *b, const char *w)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n_iters; i++) {
		const struct rset_iter *x = &a->iters[i], *y;

		if (strcmp(x->workload, w) || !rset_iter_used(x))
			continue;
		y = rset_iter_find(b, w, x->iteration);
		n += !y || !rset_iter_used(y);
	}
	return n;
}

size_t cmp_paired_count(const struct cmp_table *t, size_t *dropped)
{
	const char **counted = xcalloc(t->n_sets, sizeof(*counted));
	size_t n = 0;

	*dropped = 0;
	for (size_t r = 0; r < t->n_rows; r++) {
		const struct cmp_row *row = &t->rows[r];

		for (size_t s = 0; s < t->n_sets; s++) {
			const struct cmp_cell *c = &row->cells[s];

			if (c->test != CMP_TEST_PAIRED)
				continue;
			n += !isnan(c->q);
			/* once per workload and set: the iterations of one side only */
			if (counted[s] && !strcmp(counted[s], row->workload))
				continue;
			counted[s] = row->workload;
			*dropped += unmatched(&t->sets[t->baseline], &t->sets[s], row->workload) +
				    unmatched(&t->sets[s], &t->sets[t->baseline], row->workload);
		}
	}
	free(counted);
	return n;
}

char *cmp_pairing_text(const struct cmp_table *t)
{
	size_t dropped, paired = cmp_paired_count(t, &dropped);

	if (!paired)
		return xstrdup("No set is paired with the baseline (iteration k with the same seed "
			       "on both sides): Welch's t-test throughout.");
	return xasprintf("%zu comparison%s paired by seed (the paired t-test on the differences "
			 "of iterations with the same number and seed; %zu iteration%s without %s "
			 "pair left out); Welch's t-test for the others.", paired,
			 paired == 1 ? "" : "s", dropped, dropped == 1 ? "" : "s",
			 dropped == 1 ? "its" : "their");
}

void cmp_summary_sentence(FILE *f, const struct cmp_table *t,
			  void (*put)(FILE *, const char *))
{
	struct cmp_tally ty;
	char *s, *pairs = cmp_pairing_text(t);

	cmp_tally(t, &ty);
	s = xasprintf("%zu better, %zu worse, %zu differ, %zu no difference proven, %zu cannot "
		      "be judged (fewer than %d values a side), %zu n/a. False discovery rate "
		      "%.0f%%: the p of the test used adjusted by Benjamini-Hochberg over %zu "
		      "comparisons (column q); the verdict uses q. %s",
		      ty.v[CMP_BETTER], ty.v[CMP_WORSE], ty.v[CMP_DIFFERS], ty.v[CMP_NO_DIFF],
		      ty.v[CMP_CANNOT_JUDGE], CMP_MIN_N, ty.v[CMP_NA], 100 * CMP_ALPHA, t->n_tests,
		      pairs);
	put(f, s);
	free(s);
	free(pairs);
}

void cmp_legend_sentence(FILE *f, const struct cmp_table *t, void (*put)(FILE *, const char *))
{
	char *s = xasprintf(
		"n: iterations with a value (failed iterations are not pooled); mean: harmonic "
		"for rates, else arithmetic; change: of the means shown, in %% of the baseline's; "
		"CI: 95%% confidence interval of the difference of the means (Welch), or of the "
		"mean paired difference (paired), in %% of the baseline's mean; test: paired-t "
		"when the sets are paired by seed (3 or more pairs), else welch; p (MWU): "
		"Mann-Whitney U, exact below 50 values without ties, else normal with tie "
		"correction; p (Wilcoxon): signed-rank test of the paired differences, exact "
		"below 50 pairs without ties or zeros; q: the p of the test used adjusted by "
		"Benjamini-Hochberg over the %zu comparisons with %d or more values a side; "
		"MDE: the smallest change the test detects with power 0.8 at two-sided 0.05 at "
		"this n and noise, in %% of the baseline's mean; n needed: for a change not "
		"proven, the iterations a side that would prove it with that power in a run of "
		"its workload alone; "
		"verdict: better or worse (differs, for metrics without a better direction) when "
		"q < %.2f, else no difference proven. vmstat figures are first-to-last deltas "
		"of each iteration.", t->n_tests, CMP_MIN_N, CMP_ALPHA);

	put(f, s);
	free(s);
}

void cmp_env_show(const struct cmp_env *e, char **base, char **value)
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

void cmp_cell_strings(const struct cmp_table *t, const struct cmp_row *r, size_t s,
			 struct cmp_cells *o)
{
	const struct cmp_cell *c = &r->cells[s], *base = &r->cells[t->baseline];
	char lo[32], hi[32];

	snprintf(o->n, sizeof(o->n), "%zu", c->s.n);
	cmp_fmt_num(o->mean, sizeof(o->mean), c->s.mean);
	cmp_fmt_num(o->median, sizeof(o->median), c->s.median);
	cmp_fmt_num(o->sd, sizeof(o->sd), c->s.stddev);
	cmp_fmt_cov(o->cov, sizeof(o->cov), c->s.cov);
	cmp_fmt_num(o->min, sizeof(o->min), c->s.min);
	cmp_fmt_num(o->max, sizeof(o->max), c->s.max);
	if (s == t->baseline) {
		o->change[0] = o->ci[0] = o->pw[0] = o->pu[0] = o->q[0] = '\0';
		o->test[0] = o->pp[0] = o->px[0] = o->mde[0] = o->nn[0] = '\0';
		return;
	}
	cmp_fmt_mde(o->mde, sizeof(o->mde), c->mde_pct);
	cmp_fmt_n(o->nn, sizeof(o->nn), c);
	snprintf(o->test, sizeof(o->test), "%s", cmp_test_name(c->test) ? cmp_test_name(c->test)
									  : "n/a");
	cmp_fmt_p(o->pp, sizeof(o->pp), c->pt.n ? c->pt.p_t : NAN);
	cmp_fmt_p(o->px, sizeof(o->px), c->pt.n ? c->pt.p_wilcoxon : NAN);
	cmp_fmt_pct(o->change, sizeof(o->change), c->change_pct);
	cmp_fmt_ci(lo, hi, sizeof(lo), base, c);
	if (strcmp(lo, "n/a"))
		snprintf(o->ci, sizeof(o->ci), "%s .. %s", lo, hi);
	else
		snprintf(o->ci, sizeof(o->ci), "n/a");
	cmp_fmt_p(o->pw, sizeof(o->pw), c->t.p_welch);
	cmp_fmt_p(o->pu, sizeof(o->pu), c->t.p_mwu);
	cmp_fmt_p(o->q, sizeof(o->q), c->q);
}

const char *const cmp_table_heads[CMP_TABLE_COLS] = {
	"metric", "unit", "better", "set", "n", "mean", "median", "stddev", "CoV", "min", "max",
	"change", "95% CI of change", "test", "p (Welch)", "p (MWU)", "p (paired t)",
	"p (Wilcoxon)", "q (BH)", "MDE", "n needed", "verdict",
};

size_t cmp_alert_lines(const struct cmp_table *t, char ***out)
{
	char *tcg = NULL, *x;
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < t->n_alerts; i++) {
		const struct cmp_alert *a = &t->alerts[i];

		if (a->kind != CMP_ALERT_TCG)
			continue;
		x = xasprintf("%s%s%s", tcg ? tcg : "", tcg ? ", " : "", t->sets[a->set].label);
		free(tcg);
		tcg = x;
	}
	if (tcg) {
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = xasprintf("%s ran in a VM under TCG, without KVM: timings are "
					"emulated; the counters are the guest kernel's own.", tcg);
		free(tcg);
	}
	for (size_t i = 0; i < t->n_alerts; i++) {
		const struct cmp_alert *a = &t->alerts[i];

		if (a->kind != CMP_ALERT_KWARN)
			continue;
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = xasprintf("%s: the kernel logged %ld WARNING:, BUG: or KASAN line%s "
					"during its iterations (%s; the boots' console.log has "
					"them): its numbers may not be the kernel's usual.",
					t->sets[a->set].label, a->count, a->count == 1 ? "" : "s",
					a->where ? a->where : "");
	}
	return n;
}

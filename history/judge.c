/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Judging the history (history.h, history_judge): change points per series
 * on the nightly values (history/cpd.c), then the newest night of each
 * series, which cannot be a change point yet (nothing comes after it),
 * against the segment it would extend, with the iteration values: Welch's
 * t-test as `mmab compare` computes it (analysis/stats.h), and
 * Benjamini-Hochberg over every series judged that night.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "history/history.h"
#include "lib/mmab.h"

static const char *const kind_names[] = {
	[HK_REGRESSION] = "regression",
	[HK_IMPROVEMENT] = "improvement",
	[HK_CHANGE] = "change",
	[HK_NO_DIFF] = "no difference proven",
	[HK_CANNOT_JUDGE] = "cannot judge",
	[HK_NA] = "n/a",
};

const char *history_kind_name(enum history_kind k)
{
	return (unsigned)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "n/a";
}

void history_params_default(struct history_params *p)
{
	p->cpd = (struct cpd_params){ CPD_WINDOW, CPD_MAX_P, CPD_MIN_MAGNITUDE, CPD_MIN_SEGMENT };
	p->fdr = CMP_ALPHA;
}

/* Better or worse, by the metric's direction: B after A. */
static enum history_kind direction_kind(enum metric_dir dir, double a, double b)
{
	if (dir == METRIC_NONE)
		return HK_CHANGE;
	return (b > a) == (dir == METRIC_HIGHER) ? HK_IMPROVEMENT : HK_REGRESSION;
}

static double pct(double from, double to)
{
	return from != 0 && isfinite(from) && isfinite(to) ? 100 * (to - from) / fabs(from) : NAN;
}

/* The change points of series SI; *last_cp gets the point of the last one (0: none). */
static void series_cps(const struct history_data *d, size_t si, const struct history_params *p,
		       struct history_result *r, size_t *last_cp, size_t newest)
{
	const struct history_series *s = &d->series[si];
	double *v = xcalloc(s->n + 1, sizeof(*v));
	size_t *at = xcalloc(s->n + 1, sizeof(*at)), m = 0, ncp;
	struct cpd_point *cps;

	for (size_t i = 0; i < s->n; i++)
		if (isfinite(s->pts[i].value)) {
			at[m] = i;
			v[m++] = s->pts[i].value;
		}
	ncp = cpd_detect(v, m, &p->cpd, &cps);
	*last_cp = 0;
	if (ncp)
		r->cps = xrealloc(r->cps, (r->ncps + ncp) * sizeof(*r->cps));
	for (size_t k = 0; k < ncp; k++) {
		struct history_cp *c = &r->cps[r->ncps++];

		c->series = si;
		c->point = at[cps[k].index];
		c->from = k ? at[cps[k - 1].index] : 0;
		c->to = k + 1 < ncp ? at[cps[k + 1].index] : s->n;
		c->cp = cps[k];
		c->change_pct = pct(cps[k].mean_before, cps[k].mean_after);
		c->kind = direction_kind(s->dir, cps[k].mean_before, cps[k].mean_after);
		if (c->point < newest)
			*last_cp = c->point;
	}
	free(cps);
	free(v);
	free(at);
}

/* The newest point of series SI against the points [from, newest). */
static void judge_newest(const struct history_data *d, size_t si, size_t newest, size_t from,
			 struct history_newest *nw)
{
	const struct history_series *s = &d->series[si];
	const struct history_point *np = &s->pts[newest];
	double *seg = NULL;
	size_t nseg = 0;

	for (size_t i = from; i < newest; i++) {
		seg = xrealloc(seg, (nseg + s->pts[i].n_iters + 1) * sizeof(*seg));
		memcpy(seg + nseg, s->pts[i].iters, s->pts[i].n_iters * sizeof(*seg));
		nseg += s->pts[i].n_iters;
	}
	memset(nw, 0, sizeof(*nw));
	nw->series = si;
	nw->point = newest;
	nw->seg_from = from;
	nw->q = NAN;
	stats_summarise(seg, nseg, s->agg, &nw->seg);
	stats_summarise(np->iters, np->n_iters, s->agg, &nw->night);
	stats_compare(seg, nseg, np->iters, np->n_iters, &nw->t);
	nw->change_pct = pct(nw->seg.mean, nw->night.mean);
	if (!nw->night.n)
		nw->kind = HK_NA;
	else if (nw->seg.n < CMP_MIN_N || nw->night.n < CMP_MIN_N)
		nw->kind = HK_CANNOT_JUDGE;
	else
		nw->kind = HK_NO_DIFF;	/* until the false discovery rate is controlled */
	free(seg);
}

/* Benjamini-Hochberg over every newest night with a p, and the verdicts. */
static void control_fdr(const struct history_data *d, const struct history_params *p,
			struct history_result *r)
{
	double *q = xcalloc(r->nnewest + 1, sizeof(*q));
	size_t *who = xcalloc(r->nnewest + 1, sizeof(*who)), n = 0;

	for (size_t i = 0; i < r->nnewest; i++) {
		struct history_newest *nw = &r->newest[i];

		if (nw->kind == HK_NO_DIFF && isfinite(nw->t.p_welch)) {
			q[n] = nw->t.p_welch;
			who[n++] = i;
		}
	}
	stats_bh_adjust(q, n);
	for (size_t k = 0; k < n; k++) {
		struct history_newest *nw = &r->newest[who[k]];

		nw->q = q[k];
		if (!(q[k] < p->fdr))
			continue;
		nw->kind = direction_kind(d->series[nw->series].dir, nw->seg.mean, nw->night.mean);
		r->regressions += nw->kind == HK_REGRESSION;
	}
	free(q);
	free(who);
}

/* Newest first, then by series. */
static const struct history_data *sort_data;

static int cmp_cp(const void *a, const void *b)
{
	const struct history_cp *x = a, *y = b;
	size_t sx = sort_data->series[x->series].pts[x->point].set;
	size_t sy = sort_data->series[y->series].pts[y->point].set;

	if (sx != sy)
		return sx > sy ? -1 : 1;
	return (x->series > y->series) - (x->series < y->series);
}

void history_judge(const struct history_data *d, const struct history_params *p, struct history_result *r)
{
	memset(r, 0, sizeof(*r));
	r->params = *p;
	for (size_t si = 0; si < d->nseries; si++) {
		const struct history_series *s = &d->series[si];
		size_t last = s->n ? s->n - 1 : 0, last_cp;
		bool newest = s->n && d->sets[s->pts[last].set].newest;

		if (!s->n)
			continue;
		series_cps(d, si, p, r, &last_cp, newest ? last : s->n);
		if (newest) {
			r->newest = xrealloc(r->newest, (r->nnewest + 1) * sizeof(*r->newest));
			judge_newest(d, si, last, last_cp, &r->newest[r->nnewest++]);
		} else {
			r->stopped = xrealloc(r->stopped, (r->nstopped + 1) * sizeof(*r->stopped));
			r->stopped[r->nstopped++] = (struct history_stopped){ si, last };
		}
	}
	control_fdr(d, p, r);
	sort_data = d;
	if (r->ncps)
		qsort(r->cps, r->ncps, sizeof(*r->cps), cmp_cp);
	sort_data = NULL;
}

void history_result_free(struct history_result *r)
{
	free(r->cps);
	free(r->newest);
	free(r->stopped);
	memset(r, 0, sizeof(*r));
}

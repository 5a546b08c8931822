/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bars plot of a workload's own metrics (plot-data.h): one panel per
 * metric, one bar per set (its mean as compare shows it) with the 95%
 * confidence interval of that mean.  A metric that cannot be negative (no
 * value below 0 in any set) gets no error bar below 0; latencies (us, ms,
 * ns, or "latency" in the name) that spread over more than a decade are
 * drawn as points on a log scale, their error bars cut at the panel's
 * floor.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/gnuplot.h"
#include "analysis/plot-data.h"
#include "analysis/stats.h"
#include "lib/mmab.h"

static const struct rset_metric *find_metric(const struct rset *rs, const char *w,
					     const char *name)
{
	for (size_t i = 0; i < rs->n_metrics; i++)
		if (!strcmp(rs->metrics[i].workload, w) && !strcmp(rs->metrics[i].name, name))
			return &rs->metrics[i];
	return NULL;
}

struct bar {
	double mean, ci;
	double lo, hi;		/* the error bar drawn: mean -+ ci, cut (bars_cut) */
	double min, max;	/* the smallest and largest value */
	size_t n;
};

/*
 * The bar of metric M: its mean as compare shows it (harmonic for rates)
 * and the half width of the 95% CI of that mean: Student's t for an
 * arithmetic mean; for a harmonic mean, the delta method on the
 * reciprocals (SE(H) = H^2 SE(mean of 1/x)), which stays honest where an
 * arithmetic CI around a harmonic mean would not.
 */
static void bar_of(const struct rset_metric *m, struct bar *b)
{
	struct stats_summary s;
	double *x;
	size_t k = 0;

	b->mean = b->ci = b->lo = b->hi = b->min = b->max = NAN;
	b->n = 0;
	if (!m)
		return;
	stats_summarise(m->values, m->n, m->agg, &s);
	b->mean = s.mean;
	b->min = s.min;
	b->max = s.max;
	b->n = s.n;
	x = xmalloc((m->n + 1) * sizeof(*x));
	for (size_t i = 0; i < m->n; i++)
		if (isfinite(m->values[i]))
			x[k++] = m->values[i];
	if (m->agg == AGG_HMEAN) {
		bool positive = true;

		for (size_t i = 0; i < k; i++) {
			positive &= x[i] > 0;
			x[i] = 1 / x[i];
		}
		if (positive)
			b->ci = s.mean * s.mean * stats_ci95_halfwidth(x, k);
	} else {
		b->ci = stats_ci95_halfwidth(x, k);
	}
	free(x);
}

struct bar_metric {
	const struct rset_metric *first;	/* name, unit, direction from the first set */
	struct bar *bars;			/* one per set */
	bool hasci, neg, log;
	double floor;				/* a log panel's bottom */
};

/*
 * The error bars of B's N sets as drawn: none below 0 for a metric that
 * cannot be negative; on a log scale (latencies with every mean above 0
 * whose values and bars span more than a decade), none below the panel's
 * floor, a power of 10 below every value, mean and lower end above 0.
 */
static void bars_cut(struct bar_metric *b, size_t n)
{
	double low = INFINITY, high = 0;

	b->log = pd_is_latency(b->first->name, b->first->unit);
	for (size_t s = 0; s < n; s++) {
		struct bar *x = &b->bars[s];

		x->lo = x->mean - x->ci;
		x->hi = x->mean + x->ci;
		if (!b->neg && x->lo < 0)
			x->lo = 0;
		if (isfinite(x->mean))
			b->log &= x->mean > 0;
		low = fmin(low, x->mean > 0 ? x->mean : INFINITY);
		low = fmin(low, x->lo > 0 ? x->lo : INFINITY);
		low = fmin(low, x->min > 0 ? x->min : INFINITY);
		high = fmax(high, isfinite(x->hi) ? x->hi : 0);
		high = fmax(high, isfinite(x->max) ? x->max : 0);
	}
	b->log &= high >= PD_LOG_SPAN * low;
	b->floor = isfinite(low) ? pd_log_floor(low) : 1;
	for (size_t s = 0; b->log && s < n; s++)
		if (!(b->bars[s].lo > b->floor))
			b->bars[s].lo = b->floor;
}

static const char *dir_words(enum metric_dir d)
{
	return d == METRIC_HIGHER ? "higher is better" : d == METRIC_LOWER ? "lower is better"
	       : "no better direction";
}

/* The data file of one bars image: a row per (metric, set). */
static char *bars_data(const struct bar_metric *bm, size_t nm, size_t n)
{
	char *buf;
	size_t len;
	FILE *f = pd_text_open(&buf, &len);

	fputs("metric,set,x,mean,ci95,lo,hi,n,name\n", f);
	for (size_t m = 0; m < nm; m++)
		for (size_t i = 0; i < n; i++) {
			const struct bar *b = &bm[m].bars[i];

			fprintf(f, "%zu,%zu,%zu,", m + 1, i + 1, i + 1);
			pd_put_num(f, b->mean);
			fputc(',', f);
			pd_put_num(f, b->ci);
			fputc(',', f);
			pd_put_num(f, isfinite(b->ci) ? b->lo : NAN);
			fputc(',', f);
			pd_put_num(f, isfinite(b->ci) ? b->hi : NAN);
			fprintf(f, ",%zu,", b->n);
			csv_write_str(f, bm[m].first->name);
			fputc('\n', f);
		}
	return pd_text_close(f, &buf);
}

enum bar_field { BF_HASCI, BF_NEG, BF_LOG, BF_FLOOR };

/* "array NAME[n] = [..]" of one field of every metric. */
static void bars_array(FILE *f, const char *name, const struct bar_metric *bm, size_t nm,
		       enum bar_field field)
{
	fprintf(f, "\narray %s[%zu] = [", name, nm);
	for (size_t m = 0; m < nm; m++) {
		const struct bar_metric *b = &bm[m];

		if (field == BF_FLOOR)
			fprintf(f, "%s%.10g", m ? ", " : "", b->floor);
		else
			fprintf(f, "%s%d", m ? ", " : "", field == BF_HASCI ? b->hasci
				: field == BF_NEG ? b->neg : b->log);
	}
	fputc(']', f);
}

/* The METRICS variable: the layout, each panel's title, unit and scale. */
static char *bars_metrics(const struct bar_metric *bm, size_t nm, int rows, int cols)
{
	char *buf;
	size_t len;
	FILE *f = pd_text_open(&buf, &len);

	fprintf(f, "NMETRICS = %zu\nROWS = %d\nCOLS = %d\n", nm, rows, cols);
	fprintf(f, "array MTITLE[%zu] = [", nm);
	for (size_t m = 0; m < nm; m++) {
		/* two lines: a panel a third of 800 px wide cuts "name (lower is better)" */
		char *t = xasprintf("(%s)", dir_words(bm[m].first->dir));
		char *qn = gp_quote(bm[m].first->name), *qd = gp_quote(t);

		fprintf(f, "%s%s.\"\\n\".%s", m ? ", " : "", qn, qd);
		free(qn);
		free(qd);
		free(t);
	}
	fprintf(f, "]\narray MUNIT[%zu] = [", nm);
	for (size_t m = 0; m < nm; m++) {
		char *q = gp_quote(*bm[m].first->unit ? bm[m].first->unit : "value");

		fprintf(f, "%s%s", m ? ", " : "", q);
		free(q);
	}
	fputc(']', f);
	bars_array(f, "MHASCI", bm, nm, BF_HASCI);
	bars_array(f, "MNEG", bm, nm, BF_NEG);
	bars_array(f, "MLOG", bm, nm, BF_LOG);
	bars_array(f, "MFLOOR", bm, nm, BF_FLOOR);
	return pd_text_close(f, &buf);
}

/* One bars image for metrics BM[0..nm). */
static void bars_image(struct pd_set *ss, size_t n, const char *w, struct bar_metric *bm,
		       size_t nm, int part, char *note, struct pd_out *out)
{
	struct pd_plot *p;
	int cols = nm == 1 ? 1 : nm <= 4 ? 2 : 3, rows = (int)((nm + (size_t)cols - 1) / (size_t)cols);

	p = pd_new(out, PK_BARS, "bars", -1,
		   part > 1 ? xasprintf("bars-%d", part) : xstrdup("bars"),
		   part > 1 ? xasprintf("%s: workload metrics (%d), mean and 95%% CI", w, part)
			    : xasprintf("%s: workload metrics, mean and 95%% CI", w));
	p->note = note;
	p->height = 70 + 250 * rows;
	for (size_t i = 0; i < n; i++)
		pd_add_set(p, i, xstrdup(ss[i].rs->label));
	p->data = bars_data(bm, nm, n);
	pd_var(p, "METRICS", bars_metrics(bm, nm, rows, cols));
}

/*
 * Metric M of W with its bars in every set appended to *bm, when some set
 * has a value; else its name is added to *empty ("a, b").
 */
static void bars_metric(struct pd_set *ss, size_t n, const char *w, const struct rset_metric *m,
			struct bar_metric **bm, size_t *nm, char **empty)
{
	struct bar_metric *b;
	bool drawn = false;

	*bm = xrealloc(*bm, (*nm + 1) * sizeof(**bm));
	b = &(*bm)[*nm];
	b->first = m;
	b->bars = xcalloc(n, sizeof(*b->bars));
	b->hasci = b->neg = false;
	for (size_t s = 0; s < n; s++) {
		struct bar *x = &b->bars[s];

		bar_of(find_metric(ss[s].rs, w, m->name), x);
		drawn |= isfinite(x->mean);
		b->hasci |= isfinite(x->ci);
		b->neg |= x->min < 0;
	}
	bars_cut(b, n);
	if (drawn) {
		(*nm)++;
	} else {
		char *t = xasprintf("%s%s%s", *empty ? *empty : "", *empty ? ", " : "", m->name);

		free(*empty);
		*empty = t;
		free(b->bars);
	}
}

void pd_bars(struct pd_set *ss, size_t n, const char *w, struct pd_out *out)
{
	struct bar_metric *bm = NULL;
	size_t nm = 0;
	char *empty = NULL;

	/* every metric of W in any set, in order of first appearance */
	for (size_t i = 0; i < n; i++) {
		const struct rset *rs = ss[i].rs;

		for (size_t k = 0; k < rs->n_metrics; k++) {
			const struct rset_metric *m = &rs->metrics[k];
			bool seen = false;

			if (strcmp(m->workload, w))
				continue;
			for (size_t j = 0; j < nm && !seen; j++)
				seen = !strcmp(bm[j].first->name, m->name);
			if (!seen)
				bars_metric(ss, n, w, m, &bm, &nm, &empty);
		}
	}
	if (empty) {
		char *t = xasprintf("no value in any set: %s", empty);

		free(empty);
		empty = t;
	}
	if (!nm)
		pd_skip(out, PK_BARS, "bars", -1, xstrdup("bars"), xasprintf("%s: workload metrics", w),
			empty ? empty : xstrdup("no metric in metrics.csv in any set"));
	for (size_t k = 0; k < nm; k += PD_BARS_MAX)
		bars_image(ss, n, w, bm + k, nm - k < PD_BARS_MAX ? nm - k : PD_BARS_MAX,
			   (int)(k / PD_BARS_MAX) + 1, k ? NULL : empty, out);
	for (size_t k = 0; k < nm; k++)
		free(bm[k].bars);
	free(bm);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bars plot of a workload's own metrics (plot-data.h): one panel per
 * metric, one bar per set (its mean as compare shows it) with the 95%
 * confidence interval of that mean.
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

	b->mean = b->ci = NAN;
	b->n = 0;
	if (!m)
		return;
	stats_summarise(m->values, m->n, m->agg, &s);
	b->mean = s.mean;
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
	bool hasci, neg;
};

static const char *dir_words(enum metric_dir d)
{
	return d == METRIC_HIGHER ? "higher is better" : d == METRIC_LOWER ? "lower is better"
	       : "no better direction";
}

/* One bars image for metrics BM[0..nm). */
static void bars_image(struct pd_set *ss, size_t n, const char *w, struct bar_metric *bm,
		       size_t nm, int part, char *note, struct pd_out *out)
{
	struct pd_plot *p;
	int cols = nm == 1 ? 1 : nm <= 4 ? 2 : 3, rows = (int)((nm + (size_t)cols - 1) / (size_t)cols);
	char *buf;
	size_t len;
	FILE *f;

	p = pd_new(out, PK_BARS, "bars", -1,
		     part > 1 ? xasprintf("bars-%d", part) : xstrdup("bars"),
		     part > 1 ? xasprintf("%s: workload metrics (%d), mean and 95%% CI", w, part)
			      : xasprintf("%s: workload metrics, mean and 95%% CI", w));
	p->note = note;
	p->height = 70 + 250 * rows;
	for (size_t i = 0; i < n; i++)
		pd_add_set(p, i, xstrdup(ss[i].rs->label));
	f = pd_text_open(&buf, &len);
	fputs("metric,set,x,mean,ci95,n,name\n", f);
	for (size_t m = 0; m < nm; m++)
		for (size_t i = 0; i < n; i++) {
			fprintf(f, "%zu,%zu,%zu,", m + 1, i + 1, i + 1);
			pd_put_num(f, bm[m].bars[i].mean);
			fputc(',', f);
			pd_put_num(f, bm[m].bars[i].ci);
			fprintf(f, ",%zu,", bm[m].bars[i].n);
			csv_write_str(f, bm[m].first->name);
			fputc('\n', f);
		}
	p->data = pd_text_close(f, &buf);
	f = pd_text_open(&buf, &len);
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
	fprintf(f, "]\narray MHASCI[%zu] = [", nm);
	for (size_t m = 0; m < nm; m++)
		fprintf(f, "%s%d", m ? ", " : "", bm[m].hasci);
	fprintf(f, "]\narray MNEG[%zu] = [", nm);
	for (size_t m = 0; m < nm; m++)
		fprintf(f, "%s%d", m ? ", " : "", bm[m].neg);
	fputs("]", f);
	pd_var(p, "METRICS", pd_text_close(f, &buf));
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
		b->neg |= x->mean < 0 || (isfinite(x->ci) && x->mean - x->ci < 0);
	}
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

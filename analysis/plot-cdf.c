/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cumulative distributions (plot-data.h): each latency histogram of
 * histograms.csv and each stall event of stalls.csv, every used
 * iteration of a set pooled, one line per set.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/gnuplot.h"
#include "analysis/plot-data.h"
#include "lib/mmab.h"

struct bucket {
	double lower, upper, count;
};

static int cmp_bucket(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;

	if (x->upper != y->upper)
		return x->upper < y->upper ? -1 : 1;
	return (x->lower > y->lower) - (x->lower < y->lower);
}

/* Histogram NAME pooled over a set's iterations: buckets merged by their bounds. */
static size_t hist_pool(const struct pd_set *ps, const char *name, struct bucket **out)
{
	struct bucket *b = NULL;
	size_t nb = 0;

	for (size_t i = 0; i < ps->n; i++) {
		const struct csv *c = &ps->its[i].f[PD_HIST];
		int ch, cl, cu, cc;

		if (!ps->its[i].have[PD_HIST])
			continue;
		ch = csv_col(c, "histogram");
		cl = csv_col(c, "lower");
		cu = csv_col(c, "upper");
		cc = csv_col(c, "count");
		for (size_t r = 0; r < c->nrows; r++) {
			const char *h = csv_str(c, r, ch);
			double lo = csv_num(c, r, cl), up = csv_num(c, r, cu), n = csv_num(c, r, cc);
			size_t k;

			if (!h || strcmp(h, name) || !(up > 0) || !(n > 0))
				continue;
			for (k = 0; k < nb; k++)
				if (b[k].upper == up && (b[k].lower == lo || (isnan(lo) &&
								       isnan(b[k].lower))))
					break;
			if (k == nb) {
				b = xrealloc(b, (nb + 1) * sizeof(*b));
				b[nb++] = (struct bucket){ lo, up, 0 };
			}
			b[k].count += n;
		}
	}
	if (nb)
		qsort(b, nb, sizeof(*b), cmp_bucket);
	*out = b;
	return nb;
}

struct named {
	const char *name, *unit;
};

static void named_add(struct named **v, size_t *n, const char *name, const char *unit)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].name, name))
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = (struct named){ name, unit ? unit : "" };
}

static void cdf_hist(struct pd_set *ss, size_t n, const char *w, const struct named *h,
		     struct pd_out *out)
{
	bool *missing = xcalloc(n, sizeof(*missing));
	struct pd_plot *p;
	char *buf, *x;
	size_t len;
	FILE *f;

	p = pd_new(out, PK_CDF, "cdf", -1, xasprintf("cdf-%s", h->name),
		     xasprintf("%s: %s in %s, CDF of every event (all iterations)", w, h->name,
			       *h->unit ? h->unit : "no unit"));
	f = pd_text_open(&buf, &len);
	fputs("set,value,fraction,events\n", f);
	for (size_t i = 0; i < n; i++) {
		struct bucket *b;
		size_t nb = hist_pool(&ss[i], h->name, &b);
		double total = 0, cum = 0;

		for (size_t k = 0; k < nb; k++)
			total += b[k].count;
		missing[i] = !nb;
		if (nb) {
			pd_add_set(p, i, xasprintf("%s (%.0f events)", ss[i].rs->label, total));
			/* the distribution starts at the first bucket's lower bound */
			if (b[0].lower > 0)
				fprintf(f, "%zu,%.10g,0,0\n", i + 1, b[0].lower);
		}
		for (size_t k = 0; k < nb; k++) {
			cum += b[k].count;
			fprintf(f, "%zu,%.10g,", i + 1, b[k].upper);
			pd_put_num(f, cum / total);
			fprintf(f, ",%.0f\n", cum);
		}
		free(b);
	}
	p->data = pd_text_close(f, &buf);
	p->note = pd_missing_note(ss, n, missing, "no such histogram");
	x = xasprintf("%s (%s, log scale)", h->name, *h->unit ? h->unit : "no unit");
	pd_var(p, "XLABEL", gp_quote(x));
	free(x);
	free(missing);
}

/* Durations of EVENT in a set's stalls.csv files, sorted; *nzero: those <= 0. */
static size_t stall_pool(const struct pd_set *ps, const char *event, double **out)
{
	double *d = NULL;
	size_t n = 0;

	for (size_t i = 0; i < ps->n; i++) {
		const struct csv *c = &ps->its[i].f[PD_STALLS];
		int ce, cd;

		if (!ps->its[i].have[PD_STALLS])
			continue;
		ce = csv_col(c, "event");
		cd = csv_col(c, "duration_us");
		d = xrealloc(d, (n + c->nrows + 1) * sizeof(*d));
		for (size_t r = 0; r < c->nrows; r++) {
			const char *e = csv_str(c, r, ce);
			double v = csv_num(c, r, cd);

			if (e && !strcmp(e, event) && isfinite(v) && v >= 0)
				d[n++] = v;
		}
	}
	if (n)
		qsort(d, n, sizeof(*d), pd_cmp_double);
	*out = d;
	return n;
}

/* Most points of an empirical CDF written out: past it, evenly spaced ranks. */
#define CDF_MAX_POINTS 4000

static void cdf_stall(struct pd_set *ss, size_t n, const char *w, const char *event,
		      struct pd_out *out)
{
	bool *missing = xcalloc(n, sizeof(*missing));
	struct pd_plot *p;
	char *buf, *x;
	size_t len;
	FILE *f;

	p = pd_new(out, PK_CDF, "cdf", -1, xasprintf("stalls-%s", event),
		     xasprintf("%s: %s stall durations in us, CDF of every stall (all iterations)",
			       w, event));
	f = pd_text_open(&buf, &len);
	fputs("set,value,fraction,events\n", f);
	for (size_t i = 0; i < n; i++) {
		double *d;
		size_t nd = stall_pool(&ss[i], event, &d), step = nd / CDF_MAX_POINTS + 1;

		missing[i] = !nd;
		if (nd)
			pd_add_set(p, i, xasprintf("%s (%zu stalls)", ss[i].rs->label, nd));
		for (size_t k = 0; k < nd; k++) {
			/* the last of equal values carries the step; 0 cannot go on a log axis */
			if ((k + 1 < nd && d[k + 1] == d[k]) || d[k] <= 0 ||
			    ((k + 1) % step && k + 1 < nd))
				continue;
			fprintf(f, "%zu,%.10g,", i + 1, d[k]);
			pd_put_num(f, (double)(k + 1) / (double)nd);
			fprintf(f, ",%zu\n", k + 1);
		}
		free(d);
	}
	p->data = pd_text_close(f, &buf);
	p->note = pd_missing_note(ss, n, missing, "no such stall");
	x = xasprintf("%s stall duration (us, log scale)", event);
	pd_var(p, "XLABEL", gp_quote(x));
	free(x);
	free(missing);
}

void pd_cdfs(struct pd_set *ss, size_t n, const char *w, struct pd_out *out)
{
	struct named *hs = NULL, *ev = NULL;
	size_t nh = 0, nev = 0;
	bool have_hist = false, have_stalls = false;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < ss[i].n; k++) {
			const struct pd_iter *d = &ss[i].its[k];

			if (d->have[PD_HIST]) {
				const struct csv *c = &d->f[PD_HIST];
				int ch = csv_col(c, "histogram"), cu = csv_col(c, "unit");

				have_hist = true;
				for (size_t r = 0; r < c->nrows; r++)
					if (csv_str(c, r, ch))
						named_add(&hs, &nh, csv_str(c, r, ch), csv_str(c, r, cu));
			}
			if (d->have[PD_STALLS]) {
				const struct csv *c = &d->f[PD_STALLS];
				int ce = csv_col(c, "event");

				have_stalls = true;
				for (size_t r = 0; r < c->nrows; r++)
					if (csv_str(c, r, ce))
						named_add(&ev, &nev, csv_str(c, r, ce), "us");
			}
		}
	for (size_t h = 0; h < nh; h++)
		cdf_hist(ss, n, w, &hs[h], out);
	if (!nh)
		pd_skip(out, PK_CDF, "cdf", -1, xstrdup("cdf"),
			  xasprintf("%s: latency CDFs", w),
			  xstrdup(have_hist ? "histograms.csv has no bucket in any set"
				  : "no histograms.csv in any set (the workload keeps none)"));
	for (size_t e = 0; e < nev; e++)
		cdf_stall(ss, n, w, ev[e].name, out);
	if (!nev)
		pd_skip(out, PK_CDF, "cdf", -1, xstrdup("stalls"),
			  xasprintf("%s: stall duration CDFs", w),
			  xstrdup(have_stalls ? "no stall was recorded (stalls.csv empty in every set)"
				  : "no stalls.csv in any set (the stalls collector did not run)"));
	free(hs);
	free(ev);
}

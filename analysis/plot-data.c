/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data behind mmab's plots (plot-data.h): loading one workload's
 * collector CSVs from every set, and what every producer of plots shares.
 * A quantity sampled over time is put on one time grid per plot (the
 * median sample interval of every iteration drawn), linearly interpolated
 * between an iteration's own samples and never extrapolated beyond half a
 * step, so the mean and the min-max band across iterations compare like
 * with like.  Failed iterations are never drawn, as compare never pools
 * them.  The producers are plot-time.c, plot-bars.c, plot-cdf.c,
 * plot-buddy.c and plot-slab.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/plot-data.h"
#include "lib/mmab.h"

const char *const pd_file_names[PD_N] = {
	[PD_MEMINFO] = "meminfo.csv", [PD_VMSTAT] = "vmstat.csv",
	[PD_BUDDYINFO] = "buddyinfo.csv", [PD_PSI] = "psi.csv",
	[PD_SLABINFO] = "slabinfo.csv", [PD_STALLS] = "stalls.csv",
	[PD_HIST] = "histograms.csv",
};

void pd_load(struct rset *rs, const char *workload, struct pd_set *ps)
{
	ps->rs = rs;
	ps->its = xcalloc(rs->n_iters + 1, sizeof(*ps->its));
	ps->n = 0;
	for (size_t i = 0; i < rs->n_iters; i++) {
		const struct rset_iter *it = &rs->iters[i];
		struct pd_iter *d;

		if (strcmp(it->workload, workload) || !rset_iter_used(it))
			continue;
		d = &ps->its[ps->n++];
		d->it = it;
		for (int f = 0; f < PD_N; f++)
			d->have[f] = rset_csv(rs, it->dir, pd_file_names[f], true, NULL, &d->f[f]);
	}
}

void pd_free(struct pd_set *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		for (int f = 0; f < PD_N; f++)
			if (ps->its[i].have[f])
				csv_free(&ps->its[i].f[f]);
	free(ps->its);
	memset(ps, 0, sizeof(*ps));
}

void pd_plot_free(struct pd_plot *p)
{
	free(p->id);
	free(p->title);
	free(p->note);
	free(p->data);
	for (size_t i = 0; i < p->nsets; i++)
		free(p->keys[i]);
	free(p->keys);
	free(p->sets);
	for (size_t i = 0; i < p->nvars; i++)
		free((char *)p->vars[i].value);
	memset(p, 0, sizeof(*p));
}

/* ---- building plots ---- */

struct pd_plot *pd_new(struct pd_out *out, enum plot_kind kind, const char *tpl,
				int set, char *id, char *title)
{
	struct pd_plot *p;

	out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	p = &out->v[out->n++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->tpl = tpl;
	p->set = set;
	p->id = id;
	p->title = title;
	p->width = 800;
	p->height = 450;
	return p;
}

/* A plot not drawn: the note says why. */
void pd_skip(struct pd_out *out, enum plot_kind kind, const char *tpl, int set,
		      char *id, char *title, char *note)
{
	pd_new(out, kind, tpl, set, id, title)->note = note;
}

void pd_var(struct pd_plot *p, const char *name, char *value)
{
	if (p->nvars == PD_MAX_VARS)
		abort();	/* a producer asks for more than it declared */
	p->vars[p->nvars].name = name;
	p->vars[p->nvars++].value = value;
}

void pd_add_set(struct pd_plot *p, size_t set, char *key)
{
	p->sets = xrealloc(p->sets, (p->nsets + 1) * sizeof(*p->sets));
	p->keys = xrealloc(p->keys, (p->nsets + 1) * sizeof(*p->keys));
	p->sets[p->nsets] = set;
	p->keys[p->nsets++] = key;
}

/* Text accumulated in memory, handed to the plot as its data file. */
FILE *pd_text_open(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (!f)
		abort();
	return f;
}

char *pd_text_close(FILE *f, char **buf)
{
	if (fclose(f))
		abort();
	return *buf;
}

/* A number as gnuplot reads it: "NaN" for none (style.gp: datafile missing). */
void pd_put_num(FILE *f, double v)
{
	char buf[40];

	if (!isfinite(v)) {
		fputs("NaN", f);
	} else if (v == floor(v) && fabs(v) < 1e15) {
		fprintf(f, "%.0f", v);	/* metric_format_value writes 30 as 3e+01 */
	} else {
		metric_format_value(buf, sizeof(buf), v);
		fputs(buf, f);
	}
}

/* "a, b, c" of the labels of the sets flagged in MISSING, or NULL. */
char *pd_missing_note(struct pd_set *ss, size_t n, const bool *missing, const char *what)
{
	char *s = NULL;

	for (size_t i = 0; i < n; i++) {
		char *t;

		if (!missing[i])
			continue;
		t = xasprintf("%s%s%s", s ? s : "", s ? ", " : "", ss[i].rs->label);
		free(s);
		s = t;
	}
	if (s) {
		char *t = xasprintf("%s in: %s", what, s);

		free(s);
		s = t;
	}
	return s;
}

/* Why a per-set plot of W has nothing to draw from set PS. */
char *pd_no_data(const struct pd_set *ps, const char *w, const char *what)
{
	if (!ps->n)
		return xasprintf("no iteration of %s in %s ended ok", w, ps->rs->label);
	return xasprintf("no %s in %s", what, ps->rs->label);
}

/* Whether set PS ran workload W at all (per-set plots leave the others out). */
bool pd_ran(const struct pd_set *ps, const char *w)
{
	return rset_count(ps->rs, w, NULL) > 0;
}

/* ---- samples over time and the common grid ---- */

void pd_series_init(struct pd_series *s, size_t cap)
{
	s->t = xmalloc((cap + 1) * sizeof(*s->t));
	s->v = xmalloc((cap + 1) * sizeof(*s->v));
	s->n = 0;
}

void pd_series_free(struct pd_series *s)
{
	free(s->t);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Samples are written in time order; a file edited by hand may not be. */
void pd_series_sort(struct pd_series *s)
{
	for (size_t i = 1; i < s->n; i++)
		for (size_t j = i; j > 0 && s->t[j - 1] > s->t[j]; j--) {
			double t = s->t[j], v = s->v[j];

			s->t[j] = s->t[j - 1];
			s->v[j] = s->v[j - 1];
			s->t[j - 1] = t;
			s->v[j - 1] = v;
		}
}

void pd_series_push(struct pd_series *s, double t, double v)
{
	s->t[s->n] = t;
	s->v[s->n++] = v;
}

/*
 * A counter sampled at (t, v) pushed as the rate since the previous sample
 * (*pt, *pv) at the interval's midpoint, times SCALE.  A counter going
 * backwards (a reset) gives no rate.
 */
void pd_rate_push(struct pd_series *s, double *pt, double *pv, double t, double v, double scale)
{
	if (isfinite(*pt) && t > *pt && v >= *pv)
		pd_series_push(s, (t + *pt) / 2, (v - *pv) / (t - *pt) * scale);
	*pt = t;
	*pv = v;
}

int pd_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The grid of ALL[0..n): from 0 to the last sample, in steps of the median
 * sample interval (coarser past PD_MAX_POINTS points).
 */
void pd_grid_make(struct pd_series *const *all, size_t n, struct pd_grid *g)
{
	double *d = NULL, tmax = 0;
	size_t nd = 0;

	for (size_t i = 0; i < n; i++) {
		d = xrealloc(d, (nd + all[i]->n + 1) * sizeof(*d));
		for (size_t k = 0; k < all[i]->n; k++) {
			if (all[i]->t[k] > tmax)
				tmax = all[i]->t[k];
			if (k && all[i]->t[k] > all[i]->t[k - 1])
				d[nd++] = all[i]->t[k] - all[i]->t[k - 1];
		}
	}
	if (nd) {
		qsort(d, nd, sizeof(*d), pd_cmp_double);
		g->dt = nd % 2 ? d[nd / 2] : (d[nd / 2 - 1] + d[nd / 2]) / 2;
	} else {
		g->dt = tmax > 0 ? tmax : 1;
	}
	free(d);
	g->n = (size_t)floor(tmax / g->dt + 0.5) + 1;
	if (g->n > PD_MAX_POINTS) {
		g->n = PD_MAX_POINTS;
		g->dt = tmax / (PD_MAX_POINTS - 1);
	}
}

/* Grid point K, rounded to the microsecond so data files stay readable. */
double pd_grid_t(const struct pd_grid *g, size_t k)
{
	return round((double)k * g->dt * 1e6) / 1e6;
}

/*
 * S at time T: linear between samples, the end value up to half a grid
 * step beyond either end, else NaN.
 */
static double series_at(const struct pd_series *s, double t, double dt)
{
	size_t lo = 0, hi;
	double slack = dt / 2 + 1e-9;

	if (!s->n)
		return NAN;
	if (t <= s->t[0])
		return s->t[0] - t <= slack ? s->v[0] : NAN;
	if (t >= s->t[s->n - 1])
		return t - s->t[s->n - 1] <= slack ? s->v[s->n - 1] : NAN;
	hi = s->n - 1;
	while (hi - lo > 1) {		/* s->t[lo] < t < s->t[hi] */
		size_t mid = (lo + hi) / 2;

		if (s->t[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	if (s->t[lo] == t)
		return s->v[lo];
	return s->v[lo] + (s->v[hi] - s->v[lo]) * (t - s->t[lo]) / (s->t[hi] - s->t[lo]);
}

/* Mean, min and max across the iterations' series S[0..n) at time T. */
size_t pd_across_at(struct pd_series *s, size_t n, double t, double dt, double *mean,
			double *min, double *max)
{
	double sum = 0;
	size_t k = 0;

	*min = INFINITY;
	*max = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		double v = series_at(&s[i], t, dt);

		if (!isfinite(v))
			continue;
		sum += v;
		k++;
		*min = fmin(*min, v);
		*max = fmax(*max, v);
	}
	*mean = k ? sum / (double)k : NAN;
	if (!k)
		*min = *max = NAN;
	return k;
}

bool pd_is_latency(const char *name, const char *unit)
{
	return (unit && (!strcmp(unit, "us") || !strcmp(unit, "ms") || !strcmp(unit, "ns"))) ||
	       (name && strstr(name, "latency"));
}

double pd_log_floor(double v)
{
	return pow(10, floor(log10(v)));
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data behind mmab's plots.  Collector CSVs are read per iteration;
 * a quantity sampled over time is put on one time grid per plot (the
 * median sample interval of every iteration drawn), linearly interpolated
 * between an iteration's own samples and never extrapolated beyond half a
 * step, so the mean and the min-max band across iterations compare like
 * with like.  Counters are drawn as rates between consecutive samples.
 * Histograms pool every used iteration of a set; failed iterations are
 * never drawn, as compare never pools them.  A plot whose data is missing
 * everywhere, or is 0 throughout, is skipped with a note that says so.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/derived.h"
#include "analysis/gnuplot.h"
#include "analysis/plot-data.h"
#include "analysis/stats.h"
#include "lib/mmab.h"

static const char *const file_names[PD_N] = {
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
			d->have[f] = rset_csv(rs, it->dir, file_names[f], true, NULL, &d->f[f]);
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

static struct pd_plot *plot_new(struct pd_out *out, enum plot_kind kind, const char *tpl,
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
static void plot_skip(struct pd_out *out, enum plot_kind kind, const char *tpl, int set,
		      char *id, char *title, char *note)
{
	plot_new(out, kind, tpl, set, id, title)->note = note;
}

static void plot_var(struct pd_plot *p, const char *name, char *value)
{
	if (p->nvars == PD_MAX_VARS)
		abort();	/* a producer asks for more than it declared */
	p->vars[p->nvars].name = name;
	p->vars[p->nvars++].value = value;
}

static void plot_add_set(struct pd_plot *p, size_t set, char *key)
{
	p->sets = xrealloc(p->sets, (p->nsets + 1) * sizeof(*p->sets));
	p->keys = xrealloc(p->keys, (p->nsets + 1) * sizeof(*p->keys));
	p->sets[p->nsets] = set;
	p->keys[p->nsets++] = key;
}

/* Text accumulated in memory, handed to the plot as its data file. */
static FILE *text_open(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (!f)
		abort();
	return f;
}

static char *text_close(FILE *f, char **buf)
{
	if (fclose(f))
		abort();
	return *buf;
}

/* A number as gnuplot reads it: "NaN" for none (style.gp: datafile missing). */
static void put_num(FILE *f, double v)
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
static char *missing_note(struct pd_set *ss, size_t n, const bool *missing, const char *what)
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
static char *no_data(const struct pd_set *ps, const char *w, const char *what)
{
	if (!ps->n)
		return xasprintf("no iteration of %s in %s ended ok", w, ps->rs->label);
	return xasprintf("no %s in %s", what, ps->rs->label);
}

/* Whether set PS ran workload W at all (per-set plots leave the others out). */
static bool ran(const struct pd_set *ps, const char *w)
{
	return rset_count(ps->rs, w, NULL) > 0;
}

/* ---- samples over time and the common grid ---- */

struct series {
	double *t, *v;
	size_t n;
};

static void series_init(struct series *s, size_t cap)
{
	s->t = xmalloc((cap + 1) * sizeof(*s->t));
	s->v = xmalloc((cap + 1) * sizeof(*s->v));
	s->n = 0;
}

static void series_free(struct series *s)
{
	free(s->t);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Samples are written in time order; a file edited by hand may not be. */
static void series_sort(struct series *s)
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

static void series_push(struct series *s, double t, double v)
{
	s->t[s->n] = t;
	s->v[s->n++] = v;
}

/*
 * A counter sampled at (t, v) pushed as the rate since the previous sample
 * (*pt, *pv) at the interval's midpoint, times SCALE.  A counter going
 * backwards (a reset) gives no rate.
 */
static void rate_push(struct series *s, double *pt, double *pv, double t, double v, double scale)
{
	if (isfinite(*pt) && t > *pt && v >= *pv)
		series_push(s, (t + *pt) / 2, (v - *pv) / (t - *pt) * scale);
	*pt = t;
	*pv = v;
}

struct grid {
	double dt;
	size_t n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The grid of ALL[0..n): from 0 to the last sample, in steps of the median
 * sample interval (coarser past PD_MAX_POINTS points).
 */
static void grid_make(struct series *const *all, size_t n, struct grid *g)
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
		qsort(d, nd, sizeof(*d), cmp_double);
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
static double grid_t(const struct grid *g, size_t k)
{
	return round((double)k * g->dt * 1e6) / 1e6;
}

/*
 * S at time T: linear between samples, the end value up to half a grid
 * step beyond either end, else NaN.
 */
static double series_at(const struct series *s, double t, double dt)
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
static size_t across_at(struct series *s, size_t n, double t, double dt, double *mean,
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

/* ---- time series of collector metrics ---- */

enum ts_src { TS_MEMINFO, TS_VMSTAT_RATE, TS_PSI, TS_UNUSABLE };

struct ts_def {
	const char *id;
	enum ts_src src;
	const char *key, *key2;	/* column; TS_PSI: resource and kind */
	double scale;
	const char *title;	/* with its unit */
	const char *ylabel;
	const char *yrange;
};

#define KB_TO_MIB (1.0 / 1024)
#define US_PER_S_TO_PCT 1e-4	/* stalled us per second -> % of wall time */

static const struct ts_def ts_defs[] = {
	{ "free", TS_MEMINFO, "MemFree", NULL, KB_TO_MIB,
	  "free memory in MiB (meminfo MemFree)", "MiB", "[*:*]" },
	{ "dirty", TS_MEMINFO, "Dirty", NULL, KB_TO_MIB,
	  "dirty page cache in MiB (meminfo Dirty)", "MiB", "[0:*]" },
	{ "writeback", TS_MEMINFO, "Writeback", NULL, KB_TO_MIB,
	  "memory under writeback in MiB (meminfo Writeback)", "MiB", "[0:*]" },
	{ "sreclaimable", TS_MEMINFO, "SReclaimable", NULL, KB_TO_MIB,
	  "reclaimable slab in MiB (meminfo SReclaimable)", "MiB", "[0:*]" },
	{ "thp_fault_alloc", TS_VMSTAT_RATE, "thp_fault_alloc", NULL, 1,
	  "THP faults allocated per second (vmstat thp_fault_alloc)", "faults per second",
	  "[0:*]" },
	{ "thp_fault_fallback", TS_VMSTAT_RATE, "thp_fault_fallback", NULL, 1,
	  "THP fault fallbacks per second (vmstat thp_fault_fallback)", "faults per second",
	  "[0:*]" },
	{ "compact_stall", TS_VMSTAT_RATE, "compact_stall", NULL, 1,
	  "direct compaction stalls per second (vmstat compact_stall)", "stalls per second",
	  "[0:*]" },
	{ "compact_success", TS_VMSTAT_RATE, "compact_success", NULL, 1,
	  "compaction successes per second (vmstat compact_success)", "events per second",
	  "[0:*]" },
	{ "compact_fail", TS_VMSTAT_RATE, "compact_fail", NULL, 1,
	  "compaction failures per second (vmstat compact_fail)", "events per second",
	  "[0:*]" },
	{ "psi_some", TS_PSI, "memory", "some", US_PER_S_TO_PCT,
	  "memory pressure: % of time some task stalled (PSI memory some)", "% of wall time",
	  "[0:*]" },
	{ "psi_full", TS_PSI, "memory", "full", US_PER_S_TO_PCT,
	  "memory pressure: % of time all tasks stalled (PSI memory full)", "% of wall time",
	  "[0:*]" },
	{ "unusable9", TS_UNUSABLE, NULL, NULL, 1,
	  "unusable free space index at order 9 (buddyinfo, zones summed)",
	  "unusable index (0 to 1)", "[0:*]" },
};

static enum pd_file ts_file(const struct ts_def *def)
{
	switch (def->src) {
	case TS_MEMINFO: return PD_MEMINFO;
	case TS_VMSTAT_RATE: return PD_VMSTAT;
	case TS_PSI: return PD_PSI;
	case TS_UNUSABLE: return PD_BUDDYINFO;
	}
	return PD_MEMINFO;
}

static void unusable_sample(double t, const double *blocks, int norders, void *arg)
{
	series_push(arg, t, derived_unusable_index(blocks, norders, 9));
}

/* DEF's quantity over one iteration; false when its file or column is missing. */
static bool ts_series(const struct pd_iter *d, const struct ts_def *def, struct series *s)
{
	const struct csv *c = &d->f[ts_file(def)];
	double pt = NAN, pv = NAN;
	int ct, cv, cr, ck;

	series_init(s, d->have[ts_file(def)] ? c->nrows : 0);
	if (!d->have[ts_file(def)])
		return false;
	ct = csv_col(c, "t");
	switch (def->src) {
	case TS_MEMINFO:
	case TS_VMSTAT_RATE:
		cv = csv_col(c, def->key);
		if (ct < 0 || cv < 0)
			return false;
		for (size_t r = 0; r < c->nrows; r++) {
			double t = csv_num(c, r, ct), v = csv_num(c, r, cv);

			if (isnan(t) || isnan(v))
				continue;
			if (def->src == TS_MEMINFO)
				series_push(s, t, v * def->scale);
			else
				rate_push(s, &pt, &pv, t, v, def->scale);
		}
		break;
	case TS_PSI:
		cr = csv_col(c, "resource");
		ck = csv_col(c, "kind");
		cv = csv_col(c, "total_us");
		if (ct < 0 || cr < 0 || ck < 0 || cv < 0)
			return false;
		for (size_t r = 0; r < c->nrows; r++) {
			const char *res = csv_str(c, r, cr), *kind = csv_str(c, r, ck);
			double t = csv_num(c, r, ct), v = csv_num(c, r, cv);

			if (!res || !kind || strcmp(res, def->key) || strcmp(kind, def->key2) ||
			    isnan(t) || isnan(v))
				continue;
			rate_push(s, &pt, &pv, t, v, def->scale);
		}
		break;
	case TS_UNUSABLE:
		if (ct < 0 || csv_col(c, "order") < 0 || csv_col(c, "free_blocks") < 0)
			return false;
		derived_buddy_samples(c, unusable_sample, s);
		break;
	}
	series_sort(s);
	return true;
}

/* One set's series of one quantity, one per iteration. */
struct set_series {
	struct series *s;
	size_t n;
	bool have;		/* some iteration has samples */
};

static void set_series_free(struct set_series *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < v[i].n; k++)
			series_free(&v[i].s[k]);
		free(v[i].s);
	}
	free(v);
}

/* The grid of every series of the sets V[0..n). */
static void grid_of_sets(const struct set_series *v, size_t n, struct grid *g)
{
	struct series **all = NULL;
	size_t nall = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < v[i].n; k++) {
			all = xrealloc(all, (nall + 1) * sizeof(*all));
			all[nall++] = &v[i].s[k];
		}
	grid_make(all, nall, g);
	free(all);
}

static void timeseries_one(struct pd_set *ss, size_t n, const char *w, const struct ts_def *def,
			   struct pd_out *out)
{
	struct set_series *v = xcalloc(n, sizeof(*v));
	char *id = xstrdup(def->id), *title = xasprintf("%s: %s", w, def->title);
	bool any = false, file = false, nonzero = false, *missing = xcalloc(n, sizeof(*missing));
	double *mean, *min, *max;
	struct pd_plot *p;
	struct grid g;
	char *buf;
	size_t len;
	FILE *f;

	for (size_t i = 0; i < n; i++) {
		v[i].s = xcalloc(ss[i].n + 1, sizeof(*v[i].s));
		v[i].n = ss[i].n;
		for (size_t k = 0; k < ss[i].n; k++) {
			ts_series(&ss[i].its[k], def, &v[i].s[k]);
			file |= ss[i].its[k].have[ts_file(def)];
			v[i].have |= v[i].s[k].n > 0;
			for (size_t j = 0; j < v[i].s[k].n; j++)
				nonzero |= v[i].s[k].v[j] != 0;
		}
		any |= v[i].have;
		missing[i] = !v[i].have;
	}
	if (!any) {
		plot_skip(out, PK_TIMESERIES, "timeseries", -1, id, title,
			  !file ? xasprintf("no %s in any set (the collector did not run)",
					    file_names[ts_file(def)])
			  : def->key && def->src != TS_PSI
			  ? xasprintf("no %s column in %s in any set", def->key,
				      file_names[ts_file(def)])
			  : xasprintf("no usable rows in %s in any set", file_names[ts_file(def)]));
		goto out;
	}
	if (!nonzero) {
		plot_skip(out, PK_TIMESERIES, "timeseries", -1, id, title,
			  xstrdup("0 throughout, in every set"));
		goto out;
	}
	p = plot_new(out, PK_TIMESERIES, "timeseries", -1, id, title);
	p->note = missing_note(ss, n, missing, "no data");
	grid_of_sets(v, n, &g);
	f = text_open(&buf, &len);
	fputs("t", f);
	for (size_t i = 0; i < n; i++) {
		static const char *const col[] = { "mean", "min", "max" };

		if (!v[i].have)
			continue;
		plot_add_set(p, i, xstrdup(ss[i].rs->label));
		for (int c = 0; c < 3; c++) {
			char *h = xasprintf("%s %s", ss[i].rs->label, col[c]);

			fputc(',', f);
			csv_write_str(f, h);
			free(h);
		}
	}
	fputc('\n', f);
	mean = xcalloc(3 * n, sizeof(*mean));
	min = mean + n;
	max = mean + 2 * n;
	for (size_t k = 0; k < g.n; k++) {
		double t = grid_t(&g, k);
		size_t got = 0;

		for (size_t i = 0; i < n; i++)
			if (v[i].have)
				got += across_at(v[i].s, v[i].n, t, g.dt, &mean[i], &min[i], &max[i]) > 0;
		if (!got)
			continue;
		put_num(f, t);
		for (size_t i = 0; i < n; i++) {
			if (!v[i].have)
				continue;
			fputc(',', f);
			put_num(f, mean[i]);
			fputc(',', f);
			put_num(f, min[i]);
			fputc(',', f);
			put_num(f, max[i]);
		}
		fputc('\n', f);
	}
	free(mean);
	p->data = text_close(f, &buf);
	plot_var(p, "YLABEL", gp_quote(def->ylabel));
	plot_var(p, "YRANGE", xstrdup(def->yrange));
out:
	set_series_free(v, n);
	free(missing);
}

void pd_timeseries(struct pd_set *ss, size_t n, const char *w, struct pd_out *out)
{
	for (size_t d = 0; d < ARRAY_SIZE(ts_defs); d++)
		timeseries_one(ss, n, w, &ts_defs[d], out);
}

/* ---- bars: workload metrics with their 95% CI ---- */

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

	p = plot_new(out, PK_BARS, "bars", -1,
		     part > 1 ? xasprintf("bars-%d", part) : xstrdup("bars"),
		     part > 1 ? xasprintf("%s: workload metrics (%d), mean and 95%% CI", w, part)
			      : xasprintf("%s: workload metrics, mean and 95%% CI", w));
	p->note = note;
	p->height = 70 + 250 * rows;
	for (size_t i = 0; i < n; i++)
		plot_add_set(p, i, xstrdup(ss[i].rs->label));
	f = text_open(&buf, &len);
	fputs("metric,set,x,mean,ci95,n,name\n", f);
	for (size_t m = 0; m < nm; m++)
		for (size_t i = 0; i < n; i++) {
			fprintf(f, "%zu,%zu,%zu,", m + 1, i + 1, i + 1);
			put_num(f, bm[m].bars[i].mean);
			fputc(',', f);
			put_num(f, bm[m].bars[i].ci);
			fprintf(f, ",%zu,", bm[m].bars[i].n);
			csv_write_str(f, bm[m].first->name);
			fputc('\n', f);
		}
	p->data = text_close(f, &buf);
	f = text_open(&buf, &len);
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
	plot_var(p, "METRICS", text_close(f, &buf));
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
			bool seen = false, drawn = false;
			struct bar_metric *b;

			if (strcmp(m->workload, w))
				continue;
			for (size_t j = 0; j < nm && !seen; j++)
				seen = !strcmp(bm[j].first->name, m->name);
			if (seen)
				continue;
			bm = xrealloc(bm, (nm + 1) * sizeof(*bm));
			b = &bm[nm];
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
				nm++;
				continue;
			}
			char *t = xasprintf("%s%s%s", empty ? empty : "", empty ? ", " : "", m->name);

			free(empty);
			empty = t;
			free(b->bars);
		}
	}
	if (empty) {
		char *t = xasprintf("no value in any set: %s", empty);

		free(empty);
		empty = t;
	}
	if (!nm)
		plot_skip(out, PK_BARS, "bars", -1, xstrdup("bars"),
			  xasprintf("%s: workload metrics", w),
			  empty ? empty : xstrdup("no metric in metrics.csv in any set"));
	for (size_t k = 0; k < nm; k += PD_BARS_MAX)
		bars_image(ss, n, w, bm + k, nm - k < PD_BARS_MAX ? nm - k : PD_BARS_MAX,
			   (int)(k / PD_BARS_MAX) + 1, k ? NULL : empty, out);
	for (size_t k = 0; k < nm; k++)
		free(bm[k].bars);
	free(bm);
}

/* ---- CDFs: latency histograms and stall durations ---- */

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

	p = plot_new(out, PK_CDF, "cdf", -1, xasprintf("cdf-%s", h->name),
		     xasprintf("%s: %s in %s, CDF of every event (all iterations)", w, h->name,
			       *h->unit ? h->unit : "no unit"));
	f = text_open(&buf, &len);
	fputs("set,value,fraction,events\n", f);
	for (size_t i = 0; i < n; i++) {
		struct bucket *b;
		size_t nb = hist_pool(&ss[i], h->name, &b);
		double total = 0, cum = 0;

		for (size_t k = 0; k < nb; k++)
			total += b[k].count;
		missing[i] = !nb;
		if (nb) {
			plot_add_set(p, i, xasprintf("%s (%.0f events)", ss[i].rs->label, total));
			/* the distribution starts at the first bucket's lower bound */
			if (b[0].lower > 0)
				fprintf(f, "%zu,%.10g,0,0\n", i + 1, b[0].lower);
		}
		for (size_t k = 0; k < nb; k++) {
			cum += b[k].count;
			fprintf(f, "%zu,%.10g,", i + 1, b[k].upper);
			put_num(f, cum / total);
			fprintf(f, ",%.0f\n", cum);
		}
		free(b);
	}
	p->data = text_close(f, &buf);
	p->note = missing_note(ss, n, missing, "no such histogram");
	x = xasprintf("%s (%s, log scale)", h->name, *h->unit ? h->unit : "no unit");
	plot_var(p, "XLABEL", gp_quote(x));
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
		qsort(d, n, sizeof(*d), cmp_double);
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

	p = plot_new(out, PK_CDF, "cdf", -1, xasprintf("stalls-%s", event),
		     xasprintf("%s: %s stall durations in us, CDF of every stall (all iterations)",
			       w, event));
	f = text_open(&buf, &len);
	fputs("set,value,fraction,events\n", f);
	for (size_t i = 0; i < n; i++) {
		double *d;
		size_t nd = stall_pool(&ss[i], event, &d), step = nd / CDF_MAX_POINTS + 1;

		missing[i] = !nd;
		if (nd)
			plot_add_set(p, i, xasprintf("%s (%zu stalls)", ss[i].rs->label, nd));
		for (size_t k = 0; k < nd; k++) {
			/* the last of equal values carries the step; 0 cannot go on a log axis */
			if ((k + 1 < nd && d[k + 1] == d[k]) || d[k] <= 0 ||
			    ((k + 1) % step && k + 1 < nd))
				continue;
			fprintf(f, "%zu,%.10g,", i + 1, d[k]);
			put_num(f, (double)(k + 1) / (double)nd);
			fprintf(f, ",%zu\n", k + 1);
		}
		free(d);
	}
	p->data = text_close(f, &buf);
	p->note = missing_note(ss, n, missing, "no such stall");
	x = xasprintf("%s stall duration (us, log scale)", event);
	plot_var(p, "XLABEL", gp_quote(x));
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
		plot_skip(out, PK_CDF, "cdf", -1, xstrdup("cdf"),
			  xasprintf("%s: latency CDFs", w),
			  xstrdup(have_hist ? "histograms.csv has no bucket in any set"
				  : "no histograms.csv in any set (the workload keeps none)"));
	for (size_t e = 0; e < nev; e++)
		cdf_stall(ss, n, w, ev[e].name, out);
	if (!nev)
		plot_skip(out, PK_CDF, "cdf", -1, xstrdup("stalls"),
			  xasprintf("%s: stall duration CDFs", w),
			  xstrdup(have_stalls ? "no stall was recorded (stalls.csv empty in every set)"
				  : "no stalls.csv in any set (the stalls collector did not run)"));
	free(hs);
	free(ev);
}

/* ---- buddyinfo heatmap, per set ---- */

struct orders {
	struct series s[DERIVED_BUDDY_ORDERS];
	int norders;
};

static void orders_sample(double t, const double *blocks, int norders, void *arg)
{
	struct orders *o = arg;

	for (int k = 0; k < norders; k++)
		series_push(&o->s[k], t, blocks[k]);
	if (norders > o->norders)
		o->norders = norders;
}

static void heatmap_set(struct pd_set *ps, size_t set, const char *w, struct pd_out *out)
{
	struct orders *o = xcalloc(ps->n + 1, sizeof(*o));
	struct series **all = NULL, *per = xcalloc(ps->n + 1, sizeof(*per));
	size_t nall = 0, used = 0;
	int norders = 0;
	struct pd_plot *p;
	struct grid g;
	char *buf, *id = xasprintf("heatmap-%zu-%s", set + 1, ps->rs->label);
	char *title = xasprintf("%s: free blocks per buddy order over time (%s, zones summed)",
				ps->rs->label, w);
	size_t len;
	FILE *f;

	for (size_t i = 0; i < ps->n; i++) {
		const struct pd_iter *d = &ps->its[i];

		for (int k = 0; k < DERIVED_BUDDY_ORDERS; k++)
			series_init(&o[i].s[k], d->have[PD_BUDDYINFO] ? d->f[PD_BUDDYINFO].nrows : 0);
		if (!d->have[PD_BUDDYINFO])
			continue;
		derived_buddy_samples(&d->f[PD_BUDDYINFO], orders_sample, &o[i]);
		if (!o[i].norders)
			continue;
		used++;
		if (o[i].norders > norders)
			norders = o[i].norders;
		for (int k = 0; k < o[i].norders; k++) {
			series_sort(&o[i].s[k]);
			all = xrealloc(all, (nall + 1) * sizeof(*all));
			all[nall++] = &o[i].s[k];
		}
	}
	if (!used) {
		plot_skip(out, PK_HEATMAP, "heatmap", (int)set, id, title, no_data(ps, w,
			  "buddyinfo.csv samples"));
		goto out;
	}
	free(title);
	title = xasprintf("%s: free blocks per buddy order (%s, zones summed, mean of %zu "
			  "iteration%s)", ps->rs->label, w, used, used == 1 ? "" : "s");
	p = plot_new(out, PK_HEATMAP, "heatmap", (int)set, id, title);
	plot_add_set(p, set, xstrdup(ps->rs->label));
	grid_make(all, nall, &g);
	if (g.n > PD_HEAT_COLS) {
		g.dt *= (double)(g.n - 1) / (PD_HEAT_COLS - 1);
		g.n = PD_HEAT_COLS;
	}
	f = text_open(&buf, &len);
	fputs("t,order,free_blocks\n", f);
	for (size_t k = 0; k < g.n; k++) {
		double t = grid_t(&g, k), mean[DERIVED_BUDDY_ORDERS], lo, hi;

		/* every grid point, with or without data: an image needs the whole grid */
		for (int ord = 0; ord < norders; ord++) {
			for (size_t i = 0; i < ps->n; i++)
				per[i] = o[i].s[ord];
			across_at(per, ps->n, t, g.dt, &mean[ord], &lo, &hi);
		}
		for (int ord = 0; ord < norders; ord++) {
			put_num(f, t);
			fprintf(f, ",%d,", ord);
			/* no free block: NaN, so the cell stays white on the log scale */
			put_num(f, mean[ord] > 0 ? mean[ord] : NAN);
			fputc('\n', f);
		}
	}
	p->data = text_close(f, &buf);
	plot_var(p, "ZONE", xstrdup("all zones summed"));
	plot_var(p, "YMIN", xstrdup("-0.5"));
	plot_var(p, "YMAX", xasprintf("%d.5", norders - 1));
	plot_var(p, "DT", xasprintf("%.10g", g.dt));
out:
	for (size_t i = 0; i < ps->n; i++)
		for (int k = 0; k < DERIVED_BUDDY_ORDERS; k++)
			series_free(&o[i].s[k]);
	free(o);
	free(per);
	free(all);
}

void pd_heatmaps(struct pd_set *ss, size_t n, const char *w, struct pd_out *out)
{
	bool any = false;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < ss[i].n; k++)
			any |= ss[i].its[k].have[PD_BUDDYINFO];
	if (!any) {
		plot_skip(out, PK_HEATMAP, "heatmap", -1, xstrdup("heatmap"),
			  xasprintf("%s: free blocks per buddy order", w),
			  xstrdup("no buddyinfo.csv in any set (the buddyinfo collector did not run)"));
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (ran(&ss[i], w))
			heatmap_set(&ss[i], i, w, out);
}

/* ---- slab occupancy of the caches that grew most ---- */

/* Every cache's growth and occupancy in each iteration of one set. */
struct slab_set {
	struct derived_slab **sl;	/* per iteration; NULL without slabinfo.csv */
	size_t *n;
	size_t iters;			/* iterations with a slabinfo.csv */
};

static void slab_load(const struct pd_set *ps, struct slab_set *s)
{
	s->sl = xcalloc(ps->n + 1, sizeof(*s->sl));
	s->n = xcalloc(ps->n + 1, sizeof(*s->n));
	s->iters = 0;
	for (size_t i = 0; i < ps->n; i++) {
		if (!ps->its[i].have[PD_SLABINFO])
			continue;
		s->n[i] = derived_slabs(&ps->its[i].f[PD_SLABINFO], &s->sl[i]);
		s->iters++;
	}
}

static void slab_unload(const struct pd_set *ps, struct slab_set *s)
{
	for (size_t i = 0; i < ps->n; i++)
		derived_slabs_free(s->sl[i], s->n[i]);
	free(s->sl);
	free(s->n);
}

/*
 * Mean growth (pages) of CACHE over a set's iterations with a
 * slabinfo.csv; a cache absent from one had no pages there.
 */
static double slab_growth(const struct pd_set *ps, const struct slab_set *s, const char *cache)
{
	double sum = 0;

	for (size_t i = 0; i < ps->n; i++)
		for (size_t k = 0; s->sl[i] && k < s->n[i]; k++)
			if (!strcmp(s->sl[i][k].cache, cache) && isfinite(s->sl[i][k].growth_pages))
				sum += s->sl[i][k].growth_pages;
	return s->iters ? sum / (double)s->iters : NAN;
}

struct cache_score {
	const char *cache;
	double score;		/* the largest mean growth of any set, pages */
};

static int cmp_cache(const void *a, const void *b)
{
	const struct cache_score *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return strcmp(x->cache, y->cache);
}

/*
 * The PD_SLAB_TOP caches that grew most in any set, as compare chooses
 * the caches of its slab table.  Returns how many; *out is malloc'd, its
 * names point into SL.
 */
static size_t slab_top(struct pd_set *ss, const struct slab_set *sl, size_t n,
		       struct cache_score **out)
{
	struct cache_score *cs = NULL;
	size_t ncs = 0, top = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < ss[i].n; k++)
			for (size_t c = 0; sl[i].sl[k] && c < sl[i].n[k]; c++) {
				const char *name = sl[i].sl[k][c].cache;
				bool seen = false;

				for (size_t j = 0; j < ncs && !seen; j++)
					seen = !strcmp(cs[j].cache, name);
				if (seen)
					continue;
				cs = xrealloc(cs, (ncs + 1) * sizeof(*cs));
				cs[ncs++] = (struct cache_score){ name, -INFINITY };
			}
	for (size_t j = 0; j < ncs; j++)
		for (size_t i = 0; i < n; i++) {
			double g = slab_growth(&ss[i], &sl[i], cs[j].cache);

			if (g > cs[j].score)
				cs[j].score = g;
		}
	if (ncs)
		qsort(cs, ncs, sizeof(*cs), cmp_cache);
	while (top < ncs && top < PD_SLAB_TOP && cs[top].score > 0)
		top++;
	*out = cs;
	return top;
}

/* Occupancy (%) of CACHE in each sample of one slabinfo.csv. */
static void slab_series(const struct csv *c, const char *cache, struct series *s)
{
	int ct = csv_col(c, "t"), cc = csv_col(c, "cache"), ca = csv_col(c, "active_objs");
	int co = csv_col(c, "num_objs");

	series_init(s, c->nrows);
	if (ct < 0 || cc < 0 || ca < 0 || co < 0)
		return;
	for (size_t r = 0; r < c->nrows; r++) {
		const char *name = csv_str(c, r, cc);
		double t = csv_num(c, r, ct), a = csv_num(c, r, ca), o = csv_num(c, r, co);

		if (name && !strcmp(name, cache) && isfinite(t) && o > 0 && a >= 0)
			series_push(s, t, 100 * a / o);
	}
	series_sort(s);
}

static void slab_plot(struct pd_set *ps, const struct slab_set *sl, size_t set, const char *w,
		      const struct cache_score *top, size_t ntop, struct pd_out *out)
{
	struct series *s = xcalloc((ps->n + 1) * ntop, sizeof(*s)), **all = NULL;
	size_t nall = 0;
	char *id = xasprintf("slab-%zu-%s", set + 1, ps->rs->label), *buf;
	struct pd_plot *p;
	struct grid g;
	size_t len;
	FILE *f;

	if (!sl->iters) {
		plot_skip(out, PK_SLAB, "slab", (int)set, id,
			  xasprintf("%s: slab occupancy (%s)", ps->rs->label, w),
			  no_data(ps, w, "slabinfo.csv"));
		goto out;
	}
	for (size_t i = 0; i < ps->n; i++) {
		if (!ps->its[i].have[PD_SLABINFO])
			continue;
		for (size_t c = 0; c < ntop; c++) {
			slab_series(&ps->its[i].f[PD_SLABINFO], top[c].cache, &s[c * ps->n + i]);
			all = xrealloc(all, (nall + 1) * sizeof(*all));
			all[nall++] = &s[c * ps->n + i];
		}
	}
	p = plot_new(out, PK_SLAB, "slab", (int)set, id,
		     xasprintf("%s: occupancy of the slab caches that grew most (%s, mean of %zu "
			       "iteration%s)", ps->rs->label, w, sl->iters,
			       sl->iters == 1 ? "" : "s"));
	plot_add_set(p, set, xstrdup(ps->rs->label));
	grid_make(all, nall, &g);
	f = text_open(&buf, &len);
	fputs("t", f);
	for (size_t c = 0; c < ntop; c++) {
		fputc(',', f);
		csv_write_str(f, top[c].cache);
	}
	fputc('\n', f);
	for (size_t k = 0; k < g.n; k++) {
		double t = grid_t(&g, k), mean[PD_SLAB_TOP], lo, hi;
		size_t got = 0;

		for (size_t c = 0; c < ntop; c++)
			got += across_at(&s[c * ps->n], ps->n, t, g.dt, &mean[c], &lo, &hi) > 0;
		if (!got)
			continue;
		put_num(f, t);
		for (size_t c = 0; c < ntop; c++) {
			fputc(',', f);
			put_num(f, mean[c]);
		}
		fputc('\n', f);
	}
	p->data = text_close(f, &buf);
	f = text_open(&buf, &len);
	fprintf(f, "NCACHES = %zu\narray CACHE[%zu] = [", ntop, ntop);
	for (size_t c = 0; c < ntop; c++) {
		double gr = slab_growth(ps, sl, top[c].cache);
		char *k = isfinite(gr) ? xasprintf("%s (%+.3g pages)", top[c].cache, gr)
				       : xstrdup(top[c].cache);
		char *q = gp_quote(k);

		fprintf(f, "%s%s", c ? ", " : "", q);
		free(q);
		free(k);
	}
	fputs("]", f);
	plot_var(p, "CACHES", text_close(f, &buf));
out:
	for (size_t i = 0; i < (ps->n + 1) * ntop; i++)
		series_free(&s[i]);
	free(s);
	free(all);
}

void pd_slabs(struct pd_set *ss, size_t n, const char *w, struct pd_out *out)
{
	struct slab_set *sl = xcalloc(n, sizeof(*sl));
	struct cache_score *top = NULL;
	size_t ntop = 0;
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		slab_load(&ss[i], &sl[i]);
		any |= sl[i].iters > 0;
	}
	if (!any) {
		plot_skip(out, PK_SLAB, "slab", -1, xstrdup("slab"),
			  xasprintf("%s: slab occupancy", w),
			  xstrdup("no slabinfo.csv in any set (the slabinfo collector did not run)"));
		goto out;
	}
	ntop = slab_top(ss, sl, n, &top);
	if (!ntop)
		plot_skip(out, PK_SLAB, "slab", -1, xstrdup("slab"),
			  xasprintf("%s: slab occupancy", w),
			  xstrdup("no slab cache grew during the workload in any set"));
	for (size_t i = 0; ntop && i < n; i++)
		if (ran(&ss[i], w))
			slab_plot(&ss[i], &sl[i], i, w, top, ntop, out);
out:
	free(top);
	for (size_t i = 0; i < n; i++)
		slab_unload(&ss[i], &sl[i]);
	free(sl);
}

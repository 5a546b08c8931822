/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data side of the plot driver (analysis/plot.h): reading one
 * workload's collector CSVs from every set, putting iterations on a
 * common time grid, and writing each plot's data file as text with the
 * few template variables that depend on the data.  plot.c owns the
 * rest (templates, quoting, file names, running gnuplot).
 */
#ifndef MMAB_PLOT_DATA_H
#define MMAB_PLOT_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/gnuplot.h"
#include "analysis/plot.h"
#include "lib/csv.h"
#include "analysis/rset.h"

/* The collector CSVs a plot reads from an iteration directory. */
enum pd_file { PD_MEMINFO, PD_VMSTAT, PD_BUDDYINFO, PD_PSI, PD_SLABINFO, PD_STALLS, PD_HIST,
	       PD_N };

struct pd_iter {
	const struct rset_iter *it;
	struct csv f[PD_N];
	bool have[PD_N];
};

/* One set's used iterations of one workload, with their CSVs loaded. */
struct pd_set {
	struct rset *rs;
	struct pd_iter *its;
	size_t n;
};

/*
 * pd_load - load the CSVs of every used iteration of WORKLOAD in RS;
 * problems are reported and counted in RS, a missing file is not one (a
 * collector that did not run leaves none).  Free with pd_free().
 */
void pd_load(struct rset *rs, const char *workload, struct pd_set *ps);
void pd_free(struct pd_set *ps);

/* Template variables a plot adds to the common ones; values malloc'd. */
#define PD_MAX_VARS 4

/*
 * One plot as the data side sees it.  data == NULL: skipped, note says
 * why.  Otherwise note, when set, says which sets had no data.
 */
struct pd_plot {
	enum plot_kind kind;
	const char *tpl;	/* template name: "timeseries" for analysis/plots/timeseries.gp */
	char *id;		/* file name part after the workload, before safe-naming */
	char *title;		/* plain text */
	char *note;
	char *data;		/* the CSV text */
	size_t *sets;		/* the sets drawn, in order: their colours */
	char **keys;		/* the legend text of each set drawn */
	size_t nsets;
	int set;		/* per-set plots: the set; else -1 */
	int width, height;	/* pixels */
	struct gp_var vars[PD_MAX_VARS];
	size_t nvars;
};

void pd_plot_free(struct pd_plot *p);

/*
 * Each producer appends its plots (drawn or skipped) for workload W of
 * the sets SS[0..n) to *v (*nv of them, grown with realloc), in a stable
 * order.
 */
struct pd_out {
	struct pd_plot *v;
	size_t n;
};

void pd_timeseries(struct pd_set *ss, size_t n, const char *w, struct pd_out *out);
void pd_bars(struct pd_set *ss, size_t n, const char *w, struct pd_out *out);
void pd_cdfs(struct pd_set *ss, size_t n, const char *w, struct pd_out *out);
void pd_heatmaps(struct pd_set *ss, size_t n, const char *w, struct pd_out *out);
void pd_slabs(struct pd_set *ss, size_t n, const char *w, struct pd_out *out);
/* pd_values - the values of row R of T, iteration by iteration (plot-values.c). */
void pd_values(const struct cmp_table *t, const struct cmp_row *r, struct pd_out *out);

/* Most metrics in one bars image; more go into a second image. */
#define PD_BARS_MAX 9
/* Most caches in a slab occupancy plot (compare lists as many). */
#define PD_SLAB_TOP 5
/* Most points of a line: longer runs get a coarser grid. */
#define PD_MAX_POINTS 2000
/* Most time cells of a heatmap: narrower cells than a few pixels blur. */
#define PD_HEAT_COLS 150

/* ---- what the producers share (plot-data.c) ---- */

/* The file name of each pd_file: "meminfo.csv", ... */
extern const char *const pd_file_names[PD_N];

/* pd_new - append a plot to OUT (id and title are taken over), 800 x 450 px. */
struct pd_plot *pd_new(struct pd_out *out, enum plot_kind kind, const char *tpl, int set,
		       char *id, char *title);
/* pd_skip - append a plot not drawn; NOTE (taken over) says why. */
void pd_skip(struct pd_out *out, enum plot_kind kind, const char *tpl, int set, char *id,
	     char *title, char *note);
/* pd_var - a template variable of P (VALUE taken over); at most PD_MAX_VARS. */
void pd_var(struct pd_plot *p, const char *name, char *value);
/* pd_add_set - set SET is drawn in P, with the legend text KEY (taken over). */
void pd_add_set(struct pd_plot *p, size_t set, char *key);
/* pd_text_open/close - text accumulated in memory; close returns *buf (malloc'd). */
FILE *pd_text_open(char **buf, size_t *len);
char *pd_text_close(FILE *f, char **buf);
/* pd_put_num - V as gnuplot reads it: "NaN" for none (style.gp: datafile missing). */
void pd_put_num(FILE *f, double v);
/* pd_missing_note - "WHAT in: a, b" of the sets flagged in MISSING, or NULL. */
char *pd_missing_note(struct pd_set *ss, size_t n, const bool *missing, const char *what);
/* pd_no_data - why a per-set plot of W has nothing to draw from PS (malloc'd). */
char *pd_no_data(const struct pd_set *ps, const char *w, const char *what);
/* pd_ran - whether PS's set ran workload W at all. */
bool pd_ran(const struct pd_set *ps, const char *w);
/* A latency whose values span this factor or more is drawn on a log scale. */
#define PD_LOG_SPAN 10
/* pd_is_latency - whether a metric is a latency (us, ms, ns, "latency" in its name). */
bool pd_is_latency(const char *name, const char *unit);
/* pd_log_floor - the largest power of 10 not above V (> 0): a log axis' bottom. */
double pd_log_floor(double v);
/* pd_cmp_double - qsort comparison of doubles, ascending. */
int pd_cmp_double(const void *a, const void *b);

/* Samples of one quantity over one iteration, in time order. */
struct pd_series {
	double *t, *v;
	size_t n;
};

/* pd_series_init - room for CAP samples. */
void pd_series_init(struct pd_series *s, size_t cap);
void pd_series_free(struct pd_series *s);
/* pd_series_sort - samples in time order (a file edited by hand may not be). */
void pd_series_sort(struct pd_series *s);
void pd_series_push(struct pd_series *s, double t, double v);
/*
 * pd_rate_push - a counter sampled at (t, v) pushed as the rate since the
 * previous sample (*pt, *pv) at the interval's midpoint, times SCALE; a
 * counter going backwards (a reset) gives no rate.
 */
void pd_rate_push(struct pd_series *s, double *pt, double *pv, double t, double v,
		  double scale);

/* A time grid: n points from 0, dt apart. */
struct pd_grid {
	double dt;
	size_t n;
};

/*
 * pd_grid_make - the grid of ALL[0..n): from 0 to the last sample, in steps
 * of the median sample interval (coarser past PD_MAX_POINTS points).
 */
void pd_grid_make(struct pd_series *const *all, size_t n, struct pd_grid *g);
/* pd_grid_t - grid point K, rounded to the microsecond. */
double pd_grid_t(const struct pd_grid *g, size_t k);
/*
 * pd_across_at - mean, min and max across the series S[0..n) at time T
 * (linear between an iteration's samples, its end values up to DT/2
 * beyond its ends); returns how many series had a value there.
 */
size_t pd_across_at(struct pd_series *s, size_t n, double t, double dt, double *mean,
		    double *min, double *max);

#endif

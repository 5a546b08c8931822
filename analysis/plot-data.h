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

#include "lib/csv.h"
#include "analysis/plot.h"
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

/* Most metrics in one bars image; more go into a second image. */
#define PD_BARS_MAX 9
/* Most caches in a slab occupancy plot (compare lists as many). */
#define PD_SLAB_TOP 5
/* Most points of a line: longer runs get a coarser grid. */
#define PD_MAX_POINTS 2000
/* Most time cells of a heatmap: narrower cells than a few pixels blur. */
#define PD_HEAT_COLS 150

#endif

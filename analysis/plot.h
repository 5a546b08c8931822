/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plot driver behind `mmab plot` and the report: it collects data from
 * result sets into CSV data files, fills the gnuplot templates of
 * analysis/plots/ (embedded in the binary) and runs gnuplot on them (argv,
 * never a shell).  Every plot leaves NAME.csv, NAME.gp and NAME.png|svg side
 * by side, and NAME.gp runs standalone from that directory, so a plot can
 * be restyled for a paper.  A plot without data is skipped with a note,
 * never drawn empty.
 */
#ifndef MMAB_PLOT_H
#define MMAB_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analysis/compare.h"
#include "analysis/rset.h"

enum plot_fmt { PLOT_PNG, PLOT_SVG };

enum plot_kind { PK_TIMESERIES, PK_BARS, PK_CDF, PK_HEATMAP, PK_SLAB, PK_VALUES };

struct plot_opts {
	const char *outdir;	/* created if missing; nothing is written elsewhere */
	enum plot_fmt fmt;
	bool render;		/* false: write data and scripts only (tests) */
	const char *gnuplot;	/* program to run; NULL: "gnuplot" from PATH */
};

/* One plot written (or skipped: image == NULL, note says why). */
struct plot_item {
	enum plot_kind kind;
	char *workload;		/* NULL for plots not tied to one workload */
	int set;		/* index into the sets for per-set plots, else -1 */
	char *title;		/* plain text, unescaped */
	char *base;		/* file name without extension, safe: [A-Za-z0-9._-] */
	char *data;		/* BASE.csv, or NULL */
	char *script;		/* BASE.gp, or NULL */
	char *image;		/* BASE.png|svg; NULL when skipped, not drawn or not rendered */
	char *note;		/* why it was skipped or not drawn; for a plot drawn,
				   the sets that had no data for it; else NULL */
	const struct cmp_row *row;	/* PK_VALUES: the row of the comparison drawn */
};

struct plot_list {
	struct plot_item *items;
	size_t n;
};

/*
 * plot_all - write every plot for SETS[0..n) into o->outdir.  Set i has
 * colour i in every plot.  Items (written and skipped) are appended to
 * *out in a stable order (per workload: time series, bars, CDFs, heatmaps,
 * slab); the caller frees it with plot_list_free().  Returns 0 when every
 * plot with data was drawn (skipped plots are not errors), or -errno for
 * the first failure (reported) — the other plots are still attempted;
 * -ENOENT when gnuplot could not be run (data and scripts are written).
 */
int plot_all(struct rset *sets, size_t n, const struct plot_opts *o, struct plot_list *out);
void plot_list_free(struct plot_list *l);

#define PLOT_VERDICTS_MAX 24	/* most verdict plots of one comparison */

/*
 * plot_verdicts - for each row of T with a proven change (at most
 * PLOT_VERDICTS_MAX, in table order), a plot of every set's values
 * iteration by iteration (PK_VALUES, item->row the row; T must outlive
 * OUT's use of it), written and appended like plot_all's.  Returns as
 * plot_all does.
 */
int plot_verdicts(const struct cmp_table *t, const struct plot_opts *o, struct plot_list *out);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The static HTML report behind `mmab report`: one directory with
 * index.html, style.css and plots/ (PNG images with their data and gnuplot
 * scripts).  No JavaScript, nothing fetched from the network.  Every string
 * that comes from a result set is HTML-escaped; file names in src= and
 * href= are the plot driver's safe names.
 */
#ifndef MMAB_REPORT_H
#define MMAB_REPORT_H

#include <stddef.h>

#include "analysis/rset.h"

struct report_opts {
	const char *outdir;	/* created if missing; nothing is written elsewhere */
	size_t baseline;	/* index of the baseline set */
	const char *gnuplot;	/* NULL: "gnuplot" from PATH */
};

/*
 * report_write - write the report of SETS[0..n) into o->outdir: each set's
 * environment, iterations (failed ones with their reason), the comparison
 * against the baseline with verdicts and every plot.  Returns 0, or -errno
 * when the report could not be written (reported).  When a plot could not
 * be drawn or the comparison failed (reported), the report is still written,
 * showing what is missing, and the return is -EIO.
 */
int report_write(struct rset *sets, size_t n, const struct report_opts *o);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside report_write (report.c): the page being composed, and what
 * report-env.c writes for it (the environment and iterations sections,
 * the set names and tables report.c uses too).
 */
#ifndef MMAB_REPORT_INT_H
#define MMAB_REPORT_INT_H

#include <stdio.h>

#include "analysis/compare.h"
#include "analysis/plot.h"
#include "analysis/rset.h"

struct report_page {
	FILE *f;
	struct rset *sets;
	size_t n, baseline;
	const struct plot_list *plots;
	const struct cmp_table *t;		/* the comparison, or NULL */
	const struct plot_list *verdict_plots;	/* plot_verdicts' */
	const char *compare_html;	/* the fragment, or NULL */
	const char *compare_error;	/* why there is none */
	int plot_err;
};

/* report_set_name - set I's label with its colour swatch (and "baseline"); report-env.c. */
void report_set_name(const struct report_page *p, size_t i);
/*
 * report_table_head - open a scrolling table of class CLS: FIRST, then one
 * column per set; report-env.c.
 */
void report_table_head(const struct report_page *p, const char *cls, const char *first);

/*
 * report_verdicts - the <section id="verdicts">: alerts, the summary,
 * every proven change with the plot of its values, the cells closest to a
 * verdict and what would settle them (report-verdicts.c).
 */
void report_verdicts(const struct report_page *p);
/* report_alerts - the comparison's alerts (TCG, kernel warnings), one warning each. */
void report_alerts(const struct report_page *p);
/*
 * report_figure - IT as a figure linking its image, data and script, with
 * CAPTION_HTML (already escaped) or else its title as the caption.
 */
void report_figure(FILE *f, const struct plot_item *it, const char *caption_html);
/* report_plot_link - <a href="plots/FILE">TEXT</a> (FILE: a plot driver's safe name). */
void report_plot_link(FILE *f, const char *file, const char *text);

/* report_environment - the <section id="environment"> (report-env.c). */
void report_environment(const struct report_page *p);
/* report_iterations - the <section id="iterations"> (report-env.c). */
void report_iterations(const struct report_page *p);

#endif

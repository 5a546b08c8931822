/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside report_write (report.c): the page being composed, and what
 * report-env.c writes for it (the environment and iterations sections,
 * the set names and tables report.c uses too).
 */
#ifndef MMAB_REPORT_INT_H
#define MMAB_REPORT_INT_H

#include <stdio.h>

#include "analysis/plot.h"
#include "analysis/rset.h"

struct report_page {
	FILE *f;
	struct rset *sets;
	size_t n, baseline;
	const struct plot_list *plots;
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

/* report_environment - the <section id="environment"> (report-env.c). */
void report_environment(const struct report_page *p);
/* report_iterations - the <section id="iterations"> (report-env.c). */
void report_iterations(const struct report_page *p);

#endif

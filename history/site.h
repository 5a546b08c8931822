/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The published history (history/site.c, history/trend.c): a static HTML
 * site with no JavaScript.  index.html lists the regressions and
 * improvements, newest first; a page per workload holds a trend plot per
 * metric; regressions.xml is an Atom feed of the regressions; history.json
 * holds everything.  Every string from a result set is escaped
 * (analysis/html.h) or made a safe file name (analysis/gnuplot.h).
 */
#ifndef MMAB_HISTORY_SITE_H
#define MMAB_HISTORY_SITE_H

#include "history/history.h"

/*
 * history_site - write the site of D judged as R into DIR (created).
 * Returns 0, -EINVAL (DIR unusable, reported) or another -errno (reported;
 * what could be written is).
 */
int history_site(const char *dir, const struct history_data *d, const struct history_result *r);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Trend plots of one series each, for the history site (history/trend.c):
 * NAME.csv, NAME.gp, and from them NAME.png and NAME.svg, side by side as
 * `mmab plot` leaves its plots.
 */
#ifndef MMAB_HISTORY_TREND_H
#define MMAB_HISTORY_TREND_H

#include <stdbool.h>
#include <stddef.h>

#include "history/history.h"

/*
 * trend_write - write DIR/BASE.csv and DIR/BASE.gp for series S of D, with
 * its change points CPS[0..ncps) (in time order) and TITLE (plain text).
 * BASE must be a safe file name (gp_safe_name).  Returns 0 or -errno
 * (reported).
 */
int trend_write(const char *dir, const char *base, const struct history_data *d,
		const struct history_series *s, const struct history_cp *const *cps, size_t ncps,
		const char *title);

/*
 * trend_render - run gnuplot on DIR/BASES[i].gp (i < n), a batch per CPU;
 * OK[i] tells whether BASES[i].png and .svg were drawn.  Returns 0, -EIO
 * when some could not be (gnuplot's messages kept in DIR/gnuplot.log), or
 * -ENOENT when gnuplot is missing (reported).
 */
int trend_render(const char *dir, char *const *bases, size_t n, bool *ok);

#endif

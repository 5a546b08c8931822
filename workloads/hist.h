/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Latency recording for workloads: every sample is kept (exact percentiles)
 * and also counted in log-spaced buckets (8 per power of two) that are
 * written to histograms.csv for CDF plots.
 */
#ifndef MMAB_HIST_H
#define MMAB_HIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct hist;

struct hist *hist_new(void);
void hist_free(struct hist *h);
/* hist_add - record one value (>= 0). */
void hist_add(struct hist *h, double v);
size_t hist_count(const struct hist *h);
/* hist_quantile - exact quantile q in [0,1] (linear interpolation, like R type 7); NaN when empty. */
double hist_quantile(struct hist *h, double q);
double hist_max(const struct hist *h);
double hist_mean(const struct hist *h);
/* hist_write_csv - rows "NAME,UNIT,lower,upper,count" for non-empty buckets (no header). */
int hist_write_csv(FILE *f, const char *name, const char *unit, const struct hist *h);
/*
 * hist_append_file - append H's buckets as histogram NAME to DIR/histograms.csv,
 * writing the header "histogram,unit,lower,upper,count" when the file is new.
 * Returns 0 or -errno.
 */
int hist_append_file(const char *dir, const char *name, const char *unit,
		     const struct hist *h);
/* hist_merge - add every sample of SRC to DST. */
void hist_merge(struct hist *dst, const struct hist *src);

#endif

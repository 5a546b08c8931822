/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Latency recording: every sample is kept, so quantiles are exact (GSL's
 * quantile of sorted data, the same definition as R's default type 7) and
 * nothing depends on a bucket resolution chosen in advance.  The log-spaced
 * buckets (8 per power of two: edges 2^(k/8), about 9% wide) are only made
 * when the histogram is written out for CDF plots.  A few million samples
 * cost a few tens of MiB, which is cheap next to the workloads measured.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_statistics_double.h>

#include "lib/mmab.h"
#include "workloads/hist.h"

/* Values below this (in the caller's unit) share one bucket starting at 0. */
#define HIST_TINY_K (-80)	/* 2^(-80/8) = 2^-10 */

struct hist {
	double *v;
	size_t n, cap;
	bool sorted;
	double max, sum;
};

struct hist *hist_new(void)
{
	struct hist *h = xcalloc(1, sizeof(*h));

	h->sorted = true;
	return h;
}

void hist_free(struct hist *h)
{
	if (!h)
		return;
	free(h->v);
	free(h);
}

void hist_add(struct hist *h, double v)
{
	if (isnan(v))
		return;
	if (v < 0)
		v = 0;
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->v = xrealloc(h->v, h->cap * sizeof(*h->v));
	}
	if (h->n && v < h->v[h->n - 1])
		h->sorted = false;
	h->v[h->n++] = v;
	h->sum += v;
	if (h->n == 1 || v > h->max)
		h->max = v;
}

size_t hist_count(const struct hist *h)
{
	return h->n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void hist_sort(struct hist *h)
{
	if (h->sorted)
		return;
	qsort(h->v, h->n, sizeof(*h->v), cmp_double);
	h->sorted = true;
}

double hist_quantile(struct hist *h, double q)
{
	if (!h->n || isnan(q))
		return NAN;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	hist_sort(h);
	return gsl_stats_quantile_from_sorted_data(h->v, 1, h->n, q);
}

double hist_max(const struct hist *h)
{
	return h->n ? h->max : NAN;
}

double hist_mean(const struct hist *h)
{
	return h->n ? h->sum / (double)h->n : NAN;
}

/* Bucket index k of V: 2^(k/8) <= v < 2^((k+1)/8); tiny values get HIST_TINY_K - 1. */
static long bucket_of(double v)
{
	long k;

	if (v < exp2(HIST_TINY_K / 8.0))
		return HIST_TINY_K - 1;
	k = (long)floor(log2(v) * 8.0);
	/* log2() rounding must not put v outside its own bucket's edges */
	if (v < exp2(k / 8.0))
		k--;
	else if (v >= exp2((k + 1) / 8.0))
		k++;
	return k;
}

static double bucket_lower(long k)
{
	return k < HIST_TINY_K ? 0 : exp2(k / 8.0);
}

int hist_write_csv(FILE *f, const char *name, const char *unit, const struct hist *h)
{
	/* sorting is not a visible change: the samples stay the same multiset */
	struct hist *mh = (struct hist *)h;
	size_t i = 0;

	hist_sort(mh);
	while (i < h->n) {
		long k = bucket_of(h->v[i]);
		size_t count = 0;

		while (i < h->n && bucket_of(h->v[i]) == k) {
			count++;
			i++;
		}
		fprintf(f, "%s,%s,%.10g,%.10g,%zu\n", name, unit, bucket_lower(k),
			exp2((k + 1) / 8.0), count);
	}
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

int hist_append_file(const char *dir, const char *name, const char *unit,
		     const struct hist *h)
{
	char *path = xasprintf("%s/histograms.csv", dir);
	struct stat st;
	bool fresh = stat(path, &st) < 0 || st.st_size == 0;
	FILE *f = fopen(path, "a");
	int ret;

	if (!f) {
		ret = -errno;
		goto out_free;
	}
	if (fresh)
		fputs("histogram,unit,lower,upper,count\n", f);
	ret = hist_write_csv(f, name, unit, h);
	if (fclose(f) && !ret)
		ret = -errno;
out_free:
	free(path);
	return ret;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (size_t i = 0; i < src->n; i++)
		hist_add(dst, src->v[i]);
}

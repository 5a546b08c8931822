/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-iteration summaries of collector CSVs (see derived.h).  The vmstat
 * formulas are the mmtests "Ops" table made honest: every counter is
 * looked up by name and a missing one makes the figure n/a instead of 0
 * (mmtests summed a nonexistent key into its compaction cost and listed
 * pgscan twice); per-zone counters of old kernels (pgscan_direct_normal,
 * ...) are summed only when the node-wide one is absent, and never with
 * pgscan_direct_throttle, which counts something else.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "analysis/derived.h"
#include "lib/mmab.h"

#define H METRIC_HIGHER
#define L METRIC_LOWER
#define N METRIC_NONE

const struct derived_def derived_vm_defs[VM_N] = {
	[VM_MINOR_FAULTS] = { "minor_faults", "faults", N, "pgfault - pgmajfault" },
	[VM_MAJOR_FAULTS] = { "major_faults", "faults", L, "pgmajfault" },
	[VM_ALLOC_STALLS] = { "alloc_stalls", "stalls", L, "sum of allocstall_* (allocstall)" },
	[VM_DIRECT_SCANNED] = { "direct_scanned", "pages", L,
				"pgscan_direct (sum of pgscan_direct_<zone>)" },
	[VM_DIRECT_RECLAIMED] = { "direct_reclaimed", "pages", N,
				  "pgsteal_direct (sum of pgsteal_direct_<zone>)" },
	[VM_DIRECT_EFFICIENCY] = { "direct_efficiency", "%", H,
				   "100 * direct_reclaimed / direct_scanned" },
	[VM_DIRECT_VELOCITY] = { "direct_velocity", "pages/s", L, "direct_scanned / elapsed s" },
	[VM_KSWAPD_SCANNED] = { "kswapd_scanned", "pages", N,
				"pgscan_kswapd (sum of pgscan_kswapd_<zone>)" },
	[VM_KSWAPD_RECLAIMED] = { "kswapd_reclaimed", "pages", N,
				  "pgsteal_kswapd (sum of pgsteal_kswapd_<zone>)" },
	[VM_KSWAPD_EFFICIENCY] = { "kswapd_efficiency", "%", H,
				   "100 * kswapd_reclaimed / kswapd_scanned" },
	[VM_KSWAPD_VELOCITY] = { "kswapd_velocity", "pages/s", N, "kswapd_scanned / elapsed s" },
	[VM_DIRECT_THROTTLED] = { "direct_throttled", "events", L, "pgscan_direct_throttle" },
	[VM_RECLAIM_WRITES] = { "reclaim_writes", "pages", L, "nr_vmscan_write" },
	[VM_IMMEDIATE_RECLAIM] = { "immediate_reclaim", "pages", L,
				   "nr_vmscan_immediate_reclaim" },
	[VM_SWAP_OUT] = { "swap_out", "pages", L, "pswpout" },
	[VM_SLABS_SCANNED] = { "slabs_scanned", "objects", N, "slabs_scanned" },
	[VM_THP_FAULT_ALLOC] = { "thp_fault_alloc", "faults", H, "thp_fault_alloc" },
	[VM_THP_FAULT_FALLBACK] = { "thp_fault_fallback", "faults", L, "thp_fault_fallback" },
	[VM_THP_SUCCESS] = { "thp_success", "%", H,
			     "100 * thp_fault_alloc / (thp_fault_alloc + thp_fault_fallback)" },
	[VM_THP_COLLAPSE_ALLOC] = { "thp_collapse_alloc", "pages", N, "thp_collapse_alloc" },
	[VM_COMPACT_STALL] = { "compact_stall", "stalls", L, "compact_stall" },
	[VM_COMPACT_SUCCESS] = { "compact_success", "stalls", N, "compact_success" },
	[VM_COMPACT_FAIL] = { "compact_fail", "stalls", L, "compact_fail" },
	[VM_COMPACT_EFFICIENCY] = { "compact_efficiency", "%", H,
				    "100 * compact_success / compact_stall" },
	[VM_COMPACT_MIGRATE_SCANNED] = { "compact_migrate_scanned", "pages", L,
					 "compact_migrate_scanned" },
	[VM_COMPACT_FREE_SCANNED] = { "compact_free_scanned", "pages", L,
				      "compact_free_scanned" },
	[VM_KCOMPACTD_WAKE] = { "kcompactd_wake", "wakes", N, "compact_daemon_wake" },
	[VM_KCOMPACTD_MIGRATE_SCANNED] = { "kcompactd_migrate_scanned", "pages", N,
					   "compact_daemon_migrate_scanned" },
	[VM_KCOMPACTD_FREE_SCANNED] = { "kcompactd_free_scanned", "pages", N,
					"compact_daemon_free_scanned" },
	[VM_HTLB_ALLOC_SUCCESS] = { "htlb_buddy_alloc_success", "pages", H,
				    "htlb_buddy_alloc_success" },
	[VM_HTLB_ALLOC_FAIL] = { "htlb_buddy_alloc_fail", "pages", L, "htlb_buddy_alloc_fail" },
};

const struct derived_def derived_frag_defs[FRAG_N] = {
	[FRAG_UNUSABLE_MEAN] = { "unusable_index_o9_mean", "index", L,
				 "order-9 unusable free space index, all zones, time-weighted mean" },
	[FRAG_UNUSABLE_END] = { "unusable_index_o9_end", "index", L,
				"order-9 unusable free space index, all zones, last sample" },
	[FRAG_FREE9_MEAN] = { "free_o9_blocks_mean", "blocks", H,
			      "free order-9 blocks (larger ones counted split), time-weighted mean" },
	[FRAG_FREE9_END] = { "free_o9_blocks_end", "blocks", H,
			     "free order-9 blocks (larger ones counted split), last sample" },
};

const struct derived_def derived_slab_defs[2] = {
	{ "growth", "pages", N, "num_slabs * pagesperslab, last sample - first sample" },
	{ "occupancy", "%", H, "100 * active_objs / num_objs at the last sample" },
};

const struct derived_def derived_stall_defs[STALL_N] = {
	[STALL_COUNT] = { "count", "stalls", L, "stalls.csv rows of the event" },
	[STALL_TOTAL] = { "total", "us", L, "sum of duration_us" },
	[STALL_P50] = { "p50", "us", L, "median duration_us" },
	[STALL_P99] = { "p99", "us", L, "99th percentile of duration_us (type 7)" },
	[STALL_MAX] = { "max", "us", L, "largest duration_us" },
};

#undef H
#undef L
#undef N

/* ---- vmstat ---- */

struct vm_span {
	const struct csv *c;
	size_t first, last;
};

static double delta(const struct vm_span *s, const char *name)
{
	int col = csv_col(s->c, name);

	return col < 0 ? NAN : csv_num(s->c, s->last, col) - csv_num(s->c, s->first, col);
}

/*
 * The node-wide counter NAME, or on kernels that only counted per zone, the
 * sum of NAME_<zone> (never NAME_throttle).  NaN when neither exists.
 */
static double delta_or_zones(const struct vm_span *s, const char *name)
{
	size_t len = strlen(name);
	double sum = NAN;

	if (csv_col(s->c, name) >= 0)
		return delta(s, name);
	for (size_t i = 0; i < s->c->ncols; i++) {
		const char *col = s->c->cols[i];

		if (strncmp(col, name, len) || col[len] != '_' || !strcmp(col + len, "_throttle"))
			continue;
		sum = (isnan(sum) ? 0 : sum) + delta(s, col);
	}
	return sum;
}

/* Σ allocstall_<zone>, or the single allocstall of older kernels. */
static double alloc_stalls(const struct vm_span *s)
{
	double sum = NAN;

	for (size_t i = 0; i < s->c->ncols; i++) {
		const char *col = s->c->cols[i];

		if (!strcmp(col, "allocstall") || !strncmp(col, "allocstall_", 11))
			sum = (isnan(sum) ? 0 : sum) + delta(s, col);
	}
	return sum;
}

/* 100 * num / den; a zero denominator is not 0%: it is n/a. */
static double pct(double num, double den)
{
	return den > 0 ? 100 * num / den : NAN;
}

static double per_s(double v, double seconds)
{
	return seconds > 0 ? v / seconds : NAN;
}

void derived_vmstat(const struct csv *vm, double out[VM_N])
{
	struct vm_span s = { vm, 0, vm->nrows ? vm->nrows - 1 : 0 };
	double secs, fault, maj, alloc, fallback, stall, success;

	for (size_t i = 0; i < VM_N; i++)
		out[i] = NAN;
	if (vm->nrows < 2)
		return;
	secs = delta(&s, "t");
	fault = delta(&s, "pgfault");
	maj = delta(&s, "pgmajfault");
	out[VM_MINOR_FAULTS] = fault - maj;
	out[VM_MAJOR_FAULTS] = maj;
	out[VM_ALLOC_STALLS] = alloc_stalls(&s);
	out[VM_DIRECT_SCANNED] = delta_or_zones(&s, "pgscan_direct");
	out[VM_DIRECT_RECLAIMED] = delta_or_zones(&s, "pgsteal_direct");
	out[VM_DIRECT_EFFICIENCY] = pct(out[VM_DIRECT_RECLAIMED], out[VM_DIRECT_SCANNED]);
	out[VM_DIRECT_VELOCITY] = per_s(out[VM_DIRECT_SCANNED], secs);
	out[VM_KSWAPD_SCANNED] = delta_or_zones(&s, "pgscan_kswapd");
	out[VM_KSWAPD_RECLAIMED] = delta_or_zones(&s, "pgsteal_kswapd");
	out[VM_KSWAPD_EFFICIENCY] = pct(out[VM_KSWAPD_RECLAIMED], out[VM_KSWAPD_SCANNED]);
	out[VM_KSWAPD_VELOCITY] = per_s(out[VM_KSWAPD_SCANNED], secs);
	out[VM_DIRECT_THROTTLED] = delta(&s, "pgscan_direct_throttle");
	out[VM_RECLAIM_WRITES] = delta(&s, "nr_vmscan_write");
	out[VM_IMMEDIATE_RECLAIM] = delta(&s, "nr_vmscan_immediate_reclaim");
	out[VM_SWAP_OUT] = delta(&s, "pswpout");
	out[VM_SLABS_SCANNED] = delta(&s, "slabs_scanned");
	alloc = delta(&s, "thp_fault_alloc");
	fallback = delta(&s, "thp_fault_fallback");
	out[VM_THP_FAULT_ALLOC] = alloc;
	out[VM_THP_FAULT_FALLBACK] = fallback;
	out[VM_THP_SUCCESS] = pct(alloc, alloc + fallback);
	out[VM_THP_COLLAPSE_ALLOC] = delta(&s, "thp_collapse_alloc");
	stall = delta(&s, "compact_stall");
	success = delta(&s, "compact_success");
	out[VM_COMPACT_STALL] = stall;
	out[VM_COMPACT_SUCCESS] = success;
	out[VM_COMPACT_FAIL] = delta(&s, "compact_fail");
	out[VM_COMPACT_EFFICIENCY] = pct(success, stall);
	out[VM_COMPACT_MIGRATE_SCANNED] = delta(&s, "compact_migrate_scanned");
	out[VM_COMPACT_FREE_SCANNED] = delta(&s, "compact_free_scanned");
	out[VM_KCOMPACTD_WAKE] = delta(&s, "compact_daemon_wake");
	out[VM_KCOMPACTD_MIGRATE_SCANNED] = delta(&s, "compact_daemon_migrate_scanned");
	out[VM_KCOMPACTD_FREE_SCANNED] = delta(&s, "compact_daemon_free_scanned");
	out[VM_HTLB_ALLOC_SUCCESS] = delta(&s, "htlb_buddy_alloc_success");
	out[VM_HTLB_ALLOC_FAIL] = delta(&s, "htlb_buddy_alloc_fail");
}

/* ---- buddyinfo ---- */

/*
 * workloads/frag.c computes the same from /proc/buddyinfo; it is not linked
 * here because it brings the whole fragmenter (and its option parsing) into
 * every reader.
 */
double derived_unusable_index(const double *blocks, int norders, int order)
{
	double total = 0, usable = 0;

	for (int o = 0; o < norders; o++) {
		total += blocks[o] * (double)(1u << o);
		if (o >= order)
			usable += blocks[o] * (double)(1u << o);
	}
	return total > 0 ? (total - usable) / total : 1;
}

/* Free blocks of ORDER, larger blocks counted as the ORDER blocks they split into. */
static double free_blocks(const double *blocks, int norders, int order)
{
	double n = 0;

	for (int o = order; o < norders; o++)
		n += blocks[o] * (double)(1u << (o - order));
	return n;
}

/* Time-weighted mean of the samples (t[i], v[i]): trapezoids; one sample: itself. */
static double time_mean(const double *t, const double *v, size_t n)
{
	double area = 0, span;

	if (!n)
		return NAN;
	span = t[n - 1] - t[0];
	if (n == 1 || !(span > 0)) {
		double sum = 0;

		for (size_t i = 0; i < n; i++)
			sum += v[i];
		return sum / (double)n;
	}
	for (size_t i = 1; i < n; i++)
		area += (t[i] - t[i - 1]) * (v[i] + v[i - 1]) / 2;
	return area / span;
}

void derived_buddy_samples(const struct csv *bi,
			   void (*fn)(double t, const double *blocks, int norders, void *arg),
			   void *arg)
{
	int ct = csv_col(bi, "t"), co = csv_col(bi, "order"), cb = csv_col(bi, "free_blocks");

	if (ct < 0 || co < 0 || cb < 0)
		return;
	for (size_t r = 0; r < bi->nrows;) {
		const char *ts0 = csv_str(bi, r, ct);
		double t = csv_num(bi, r, ct), blocks[DERIVED_BUDDY_ORDERS] = { 0 };
		int norders = 0;
		size_t end = r + 1;

		if (!ts0 || isnan(t)) {		/* t is not a number: skip the row */
			r++;
			continue;
		}
		/* the rows of one sample share its t (as text: one writer wrote them) */
		while (end < bi->nrows && csv_str(bi, end, ct) && !strcmp(csv_str(bi, end, ct), ts0))
			end++;
		for (; r < end; r++) {
			double o = csv_num(bi, r, co), b = csv_num(bi, r, cb);

			if (!(o >= 0 && o < DERIVED_BUDDY_ORDERS && o == floor(o) && b >= 0))
				continue;
			blocks[(int)o] += b;
			if ((int)o + 1 > norders)
				norders = (int)o + 1;
		}
		if (norders)
			fn(t, blocks, norders, arg);
	}
}

struct frag_samples {
	double *ts, *un, *f9;
	size_t n;
};

static void frag_sample(double t, const double *blocks, int norders, void *arg)
{
	struct frag_samples *fs = arg;

	fs->ts[fs->n] = t;
	fs->un[fs->n] = derived_unusable_index(blocks, norders, 9);
	fs->f9[fs->n] = free_blocks(blocks, norders, 9);
	fs->n++;
}

void derived_frag(const struct csv *bi, double out[FRAG_N])
{
	struct frag_samples fs = {
		xmalloc((bi->nrows + 1) * sizeof(double)), xmalloc((bi->nrows + 1) * sizeof(double)),
		xmalloc((bi->nrows + 1) * sizeof(double)), 0,
	};

	for (size_t i = 0; i < FRAG_N; i++)
		out[i] = NAN;
	derived_buddy_samples(bi, frag_sample, &fs);
	if (fs.n) {
		out[FRAG_UNUSABLE_MEAN] = time_mean(fs.ts, fs.un, fs.n);
		out[FRAG_UNUSABLE_END] = fs.un[fs.n - 1];
		out[FRAG_FREE9_MEAN] = time_mean(fs.ts, fs.f9, fs.n);
		out[FRAG_FREE9_END] = fs.f9[fs.n - 1];
	}
	free(fs.ts);
	free(fs.un);
	free(fs.f9);
}

/* ---- slabinfo ---- */

static struct derived_slab *slab_get(struct derived_slab **v, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].cache, name))
			return &(*v)[i];
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n] = (struct derived_slab){ xstrdup(name), 0, NAN };
	return &(*v)[(*n)++];
}

size_t derived_slabs(const struct csv *si, struct derived_slab **out)
{
	int ct = csv_col(si, "t"), cc = csv_col(si, "cache"), ca = csv_col(si, "active_objs");
	int co = csv_col(si, "num_objs"), cp = csv_col(si, "pagesperslab");
	int cs = csv_col(si, "num_slabs");
	const char *t0 = NULL, *t1 = NULL;
	size_t n = 0;

	*out = NULL;
	if (ct < 0 || cc < 0 || ca < 0 || co < 0 || cp < 0 || cs < 0)
		return 0;
	/* the first and last samples; rows of one sample share t's text */
	for (size_t r = 0; r < si->nrows && !t0; r++)
		if (!isnan(csv_num(si, r, ct)))
			t0 = csv_str(si, r, ct);
	for (size_t r = si->nrows; r-- > 0 && !t1;)
		if (!isnan(csv_num(si, r, ct)))
			t1 = csv_str(si, r, ct);
	if (!t0)
		return 0;
	/* caches in order of appearance */
	for (size_t r = 0; r < si->nrows; r++) {
		const char *name = csv_str(si, r, cc), *t = csv_str(si, r, ct);
		bool first = t && !strcmp(t, t0), last = t && !strcmp(t, t1);
		double pages;
		struct derived_slab *s;

		if (!name || (!first && !last))
			continue;
		s = slab_get(out, &n, name);
		pages = csv_num(si, r, cs) * csv_num(si, r, cp);
		if (first)
			s->growth_pages -= pages;
		if (last) {
			s->growth_pages += pages;
			s->occupancy_pct = pct(csv_num(si, r, ca), csv_num(si, r, co));
		}
	}
	if (!strcmp(t0, t1))	/* one sample: no growth to speak of */
		for (size_t i = 0; i < n; i++)
			(*out)[i].growth_pages = NAN;
	return n;
}

void derived_slabs_free(struct derived_slab *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].cache);
	free(s);
}

double derived_slab_growth(const struct derived_slab_iter *it, size_t n, const char *cache)
{
	double sum = 0;
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		if (!it[i].have)
			continue;
		used++;
		for (size_t k = 0; k < it[i].n; k++)
			if (!strcmp(it[i].sl[k].cache, cache) && isfinite(it[i].sl[k].growth_pages))
				sum += it[i].sl[k].growth_pages;
	}
	return used ? sum / (double)used : NAN;
}

struct cache_score {
	const char *cache;
	double score;		/* the largest mean growth of any set, pages */
};

static int cmp_cache(const void *a, const void *b)
{
	const struct cache_score *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return strcmp(x->cache, y->cache);
}

size_t derived_slab_top(struct derived_slab_iter *const *its, const size_t *nits, size_t nsets,
			size_t max, const char ***out)
{
	struct cache_score *cs = NULL;
	const char **names;
	size_t ncs = 0, top = 0;

	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < nits[s]; i++)
			for (size_t c = 0; c < its[s][i].n; c++) {
				const char *name = its[s][i].sl[c].cache;
				bool seen = false;

				for (size_t j = 0; j < ncs && !seen; j++)
					seen = !strcmp(cs[j].cache, name);
				if (seen)
					continue;
				cs = xrealloc(cs, (ncs + 1) * sizeof(*cs));
				cs[ncs++] = (struct cache_score){ name, -INFINITY };
			}
	for (size_t j = 0; j < ncs; j++)
		for (size_t s = 0; s < nsets; s++) {
			double g = derived_slab_growth(its[s], nits[s], cs[j].cache);

			if (g > cs[j].score)
				cs[j].score = g;
		}
	if (ncs)
		qsort(cs, ncs, sizeof(*cs), cmp_cache);
	while (top < ncs && top < max && cs[top].score > 0)
		top++;
	names = xcalloc(top + 1, sizeof(*names));
	for (size_t j = 0; j < top; j++)
		names[j] = cs[j].cache;
	free(cs);
	*out = names;
	return top;
}

/* ---- stalls ---- */

static int cmp_event(const void *a, const void *b)
{
	return strcmp(((const struct derived_stall *)a)->event,
		      ((const struct derived_stall *)b)->event);
}

size_t derived_stalls(const struct csv *st, struct derived_stall **out)
{
	int ce = csv_col(st, "event"), cd = csv_col(st, "duration_us");
	double *d = xmalloc((st->nrows + 1) * sizeof(*d));
	char **names = NULL;
	size_t n = 0;

	*out = NULL;
	if (ce < 0 || cd < 0)
		goto out;
	for (size_t r = 0; r < st->nrows; r++) {
		const char *e = csv_str(st, r, ce);
		bool seen = false;

		for (size_t i = 0; e && i < n && !seen; i++)
			seen = !strcmp(names[i], e);
		if (e && !seen) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = (char *)e;
		}
	}
	*out = xcalloc(n ? n : 1, sizeof(**out));
	for (size_t i = 0; i < n; i++) {
		struct derived_stall *s = &(*out)[i];
		size_t k = 0;

		s->event = xstrdup(names[i]);
		s->total_us = 0;
		for (size_t r = 0; r < st->nrows; r++) {
			const char *e = csv_str(st, r, ce);
			double v = csv_num(st, r, cd);

			if (e && !strcmp(e, names[i]) && isfinite(v) && v >= 0) {
				d[k++] = v;
				s->total_us += v;
			}
		}
		s->count = (double)k;
		s->p50_us = s->p99_us = s->max_us = NAN;
		if (k) {
			gsl_sort(d, 1, k);
			s->p50_us = gsl_stats_quantile_from_sorted_data(d, 1, k, 0.5);
			s->p99_us = gsl_stats_quantile_from_sorted_data(d, 1, k, 0.99);
			s->max_us = d[k - 1];
		}
	}
	qsort(*out, n, sizeof(**out), cmp_event);
out:
	free(names);
	free(d);
	return n;
}

void derived_stalls_free(struct derived_stall *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].event);
	free(s);
}

double derived_stall_value(const struct derived_stall *s, int k)
{
	switch (k) {
	case STALL_COUNT: return s->count;
	case STALL_TOTAL: return s->total_us;
	case STALL_P50: return s->p50_us;
	case STALL_P99: return s->p99_us;
	case STALL_MAX: return s->max_us;
	}
	return NAN;
}

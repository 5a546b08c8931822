/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-iteration summaries of the collectors' CSVs, the figures compare
 * puts through the same statistics as workload metrics: the vmstat "Ops"
 * table kernel developers know from mmtests (first-to-last deltas and the
 * ratios built on them), fragmentation from buddyinfo.csv, slab growth and
 * occupancy from slabinfo.csv, stall latencies from stalls.csv.  Columns
 * are found by name, so a collector adding columns breaks nothing, and a
 * counter this kernel does not have is NaN (n/a), never 0.
 */
#ifndef MMAB_DERIVED_H
#define MMAB_DERIVED_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/csv.h"
#include "lib/metric.h"

/* One derived figure: how it is named, in what unit, which way is better. */
struct derived_def {
	const char *name;
	const char *unit;
	enum metric_dir dir;
	const char *formula;	/* how it is computed, for legends and help */
};

enum derived_vm {
	VM_MINOR_FAULTS, VM_MAJOR_FAULTS, VM_ALLOC_STALLS,
	VM_DIRECT_SCANNED, VM_DIRECT_RECLAIMED, VM_DIRECT_EFFICIENCY, VM_DIRECT_VELOCITY,
	VM_KSWAPD_SCANNED, VM_KSWAPD_RECLAIMED, VM_KSWAPD_EFFICIENCY, VM_KSWAPD_VELOCITY,
	VM_DIRECT_THROTTLED, VM_RECLAIM_WRITES, VM_IMMEDIATE_RECLAIM, VM_SWAP_OUT,
	VM_SLABS_SCANNED,
	VM_THP_FAULT_ALLOC, VM_THP_FAULT_FALLBACK, VM_THP_SUCCESS, VM_THP_COLLAPSE_ALLOC,
	VM_COMPACT_STALL, VM_COMPACT_SUCCESS, VM_COMPACT_FAIL, VM_COMPACT_EFFICIENCY,
	VM_COMPACT_MIGRATE_SCANNED, VM_COMPACT_FREE_SCANNED,
	VM_KCOMPACTD_WAKE, VM_KCOMPACTD_MIGRATE_SCANNED, VM_KCOMPACTD_FREE_SCANNED,
	VM_HTLB_ALLOC_SUCCESS, VM_HTLB_ALLOC_FAIL,
	VM_N
};
extern const struct derived_def derived_vm_defs[VM_N];

/*
 * derived_vmstat - the VM_N figures of one iteration from its vmstat.csv
 * (t and one column per /proc/vmstat counter), between its first and last
 * rows.  A counter missing from the header, a cell empty or not a number,
 * a ratio with a zero denominator, or fewer than two rows: NaN.
 */
void derived_vmstat(const struct csv *vm, double out[VM_N]);

#define DERIVED_BUDDY_ORDERS 16	/* MAX_PAGE_ORDER is 10 on x86-64, more elsewhere */

/*
 * derived_unusable_index - the kernel's unusable free space index
 * (mm/vmstat.c unusable_free_index, debugfs extfrag/unusable_index) at
 * ORDER as a fraction, from the free block counts BLOCKS[0..norders) of
 * one sample (zones summed): the share of free pages in blocks smaller
 * than ORDER; 1 when nothing is free.
 */
double derived_unusable_index(const double *blocks, int norders, int order);

/*
 * derived_buddy_samples - call FN(t, blocks, norders, arg) for each sample
 * of a buddyinfo.csv (t,node,zone,order,free_blocks; the rows of one
 * sample share the text of t), BLOCKS[0..norders) the free blocks per
 * order with every zone summed.  Rows that are not numbers are skipped;
 * without those columns FN is never called.
 */
void derived_buddy_samples(const struct csv *bi,
			   void (*fn)(double t, const double *blocks, int norders, void *arg),
			   void *arg);

enum derived_frag {
	FRAG_UNUSABLE_MEAN,	/* unusable free space index, order 9 */
	FRAG_UNUSABLE_END,
	FRAG_FREE9_MEAN,	/* free order-9 blocks (larger ones counted split) */
	FRAG_FREE9_END,
	FRAG_N
};
extern const struct derived_def derived_frag_defs[FRAG_N];

/*
 * derived_frag - from one iteration's buddyinfo.csv (t,node,zone,order,
 * free_blocks; rows of one sample share t): every zone summed, the order-9
 * unusable free space index (as the kernel computes it: 1 when nothing is free)
 * and the free order-9 blocks, each as a time-weighted mean over the
 * samples (trapezoids between sample times) and at the last sample.  NaN
 * without samples.
 */
void derived_frag(const struct csv *bi, double out[FRAG_N]);

/* One slab cache over one iteration. */
struct derived_slab {
	char *cache;
	double growth_pages;	/* num_slabs * pagesperslab, last sample - first */
	double occupancy_pct;	/* 100 * active_objs / num_objs at the last sample */
};
extern const struct derived_def derived_slab_defs[2];	/* growth, occupancy */

/*
 * derived_slabs - every cache in one iteration's slabinfo.csv (t,cache,
 * active_objs,num_objs,...,pagesperslab,...,num_slabs).  A cache absent
 * from the first or last sample had 0 pages there (created or destroyed
 * meanwhile); its occupancy is then NaN.  With one sample growth is NaN.
 * Returns the number of caches; *out is malloc'd (free with
 * derived_slabs_free).
 */
size_t derived_slabs(const struct csv *si, struct derived_slab **out);
void derived_slabs_free(struct derived_slab *s, size_t n);

/* One iteration's caches as derived_slabs gave them; have: it had a slabinfo.csv. */
struct derived_slab_iter {
	const struct derived_slab *sl;
	size_t n;
	bool have;
};

/*
 * derived_slab_growth - the mean growth (pages) of CACHE over the
 * iterations IT[0..n) that have a slabinfo.csv (a cache absent from one
 * had no pages there); NaN when none has.
 */
double derived_slab_growth(const struct derived_slab_iter *it, size_t n, const char *cache);

/*
 * derived_slab_top - the caches that grew most in any of NSETS sets, set s
 * being the iterations ITS[s][0..nits[s]): at most MAX of them, each with
 * a positive score (its largest mean growth in any set), highest first,
 * ties by name.  Compare's slab rows and the slab plots show the same
 * caches.  Returns how many; *out is malloc'd, its names point into ITS.
 */
size_t derived_slab_top(struct derived_slab_iter *const *its, const size_t *nits, size_t nsets,
			size_t max, const char ***out);

/* The stalls of one event over one iteration. */
struct derived_stall {
	char *event;
	double count, total_us, p50_us, p99_us, max_us;
};
enum { STALL_COUNT, STALL_TOTAL, STALL_P50, STALL_P99, STALL_MAX, STALL_N };
extern const struct derived_def derived_stall_defs[STALL_N];

/*
 * derived_stalls - per event of one iteration's stalls.csv (t,event,pid,
 * duration_us): count, total, median, 99th percentile (R's type 7, as
 * GSL computes it) and maximum of the durations.  Returns the number of
 * events, sorted by name; *out is malloc'd (derived_stalls_free).
 */
size_t derived_stalls(const struct csv *st, struct derived_stall **out);
void derived_stalls_free(struct derived_stall *s, size_t n);
/* derived_stall_value - field K (STALL_*) of S. */
double derived_stall_value(const struct derived_stall *s, int k);

#endif

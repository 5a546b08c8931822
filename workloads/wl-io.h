/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the file-system workloads `dirty-mmap` and `slab` share: the
 * directory they work in (the runner's scratch dir, or one the user names,
 * journaled), the file system under it, /proc/vmstat snapshots with the
 * reclaim metrics reviewers expect (scanned/reclaimed by kswapd and direct
 * reclaim, allocation stalls), and a system-wide sampler of one numeric
 * field of a tracepoint (balance_dirty_pages pauses, reclaim throttling).
 * The pure calculations are declared here so unit tests reach them.
 */
#ifndef MMAB_WL_IO_H
#define MMAB_WL_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wl_ctx;

/* ---- working directory and file system ---- */

/*
 * wlio_workdir - the directory a workload creates its files in: NAME under
 * ctx->scratch_dir when DIR is NULL or empty (the runner removes it), else
 * DIR/mmab-NAME-PID, journaled with wl_journal_path() before it is made so
 * it is removed even after a crash.  *out is malloc'd.  Returns 0 or -errno
 * (reported here, with the path).
 */
int wlio_workdir(struct wl_ctx *ctx, const char *dir, const char *name, char **out);

/*
 * wlio_inode_cache - the slab cache holding the in-memory inodes of file
 * system type FSTYPE ("ext4" -> "ext4_inode_cache"), or NULL when unknown.
 */
const char *wlio_inode_cache(const char *fstype);

/* wlio_fs_writes_back - false for file systems without a backing store (tmpfs, ramfs). */
bool wlio_fs_writes_back(const char *fstype);

/* ---- /proc/vmstat ---- */

/*
 * wlio_vmstat_get - counter NAME in /proc/vmstat TEXT, NaN when absent
 * (counters come and go between kernels: missing is n/a, never 0).
 */
double wlio_vmstat_get(const char *text, const char *name);

/* wlio_vmstat_sum - the sum of every counter starting with PREFIX, NaN when none. */
double wlio_vmstat_sum(const char *text, const char *prefix);

/* wlio_vmstat_delta - NAME in AFTER minus in BEFORE; NaN when absent in either. */
double wlio_vmstat_delta(const char *before, const char *after, const char *name);

/* wlio_vmstat_sum_delta - like wlio_vmstat_delta for a PREFIX sum. */
double wlio_vmstat_sum_delta(const char *before, const char *after, const char *prefix);

/* wlio_pct - 100 * NUM / DEN; NaN when DEN <= 0 or either is NaN. */
double wlio_pct(double num, double den);

/*
 * wlio_reclaim_metrics - the reclaim rows both workloads report, from
 * /proc/vmstat BEFORE and AFTER: pgscan_kswapd, pgscan_direct,
 * pgsteal_kswapd, pgsteal_direct, direct_reclaim_stalls (allocstall_*
 * summed), kswapd_efficiency_pct and direct_efficiency_pct (stolen /
 * scanned), slabs_scanned, workingset_refault_file.  Returns 0 or the
 * first -errno of wl_metric.
 */
int wlio_reclaim_metrics(struct wl_ctx *ctx, const char *before, const char *after);

/* ---- slab caches (workloads/slab.c) ---- */

/* One /proc/slabinfo row (version 2.1). */
struct slab_cache {
	char name[64];
	uint64_t active_objs, num_objs, objsize, objperslab, pagesperslab;
	uint64_t active_slabs, num_slabs;
};

/*
 * slabinfo_parse - find the caches named in NAMES (N of them) in
 * /proc/slabinfo TEXT and fill OUT[i] for NAMES[i].  Returns 0 when the text
 * is a well-formed slabinfo 2.x and every name was found, -ENOENT when one
 * is missing (its row is zeroed), -EINVAL when the text is not slabinfo or a
 * row is malformed.
 */
int slabinfo_parse(const char *text, const char *const *names, size_t n,
		   struct slab_cache *out);

/* slab_pages - pages held by the cache's slabs (num_slabs * pagesperslab). */
uint64_t slab_pages(const struct slab_cache *c);

/*
 * slab_occupancy_pct - 100 * active/total objects over the N caches,
 * weighted by object size (the share of the caches' object memory holding
 * live objects; for one cache: active_objs / num_objs).  NaN when empty.
 */
double slab_occupancy_pct(const struct slab_cache *c, size_t n);

/*
 * slab_choose_deletions - mark in DEL[0..N) the files to delete: exactly
 * floor(N * PCT / 100) of them, the first ones of a permutation seeded by
 * SEED when RANDOM, else evenly spaced (file i when floor((i + 1) PCT / 100)
 * > floor(i PCT / 100)).
 */
void slab_choose_deletions(long n, double pct, bool random, uint64_t seed, uint8_t *del);

/*
 * slab_pressure_bytes - the anonymous memory slab's pressure child
 * allocates: FREE_KB + PCT% of (FILE_KB + SRECL_KB), in bytes (all kB as
 * /proc/meminfo gives them: MemFree, file LRU, SReclaimable).
 */
uint64_t slab_pressure_bytes(long long free_kb, long long file_kb, long long srecl_kb,
			     double pct);

/* slab_pages_per_1k - 1000 * PAGES / OBJECTS; NaN when OBJECTS <= 0. */
double slab_pages_per_1k(double pages, double objects);

/* ---- dirty-mmap (workloads/dirty-mmap.c) ---- */

/*
 * dmap_perm_init / dmap_perm_next - a seeded pseudo-random permutation of
 * [0, n): every index exactly once per cycle, no memory (a Feistel network
 * on the next power of two, cycle-walking past n).
 */
struct dmap_perm {
	uint64_t n, mask, keys[4];
	unsigned half;
};
void dmap_perm_init(struct dmap_perm *p, uint64_t n, uint64_t seed);
uint64_t dmap_perm_at(const struct dmap_perm *p, uint64_t i);

/*
 * dmap_keep_faults - of the N first-store latencies in V (reordered), add
 * the FAULTS slowest (at most N) to H: the stores that took a fault.
 */
struct hist;
void dmap_keep_faults(double *v, uint64_t n, uint64_t faults, struct hist *h);

/* dmap_mb_per_s - BYTES / SECONDS in MB/s (10^6 bytes); NaN when SECONDS <= 0. */
double dmap_mb_per_s(uint64_t bytes, double seconds);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the file-system workloads `dirty-mmap` and `slab` share: the
 * directory they work in (the runner's scratch dir, or one the user names,
 * journaled), the file system under it, /proc/vmstat snapshots with the
 * reclaim metrics reviewers expect (scanned/reclaimed by kswapd and direct
 * reclaim, allocation stalls), and a system-wide sampler of one numeric
 * field of a tracepoint (balance_dirty_pages pauses, reclaim throttling).
 * The pure calculations are declared here so unit tests reach them; each
 * workload's own are in its header (slab.h, dirty-mmap.h).
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

#endif

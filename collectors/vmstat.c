/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmstat: every counter of /proc/vmstat, raw, one column each (vmstat.csv).
 * Counters are cumulative event counts (pgscan_direct, compact_stall,
 * thp_fault_alloc, ...) or current page counts (nr_free_pages, nr_dirty,
 * ...); deltas and rates are derived in analysis, from the exact t=0 and end
 * samples.  The column set is fixed by the file as read when the iteration
 * starts: counters differ between kernels, and one that is missing is an
 * empty cell (n/a), never a zero.
 */
#include "collectors/proc.h"

#define VMSTAT_PATH "/proc/vmstat"

static int vmstat_available(char *why, size_t whylen)
{
	return proc_available(VMSTAT_PATH, why, whylen);
}

static int vmstat_open(struct collector_inst *ci)
{
	return proc_collector_open(ci, VMSTAT_PATH, &kv_vmstat_ops);
}

const struct collector col_vmstat = {
	.name = "vmstat",
	.summary = "/proc/vmstat counters, raw (reclaim, compaction, THP, writeback)",
	.flags = COL_PERIODIC | COL_DEFAULT,
	.default_interval_ms = 100,
	.available = vmstat_available,
	.open = vmstat_open,
	.sample = proc_collector_sample,
	.close = proc_collector_close,
};

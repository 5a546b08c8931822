/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory probes: MemTotal, a /proc/meminfo field, a /proc/vmstat counter,
 * MemAvailable, what an allocation can reach without reclaim, and the
 * pages the per-CPU lists hold (and giving them back to the buddy lists).
 */
#ifndef MMAB_MEM_H
#define MMAB_MEM_H

#include <stdbool.h>
#include <stdint.h>

/* The base page and the PMD-sized huge page (x86-64; arm64 with 4 KiB pages). */
#define MEM_PAGE 4096UL
#define MEM_HPAGE (2UL << 20)

/* MemTotal in bytes (0 if /proc/meminfo is unreadable). */
uint64_t mem_total(void);
/* A /proc/meminfo field in kB, or -1 when absent. */
long long mem_meminfo_kb(const char *field);
/* A /proc/vmstat counter, or -1 when absent. */
long long mem_vmstat(const char *name);
/* mem_vmstat_delta - a vmstat counter's change since START (NaN when either is absent). */
double mem_vmstat_delta(const char *name, long long start);

/*
 * mem_wait_quiet - wait until kswapd and kcompactd have gone quiet: their
 * /proc/vmstat counters (pgscan_kswapd, compact_daemon_migrate_scanned,
 * compact_daemon_free_scanned) unchanged for QUIET_S, read every 100 ms;
 * at most MAX_S, less when *STOP (may be NULL) is set.  Returns the
 * seconds waited; *QUIET (may be NULL) says whether they went quiet.
 */
double mem_wait_quiet(double quiet_s, double max_s, volatile int *stop, bool *quiet);

/* mem_available_bytes - MemAvailable from /proc/meminfo in bytes (0 when unreadable). */
uint64_t mem_available_bytes(void);

/*
 * mem_usable_bytes - MemAvailable plus the free pages on the per-CPU lists,
 * which MemAvailable leaves out (up to the lists' floor, ~40 MB a CPU
 * here, after every drain; far more after a large free on 6.7 and later):
 * what a task can get, the figure the effective size is held to.
 */
uint64_t mem_usable_bytes(void);

/*
 * mem_reachable - what a user allocation can still get without reclaim,
 * from /proc/zoneinfo: per zone, free pages above the low watermark and
 * the largest lowmem protection the zone keeps against allocations for
 * higher zones, summed in *REACH (bytes).  0 or -errno.
 */
int mem_reachable(uint64_t *reach);
/*
 * mem_reachable_parse - the same from the text of /proc/zoneinfo.  -EINVAL
 * when a zone lacks its free count or low watermark, or no zone was found.
 */
int mem_reachable_parse(const char *zoneinfo, uint64_t *reach);

/*
 * mem_pcp_parse - the pages every per-CPU list holds together (*COUNT, the
 * "count:" of each zone's pagesets) and their high marks together (*HIGH),
 * from the text of /proc/zoneinfo.  -EINVAL when either is missing.
 */
int mem_pcp_parse(const char *zoneinfo, long long *count, long long *high);

/*
 * mem_drain_pcp - give the pages the per-CPU lists hold back to the buddy
 * lists.  Since Linux 6.7 a list's high mark grows while a task frees much
 * (pcp high auto-tuning) and comes down by an eighth a second: after a
 * workload frees a gigabyte, most of it sits on those lists for tens of
 * seconds, where MemAvailable and MemFree do not count it and the buddy
 * allocator cannot merge it into larger blocks (measured here: 1.2 GB of
 * 1.5 GB freed, back at 8 MB/s).  Each write to /proc/sys/vm/stat_refresh
 * runs that decay step on every CPU at once (refresh_cpu_vm_stats()): it
 * is written until neither the count nor the high marks fall any more, at
 * most MAX_WRITES times (~130 writes, 30 ms, for 2 GB here).  Before 6.7
 * a write only folds the counters: three writes are made.  *BEFORE and
 * *AFTER (either may be NULL) get the pages held (-1 when unknown).  The
 * number of writes made, or -errno (no stat_refresh, not root).
 */
int mem_drain_pcp(int max_writes, long long *before, long long *after);

#endif

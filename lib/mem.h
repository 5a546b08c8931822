/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory probes: MemTotal, a /proc/meminfo field, a /proc/vmstat counter,
 * MemAvailable, and what an allocation can reach without reclaim.
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

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dirty-mmap workload's metric definitions (workloads/dirty-mmap.c),
 * declared so unit tests check them.
 */
#ifndef MMAB_WL_DIRTY_MMAP_H
#define MMAB_WL_DIRTY_MMAP_H

#include <stdint.h>

struct hist;

/*
 * dmap_keep_faults - of the N first-store latencies in V (reordered), add
 * the FAULTS slowest (at most N) to H: the stores that took a fault.
 */
void dmap_keep_faults(double *v, uint64_t n, uint64_t faults, struct hist *h);

/* dmap_mb_per_s - BYTES / SECONDS in MB/s (10^6 bytes); NaN when SECONDS <= 0. */
double dmap_mb_per_s(uint64_t bytes, double seconds);

#endif

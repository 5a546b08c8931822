/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The thp workload's metric definitions (workloads/thp.c), declared so unit
 * tests check them.
 */
#ifndef MMAB_WL_THP_H
#define MMAB_WL_THP_H

#include <stdbool.h>
#include <stdint.h>

/*
 * thp_pmd_mapped - from the pagemap entries of a 2 MiB region's first and
 * last 4 KiB pages and the first page's /proc/kpageflags word: true when one
 * huge page maps the region (both present, PFNs 511 apart, KPF_THP set).
 */
bool thp_pmd_mapped(uint64_t pm_first, uint64_t pm_last, uint64_t kflags);
/* thp_huge_pct - 100 * HUGE / FAULTS; NaN without faults. */
double thp_huge_pct(uint64_t huge, uint64_t faults);

#endif

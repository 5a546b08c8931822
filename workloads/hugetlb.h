/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hugetlb workload's metric definitions (workloads/hugetlb.c), declared
 * so unit tests check them.
 */
#ifndef MMAB_WL_HUGETLB_H
#define MMAB_WL_HUGETLB_H

/* hugetlb_pages_possible - floor(MEMFREE_KB KiB * ALLOC_PCT / 100 / 2 MiB), 0 if none. */
long long hugetlb_pages_possible(long long memfree_kb, double alloc_pct);
/* hugetlb_success_pct - 100 * OBTAINED / POSSIBLE; NaN when POSSIBLE <= 0. */
double hugetlb_success_pct(long long obtained, long long possible);

#endif

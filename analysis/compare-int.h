/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside compare_build (compare.c): the parts it calls, each in a file of
 * its own, none calling back.
 */
#ifndef MMAB_COMPARE_INT_H
#define MMAB_COMPARE_INT_H

#include "analysis/compare.h"

/*
 * cmp_rows_build - T's rows for every workload of T's sets (the baseline's
 * workloads first), each cell holding the values of the iterations that
 * ended ok; reads the iterations' collector CSVs (problems reported and
 * counted in their set).  compare-rows.c.
 */
void cmp_rows_build(struct cmp_table *t);

/*
 * cmp_env_build - T's environment diff: every metadata.json key where a set
 * differs from the baseline; keys a set lacks are reported once per set.
 * compare-env.c.
 */
void cmp_env_build(struct cmp_table *t);

/*
 * cmp_alerts_build - T's alerts: each set that ran under TCG (metadata.json
 * vm.accel), each set whose iterations saw kernel warnings (iteration.json
 * kernel_warnings).  compare-env.c.
 */
void cmp_alerts_build(struct cmp_table *t);

#endif

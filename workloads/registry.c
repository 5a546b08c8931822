/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The workload registry: one line per workload, in the order `mmab list
 * workloads` shows them.  No constructors: an explicit table survives static
 * linking.
 */
#include <string.h>

#include "workloads/workload.h"

extern const struct workload wl_idle, wl_frag, wl_hugetlb, wl_thp;
extern const struct workload wl_fio;
extern const struct workload wl_stress_ng;
extern const struct workload wl_dirty_mmap, wl_slab;

const struct workload *const workloads[] = {
	&wl_idle,
	&wl_frag,
	&wl_hugetlb,
	&wl_thp,
	&wl_fio,
	&wl_stress_ng,
	&wl_dirty_mmap,
	&wl_slab,
	NULL
};

const struct workload *workload_find(const char *name)
{
	for (size_t i = 0; workloads[i]; i++)
		if (!strcmp(workloads[i]->name, name))
			return workloads[i];
	return NULL;
}

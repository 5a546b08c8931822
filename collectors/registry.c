/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The collector registry: one line per collector, in the order `mmab list
 * collectors` shows them.  No constructors: an explicit table survives
 * static linking.
 */
#include <string.h>

#include "collectors/collector.h"

extern const struct collector col_vmstat;
extern const struct collector col_meminfo;
extern const struct collector col_buddyinfo;
extern const struct collector col_pagetypeinfo;
extern const struct collector col_slabinfo;
extern const struct collector col_psi;
extern const struct collector col_perf;
extern const struct collector col_stalls;

const struct collector *const collectors[] = {
	&col_vmstat,
	&col_meminfo,
	&col_buddyinfo,
	&col_pagetypeinfo,
	&col_slabinfo,
	&col_psi,
	&col_perf,
	&col_stalls,
	NULL
};

const struct collector *collector_find(const char *name)
{
	for (size_t i = 0; collectors[i]; i++)
		if (!strcmp(collectors[i]->name, name))
			return collectors[i];
	return NULL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The collector registry: one line per collector, in the order `mmab list
 * collectors` shows them.  No constructors: an explicit table survives
 * static linking.
 */
#include <string.h>

#include "collectors/collector.h"

extern const struct collector col_vmstat;

const struct collector *const collectors[] = {
	&col_vmstat,
	NULL
};

const struct collector *collector_find(const char *name)
{
	for (size_t i = 0; collectors[i]; i++)
		if (!strcmp(collectors[i]->name, name))
			return collectors[i];
	return NULL;
}

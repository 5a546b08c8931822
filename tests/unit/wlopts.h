/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For unit tests of a workload's option table: its private struct with the
 * defaults filled in, and the field an option fills.  Header-only (static
 * functions), for test files that include cmocka.h first.
 */
#ifndef MMAB_TEST_WLOPTS_H
#define MMAB_TEST_WLOPTS_H

#include "lib/mmab.h"
#include "lib/options.h"
#include "workloads/workload.h"

/* WL's private options with every default set (free() it). */
static inline void *defaults_of(const struct workload *wl)
{
	void *priv = xcalloc(1, wl->priv_size);
	char err[256] = "";

	assert_int_equal(opts_defaults(wl->opts, priv, err, sizeof(err)), 0);
	return priv;
}

/* The field option NAME fills in PRIV: the table is the only layout we rely on. */
static inline void *field(const struct workload *wl, void *priv, const char *name)
{
	const struct opt_spec *o = opts_find(wl->opts, name);

	assert_non_null(o);
	return (char *)priv + o->offset;
}

#endif

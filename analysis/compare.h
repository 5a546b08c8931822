/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The comparison of result sets against a baseline: workload metrics,
 * derived vmstat summaries, fragmentation, slab and stall summaries, each
 * with the same statistics and a verdict, plus the environment diff.
 */
#ifndef MMAB_COMPARE_H
#define MMAB_COMPARE_H

#include <stdio.h>

#include "analysis/rset.h"

enum compare_fmt { CMP_TEXT, CMP_MD, CMP_CSV, CMP_JSON, CMP_HTML };

/*
 * compare_write - write the comparison of SETS[0..n) against SETS[baseline]
 * to F in FMT.  CMP_HTML writes a fragment (tables, legend, environment
 * warnings; every string from a result set HTML-escaped) for the report.
 * color: use ANSI colours in CMP_TEXT.  Returns 0 or -errno.
 */
int compare_write(FILE *f, enum compare_fmt fmt, struct rset *sets, size_t n,
		  size_t baseline, int color);

#endif

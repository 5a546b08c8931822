/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * meminfo: every field of /proc/meminfo, one column each (meminfo.csv), as
 * the kernel gives it: sizes in kB, except the HugePages_* fields, which
 * are counts of huge pages (Hugepagesize says how big one is).  Like
 * vmstat, the columns are fixed by the file at the iteration's start and a
 * field another kernel lacks is n/a, never zero.
 */
#include "collectors/proc.h"

#define MEMINFO_PATH "/proc/meminfo"

static int meminfo_available(char *why, size_t whylen)
{
	return proc_available(MEMINFO_PATH, why, whylen);
}

static int meminfo_open(struct collector_inst *ci)
{
	return proc_collector_open(ci, MEMINFO_PATH, &kv_meminfo_ops);
}

const struct collector col_meminfo = {
	.name = "meminfo",
	.summary = "/proc/meminfo fields (kB; HugePages_* are page counts)",
	.flags = COL_PERIODIC | COL_DEFAULT,
	.default_interval_ms = 100,
	.available = meminfo_available,
	.open = meminfo_open,
	.sample = proc_collector_sample,
	.close = proc_collector_close,
};

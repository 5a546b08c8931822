/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Settling the machine before an iteration, so each one starts from the
 * same state: write back dirty data (sync), drop the page cache and slab
 * caches, give the per-CPU lists' pages back to the buddy allocator
 * (mem_drain_pcp(): what the last workload freed would otherwise sit there
 * for tens of seconds, unmerged and uncounted), compact memory, wait for
 * kswapd and kcompactd, drain the lists again, then wait until Dirty + Writeback in
 * /proc/meminfo are small and the CPUs have been idle over a 250 ms window
 * of /proc/stat, or until the time limit.  Idle counts iowait as idle: a
 * CPU waiting for I/O is free, and the I/O that matters (writeback) is
 * waited for through the Dirty and Writeback counters themselves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/journal.h"
#include "lib/knob.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "runner/settle.h"

#define PAGE_REPORTING_ORDER "/sys/module/page_reporting/parameters/page_reporting_order"
#define PCP_HIGH_FRACTION "/proc/sys/vm/percpu_pagelist_high_fraction"
/* INT_MAX: a zone's pages / this is 0, so a list's mark is its floor, 4 batches */
#define PCP_HIGH_FRACTION_MAX "2147483647"
#define SETTLE_WINDOW_MS 250
#define SETTLE_QUIET_S 0.5
#define DEFAULT_MAX_WAIT_S 30.0
#define DEFAULT_DIRTY_KB 4096
#define DEFAULT_IDLE_PCT 90.0
/* ~130 writes drain 2 GB on 2 CPUs (lib/mem.h): room for a bigger machine's lists */
#define SETTLE_DRAIN_WRITES 2000

struct cpu_times {
	unsigned long long idle;	/* idle + iowait */
	unsigned long long total;
};

/* The aggregate "cpu" line of /proc/stat.  0 or -errno. */
static int cpu_times(struct cpu_times *t)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "re");
	int n;

	if (!f)
		return -errno;
	/* user nice system idle iowait irq softirq steal; guest is inside user */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4)
		return -EINVAL;
	t->idle = v[3] + v[4];
	t->total = 0;
	for (int i = 0; i < 8; i++)
		t->total += v[i];
	return 0;
}

static long long dirty_now(void)
{
	long long d = mem_meminfo_kb("Dirty"), w = mem_meminfo_kb("Writeback");

	return (d < 0 ? 0 : d) + (w < 0 ? 0 : w);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int settle_machine(const struct settle_opts *o, struct settle_report *r)
{
	double max_wait = o->max_wait_s > 0 ? o->max_wait_s : DEFAULT_MAX_WAIT_S;
	long long dirty_max = o->dirty_kb > 0 ? o->dirty_kb : DEFAULT_DIRTY_KB;
	double idle_min = o->idle_pct > 0 ? o->idle_pct : DEFAULT_IDLE_PCT;
	double t0 = mmab_now();
	int ret;

	memset(r, 0, sizeof(*r));
	if (o->max_wait_s < 0 || o->dirty_kb < 0 || o->idle_pct < 0 || o->idle_pct > 100)
		return -EINVAL;
	/* writeback first: dropping the cache only drops clean pages */
	sync();
	if (o->drop_caches) {
		ret = mmab_write_file("/proc/sys/vm/drop_caches", "3");
		if (ret)
			return ret;
	}
	/* before compaction: freed pages merge into the blocks it works with */
	settle_drain_pcp(o->journal, &r->pcp_kb_found, NULL);
	if (o->compact) {
		ret = mmab_write_file("/proc/sys/vm/compact_memory", "1");
		if (ret)
			return ret;
	}
	r->quiet_seconds = mem_wait_quiet(SETTLE_QUIET_S, max_wait, NULL, &r->quiet);
	settle_drain_pcp(o->journal, NULL, &r->pcp_kb);
	for (;;) {
		struct cpu_times a, b;

		ret = cpu_times(&a);
		if (ret)
			return ret;
		sleep_ms(SETTLE_WINDOW_MS);
		ret = cpu_times(&b);
		if (ret)
			return ret;
		r->idle_pct = b.total > a.total ?
			100.0 * (double)(b.idle - a.idle) / (double)(b.total - a.total) : 100.0;
		r->dirty_kb = dirty_now();
		r->seconds = mmab_now() - t0;
		if (r->dirty_kb <= dirty_max && r->idle_pct >= idle_min)
			return 0;
		if (r->seconds >= max_wait) {
			r->timed_out = true;
			return 0;
		}
	}
}

/* Pages to kB, -1 staying -1. */
static long long pages_kb(long long pages)
{
	return pages < 0 ? -1 : pages * (long long)(MEM_PAGE / 1024);
}

int settle_drain_pcp(struct journal *j, long long *found_kb, long long *left_kb)
{
	long long found = -1, left = -1;
	off_t mark = 0;
	bool floor_off = j && !access(PCP_HIGH_FRACTION, W_OK);
	int ret;

	/*
	 * The lists' floor (high_min, ~40 MB a CPU here) is not drained by the
	 * decay: with the fraction at its largest the floor is 4 batches, and
	 * the decay empties the lists down to that.  The fraction is back as
	 * found (the variant's value, when it sets one) before this returns.
	 */
	if (floor_off) {
		mark = journal_mark(j);
		floor_off = !journal_set_knob(j, PCP_HIGH_FRACTION, PCP_HIGH_FRACTION_MAX);
	}
	ret = mem_drain_pcp(SETTLE_DRAIN_WRITES, &found, &left);
	if (floor_off) {
		int r2 = journal_rollback(j, mark);

		ret = ret < 0 ? ret : r2;
	}
	if (found_kb)
		*found_kb = pages_kb(found);
	if (left_kb)
		*left_kb = pages_kb(left);
	return ret < 0 ? ret : 0;
}

int settle_reporting_off(struct journal *j, int *order)
{
	/* 11: no block is that large (x86-64); mainline takes at most MAX_PAGE_ORDER */
	static const char *const orders[] = { "11", "10" };
	char now[32];
	int ret = 0;

	*order = -1;
	if (access(PAGE_REPORTING_ORDER, W_OK))
		return 0;
	/* -1: no device reports free pages; the kernel would refuse -1 back (6.1, 6.12) */
	if (!knob_read(PAGE_REPORTING_ORDER, now, sizeof(now)) && atoi(now) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		/* a refused value leaves a record behind: restoring it is harmless */
		ret = journal_set_knob(j, PAGE_REPORTING_ORDER, orders[i]);
		if (!ret) {
			*order = atoi(orders[i]);
			return 0;
		}
	}
	return ret;
}

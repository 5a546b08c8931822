/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The collector interface.  A collector is one C file in collectors/ ending in
 * a const struct collector, registered by one line in collectors/registry.c.
 * Parsers take a buffer so unit tests feed them fixture files without root.
 *
 * Periodic collectors (COL_PERIODIC) are driven by one sampler thread per
 * iteration (collectors/sampler.c) on an absolute clock: open() once, a
 * sample at t=0, one per interval, one at the end, close().  Asynchronous
 * collectors (perf, stalls) run their own reader between start and stop.
 * Each writes <iteration dir>/<name>.csv; the schema is in results/README.md.
 */
#ifndef MMAB_COLLECTOR_H
#define MMAB_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum col_flags {
	COL_PERIODIC	= 1 << 0,	/* sampled by the sampler thread */
	COL_ASYNC	= 1 << 1,	/* runs its own reader between open and close */
	COL_NEEDS_ROOT	= 1 << 2,
	COL_DEFAULT	= 1 << 3,	/* in the default set */
};

struct journal;

/* Per-run configuration of one collector (suite [collector NAME] sections). */
struct collector_cfg {
	const struct collector *c;
	unsigned interval_ms;		/* 0: the collector's default */
	const char *events;		/* perf/stalls: "a,b,-c,+d" edits of the defaults; NULL: defaults */
	/*
	 * Where a collector journals what it makes on the machine (a tracefs
	 * instance, a tracefs mount), so a run that is killed leaves nothing
	 * behind (lib/journal.h).  NULL: nothing is journaled (unit tests).
	 */
	struct journal *journal;
};

/* One collector running for one iteration. */
struct collector_inst {
	const struct collector *c;
	const struct collector_cfg *cfg;
	unsigned interval_ms;
	const char *dir;		/* iteration directory */
	FILE *out;			/* <dir>/<name>.csv, opened by the sampler, buffered */
	void *priv;			/* the collector's own state */
	double t0;			/* mmab_now() at iteration start */
	unsigned long samples;
	char err[256];			/* why open/sample/close failed, set by the collector */
};

struct collector {
	const char *name;
	const char *summary;
	unsigned flags;
	unsigned default_interval_ms;
	/* available - 0 if it can run here, else the reason in why. */
	int (*available)(char *why, size_t whylen);
	/*
	 * open - allocate priv, open sources, write the CSV header.  0 or -errno;
	 * on failure ci->err may say why ("cannot open '/proc/slabinfo': ..."),
	 * and the sampler reports it once.
	 */
	int (*open)(struct collector_inst *ci);
	/* sample - periodic: read and write rows for time t (s since t0).  0 or -errno. */
	int (*sample)(struct collector_inst *ci, double t);
	/* close - final work (async: stop the reader, write rows), free priv. */
	int (*close)(struct collector_inst *ci, double t);
	/*
	 * check_cfg - optional (NULL: the collector takes no `events` and has
	 * nothing else to check): validate CFG (e.g. its events) without
	 * touching the machine, so a bad suite is refused with FILE:LINE
	 * before anything changes (runner/suite.c calls it).  0, or -EINVAL
	 * with the reason in why.  On 0, why may hold a warning the user
	 * should see at once (an event the suite adds that this kernel lacks:
	 * skipped, not fatal, so one suite serves kernels A and B); the
	 * caller clears why first.
	 */
	int (*check_cfg)(const struct collector_cfg *cfg, char *why, size_t whylen);
};

extern const struct collector *const collectors[];
const struct collector *collector_find(const char *name);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `frag` workload: run the fragmenter (workloads/fragmenter.h) once and
 * measure what it left: the unusable free space index at order 9, free
 * pageblock-sized blocks, the fill's time, and how often unmovable
 * allocations had to fall back into other pageblocks meanwhile
 * (kmem:mm_page_alloc_extfrag).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/mmab.h"
#include "workloads/fragmenter.h"
#include "workloads/freemem.h"
#include "workloads/tracepoint.h"
#include "workloads/workload.h"

struct frag_wl_opts {
	struct frag_opts f;
};

static const struct opt_spec frag_wl_specs[] = {
	FRAG_OPT_SPECS(struct frag_wl_opts, f, "", "100%", "off"),
	OPT_END
};

/* What one iteration measures around the fragmenter. */
struct frag_state {
	struct fragmenter *frag;
	struct tp_counter *extfrag, *steals;
	struct buddy_sum before, after;
	long long blocks0, blocks1;	/* non-movable pageblocks before and after */
	double events, stolen;
	struct frag_report rep;
};

static int frag_supported(const void *opts, char *why, size_t whylen)
{
	struct buddy_sum bs;

	(void)opts;
	if (!mmab_is_root()) {
		snprintf(why, whylen, "not root");
		return -EPERM;
	}
	if (freemem_buddy_read(&bs)) {
		snprintf(why, whylen, "/proc/buddyinfo is not readable");
		return -ENOENT;
	}
	return 0;
}

static double frag_estimate(const void *opts, uint64_t mem_bytes)
{
	const struct frag_wl_opts *o = opts;

	/* ~300 MB/s of mixed page cache writes, faults and pipe writes */
	return 2.0 + (double)opt_size_bytes(&o->f.size, mem_bytes) / 300e6;
}

/* Counters that must exist before the fragmenter forks: they are system-wide. */
static void frag_open_counters(struct frag_state *s)
{
	long long unused;
	int ret;

	s->events = s->stolen = NAN;
	ret = tp_counter_open(&s->extfrag, "kmem", "mm_page_alloc_extfrag", NULL, NULL);
	if (ret)
		mmab_warn("extfrag_events n/a: cannot count kmem:mm_page_alloc_extfrag: %s",
			  strerror(-ret));
	/* unmovable and reclaimable pages taken from a pageblock left to its type */
	else if (tp_counter_open(&s->steals, "kmem", "mm_page_alloc_extfrag", NULL,
				 "alloc_migratetype != 1 && change_ownership == 0"))
		s->steals = NULL;
	freemem_nonmovable(&unused, &s->blocks0);
}

static void frag_read_counters(struct frag_state *s)
{
	long long unused;
	double ignored;

	if (s->extfrag && tp_counter_read(s->extfrag, &s->events, &ignored))
		s->events = NAN;
	if (s->steals && tp_counter_read(s->steals, &s->stolen, &ignored))
		s->stolen = NAN;
	freemem_nonmovable(&unused, &s->blocks1);
}

static void frag_metrics(struct wl_ctx *ctx, const struct frag_state *s)
{
	const struct frag_report *rep = &s->rep;

	wl_metric(ctx, "unusable_index_order9", freemem_unusable_index(&s->after, 9), "ratio",
		  METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "unusable_index_order9_start", freemem_unusable_index(&s->before, 9),
		  "ratio", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "free_order9_blocks", (double)freemem_blocks(&s->after, 9), "blocks",
		  METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "free_mib", (double)(freemem_pages(&s->after) * MEM_PAGE) / (1 << 20),
		  "MiB", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "fill_seconds", rep->fill_seconds, "s", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "quiet_seconds", rep->quiet_seconds, "s", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "extfrag_events", s->events, "events", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "extfrag_steal_events", s->stolen, "events", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "nonmovable_pageblocks_delta", s->blocks0 >= 0 && s->blocks1 >= 0 ?
		  (double)(s->blocks1 - s->blocks0) : NAN, "pageblocks", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "primed_mib", (double)rep->primed_bytes / (1 << 20), "MiB", METRIC_NONE,
		  AGG_MEAN);
	wl_metric(ctx, "movable_mib", (double)rep->movable_bytes / (1 << 20), "MiB",
		  METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "unmovable_mib", (double)rep->unmovable_bytes / (1 << 20), "MiB",
		  METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "freed_mib", (double)rep->freed_bytes / (1 << 20), "MiB",
		  METRIC_NONE, AGG_MEAN);
}

static int frag_run(struct wl_ctx *ctx, void *opts)
{
	struct frag_wl_opts *o = opts;
	struct frag_state *s = xcalloc(1, sizeof(*s));
	int ret;

	ctx->state = s;
	ret = freemem_buddy_read(&s->before);
	if (ret) {
		mmab_err("cannot read '/proc/buddyinfo': %s", strerror(-ret));
		return ret;
	}
	frag_open_counters(s);
	ret = frag_start(&s->frag, ctx, &o->f, false, &s->rep);
	if (ret) {
		mmab_err("fragmenter failed: %s", strerror(-ret));
		return ret;
	}
	frag_read_counters(s);
	ret = freemem_buddy_read(&s->after);
	if (ret) {
		mmab_err("cannot read '/proc/buddyinfo': %s", strerror(-ret));
		return ret;
	}
	frag_metrics(ctx, s);
	return 0;
}

static void frag_teardown(struct wl_ctx *ctx, void *opts)
{
	struct frag_state *s = ctx->state;

	(void)opts;
	if (!s)
		return;
	frag_stop(s->frag);
	tp_counter_close(s->extfrag);
	tp_counter_close(s->steals);
	free(s);
	ctx->state = NULL;
}

const struct workload wl_frag = {
	.name = "frag",
	.summary = "fragment physical memory: unmovable allocations between freed movable chunks",
	.flags = WL_NEEDS_ROOT,
	.opts = frag_wl_specs,
	.priv_size = sizeof(struct frag_wl_opts),
	.supported = frag_supported,
	.estimate = frag_estimate,
	.run = frag_run,
	.teardown = frag_teardown,
};

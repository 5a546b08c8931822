/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `hugetlb` workload, successor of mmtests' stress-highalloc and the
 * selftests' compaction_test: on memory fragmented first (fragment = frag
 * or fio), grow the 2 MiB hugetlb pool through nr_hugepages in steps, timing
 * each step, until the target is reached or the kernel stops finding pages.
 * With concurrent = 1 the fragmenter keeps churning while the pool grows.
 *
 * Definitions (the numbers a mailing-list reply has to defend):
 *  - pages_possible = floor(MemFree at the start of growth * alloc_pct / 100
 *    / 2 MiB): what the free memory could hold if it were not fragmented,
 *    capped by alloc_pct so the rest of the machine keeps some headroom.
 *    The pool is asked to grow by exactly this many pages.
 *  - pages_obtained = HugePages_Total (/proc/meminfo) at the end minus at the
 *    start; success_pct = 100 * pages_obtained / pages_possible.
 *  - alloc latency is per page: a step's wall time (the nr_hugepages write)
 *    divided by the pages it obtained, counted once per page obtained, so
 *    with step_pages = 1 (the default) every sample is one page's allocation.
 *    Steps that obtain nothing are counted in failed_steps, not in latency.
 *  - compact_* and htlb_buddy_alloc_* are /proc/vmstat deltas over growth.
 * The pool is journaled (the first write goes through wl_knob_set) and put
 * back in teardown and by the runner's rollback.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/mem.h"
#include "lib/mmab.h"
#include "workloads/fragmenter.h"
#include "workloads/hist.h"
#include "workloads/hugetlb.h"
#include "workloads/workload.h"

#define HUGETLB_NR "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"

struct hugetlb_opts {
	int fragment;		/* enum frag_source */
	struct frag_opts f;
	bool concurrent;
	double alloc_pct;
	long step_pages;
	long max_fail_steps;
	double hold_s;
};

static const struct opt_spec hugetlb_specs[] = {
	{ "fragment", OPT_CHOICE, offsetof(struct hugetlb_opts, fragment), "frag", 0, 0, NULL,
	  "what fragments memory first: none, frag (the frag workload's fragmenter), "
	  "fio (many small page cache files, as thpchallenge)", frag_source_names },
	/*
	 * Background compaction kept as found: with it off the pool got no
	 * page at all at 2G in 8 of 10 iterations (4.7% and 15% in the
	 * others): on a full fill the direct path alone finds no free page to
	 * migrate into.  With it, the pool gets what kcompactd made meanwhile.
	 */
	FRAG_OPT_SPECS(struct hugetlb_opts, f, "frag_", "100%", "keep"),
	{ "concurrent", OPT_BOOL, offsetof(struct hugetlb_opts, concurrent), "0", 0, 0, NULL,
	  "keep the fragmenter churning while the pool grows (fio always runs on)", NULL },
	{ "alloc_pct", OPT_DOUBLE, offsetof(struct hugetlb_opts, alloc_pct), "90", 1, 100, "%",
	  "share of MemFree at the start asked of the pool: pages_possible", NULL },
	{ "step_pages", OPT_LONG, offsetof(struct hugetlb_opts, step_pages), "1", 1, 1048576,
	  "pages", "pages asked for per nr_hugepages write", NULL },
	{ "max_fail_steps", OPT_LONG, offsetof(struct hugetlb_opts, max_fail_steps), "3", 1,
	  1000, "steps", "consecutive steps obtaining nothing before giving up", NULL },
	{ "hold", OPT_SECONDS, offsetof(struct hugetlb_opts, hold_s), "0", 0, 3600, "s",
	  "keep the grown pool this long before releasing it", NULL },
	OPT_END
};

static int hugetlb_supported(const void *opts, char *why, size_t whylen)
{
	const struct hugetlb_opts *o = opts;

	if (!mmab_is_root()) {
		snprintf(why, whylen, "not root");
		return -EPERM;
	}
	if (access(HUGETLB_NR, W_OK)) {
		snprintf(why, whylen, "no 2 MiB hugetlb pool (%s)", HUGETLB_NR);
		return -ENOENT;
	}
	if (o && o->fragment == FRAG_SRC_FIO && !mmab_found("fio")) {
		snprintf(why, whylen, "fio not installed (fragment = fio)");
		return -ENOENT;
	}
	return 0;
}

static double hugetlb_estimate(const void *opts, uint64_t mem_bytes)
{
	const struct hugetlb_opts *o = opts;
	double fill = o->fragment == FRAG_SRC_NONE ? 0 :
		(double)opt_size_bytes(&o->f.size, mem_bytes) / 300e6;

	/* growth: ~1 ms per page on fragmented memory, compaction included */
	return 3.0 + fill + (double)mem_bytes / MEM_HPAGE * 1e-3 + o->hold_s;
}

static long long read_nr(void)
{
	char *buf;
	long long v = -1;

	if (mmab_read_file(HUGETLB_NR, &buf, NULL) == 0) {
		v = strtoll(buf, NULL, 10);
		free(buf);
	}
	return v;
}

double hugetlb_success_pct(long long obtained, long long possible)
{
	if (possible <= 0)
		return NAN;
	return 100.0 * (double)obtained / (double)possible;
}

long long hugetlb_pages_possible(long long memfree_kb, double alloc_pct)
{
	if (memfree_kb <= 0)
		return 0;
	return (long long)floor((double)memfree_kb * 1024.0 * alloc_pct / 100.0 / MEM_HPAGE);
}

/* Per-run state, from run to teardown. */
struct hugetlb_state {
	struct fragmenter *frag;
	long long nr_orig;	/* the pool before growth; -1 until read */
};

/* What growing the pool measured. */
struct hugetlb_growth {
	long long nr0, total0, possible, obtained;
	long long vm0[5];		/* the vmstat counters of hugetlb_vmstat[] at the start */
	long failed_steps, steps;
	double seconds;
	struct hist *lat;
};

static const char *const hugetlb_vmstat[] = {
	"compact_stall", "compact_success", "compact_fail", "htlb_buddy_alloc_success",
	"htlb_buddy_alloc_fail",
};

/* One nr_hugepages write asking for WANT pages; *GOT the pool after it.  0 or -errno. */
static int hugetlb_step(struct wl_ctx *ctx, bool first, long long want, long long *got,
			double *dt)
{
	char val[32];
	double t0 = mmab_now();
	int ret;

	snprintf(val, sizeof(val), "%lld", want);
	/* the first write journals the original pool size; later ones need not */
	ret = first ? wl_knob_set(ctx, HUGETLB_NR, val) : mmab_write_file(HUGETLB_NR, val);
	*dt = mmab_now() - t0;
	if (ret) {
		mmab_err("cannot write '%s' to '%s': %s", val, HUGETLB_NR, strerror(-ret));
		return ret;
	}
	*got = read_nr();
	if (*got < 0) {
		mmab_err("cannot read '%s'", HUGETLB_NR);
		return -EIO;
	}
	return 0;
}

/*
 * Grow the pool from G->nr0 by G->possible pages, STEP_PAGES at a time,
 * until max_fail_steps steps in a row obtained nothing; each step's row
 * goes to STEPS_CSV (may be NULL).  0 or -errno.
 */
static int hugetlb_grow(struct wl_ctx *ctx, const struct hugetlb_opts *o,
			struct hugetlb_growth *g, FILE *steps_csv)
{
	long long nr = g->nr0, target = g->nr0 + g->possible;
	double t_start = mmab_now();
	long fails = 0;
	int ret = 0;

	while (nr < target && fails < o->max_fail_steps && !*ctx->stop) {
		long long want = nr + o->step_pages < target ? nr + o->step_pages : target, got;
		double dt, t0 = mmab_now();

		ret = hugetlb_step(ctx, g->steps == 0, want, &got, &dt);
		if (ret)
			break;
		g->steps++;
		if (steps_csv)
			fprintf(steps_csv, "%.6f,%lld,%lld,%lld,%.9f\n", t0 - t_start, want, got,
				got - nr, dt);
		if (got > nr) {
			for (long long i = nr; i < got; i++)
				hist_add(g->lat, dt * 1e6 / (double)(got - nr));
			fails = 0;
		} else {
			fails++;
			g->failed_steps++;
		}
		nr = got;
		/* leave the runner time to collect and roll back before its timeout */
		if (ctx->timeout_s > 0 && mmab_now() - t_start > ctx->timeout_s * 0.6)
			break;
	}
	g->seconds = mmab_now() - t_start;
	g->obtained = mem_meminfo_kb("HugePages_Total") - g->total0;
	if (g->obtained != nr - g->nr0)
		mmab_warn("HugePages_Total grew by %lld but nr_hugepages by %lld", g->obtained,
			  nr - g->nr0);
	return ret;
}

static void hugetlb_metrics(struct wl_ctx *ctx, const struct hugetlb_opts *o,
			    const struct hugetlb_growth *g, const struct frag_report *rep)
{
	static const enum metric_dir dirs[] = {
		METRIC_LOWER, METRIC_NONE, METRIC_LOWER, METRIC_NONE, METRIC_LOWER
	};

	wl_metric(ctx, "success_pct", hugetlb_success_pct(g->obtained, g->possible), "%",
		  METRIC_HIGHER, AGG_MEAN);
	wl_metric(ctx, "pages_obtained", (double)g->obtained, "pages", METRIC_HIGHER, AGG_MEAN);
	wl_metric(ctx, "pages_possible", (double)g->possible, "pages", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "alloc_latency_us_p50", hist_quantile(g->lat, 0.5), "us", METRIC_LOWER,
		  AGG_MEAN);
	wl_metric(ctx, "alloc_latency_us_p99", hist_quantile(g->lat, 0.99), "us", METRIC_LOWER,
		  AGG_MEAN);
	wl_metric(ctx, "alloc_latency_us_max", hist_max(g->lat), "us", METRIC_LOWER, AGG_MAX);
	wl_metric(ctx, "pages_per_second", g->seconds > 0 ? (double)g->obtained / g->seconds :
		  NAN, "pages/s", METRIC_HIGHER, AGG_HMEAN);
	wl_metric(ctx, "grow_seconds", g->seconds, "s", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "failed_steps", (double)g->failed_steps, "steps", METRIC_LOWER, AGG_MEAN);
	for (size_t i = 0; i < ARRAY_SIZE(hugetlb_vmstat); i++)
		wl_metric(ctx, hugetlb_vmstat[i], mem_vmstat_delta(hugetlb_vmstat[i], g->vm0[i]),
			  i < 3 ? "events" : "pages", dirs[i], AGG_MEAN);
	wl_metric(ctx, "fill_seconds", o->fragment == FRAG_SRC_NONE ? NAN : rep->fill_seconds,
		  "s", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "quiet_seconds", o->fragment == FRAG_SRC_FRAG ? rep->quiet_seconds : NAN,
		  "s", METRIC_NONE, AGG_MEAN);
}

/* The pool's size and MemFree before growth: how many pages to ask for.  0 or -EIO. */
static int hugetlb_measure_start(const struct hugetlb_opts *o, struct hugetlb_growth *g)
{
	long long memfree = mem_meminfo_kb("MemFree");

	g->nr0 = read_nr();
	g->total0 = mem_meminfo_kb("HugePages_Total");
	if (g->nr0 < 0 || g->total0 < 0 || memfree < 0) {
		mmab_err("cannot read the hugetlb pool size or /proc/meminfo");
		return -EIO;
	}
	g->possible = hugetlb_pages_possible(memfree, o->alloc_pct);
	for (size_t i = 0; i < ARRAY_SIZE(hugetlb_vmstat); i++)
		g->vm0[i] = mem_vmstat(hugetlb_vmstat[i]);
	return 0;
}

static int hugetlb_run(struct wl_ctx *ctx, void *opts)
{
	struct hugetlb_opts *o = opts;
	struct hugetlb_state *s = xcalloc(1, sizeof(*s));
	struct hugetlb_growth g = { .lat = hist_new() };
	struct frag_report rep;
	FILE *steps_csv;
	char *path;
	int ret;

	s->nr_orig = -1;
	ctx->state = s;
	ret = frag_source_start(&s->frag, ctx, o->fragment, &o->f, o->concurrent, &rep);
	if (!ret)
		ret = hugetlb_measure_start(o, &g);
	if (ret)
		goto out_free;
	s->nr_orig = g.nr0;

	path = xasprintf("%s/hugetlb-steps.csv", ctx->iter_dir);
	steps_csv = fopen(path, "w");
	free(path);
	if (steps_csv)
		fputs("t,requested,nr_hugepages,obtained,seconds\n", steps_csv);
	ret = hugetlb_grow(ctx, o, &g, steps_csv);
	if (steps_csv)
		fclose(steps_csv);
	if (ret)
		goto out_free;

	hugetlb_metrics(ctx, o, &g, &rep);
	ret = hist_append_file(ctx->iter_dir, "alloc_latency", "us", g.lat);
	if (ret)
		mmab_err("cannot write '%s/histograms.csv': %s", ctx->iter_dir, strerror(-ret));
	for (double t0 = mmab_now(); mmab_now() - t0 < o->hold_s && !*ctx->stop;)
		usleep(50 * 1000);
out_free:
	hist_free(g.lat);
	return ret;
}

static void hugetlb_teardown(struct wl_ctx *ctx, void *opts)
{
	struct hugetlb_state *s = ctx->state;

	(void)opts;
	if (!s)
		return;
	/* give the pages back before the fragmenter's memory goes: the journal does it too */
	if (s->nr_orig >= 0) {
		char val[32];

		snprintf(val, sizeof(val), "%lld", s->nr_orig);
		mmab_write_file(HUGETLB_NR, val);
	}
	frag_stop(s->frag);
	free(s);
	ctx->state = NULL;
}

const struct workload wl_hugetlb = {
	.name = "hugetlb",
	.summary = "grow the 2 MiB hugetlb pool page by page on fragmented memory",
	.flags = WL_NEEDS_ROOT | WL_NEEDS_HUGETLB,
	.opts = hugetlb_specs,
	.priv_size = sizeof(struct hugetlb_opts),
	.supported = hugetlb_supported,
	.estimate = hugetlb_estimate,
	.run = hugetlb_run,
	.teardown = hugetlb_teardown,
};

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `thp` workload, after mmtests' thpchallenge: threads fault
 * MADV_HUGEPAGE anonymous memory 2 MiB (one PMD) at a time, on memory a
 * fragmenter has prepared, timing every first touch and checking whether it
 * got a huge page.
 *
 * How a fault is judged huge, exactly and cheaply: only the first byte of
 * each aligned 2 MiB region is touched before the check, so the region's
 * last 4 KiB page is present in /proc/self/pagemap only if the fault mapped
 * the whole PMD; it must also be the 512th page after the first one, and
 * /proc/kpageflags must flag the first as THP.  Three preads per region,
 * no smaps walk.  After the check the rest of the region is touched (option
 * populate), so fallbacks use as much memory as huge faults do.
 *
 * THP settings are left alone unless thp_enabled / thp_defrag say
 * otherwise; then they are changed through the knob journal.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/mem.h"
#include "lib/mmab.h"
#include "workloads/fragmenter.h"
#include "workloads/hist.h"
#include "workloads/thp.h"
#include "workloads/workload.h"

#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage"
#define KPF_THP 22
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)

static const char *const thp_enabled_names[] = {
	"keep", "always", "madvise", "never", NULL
};
static const char *const thp_defrag_names[] = {
	"keep", "always", "defer", "defer+madvise", "madvise", "never", NULL
};

struct thp_opts {
	struct opt_size size;
	long threads;
	int fragment;
	struct frag_opts f;
	bool concurrent;
	int thp_enabled;
	int thp_defrag;
	bool madvise;
	bool populate;
};

static const struct opt_spec thp_specs[] = {
	{ "size", OPT_SIZE, offsetof(struct thp_opts, size), "40%", 0, 0, "bytes",
	  "memory faulted in, over all threads", NULL },
	{ "threads", OPT_LONG, offsetof(struct thp_opts, threads), "2", 1, 1024, "threads",
	  "faulting threads, each with its own region", NULL },
	{ "fragment", OPT_CHOICE, offsetof(struct thp_opts, fragment), "frag", 0, 0, NULL,
	  "what fragments memory first: none, frag, fio (thpchallenge's small files)",
	  frag_source_names },
	/*
	 * The defaults, measured at 2G (THP defrag never vs always, 5 a side,
	 * 2026-12-07): a fill of 100% with the fragmenter churning on and
	 * background compaction as found gave huge_fault_pct never 0-27%,
	 * always 10-46%, nothing proven; these defaults (90% at rest,
	 * background compaction off) gave never 11-35%, always 73-86% (CoV
	 * 6.6%), +229%, q 0.0003.  A full fill leaves compaction no free pages to move into,
	 * so what it gets depends on when kswapd frees some; the churn and
	 * kcompactd's ticks decide the rest.  90% also leaves the faults room
	 * (100% OOM-killed 1 thp iteration in 80 at 512M).
	 */
	FRAG_OPT_SPECS(struct thp_opts, f, "frag_", "90%", "off"),
	{ "concurrent", OPT_BOOL, offsetof(struct thp_opts, concurrent), "0", 0, 0, NULL,
	  "keep the frag fragmenter churning while faulting (fio always runs on)", NULL },
	{ "thp_enabled", OPT_CHOICE, offsetof(struct thp_opts, thp_enabled), "keep", 0, 0, NULL,
	  "set " THP_SYSFS "/enabled for the run (journaled); keep: leave it", thp_enabled_names },
	{ "thp_defrag", OPT_CHOICE, offsetof(struct thp_opts, thp_defrag), "keep", 0, 0, NULL,
	  "set " THP_SYSFS "/defrag for the run (journaled); keep: leave it", thp_defrag_names },
	{ "madvise", OPT_BOOL, offsetof(struct thp_opts, madvise), "1", 0, 0, NULL,
	  "MADV_HUGEPAGE on the regions", NULL },
	{ "populate", OPT_BOOL, offsetof(struct thp_opts, populate), "1", 0, 0, NULL,
	  "touch the rest of each 2 MiB after the timed fault", NULL },
	OPT_END
};

static int thp_supported(const void *opts, char *why, size_t whylen)
{
	const struct thp_opts *o = opts;

	if (!mmab_is_root()) {
		snprintf(why, whylen, "not root (kpageflags needs CAP_SYS_ADMIN)");
		return -EPERM;
	}
	if (access(THP_SYSFS "/enabled", R_OK)) {
		snprintf(why, whylen, "no transparent huge pages (%s)", THP_SYSFS);
		return -ENOENT;
	}
	if (access("/proc/kpageflags", R_OK)) {
		snprintf(why, whylen, "/proc/kpageflags is not readable");
		return -ENOENT;
	}
	if (o && o->fragment == FRAG_SRC_FIO && !mmab_found("fio")) {
		snprintf(why, whylen, "fio not installed (fragment = fio)");
		return -ENOENT;
	}
	return 0;
}

static double thp_estimate(const void *opts, uint64_t mem_bytes)
{
	const struct thp_opts *o = opts;
	double fill = o->fragment == FRAG_SRC_NONE ? 0 :
		(double)opt_size_bytes(&o->f.size, mem_bytes) / 300e6;

	/* faults with compaction and reclaim: a plan's guess of 1 GB/s */
	return 2.0 + fill + (double)opt_size_bytes(&o->size, mem_bytes) / 1e9;
}

bool thp_pmd_mapped(uint64_t pm_first, uint64_t pm_last, uint64_t kflags)
{
	if (!(pm_first & PM_PRESENT) || !(pm_last & PM_PRESENT))
		return false;
	if ((pm_last & PM_PFN_MASK) != (pm_first & PM_PFN_MASK) + MEM_HPAGE / MEM_PAGE - 1)
		return false;
	return kflags & (1ULL << KPF_THP);
}

double thp_huge_pct(uint64_t huge, uint64_t faults)
{
	return faults ? 100.0 * (double)huge / (double)faults : NAN;
}

struct thp_thread {
	pthread_t tid;
	const struct thp_opts *o;
	volatile int *stop;
	int pagemap, kpageflags;
	uint64_t len;
	struct hist *lat, *lat_huge, *lat_small;	/* every fault; huge ones; fallbacks */
	uint64_t faults, huge;
	char *raw;		/* unmapped after every thread is done: peak use overlaps */
	int err;
};

static bool region_huge(struct thp_thread *t, const char *p)
{
	uint64_t first, last, flags = 0;
	uintptr_t v = (uintptr_t)p;

	if (pread(t->pagemap, &first, 8, (off_t)(v / MEM_PAGE * 8)) != 8 ||
	    pread(t->pagemap, &last, 8, (off_t)((v + MEM_HPAGE - MEM_PAGE) / MEM_PAGE * 8)) != 8)
		return false;
	if (first & PM_PRESENT)
		pread(t->kpageflags, &flags, 8, (off_t)((first & PM_PFN_MASK) * 8));
	return thp_pmd_mapped(first, last, flags);
}

static void *thp_thread_fn(void *arg)
{
	struct thp_thread *t = arg;
	char *raw, *base;

	t->raw = NULL;
	raw = mmap(NULL, t->len + MEM_HPAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED) {
		t->err = -errno;
		return NULL;
	}
	base = (char *)(((uintptr_t)raw + MEM_HPAGE - 1) & ~(MEM_HPAGE - 1));
	t->raw = raw;
	if (t->o->madvise && madvise(base, t->len, MADV_HUGEPAGE) < 0) {
		t->err = -errno;
		return NULL;
	}
	for (uint64_t off = 0; off < t->len && !*t->stop; off += MEM_HPAGE) {
		volatile char *p = base + off;
		struct timespec a, b;

		double us;

		clock_gettime(CLOCK_MONOTONIC, &a);
		p[0] = 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		us = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
		hist_add(t->lat, us);
		t->faults++;
		if (region_huge(t, base + off)) {
			t->huge++;
			hist_add(t->lat_huge, us);
		} else {
			hist_add(t->lat_small, us);
		}
		if (t->o->populate)
			for (uint64_t q = MEM_PAGE; q < MEM_HPAGE; q += MEM_PAGE)
				p[q] = 1;
	}
	return NULL;
}

#define BACKED_FAULTS 8

/*
 * The guest's own cost of a huge fault (zeroing 2 MiB, mapping it), to
 * read the fault latencies against: a huge page is faulted, given back
 * (MADV_DONTNEED frees it to the per-CPU lists) and faulted again, which
 * gets memory the kernel touched microseconds before.  In a VM with free
 * page reporting a first fault on a block the guest had reported to the
 * host also waits for the host to fault it back in, several times the
 * guest's own cost (README.md).  Median of the re-faults that got a
 * huge page, in us; NaN when none did (THP off, no free 2 MiB block).
 */
static double backed_huge_fault_us(const struct thp_opts *o)
{
	struct thp_thread t = { .o = o };
	struct hist *h = hist_new();
	char *raw, *p;
	double med;

	t.pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	t.kpageflags = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	raw = mmap(NULL, 2 * MEM_HPAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED || t.pagemap < 0 || t.kpageflags < 0)
		goto out;
	p = (char *)(((uintptr_t)raw + MEM_HPAGE - 1) & ~(MEM_HPAGE - 1));
	madvise(p, MEM_HPAGE, MADV_HUGEPAGE);
	for (int i = 0; i <= BACKED_FAULTS; i++) {
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		((volatile char *)p)[0] = 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		/* the first fault may have met memory the host had to bring back */
		if (i > 0 && region_huge(&t, p))
			hist_add(h, (double)(b.tv_sec - a.tv_sec) * 1e6 +
				 (double)(b.tv_nsec - a.tv_nsec) / 1e3);
		madvise(p, MEM_HPAGE, MADV_DONTNEED);
	}
	munmap(raw, 2 * MEM_HPAGE);
out:
	if (t.pagemap >= 0)
		close(t.pagemap);
	if (t.kpageflags >= 0)
		close(t.kpageflags);
	med = hist_quantile(h, 0.5);
	hist_free(h);
	return med;
}

static int thp_set_modes(struct wl_ctx *ctx, const struct thp_opts *o)
{
	int ret;

	if (o->thp_enabled) {
		ret = wl_knob_set(ctx, THP_SYSFS "/enabled", thp_enabled_names[o->thp_enabled]);
		if (ret) {
			mmab_err("cannot set '%s/enabled': %s", THP_SYSFS, strerror(-ret));
			return ret;
		}
	}
	if (o->thp_defrag) {
		ret = wl_knob_set(ctx, THP_SYSFS "/defrag", thp_defrag_names[o->thp_defrag]);
		if (ret) {
			mmab_err("cannot set '%s/defrag': %s", THP_SYSFS, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* What the faulting threads measured, merged. */
struct thp_faults {
	struct hist *lat, *lat_huge, *lat_small;	/* every fault; huge ones; fallbacks */
	uint64_t faults, huge;
	long long vm0[3];	/* thp_vmstat[] at the start */
	double seconds;
};

static const char *const thp_vmstat[] = {
	"thp_fault_alloc", "thp_fault_fallback", "thp_fault_fallback_charge",
};

/* Join threads TH[0..N), merge what they measured into R, free their memory. */
static int thp_join(struct thp_thread *th, long n, struct thp_faults *r)
{
	int ret = 0;

	for (long i = 0; i < n; i++) {
		pthread_join(th[i].tid, NULL);
		if (th[i].err && !ret) {
			ret = th[i].err;
			mmab_err("thread %ld: %s", i, strerror(-ret));
		}
		hist_merge(r->lat, th[i].lat);
		hist_merge(r->lat_huge, th[i].lat_huge);
		hist_merge(r->lat_small, th[i].lat_small);
		if (th[i].raw)
			munmap(th[i].raw, th[i].len + MEM_HPAGE);
		r->faults += th[i].faults;
		r->huge += th[i].huge;
	}
	return ret;
}

/*
 * Fault SIZE bytes over O's threads, each its own region, with PAGEMAP and
 * KPF open; the outcome in R.  0 or -errno.
 */
static int thp_fault_all(struct wl_ctx *ctx, const struct thp_opts *o, uint64_t size,
			 int pagemap, int kpf, struct thp_faults *r)
{
	struct thp_thread *th = xcalloc((size_t)o->threads, sizeof(*th));
	uint64_t per = size / (uint64_t)o->threads / MEM_HPAGE * MEM_HPAGE;
	double t0;
	long n = 0;
	int ret = 0, err;

	if (!per)
		per = MEM_HPAGE;
	for (size_t i = 0; i < ARRAY_SIZE(thp_vmstat); i++)
		r->vm0[i] = mem_vmstat(thp_vmstat[i]);
	t0 = mmab_now();
	for (; n < o->threads; n++) {
		th[n] = (struct thp_thread){ .o = o, .stop = ctx->stop, .pagemap = pagemap,
					     .kpageflags = kpf, .len = per, .lat = hist_new(),
					     .lat_huge = hist_new(), .lat_small = hist_new() };
		ret = -pthread_create(&th[n].tid, NULL, thp_thread_fn, &th[n]);
		if (ret) {
			mmab_err("cannot start a thread: %s", strerror(-ret));
			*ctx->stop = 1;
			break;
		}
	}
	err = thp_join(th, n, r);
	if (!ret)
		ret = err;
	for (long i = 0; i < o->threads; i++) {
		hist_free(th[i].lat);
		hist_free(th[i].lat_huge);
		hist_free(th[i].lat_small);
	}
	r->seconds = mmab_now() - t0;
	free(th);
	return ret;
}

static void thp_metrics(struct wl_ctx *ctx, const struct thp_opts *o, const struct thp_faults *r,
			double backed_us, const struct frag_report *rep)
{
	static const enum metric_dir dirs[] = { METRIC_HIGHER, METRIC_LOWER, METRIC_LOWER };

	wl_metric(ctx, "huge_fault_pct", thp_huge_pct(r->huge, r->faults), "%", METRIC_HIGHER,
		  AGG_MEAN);
	wl_metric(ctx, "fault_latency_us_p50", hist_quantile(r->lat, 0.5), "us", METRIC_LOWER,
		  AGG_MEAN);
	wl_metric(ctx, "fault_latency_us_p99", hist_quantile(r->lat, 0.99), "us", METRIC_LOWER,
		  AGG_MEAN);
	wl_metric(ctx, "fault_latency_us_max", hist_max(r->lat), "us", METRIC_LOWER, AGG_MAX);
	wl_metric(ctx, "fault_latency_us_mean", hist_mean(r->lat), "us", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "huge_fault_latency_us_p50", hist_quantile(r->lat_huge, 0.5), "us",
		  METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "huge_fault_latency_us_p99", hist_quantile(r->lat_huge, 0.99), "us",
		  METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "fallback_fault_latency_us_p50", hist_quantile(r->lat_small, 0.5), "us",
		  METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "fallback_fault_latency_us_p99", hist_quantile(r->lat_small, 0.99), "us",
		  METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "backed_huge_fault_us", backed_us, "us", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "faults", (double)r->faults, "faults", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "huge_faults", (double)r->huge, "faults", METRIC_HIGHER, AGG_MEAN);
	for (size_t i = 0; i < ARRAY_SIZE(thp_vmstat); i++)
		wl_metric(ctx, thp_vmstat[i], mem_vmstat_delta(thp_vmstat[i], r->vm0[i]), "events",
			  dirs[i], AGG_MEAN);
	wl_metric(ctx, "fault_seconds", r->seconds, "s", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "fill_seconds", o->fragment == FRAG_SRC_NONE ? NAN : rep->fill_seconds,
		  "s", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "quiet_seconds", o->fragment == FRAG_SRC_FRAG ? rep->quiet_seconds : NAN,
		  "s", METRIC_NONE, AGG_MEAN);
}

static int thp_histograms(struct wl_ctx *ctx, const struct thp_faults *r)
{
	int ret = hist_append_file(ctx->iter_dir, "fault_latency", "us", r->lat);

	if (!ret && hist_count(r->lat_huge))
		ret = hist_append_file(ctx->iter_dir, "huge_fault_latency", "us", r->lat_huge);
	if (!ret && hist_count(r->lat_small))
		ret = hist_append_file(ctx->iter_dir, "fallback_fault_latency", "us", r->lat_small);
	if (ret)
		mmab_err("cannot write '%s/histograms.csv': %s", ctx->iter_dir, strerror(-ret));
	return ret;
}

/* Per-run state, from run to teardown. */
struct thp_state {
	struct fragmenter *frag;
};

static int thp_run(struct wl_ctx *ctx, void *opts)
{
	struct thp_opts *o = opts;
	struct thp_state *s = xcalloc(1, sizeof(*s));
	struct thp_faults r = { .lat = hist_new(), .lat_huge = hist_new(),
				.lat_small = hist_new() };
	struct frag_report rep;
	int pagemap = -1, kpf = -1, ret;
	double backed_us;

	ctx->state = s;
	ret = thp_set_modes(ctx, o);
	if (ret)
		goto out;
	/* before the fragmenter takes the free memory */
	backed_us = backed_huge_fault_us(o);
	ret = frag_source_start(&s->frag, ctx, o->fragment, &o->f, o->concurrent, &rep);
	if (ret)
		goto out;
	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	kpf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (pagemap < 0 || kpf < 0) {
		ret = -errno;
		mmab_err("cannot open '/proc/self/pagemap' or '/proc/kpageflags': %s",
			 strerror(-ret));
		goto out;
	}
	ret = thp_fault_all(ctx, o, opt_size_bytes(&o->size, ctx->mem_bytes), pagemap, kpf, &r);
	if (ret)
		goto out;
	thp_metrics(ctx, o, &r, backed_us, &rep);
	ret = thp_histograms(ctx, &r);
out:
	if (pagemap >= 0)
		close(pagemap);
	if (kpf >= 0)
		close(kpf);
	hist_free(r.lat);
	hist_free(r.lat_huge);
	hist_free(r.lat_small);
	return ret;
}

static void thp_teardown(struct wl_ctx *ctx, void *opts)
{
	struct thp_state *s = ctx->state;

	(void)opts;
	if (!s)
		return;
	frag_stop(s->frag);
	free(s);
	ctx->state = NULL;
}

const struct workload wl_thp = {
	.name = "thp",
	.summary = "THP faults 2 MiB at a time on fragmented memory (thpchallenge-like)",
	.flags = WL_NEEDS_ROOT | WL_NEEDS_THP,
	.opts = thp_specs,
	.priv_size = sizeof(struct thp_opts),
	.supported = thp_supported,
	.estimate = thp_estimate,
	.run = thp_run,
	.teardown = thp_teardown,
};

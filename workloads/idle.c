/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `idle` workload: it sleeps for `duration` and measures what the
 * machine did meanwhile.  It is the baseline every other number stands on:
 * the CPU the collectors, the settle step's aftermath and background
 * daemons cost, the page faults and allocations nobody asked for, and how
 * late a sleeping task wakes up.  Run it with and without collectors to see
 * their overhead, or on two kernels to see whether the idle machine changed.
 *
 * It sleeps on an absolute clock in 100 ms steps (so drift never
 * accumulates and a stop request is seen within a step), timing how late
 * each wake-up comes.  The machine-wide figures are differences of
 * /proc/stat, /proc/vmstat and /proc/meminfo read just before and just after
 * the sleep, so they include everything else running: that is the point.
 * Its own cost (10 wake-ups a second, a few reads) is reported separately.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "lib/mem.h"
#include "lib/mmab.h"
#include "workloads/hist.h"
#include "workloads/idle.h"
#include "workloads/workload.h"

#define STEP_NS 100000000LL		/* 100 ms between wake-ups */

struct idle_opts {
	double duration_s;
};

static const struct opt_spec idle_specs[] = {
	{ "duration", OPT_SECONDS, offsetof(struct idle_opts, duration_s), "10", 0.1, 86400,
	  "s", "how long to sleep (and measure)", NULL },
	OPT_END
};

int idle_stat_parse(const char *text, struct idle_cpu *c)
{
	unsigned long long v[8];
	const char *l;
	bool ctxt = false, intr = false;
	int n;

	memset(c, 0, sizeof(*c));
	/* the aggregate line comes first: "cpu  user nice system idle iowait irq softirq steal ..." */
	if (strncmp(text, "cpu ", 4))
		return -EINVAL;
	n = sscanf(text + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]);
	if (n != 8)
		return -EINVAL;
	c->user = v[0];
	c->nice = v[1];
	c->system = v[2];
	c->idle = v[3];
	c->iowait = v[4];
	c->irq = v[5];
	c->softirq = v[6];
	c->steal = v[7];
	for (l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (!strncmp(l, "ctxt ", 5) && sscanf(l + 5, "%llu", &v[0]) == 1) {
			c->ctxt = v[0];
			ctxt = true;
		} else if (!strncmp(l, "intr ", 5) && sscanf(l + 5, "%llu", &v[0]) == 1) {
			c->intr = v[0];
			intr = true;
		}
	}
	return ctxt && intr ? 0 : -EINVAL;
}

/* B - A as a double, NaN when the counter went backwards (a garbled read). */
static double delta(uint64_t a, uint64_t b)
{
	return b >= a ? (double)(b - a) : NAN;
}

void idle_cpu_share(const struct idle_cpu *a, const struct idle_cpu *b, struct idle_cpu_pct *p)
{
	double user = delta(a->user, b->user) + delta(a->nice, b->nice);
	double sys = delta(a->system, b->system);
	double irq = delta(a->irq, b->irq) + delta(a->softirq, b->softirq);
	double iowait = delta(a->iowait, b->iowait);
	double steal = delta(a->steal, b->steal);
	double total = user + sys + irq + iowait + steal + delta(a->idle, b->idle);

	if (!(total > 0)) {
		*p = (struct idle_cpu_pct){ NAN, NAN, NAN, NAN, NAN, NAN };
		return;
	}
	p->busy = 100.0 * (user + sys + irq) / total;
	p->user = 100.0 * user / total;
	p->system = 100.0 * sys / total;
	p->irq = 100.0 * irq / total;
	p->iowait = 100.0 * iowait / total;
	p->steal = 100.0 * steal / total;
}

long long idle_counter(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *l;

	for (l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char *end;
		long long v;

		if (strncmp(l, name, n) || l[n] != ' ')
			continue;
		errno = 0;
		v = strtoll(l + n + 1, &end, 10);
		if (errno || end == l + n + 1 || (*end && *end != '\n') || v < 0)
			return -1;
		return v;
	}
	return -1;
}

/* Everything read before and after the sleep. */
struct snapshot {
	struct idle_cpu cpu;
	char *vmstat;
	long long memfree_kb;
	double t;
};

static int snap(struct snapshot *s)
{
	char *stat;
	int ret;

	s->vmstat = NULL;
	ret = mmab_read_file("/proc/stat", &stat, NULL);
	if (ret) {
		mmab_err("cannot read '/proc/stat': %s", strerror(-ret));
		return ret;
	}
	ret = idle_stat_parse(stat, &s->cpu);
	free(stat);
	if (ret) {
		mmab_err("cannot parse '/proc/stat'");
		return ret;
	}
	/* vmstat and meminfo are optional: their metrics become n/a */
	if (mmab_read_file("/proc/vmstat", &s->vmstat, NULL))
		s->vmstat = NULL;
	s->memfree_kb = mem_meminfo_kb("MemFree");
	s->t = mmab_now();
	return 0;
}

/* The change of vmstat counter NAME over the sleep, NaN when unknown. */
static double vm_delta(const struct snapshot *a, const struct snapshot *b, const char *name)
{
	long long x, y;

	if (!a->vmstat || !b->vmstat)
		return NAN;
	x = idle_counter(a->vmstat, name);
	y = idle_counter(b->vmstat, name);
	return x < 0 || y < 0 ? NAN : delta((uint64_t)x, (uint64_t)y);
}

/* Pages allocated over the sleep: every zone's pgalloc_* counter. */
static double pgalloc_delta(const struct snapshot *a, const struct snapshot *b)
{
	static const char *const zones[] = {
		"pgalloc_dma", "pgalloc_dma32", "pgalloc_normal", "pgalloc_high",
		"pgalloc_movable", "pgalloc_device",
	};
	double sum = NAN;

	for (size_t i = 0; i < ARRAY_SIZE(zones); i++) {
		double d = vm_delta(a, b, zones[i]);

		if (!isnan(d))
			sum = isnan(sum) ? d : sum + d;
	}
	return sum;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* Sleep until END_NS on the monotonic clock in steps, timing each wake-up into LATE. */
static int sleep_steps(int64_t start_ns, int64_t end_ns, struct hist *late, volatile int *stop)
{
	for (int64_t next = start_ns; next < end_ns;) {
		struct timespec ts, now;
		int r;

		next = next + STEP_NS < end_ns ? next + STEP_NS : end_ns;
		ts.tv_sec = (time_t)(next / 1000000000LL);
		ts.tv_nsec = (long)(next % 1000000000LL);
		do {
			r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		} while (r == EINTR && !*stop);
		if (*stop)
			return -EINTR;
		if (r)
			return -r;
		clock_gettime(CLOCK_MONOTONIC, &now);
		hist_add(late, (double)(ts_ns(&now) - next) / 1e3);
	}
	return 0;
}

static double self_cpu_ms(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return NAN;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* The metrics from snapshots A and B around the sleep, wake-up lateness LATE. */
static void idle_metrics(struct wl_ctx *ctx, const struct snapshot *a, const struct snapshot *b,
			 struct hist *late, double self_ms)
{
	static const struct { const char *name, *unit; } vm[] = {
		{ "pgfault", "faults" }, { "pgmajfault", "faults" }, { "pgalloc", "pages" },
		{ "pgfree", "pages" }, { "pgpgin", "KiB" }, { "pgpgout", "KiB" },
		{ "nr_dirtied", "pages" },
	};
	struct idle_cpu_pct pct;

	idle_cpu_share(&a->cpu, &b->cpu, &pct);
	wl_metric(ctx, "elapsed_s", b->t - a->t, "s", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "cpu_busy_pct", pct.busy, "%", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "cpu_user_pct", pct.user, "%", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "cpu_system_pct", pct.system, "%", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "cpu_irq_pct", pct.irq, "%", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "cpu_iowait_pct", pct.iowait, "%", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "cpu_steal_pct", pct.steal, "%", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "ctxt", delta(a->cpu.ctxt, b->cpu.ctxt), "switches", METRIC_LOWER,
		  AGG_MEAN);
	wl_metric(ctx, "intr", delta(a->cpu.intr, b->cpu.intr), "interrupts", METRIC_LOWER,
		  AGG_MEAN);
	wl_metric(ctx, "wake_late_us_p50", hist_quantile(late, 0.5), "us", METRIC_LOWER,
		  AGG_MEAN);
	wl_metric(ctx, "wake_late_us_p99", hist_quantile(late, 0.99), "us", METRIC_LOWER,
		  AGG_MEAN);
	wl_metric(ctx, "wake_late_us_max", hist_max(late), "us", METRIC_LOWER, AGG_MAX);
	for (size_t i = 0; i < ARRAY_SIZE(vm); i++)
		wl_metric(ctx, vm[i].name, strcmp(vm[i].name, "pgalloc") ? vm_delta(a, b, vm[i].name) :
			  pgalloc_delta(a, b), vm[i].unit, METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "memfree_delta_mib",
		  a->memfree_kb < 0 || b->memfree_kb < 0 ? NAN :
		  (double)(b->memfree_kb - a->memfree_kb) / 1024.0, "MiB", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "self_cpu_ms", self_ms, "ms", METRIC_LOWER, AGG_MEAN);
}

static int idle_run(struct wl_ctx *ctx, void *opts)
{
	const struct idle_opts *o = opts;
	struct snapshot a, b = { .vmstat = NULL };
	struct hist *late = hist_new();
	struct timespec start;
	double cpu0, cpu1;
	int ret;

	ret = snap(&a);
	if (ret)
		goto out;
	cpu0 = self_cpu_ms();
	clock_gettime(CLOCK_MONOTONIC, &start);
	ret = sleep_steps(ts_ns(&start), ts_ns(&start) + (int64_t)llround(o->duration_s * 1e9),
			  late, ctx->stop);
	if (ret) {
		/* a partial baseline would pass for a full one: report nothing */
		if (ret != -EINTR)
			mmab_err("clock_nanosleep: %s", strerror(-ret));
		goto out;
	}
	cpu1 = self_cpu_ms();
	ret = snap(&b);
	if (ret)
		goto out;

	idle_metrics(ctx, &a, &b, late, cpu1 - cpu0);
	ret = hist_append_file(ctx->iter_dir, "wake_late", "us", late);
	if (ret)
		mmab_err("cannot write '%s/histograms.csv': %s", ctx->iter_dir, strerror(-ret));
out:
	free(a.vmstat);
	free(b.vmstat);
	hist_free(late);
	return ret;
}

static int idle_supported(const void *opts, char *why, size_t whylen)
{
	(void)opts;
	if (access("/proc/stat", R_OK)) {
		snprintf(why, whylen, "/proc/stat is not readable");
		return -ENOENT;
	}
	return 0;
}

static double idle_estimate(const void *opts, uint64_t mem_bytes)
{
	const struct idle_opts *o = opts;

	(void)mem_bytes;
	return o->duration_s + 0.1;
}

const struct workload wl_idle = {
	.name = "idle",
	.summary = "sleep and measure the machine meanwhile: the noise and collector-overhead "
		   "baseline",
	/*
	 * With the ballast, like its neighbours: the noise baseline is the
	 * machine as the other workloads see it, and a ballast kept from one
	 * step to the next is not torn down for it.
	 */
	.flags = 0,
	.opts = idle_specs,
	.priv_size = sizeof(struct idle_opts),
	.supported = idle_supported,
	.estimate = idle_estimate,
	.run = idle_run,
};

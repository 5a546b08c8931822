/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the idle workload: the /proc/stat parser on captures from
 * this VM (two taken 3 s apart while other jobs ran, shares computed by
 * hand below) and on truncated and garbage input, the vmstat counter
 * lookup, and real short runs: the metrics it writes, that it sleeps as
 * long as asked, and that it stops within a step when told to.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/mem.h"
#include "lib/mmab.h"
#include "lib/options.h"
#include "workloads/idle.h"
#include "workloads/workload.h"

extern const struct workload wl_idle;

static char *fixture(const char *name)
{
	char *path = xasprintf("tests/fixtures/idle/%s", name), *buf;

	assert_int_equal(mmab_read_file(path, &buf, NULL), 0);
	free(path);
	return buf;
}

static void test_stat_fixture(void **state)
{
	char *t = fixture("stat-6.18");
	struct idle_cpu c;

	(void)state;
	/* "cpu  11106 0 11545 155312 1741 0 288 23 0 0", "ctxt 705885", "intr 449598 ..." */
	assert_int_equal(idle_stat_parse(t, &c), 0);
	assert_int_equal(c.user, 11106);
	assert_int_equal(c.nice, 0);
	assert_int_equal(c.system, 11545);
	assert_int_equal(c.idle, 155312);
	assert_int_equal(c.iowait, 1741);
	assert_int_equal(c.irq, 0);
	assert_int_equal(c.softirq, 288);
	assert_int_equal(c.steal, 23);
	assert_int_equal(c.ctxt, 705885);
	assert_int_equal(c.intr, 449598);
	free(t);
}

static void test_share_by_hand(void **state)
{
	char *t0 = fixture("stat-6.18"), *t1 = fixture("stat-6.18-3s-later");
	struct idle_cpu a, b;
	struct idle_cpu_pct p;

	(void)state;
	assert_int_equal(idle_stat_parse(t0, &a), 0);
	assert_int_equal(idle_stat_parse(t1, &b), 0);
	/*
	 * cpu 11777 0 12361 155331 1848 0 337 23 minus the above:
	 * user 671, system 816, idle 19, iowait 107, softirq 49, steal 0;
	 * total 1662; busy = 671 + 816 + 49 = 1536 -> 92.4188 %.
	 */
	idle_cpu_share(&a, &b, &p);
	assert_float_equal(p.busy, 100.0 * 1536 / 1662, 1e-9);
	assert_float_equal(p.user, 100.0 * 671 / 1662, 1e-9);
	assert_float_equal(p.system, 100.0 * 816 / 1662, 1e-9);
	assert_float_equal(p.irq, 100.0 * 49 / 1662, 1e-9);
	assert_float_equal(p.iowait, 100.0 * 107 / 1662, 1e-9);
	assert_float_equal(p.steal, 0, 0);
	assert_int_equal(b.ctxt - a.ctxt, 740921 - 705885);
	assert_int_equal(b.intr - a.intr, 480357 - 449598);
	/* no tick between the two: n/a, not 0 % */
	idle_cpu_share(&a, &a, &p);
	assert_true(isnan(p.busy));
	/* a counter that went backwards: n/a */
	idle_cpu_share(&b, &a, &p);
	assert_true(isnan(p.busy));
	free(t0);
	free(t1);
}

static void test_stat_bad_input(void **state)
{
	static const char *const names[] = { "stat-truncated", "stat-garbage", "stat-short-cpu" };
	struct idle_cpu c;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *t = fixture(names[i]);

		if (idle_stat_parse(t, &c) != -EINVAL)
			fail_msg("%s should not parse", names[i]);
		free(t);
	}
	assert_int_equal(idle_stat_parse("", &c), -EINVAL);
	assert_int_equal(idle_stat_parse("cpu0 1 2 3 4 5 6 7 8\nctxt 1\nintr 1\n", &c), -EINVAL);
	assert_int_equal(idle_stat_parse("cpu  1 2 3 4 5 6 7 x\nctxt 1\nintr 1\n", &c), -EINVAL);
	assert_int_equal(idle_stat_parse("cpu  1 2 3 4 5 6 7 8\nintr 1\n", &c), -EINVAL);
	assert_int_equal(idle_stat_parse("cpu  1 2 3 4 5 6 7 8\nctxt 1\n", &c), -EINVAL);
	assert_int_equal(idle_stat_parse("cpu  1 2 3 4 5 6 7 8\nctxt 1\nintr 2\n", &c), 0);
	assert_int_equal(c.steal, 8);
}

static void test_counter(void **state)
{
	char *v = fixture("vmstat-6.18");

	(void)state;
	assert_int_equal(idle_counter(v, "pgfault"), 6405285);
	assert_int_equal(idle_counter(v, "pgfree"), 19244769);
	assert_int_equal(idle_counter(v, "pgalloc_normal"), 13300749);
	/* a prefix of a name is not the name */
	assert_int_equal(idle_counter(v, "pgalloc"), -1);
	assert_int_equal(idle_counter(v, "pgfaul"), -1);
	assert_int_equal(idle_counter(v, "no_such_counter"), -1);
	assert_int_equal(idle_counter("pgfault x\n", "pgfault"), -1);
	assert_int_equal(idle_counter("pgfault 12x\n", "pgfault"), -1);
	assert_int_equal(idle_counter("pgfault 12", "pgfault"), 12);
	assert_int_equal(idle_counter("", "pgfault"), -1);
	free(v);
}

struct run {
	char dir[64];
	char *metrics_path;
	FILE *metrics;
	volatile int stop;
	struct wl_ctx ctx;
	void *opts;
};

static void run_setup(struct run *r, const char *duration)
{
	char err[256];

	snprintf(r->dir, sizeof(r->dir), "/tmp/mmab-test-idle.XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	r->metrics_path = xasprintf("%s/metrics.csv", r->dir);
	r->metrics = fopen(r->metrics_path, "w");
	assert_non_null(r->metrics);
	fputs("metric,value,unit,direction,aggregate\n", r->metrics);
	r->stop = 0;
	r->ctx = (struct wl_ctx){ .iter_dir = r->dir, .scratch_dir = r->dir,
				  .mem_bytes = mem_total(), .iteration = 1,
				  .timeout_s = 60, .metrics = r->metrics, .stop = &r->stop };
	r->opts = xcalloc(1, wl_idle.priv_size);
	assert_int_equal(opts_defaults(wl_idle.opts, r->opts, err, sizeof(err)), 0);
	assert_int_equal(opts_set(wl_idle.opts, r->opts, "duration", duration, err,
				  sizeof(err)), 0);
}

static void run_teardown(struct run *r)
{
	if (r->metrics)
		fclose(r->metrics);
	free(r->opts);
	assert_int_equal(mmab_rm_rf(r->dir), 0);
	free(r->metrics_path);
}

/* The value of METRIC in metrics.csv TEXT, checking its unit, direction and aggregate. */
static double metric(const char *text, const char *name, const char *unit, const char *dir,
		     const char *agg)
{
	char *want = xasprintf("\n%s,", name), *p = strstr(text, want), *end;
	char *fields[5], *line, *save = NULL;
	double v;
	int n = 0;

	if (!p)
		fail_msg("metric %s missing", name);
	line = strndup(p + 1, strcspn(p + 1, "\n"));
	for (char *f = strtok_r(line, ",", &save); f && n < 5; f = strtok_r(NULL, ",", &save))
		fields[n++] = f;
	assert_int_equal(n, 5);
	assert_string_equal(fields[2], unit);
	assert_string_equal(fields[3], dir);
	assert_string_equal(fields[4], agg);
	v = strtod(fields[1], &end);
	assert_true(*end == '\0');
	free(line);
	free(want);
	return v;
}

static void test_run(void **state)
{
	struct run r;
	char *text, *hist, *hpath;
	double t0, secs, el, busy;

	(void)state;
	run_setup(&r, "300ms");
	assert_int_equal(wl_idle.supported(r.opts, NULL, 0), 0);
	assert_float_equal(wl_idle.estimate(r.opts, 0), 0.4, 1e-9);
	t0 = mmab_now();
	assert_int_equal(wl_idle.run(&r.ctx, r.opts), 0);
	secs = mmab_now() - t0;
	fclose(r.metrics);
	r.metrics = NULL;
	assert_int_equal(mmab_read_file(r.metrics_path, &text, NULL), 0);

	el = metric(text, "elapsed_s", "s", "none", "mean");
	assert_true(el >= 0.3 && el <= secs);
	busy = metric(text, "cpu_busy_pct", "%", "lower", "mean");
	assert_true(busy >= 0 && busy <= 100);
	assert_float_equal(busy, metric(text, "cpu_user_pct", "%", "lower", "mean") +
			   metric(text, "cpu_system_pct", "%", "lower", "mean") +
			   metric(text, "cpu_irq_pct", "%", "lower", "mean"), 1e-9);
	assert_true(metric(text, "cpu_iowait_pct", "%", "none", "mean") >= 0);
	assert_true(metric(text, "cpu_steal_pct", "%", "none", "mean") >= 0);
	/* at least our own three wake-ups switched context */
	assert_true(metric(text, "ctxt", "switches", "lower", "mean") >= 3);
	assert_true(metric(text, "intr", "interrupts", "lower", "mean") >= 0);
	{
		double p50 = metric(text, "wake_late_us_p50", "us", "lower", "mean");
		double p99 = metric(text, "wake_late_us_p99", "us", "lower", "mean");
		double max = metric(text, "wake_late_us_max", "us", "lower", "max");

		assert_true(p50 >= 0 && p50 <= p99 && p99 <= max);
		/*
		 * A wake-up due at 0.1 s that comes late by L ends the run no
		 * earlier than 0.1 s + L, whatever the later ones do (they come at
		 * once and are late by less): L < secs - 0.1 s.
		 */
		assert_true(max < 1e6 * (secs - 0.1) + 1);
	}
	assert_true(metric(text, "pgfault", "faults", "none", "mean") >= 0);
	assert_true(metric(text, "pgmajfault", "faults", "none", "mean") >= 0);
	assert_true(metric(text, "pgalloc", "pages", "none", "mean") >= 0);
	assert_true(metric(text, "pgfree", "pages", "none", "mean") >= 0);
	assert_true(metric(text, "pgpgin", "KiB", "none", "mean") >= 0);
	assert_true(metric(text, "pgpgout", "KiB", "none", "mean") >= 0);
	assert_true(metric(text, "nr_dirtied", "pages", "none", "mean") >= 0);
	metric(text, "memfree_delta_mib", "MiB", "none", "mean");
	assert_true(metric(text, "self_cpu_ms", "ms", "lower", "mean") >= 0);
	free(text);

	/* three 100 ms wake-ups in the latency histogram */
	hpath = xasprintf("%s/histograms.csv", r.dir);
	assert_int_equal(mmab_read_file(hpath, &hist, NULL), 0);
	assert_non_null(strstr(hist, "histogram,unit,lower,upper,count\n"));
	{
		long total = 0;

		for (char *p = strstr(hist, "\nwake_late,us,"); p;
		     p = strstr(p + 1, "\nwake_late,us,")) {
			double lo, hi;
			long n;

			assert_int_equal(sscanf(p + 1, "wake_late,us,%lf,%lf,%ld", &lo, &hi, &n), 3);
			assert_true(lo < hi && n > 0);
			total += n;
		}
		assert_int_equal(total, 3);
	}
	free(hist);
	free(hpath);
	run_teardown(&r);
}

static void *stop_later(void *arg)
{
	volatile int *stop = arg;

	usleep(150000);
	*stop = 1;
	return NULL;
}

static void test_stop(void **state)
{
	struct run r;
	pthread_t t;
	double t0, secs;
	long size;

	(void)state;
	/* told to stop before it starts: returns at the first step, writes nothing */
	run_setup(&r, "10");
	r.stop = 1;
	t0 = mmab_now();
	assert_int_equal(wl_idle.run(&r.ctx, r.opts), -EINTR);
	assert_true(mmab_now() - t0 < 0.5);
	run_teardown(&r);

	/* told to stop while sleeping: returns within a step (100 ms) */
	run_setup(&r, "10");
	assert_int_equal(pthread_create(&t, NULL, stop_later, (void *)&r.stop), 0);
	t0 = mmab_now();
	assert_int_equal(wl_idle.run(&r.ctx, r.opts), -EINTR);
	secs = mmab_now() - t0;
	pthread_join(t, NULL);
	assert_true(secs >= 0.15 && secs < 0.5);
	fflush(r.metrics);
	size = ftell(r.metrics);
	assert_int_equal(size, (long)strlen("metric,value,unit,direction,aggregate\n"));
	run_teardown(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_fixture),
		cmocka_unit_test(test_share_by_hand),
		cmocka_unit_test(test_stat_bad_input),
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

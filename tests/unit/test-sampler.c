/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for collectors/sampler.c.  Fake collectors defined here check
 * the contract (a sample at t=0 and at the end, periodic samples on the
 * t0 + k * interval grid, async collectors only opened and closed, a
 * collector that cannot run or fails is reported, dropped and leaves the
 * others alone); then every registered periodic collector runs for real at
 * 10 ms for 2 s and its CSV is checked: header, rows as wide as the header,
 * numbers where numbers belong, and a `t` column that does not drift.
 */
#include <errno.h>
#include <sched.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/sampler.h"
#include "lib/mmab.h"

/* Each test gets a fresh directory as *state, removed even when the test fails. */
static int make_dir(void **state)
{
	char *d = xstrdup("/tmp/mmab-test-sampler.XXXXXX");

	if (!mkdtemp(d)) {
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int remove_dir(void **state)
{
	mmab_rm_rf(*state);
	free(*state);
	return 0;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- fake collectors ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}


#define MAX_T 4096
struct fake {
	double t[MAX_T];
	size_t n;
	int opened, closed;
	double open_t0, close_t;
	int fail_at;			/* sample number that fails (0: never) */
};
static struct fake fake_p, fake_a, fake_bad;

static struct fake *fake_of(const struct collector_inst *ci);

static int fake_open(struct collector_inst *ci)
{
	struct fake *f = fake_of(ci);

	f->opened++;
	f->open_t0 = ci->t0;
	fprintf(ci->out, "t\n");
	return 0;
}

static int fake_sample(struct collector_inst *ci, double t)
{
	struct fake *f = fake_of(ci);

	if (f->fail_at && (int)f->n + 1 == f->fail_at) {
		snprintf(ci->err, sizeof(ci->err), "/proc/fake:3: garbage");
		return -EINVAL;
	}
	if (f->n < MAX_T)
		f->t[f->n++] = t;
	fprintf(ci->out, "%.6f\n", t);
	return 0;
}

static int fake_close(struct collector_inst *ci, double t)
{
	struct fake *f = fake_of(ci);

	f->closed++;
	f->close_t = t;
	return 0;
}

static int open_fails(struct collector_inst *ci)
{
	snprintf(ci->err, sizeof(ci->err), "cannot open '/proc/nothing': No such file or directory");
	return -ENOENT;
}

static int never_available(char *why, size_t whylen)
{
	snprintf(why, whylen, "needs a unicorn");
	return -ENODEV;
}

static const struct collector c_periodic = {
	.name = "fakep", .flags = COL_PERIODIC, .default_interval_ms = 10,
	.open = fake_open, .sample = fake_sample, .close = fake_close,
};
static const struct collector c_async = {
	.name = "fakea", .flags = COL_ASYNC, .default_interval_ms = 0,
	.open = fake_open, .close = fake_close,
};
static const struct collector c_bad = {
	.name = "fakebad", .flags = COL_PERIODIC, .default_interval_ms = 10,
	.open = fake_open, .sample = fake_sample, .close = fake_close,
};
static const struct collector c_noopen = {
	.name = "fakenoopen", .flags = COL_PERIODIC, .default_interval_ms = 10,
	.open = open_fails, .sample = fake_sample, .close = fake_close,
};
static const struct collector c_unavail = {
	.name = "fakeunavail", .flags = COL_PERIODIC, .default_interval_ms = 10,
	.available = never_available, .open = fake_open, .sample = fake_sample, .close = fake_close,
};

static struct fake *fake_of(const struct collector_inst *ci)
{
	if (ci->c == &c_async)
		return &fake_a;
	if (ci->c == &c_bad)
		return &fake_bad;
	return &fake_p;
}

static void test_contract(void **state)
{
	struct collector_cfg cfgs[] = {
		{ .c = &c_periodic, .interval_ms = 20 },
		{ .c = &c_async, .interval_ms = 0 },
		{ .c = &c_noopen, .interval_ms = 0 },
		{ .c = &c_unavail, .interval_ms = 0 },
	};
	char *dir = *state, *p;
	struct sampler *s;
	double start, stop_at;

	memset(&fake_p, 0, sizeof(fake_p));
	memset(&fake_a, 0, sizeof(fake_a));
	start = mmab_now();
	assert_int_equal(sampler_start(&s, dir, cfgs, ARRAY_SIZE(cfgs)), 0);
	/* the t=0 sample is taken before sampler_start returns */
	assert_int_equal(fake_p.n, 1);
	assert_true(fake_p.t[0] >= 0 && fake_p.t[0] < 0.002);
	assert_int_equal(fake_a.opened, 1);
	assert_int_equal(fake_a.n, 0);
	/* one t0 for everyone, taken inside sampler_start */
	assert_true(fake_a.open_t0 >= start && fake_a.open_t0 <= mmab_now());
	assert_null(sampler_status(s, 0));
	assert_null(sampler_status(s, 1));
	assert_non_null(sampler_status(s, 2));
	assert_non_null(strstr(sampler_status(s, 2), "/proc/nothing"));
	assert_non_null(strstr(sampler_status(s, 3), "unicorn"));
	sleep_s(0.5);
	stop_at = mmab_now() - fake_a.open_t0;
	assert_int_equal(sampler_stop(s), 0);

	/*
	 * t=0, 25 ticks at 20 ms (the last may fall either side of the stop),
	 * the end; a busy machine may make the sampler skip a late tick.
	 */
	assert_true(fake_p.n >= 20 && fake_p.n <= 28);
	{
		double late[MAX_T];
		long last_k = 0;
		size_t n = 0;

		for (size_t i = 1; i + 1 < fake_p.n; i++) {
			long k = (long)floor(fake_p.t[i] / 0.020 + 1e-9);

			/* on the grid: one sample per tick, never before it */
			assert_true(k > last_k);
			last_k = k;
			late[n++] = fake_p.t[i] - 0.020 * (double)k;
		}
		/* the median: a busy machine may delay a few wake-ups by milliseconds */
		qsort(late, n, sizeof(double), cmp_double);
		assert_true(late[n / 2] < 0.002);
	}
	/* the end sample: taken in sampler_stop, after everything else */
	assert_true(fake_p.t[fake_p.n - 1] >= stop_at);
	assert_true(fake_p.t[fake_p.n - 1] - stop_at < 0.1);
	assert_int_equal(fake_p.closed, 1);
	assert_int_equal(fake_a.closed, 1);
	assert_true(fake_a.close_t >= fake_p.t[fake_p.n - 1]);

	/* CSVs: the dropped ones leave nothing behind */
	p = xasprintf("%s/fakenoopen.csv", dir);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	p = xasprintf("%s/fakeunavail.csv", dir);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	p = xasprintf("%s/fakep.csv", dir);
	{
		char *text;
		size_t len, lines = 0;

		assert_int_equal(mmab_read_file(p, &text, &len), 0);
		for (size_t i = 0; i < len; i++)
			lines += text[i] == '\n';
		assert_int_equal(lines, fake_p.n + 1);
		assert_memory_equal(text, "t\n0.0", 5);
		free(text);
	}
	free(p);
}

static void test_failing_collector(void **state)
{
	struct collector_cfg cfgs[] = {
		{ .c = &c_bad, .interval_ms = 10 },
		{ .c = &c_periodic, .interval_ms = 10 },
	};
	char *dir = *state;
	struct sampler *s;

	memset(&fake_p, 0, sizeof(fake_p));
	memset(&fake_bad, 0, sizeof(fake_bad));
	fake_bad.fail_at = 4;
	assert_int_equal(sampler_start(&s, dir, cfgs, ARRAY_SIZE(cfgs)), 0);
	sleep_s(0.2);
	assert_non_null(sampler_status(s, 0));
	assert_non_null(strstr(sampler_status(s, 0), "/proc/fake:3: garbage"));
	assert_null(sampler_status(s, 1));
	/* the failure is reported once and returned; the other collector went on */
	assert_int_equal(sampler_stop(s), -EINVAL);
	assert_int_equal(fake_bad.n, 3);
	assert_int_equal(fake_bad.closed, 1);
	assert_true(fake_p.n >= 15);
}

/* A full disk: the CSV's writes fail; reported, dropped, returned by sampler_stop. */
static void test_disk_full(void **state)
{
	struct collector_cfg cfgs[] = { { .c = &c_periodic, .interval_ms = 10 } };
	char *dir = *state, *p = xasprintf("%s/fakep.csv", dir);
	struct sampler *s;
	int r;

	if (access("/dev/full", W_OK))
		skip();
	/* the sampler opens <dir>/fakep.csv without O_NOFOLLOW: this makes it /dev/full */
	assert_int_equal(symlink("/dev/full", p), 0);
	memset(&fake_p, 0, sizeof(fake_p));
	assert_int_equal(sampler_start(&s, dir, cfgs, 1), 0);
	/* 2 s: the sampler flushes every 2 s */
	sleep_s(2.3);
	assert_non_null(sampler_status(s, 0));
	assert_non_null(strstr(sampler_status(s, 0), "fakep.csv"));
	r = sampler_stop(s);
	assert_int_equal(r, -ENOSPC);
	assert_int_equal(fake_p.closed, 1);
	free(p);
}

/* A collector that keeps the sampler thread busy 7 ms of every 10 ms. */
static int policies[512];
static size_t npolicies;

static int busy_sample(struct collector_inst *ci, double t)
{
	double until = mmab_now() + 0.007;

	(void)ci;
	(void)t;
	if (npolicies < ARRAY_SIZE(policies))
		policies[npolicies++] = sched_getscheduler(0);
	while (mmab_now() < until)
		;
	return 0;
}

static const struct collector c_busy = {
	.name = "fakebusy", .flags = COL_PERIODIC, .default_interval_ms = 10,
	.open = fake_open, .sample = busy_sample, .close = fake_close,
};

/*
 * As root the sampler thread runs SCHED_FIFO, but not when that would
 * starve a CPU: busy more than half of a second, it goes back to normal.
 */
static void test_realtime_valve(void **state)
{
	struct collector_cfg cfgs[] = { { .c = &c_busy, .interval_ms = 10 } };
	struct sampler *s;

	if (!mmab_is_root())
		skip();
	npolicies = 0;
	assert_int_equal(sampler_start(&s, *state, cfgs, 1), 0);
	sleep_s(2.0);
	assert_int_equal(sampler_stop(s), 0);
	/* [0] is the t=0 sample, taken by the caller; [1] the thread's first */
	assert_true(npolicies > 20);
	assert_int_equal(policies[1], SCHED_FIFO);
	assert_int_equal(policies[npolicies - 2], SCHED_OTHER);
}

static void test_bad_dir(void **state)
{
	struct collector_cfg cfgs[] = { { .c = &c_periodic, .interval_ms = 10 } };
	struct sampler *s = (struct sampler *)1;

	(void)state;
	memset(&fake_p, 0, sizeof(fake_p));
	assert_int_equal(sampler_start(&s, "/nonexistent/mmab", cfgs, 1), -ENOENT);
	assert_null(s);
	assert_int_equal(fake_p.opened, 0);
	assert_int_equal(sampler_stop(NULL), 0);
}

/* ---- the real collectors ---- */

static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;

	for (char *p = line;; p++) {
		if (n < max)
			f[n] = p;
		n++;
		p = strchr(p, ',');
		if (!p)
			break;
		*p = '\0';
	}
	return n;
}

static bool numeric(const char *s)
{
	double d;

	return !*s || !mmab_parse_double(s, &d);
}

/* Text columns of the long-form CSVs; everything else must be a number. */
static bool text_column(const char *name)
{
	return !strcmp(name, "zone") || !strcmp(name, "migratetype") ||
	       !strcmp(name, "cache") || !strcmp(name, "resource") || !strcmp(name, "kind");
}

/* The header each collector's CSV must start with (results/README.md). */
static void check_header(const char *path, const char *hdr)
{
	static const struct {
		const char *file, *header;
		bool prefix;
	} want[] = {
		{ "/vmstat.csv", "t,nr_free_pages,", true },
		{ "/meminfo.csv", "t,MemTotal,MemFree,", true },
		{ "/buddyinfo.csv", "t,node,zone,order,free_blocks,free_pages,unusable_index,"
				    "fragmentation_index", false },
		{ "/pagetypeinfo.csv", "t,node,zone,migratetype,order,free_blocks,capped", false },
		{ "/pagetypeinfo-blocks.csv", "t,node,zone,migratetype,pageblocks", false },
		{ "/slabinfo.csv", "t,cache,active_objs,num_objs,objsize,objperslab,pagesperslab,"
				   "active_slabs,num_slabs", false },
		{ "/psi.csv", "t,resource,kind,avg10,avg60,avg300,total_us", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		size_t pl = strlen(path), fl = strlen(want[i].file);

		if (pl < fl || strcmp(path + pl - fl, want[i].file))
			continue;
		if (want[i].prefix)
			assert_memory_equal(hdr, want[i].header, strlen(want[i].header));
		else
			assert_string_equal(hdr, want[i].header);
		return;
	}
	fail_msg("no expected header for %s", path);
}

static void check_csv(const char *path, double interval, double duration)
{
	char *text, *line, *save = NULL, *hdr[512], *f[512], *hdr_line;
	double *ts = xcalloc(1 << 20, sizeof(double));
	size_t len, ncol, nt = 0, rows = 0, per_t = 0, rows_per_t = 0;

	print_message("# %s\n", path);
	assert_int_equal(mmab_read_file(path, &text, &len), 0);
	assert_true(len > 0 && text[len - 1] == '\n');
	line = strtok_r(text, "\n", &save);
	assert_non_null(line);
	hdr_line = xstrdup(line);
	ncol = split(line, hdr, ARRAY_SIZE(hdr));
	assert_true(ncol >= 2 && ncol <= ARRAY_SIZE(hdr));
	assert_string_equal(hdr[0], "t");
	while ((line = strtok_r(NULL, "\n", &save))) {
		size_t n = split(line, f, ARRAY_SIZE(f));
		double t;

		assert_int_equal(n, ncol);
		assert_int_equal(mmab_parse_double(f[0], &t), 0);
		for (size_t i = 1; i < n; i++)
			if (!text_column(hdr[i]) && !numeric(f[i]))
				fail_msg("%s: column %s: '%s' is not a number", path, hdr[i], f[i]);
		if (!nt || t != ts[nt - 1]) {
			assert_true(!nt || t > ts[nt - 1]);
			ts[nt++] = t;
			/* long form: every sample has as many rows as the first */
			if (nt == 2)
				rows_per_t = per_t;
			else if (nt > 2)
				assert_int_equal(per_t, rows_per_t);
			per_t = 0;
		}
		per_t++;
		rows++;
	}
	assert_true(rows >= nt);
	assert_true(nt < 2 || per_t == rows_per_t);
	/*
	 * t=0 and the end.  The t=0 round reads every collector in turn, so a
	 * collector after pagetypeinfo (4 ms a read here) starts a little later;
	 * all of them come before the first periodic tick.
	 */
	assert_true(ts[0] < interval / 2);
	assert_true(ts[nt - 1] >= duration);
	/*
	 * Periodic samples sit on the k * interval grid: how late each one is
	 * (a constant part is the collectors read before it in the same tick)
	 * does not build up.  A relative sleep would drift by the sampling cost
	 * every tick and spread these over the whole interval.
	 */
	if (duration / interval >= 20) {
		size_t n = nt - 2, third = n / 3;
		double *late = xcalloc(nt, sizeof(double));
		double first, last;

		assert_true(n >= (size_t)(0.8 * duration / interval));
		for (size_t i = 0; i < n; i++)
			late[i] = fmod(ts[i + 1], interval);
		/*
		 * The least late of the first and of the last third: robust to the
		 * time the collectors before this one took in a tick, which varies
		 * with what the machine does.
		 */
		qsort(late, third, sizeof(double), cmp_double);
		qsort(late + n - third, third, sizeof(double), cmp_double);
		first = late[0];
		last = late[n - third];
		qsort(late, n, sizeof(double), cmp_double);
		print_message("#   %zu samples, lateness p50 %.0f us, p90 %.0f us; "
			      "least in the first third %.0f us, in the last %.0f us\n", nt,
			      late[n / 2] * 1e6, late[n * 9 / 10] * 1e6, first * 1e6, last * 1e6);
		assert_true(late[n * 9 / 10] < interval / 2);
		assert_true(fabs(last - first) < 0.001);
		free(late);
	} else {
		/* t=0, every tick, the end */
		print_message("#   %zu samples\n", nt);
		assert_true(nt >= (size_t)(duration / interval) + 1);
	}
	free(ts);
	free(text);
	check_header(path, hdr_line);
	free(hdr_line);
}

static void test_real_collectors(void **state)
{
	struct collector_cfg cfgs[32];
	size_t n = 0;
	char *dir = *state;
	struct sampler *s;
	double t0, duration;

	/*
	 * 10 ms for the cheap ones; the costly ones (pagetypeinfo can take 20 ms
	 * on a busy machine, holding up the whole sampler thread) at their
	 * defaults.
	 */
	for (size_t i = 0; collectors[i] && n < ARRAY_SIZE(cfgs); i++) {
		unsigned ms = collectors[i]->default_interval_ms;

		if (!(collectors[i]->flags & COL_PERIODIC))
			continue;
		cfgs[n++] = (struct collector_cfg){ .c = collectors[i], .interval_ms = ms <= 100 ? 10 : ms };
	}
	assert_true(n > 0);
	assert_int_equal(sampler_start(&s, dir, cfgs, n), 0);
	/* the sampler's t0 is earlier: the end sample's t must be at least this */
	t0 = mmab_now();
	sleep_s(2.0);
	duration = mmab_now() - t0;
	for (size_t i = 0; i < n; i++)
		if (sampler_status(s, i))
			print_message("# %s not run here: %s\n", cfgs[i].c->name,
				      sampler_status(s, i));
	{
		bool ran[32];

		for (size_t i = 0; i < n; i++)
			ran[i] = !sampler_status(s, i);
		assert_int_equal(sampler_stop(s), 0);
		for (size_t i = 0; i < n; i++) {
			char *p = xasprintf("%s/%s.csv", dir, cfgs[i].c->name);

			if (ran[i])
				check_csv(p, cfgs[i].interval_ms / 1000.0, duration);
			else
				assert_int_equal(access(p, F_OK), -1);
			free(p);
			/* pagetypeinfo's second file: pageblocks per migratetype */
			if (ran[i] && !strcmp(cfgs[i].c->name, "pagetypeinfo")) {
				p = xasprintf("%s/pagetypeinfo-blocks.csv", dir);
				check_csv(p, cfgs[i].interval_ms / 1000.0, duration);
				free(p);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_contract, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_failing_collector, make_dir, remove_dir),
		cmocka_unit_test(test_bad_dir),
		cmocka_unit_test_setup_teardown(test_disk_full, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_realtime_valve, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_real_collectors, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

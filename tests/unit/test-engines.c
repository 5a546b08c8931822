/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the fio and stress-ng engines (workloads/engine-*.c): the
 * parsers against files the real tools wrote on the development VM
 * (tests/fixtures/fio/capture.sh, tests/fixtures/stress-ng/capture.sh),
 * every mapped figure checked against the number read off the fixture by
 * hand (the line is named beside it), plus truncated, garbage and
 * wrongly-shaped input; and the tool runner: exit status, environment,
 * output to stderr, and stopping a tool (and what it forked) on SIGTERM or
 * on the stop flag.  Nothing here needs root or changes the machine: the
 * "tools" run are this test binary itself in a helper mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/embed.h"
#include "lib/mmab.h"
#include "lib/options.h"
#include "workloads/engine.h"
#include "workloads/workload.h"

#define MIB 1048576.0

static char self_exe[PATH_MAX];
static char top[PATH_MAX];

/* ---- helpers ---- */

static char *fixture(const char *rel, size_t *len)
{
	char *path = xasprintf("%s/tests/fixtures/%s", top, rel);
	char *buf;
	int ret = mmab_read_file(path, &buf, len);

	if (ret)
		fail_msg("cannot read %s: %s", path, strerror(-ret));
	free(path);
	return buf;
}

/* relative tolerance: the parser does the same arithmetic as the expectation */
static void near(double got, double want)
{
	if (!(fabs(got - want) <= 1e-12 * fmax(1.0, fabs(want))))
		fail_msg("got %.17g, want %.17g", got, want);
}

static const struct engine_metric *metric(const struct engine_metrics *ms, const char *name)
{
	const struct engine_metric *m = engine_metrics_find(ms, name);

	if (!m)
		fail_msg("no metric '%s'", name);
	return m;
}

static void check_metric(const struct engine_metrics *ms, const char *name, double want,
			 const char *unit, enum metric_dir dir, enum metric_agg agg)
{
	const struct engine_metric *m = metric(ms, name);

	if (isnan(want))
		assert_true(isnan(m->value));
	else
		near(m->value, want);
	assert_string_equal(m->unit, unit);
	assert_int_equal(m->dir, dir);
	assert_int_equal(m->agg, agg);
}

static int fio_file(const char *rel, struct fio_summary *s, struct engine_metrics *ms,
		    char *err, size_t errlen)
{
	size_t len;
	char *buf = fixture(rel, &len);
	int ret = fio_parse(buf, len, rel, s, err, errlen);

	free(buf);
	if (!ret && ms)
		fio_map(s, ms);
	return ret;
}

/* every per-direction metric of one direction */
static void check_ddir(const struct engine_metrics *ms, const char *d, double bw_bytes,
		       double iops, double p50_ns, double p99_ns, double mean_ns, double io_bytes)
{
	char name[64];

	snprintf(name, sizeof(name), "%s_bw_mib_per_s", d);
	check_metric(ms, name, bw_bytes / MIB, "MiB/s", METRIC_HIGHER, AGG_HMEAN);
	snprintf(name, sizeof(name), "%s_iops", d);
	check_metric(ms, name, iops, "ops/s", METRIC_HIGHER, AGG_HMEAN);
	snprintf(name, sizeof(name), "%s_clat_us_p50", d);
	check_metric(ms, name, p50_ns / 1000.0, "us", METRIC_LOWER, AGG_MEAN);
	snprintf(name, sizeof(name), "%s_clat_us_p99", d);
	check_metric(ms, name, p99_ns / 1000.0, "us", METRIC_LOWER, AGG_MEAN);
	snprintf(name, sizeof(name), "%s_clat_us_mean", d);
	check_metric(ms, name, mean_ns / 1000.0, "us", METRIC_LOWER, AGG_MEAN);
	snprintf(name, sizeof(name), "%s_io_mib", d);
	check_metric(ms, name, io_bytes / MIB, "MiB", METRIC_NONE, AGG_MEAN);
}

static void check_job(const struct engine_metrics *ms, double runtime_ms, double usr_cpu_s,
		      double sys_cpu_s, double majf, double minf)
{
	check_metric(ms, "runtime_s", runtime_ms / 1000.0, "s", METRIC_NONE, AGG_MEAN);
	check_metric(ms, "usr_cpu_s", usr_cpu_s, "s", METRIC_NONE, AGG_MEAN);
	check_metric(ms, "sys_cpu_s", sys_cpu_s, "s", METRIC_NONE, AGG_MEAN);
	check_metric(ms, "major_faults", majf, "faults", METRIC_NONE, AGG_MEAN);
	check_metric(ms, "minor_faults", minf, "faults", METRIC_NONE, AGG_MEAN);
}

/* ---- fio ---- */

static void test_fio_mmap_job(void **state)
{
	struct engine_metrics ms = { 0 };
	struct fio_summary s;
	char err[512];

	(void)state;
	assert_int_equal(fio_file("fio/dirty-mmap.json", &s, &ms, err, sizeof(err)), 0);
	assert_int_equal(s.entries, 1);
	assert_int_equal(s.error, 0);
	/* write: lines 69-104 of dirty-mmap.json */
	check_ddir(&ms, "write", 110740699, 27036.303630, 32640, 72192, 36033.095276, 67108864);
	/* lines 74, 183-188: runtime 606 ms, job_runtime 606, usr 9.075908 %, sys 28.052805 % */
	check_job(&ms, 606, 9.075908 / 100 * 0.606, 28.052805 / 100 * 0.606, 16384, 9);
	/* read and trim did nothing: no rows for them */
	assert_null(engine_metrics_find(&ms, "read_bw_mib_per_s"));
	assert_null(engine_metrics_find(&ms, "trim_iops"));
	assert_int_equal(ms.n, 6 + 5);
	engine_metrics_free(&ms);
}

static void test_fio_read_write_job(void **state)
{
	struct engine_metrics ms = { 0 };
	struct fio_summary s;
	char err[512];

	(void)state;
	assert_int_equal(fio_file("fio/pagecache-rw.json", &s, &ms, err, sizeof(err)), 0);
	assert_int_equal(s.entries, 1);
	/* read: lines 28-63; write: lines 90-125 */
	check_ddir(&ms, "read", 107527094, 26251.732102, 30080, 81408, 35306.023753, 46559232);
	check_ddir(&ms, "write", 47458734, 11586.605081, 3696, 8640, 3980.376520, 20549632);
	/* runtime 433 ms both ways; lines 204-209 */
	check_job(&ms, 433, 10.416667 / 100 * 0.432, 23.148148 / 100 * 0.432, 0, 14);
	assert_int_equal(ms.n, 6 + 6 + 5);
	engine_metrics_free(&ms);
}

static void test_fio_multiple_jobs(void **state)
{
	struct engine_metrics ms = { 0 };
	struct fio_summary s;
	char err[512];

	(void)state;
	assert_int_equal(fio_file("fio/multi-jobs.json", &s, &ms, err, sizeof(err)), 0);
	assert_int_equal(s.entries, 2);
	assert_int_equal(s.d[FIO_WRITE].entries, 2);
	/*
	 * job 1, lines 69-104: bw 67243350, iops 16416.833667, mean 59549.218872
	 * over N 8192, p50 54528, p99 276480, runtime 499; job 2, lines 309-344:
	 * 68200065, 16650.406504, 58751.810913 over 8192, 54528, 268288, 492.
	 * Sums, the N-weighted mean, the larger percentiles.
	 */
	check_ddir(&ms, "write", 67243350.0 + 68200065.0, 16416.833667 + 16650.406504,
		   54528, 276480, (59549.218872 * 8192 + 58751.810913 * 8192) / 16384,
		   33554432.0 * 2);
	near(s.d[FIO_WRITE].clat_n, 16384);
	/* lines 183-188 and 423-428 */
	check_job(&ms, 499, 7.630522 / 100 * 0.498 + 6.720978 / 100 * 0.491,
		  18.273092 / 100 * 0.498 + 19.755601 / 100 * 0.491, 8192 + 8192, 13 + 10);
	engine_metrics_free(&ms);
}

static void test_fio_group_reporting(void **state)
{
	struct engine_metrics ms = { 0 };
	struct fio_summary s;
	char err[512];

	(void)state;
	/* two mmap-read jobs merged by fio: one entry, fio's own percentiles */
	assert_int_equal(fio_file("fio/group-reporting.json", &s, &ms, err, sizeof(err)), 0);
	assert_int_equal(s.entries, 1);
	/* lines 26-61 */
	check_ddir(&ms, "read", 131328500, 32062.622309, 58624, 117248, 60889.600098, 67108864);
	/* lines 31, 183-188: job_runtime is the sum over the group (1018 ms) */
	check_job(&ms, 511, 3.241650 / 100 * 1.018, 25.343811 / 100 * 1.018, 16384, 25);
	assert_null(engine_metrics_find(&ms, "write_iops"));
	engine_metrics_free(&ms);
}

static void test_fio_no_percentiles(void **state)
{
	struct engine_metrics ms = { 0 };
	struct fio_summary s;
	char err[512];

	(void)state;
	/* clat_percentiles=0: no percentile object, p50/p99 are n/a, not 0 */
	assert_int_equal(fio_file("fio/no-percentiles.json", &s, &ms, err, sizeof(err)), 0);
	check_ddir(&ms, "write", 114130721, 27863.945578, NAN, NAN, 34889.861328, 16777216);
	engine_metrics_free(&ms);
}

static void test_fio_terminated(void **state)
{
	struct engine_metrics ms = { 0 };
	struct fio_summary s;
	char err[512];

	(void)state;
	/* "fio: terminating on signal 15" comes before the object */
	assert_int_equal(fio_file("fio/terminated.json", &s, &ms, err, sizeof(err)), 0);
	/* lines 71-106, 185-190 */
	check_ddir(&ms, "write", 388250458, 94787.709497, 3184, 44288, 7446.387956, 625471488);
	check_job(&ms, 1611, 17.080745 / 100 * 1.610, 52.670807 / 100 * 1.610, 16384, 136331);
	engine_metrics_free(&ms);
}

static void expect_fio_error(const char *buf, const char *want)
{
	struct fio_summary s;
	char err[512] = "";

	assert_int_equal(fio_parse(buf, strlen(buf), "x.json", &s, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("error '%s' does not say '%s'", err, want);
}

static void test_fio_bad_input(void **state)
{
	struct fio_summary s;
	char err[512];
	long line;
	char *end;

	(void)state;
	/* fio refused the job: its output file holds only its messages */
	assert_int_equal(fio_file("fio/failed.json", &s, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "fio/failed.json: no JSON object in fio's output");
	/* cut short: jansson's complaint with the line it reached */
	assert_int_equal(fio_file("fio/truncated.json", &s, NULL, err, sizeof(err)), -EINVAL);
	assert_true(!strncmp(err, "fio/truncated.json:", 19));
	line = strtol(err + 19, &end, 10);
	assert_true(end > err + 19 && *end == ':');
	/* head -c 2000 ends inside line 84, where jansson meets the end */
	assert_int_equal(line, 84);
	assert_int_equal(fio_file("fio/garbage.json", &s, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "fio/garbage.json:"));

	expect_fio_error("", "no JSON object");
	expect_fio_error("{", "x.json:1:");
	expect_fio_error("{\"jobs\": []}", "no 'jobs'");
	expect_fio_error("{\"jobs\": 3}", "no 'jobs'");
	expect_fio_error("{\"jobs\": [7]}", "jobs[0] is not an object");
	expect_fio_error("{\"jobs\": [{\"jobname\": \"j\"}]}", "jobs[0] (j): no 'read' object");
	expect_fio_error("{\"jobs\": [{\"jobname\": \"j\", \"read\": {\"io_bytes\": \"1\"}}]}",
			 "jobs[0] (j).read: not a number: 'io_bytes'");
	expect_fio_error("{\"jobs\": [{\"jobname\": \"j\", \"read\": {\"io_bytes\": 4096}}]}",
			 "jobs[0] (j).read: no 'bw_bytes'");
	expect_fio_error("{\"jobs\": [{\"read\": {\"io_bytes\": 4096, \"bw_bytes\": 1, "
			 "\"iops\": 1, \"runtime\": 1}}]}", "jobs[0] (?).read: no 'clat_ns' object");
	expect_fio_error("{\"jobs\": [{\"jobname\": \"j\", \"read\": {\"io_bytes\": 0}, "
			 "\"write\": {\"io_bytes\": 0}}]}", "jobs[0] (j): no 'job_runtime'");
}

static void test_fio_job_error(void **state)
{
	/* a job that failed reports its errno; the workload fails on it */
	const char *buf = "{\"jobs\": [{\"jobname\": \"ok\", \"error\": 0, \"read\": {\"io_bytes\": 0}, "
			  "\"write\": {\"io_bytes\": 0}, \"job_runtime\": 1, \"usr_cpu\": 0, "
			  "\"sys_cpu\": 0, \"majf\": 0, \"minf\": 0}, "
			  "{\"jobname\": \"bad\", \"error\": 28, \"read\": {\"io_bytes\": 0}, "
			  "\"write\": {\"io_bytes\": 0}, \"job_runtime\": 1, \"usr_cpu\": 0, "
			  "\"sys_cpu\": 0, \"majf\": 0, \"minf\": 0}]}";
	struct fio_summary s;
	char err[256];

	(void)state;
	assert_int_equal(fio_parse(buf, strlen(buf), "x.json", &s, err, sizeof(err)), 0);
	assert_int_equal(s.error, 28);
	assert_string_equal(s.error_job, "bad");
	assert_int_equal(s.d[FIO_READ].entries + s.d[FIO_WRITE].entries + s.d[FIO_TRIM].entries, 0);
	assert_true(isnan(s.runtime_s));
}

/* ---- stress-ng ---- */

static int sng_file(const char *rel, struct stressng_result *r, struct engine_metrics *ms,
		    char *err, size_t errlen)
{
	size_t len;
	char *buf = fixture(rel, &len);
	int ret = stressng_parse(buf, len, rel, r, err, errlen);

	free(buf);
	if (!ret && ms)
		stressng_map(r, ms);
	return ret;
}

static void check_stressor(const struct engine_metrics *ms, const char *s, double ops,
			   double per_s_usr_sys, double per_s_real, double wall, double user,
			   double sys, double cpu, double rss)
{
	char n[96];

	snprintf(n, sizeof(n), "%s.bogo_ops_per_s", s);
	check_metric(ms, n, per_s_real, "ops/s", METRIC_HIGHER, AGG_HMEAN);
	snprintf(n, sizeof(n), "%s.bogo_ops_per_s_usr_sys", s);
	check_metric(ms, n, per_s_usr_sys, "ops/s", METRIC_HIGHER, AGG_HMEAN);
	snprintf(n, sizeof(n), "%s.bogo_ops", s);
	check_metric(ms, n, ops, "ops", METRIC_NONE, AGG_MEAN);
	snprintf(n, sizeof(n), "%s.wall_clock_s", s);
	check_metric(ms, n, wall, "s", METRIC_NONE, AGG_MEAN);
	snprintf(n, sizeof(n), "%s.user_s", s);
	check_metric(ms, n, user, "s", METRIC_NONE, AGG_MEAN);
	snprintf(n, sizeof(n), "%s.system_s", s);
	check_metric(ms, n, sys, "s", METRIC_NONE, AGG_MEAN);
	snprintf(n, sizeof(n), "%s.cpu_usage_pct", s);
	check_metric(ms, n, cpu, "%", METRIC_NONE, AGG_MEAN);
	snprintf(n, sizeof(n), "%s.max_rss_kib", s);
	check_metric(ms, n, rss, "KiB", METRIC_NONE, AGG_MEAN);
}

static void test_sng_one_stressor(void **state)
{
	struct engine_metrics ms = { 0 };
	struct stressng_result r;
	char err[512];

	(void)state;
	assert_int_equal(sng_file("stress-ng/vm.yaml", &r, &ms, err, sizeof(err)), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.s[0].name, "vm");
	/* lines 27-35 of vm.yaml */
	check_stressor(&ms, "vm", 54516, 27801.945055, 25001.276746, 2.180529, 1.260552,
		       0.700318, 89.926358, 67424);
	assert_int_equal(ms.n, 8);
	engine_metrics_free(&ms);
	stressng_result_free(&r);
}

static void test_sng_two_stressors(void **state)
{
	struct engine_metrics ms = { 0 };
	struct stressng_result r;
	char err[512];

	(void)state;
	assert_int_equal(sng_file("stress-ng/vm-mmap.yaml", &r, &ms, err, sizeof(err)), 0);
	assert_int_equal(r.n, 2);
	assert_non_null(stressng_find(&r, "vm"));
	assert_non_null(stressng_find(&r, "mmap"));
	assert_null(stressng_find(&r, "bigheap"));
	/* lines 27-35 and 37-45 of vm-mmap.yaml */
	check_stressor(&ms, "vm", 54516, 28499.986669, 25125.859338, 2.169717, 1.207910,
		       0.704933, 88.160951, 67592);
	check_stressor(&ms, "mmap", 3, 1.644237, 1.420381, 2.112109, 0.445933, 1.378621,
		       86.385402, 67656);
	assert_int_equal(ms.n, 16);
	near(stressng_value(stressng_find(&r, "mmap"), "bogo-ops"), 3);
	assert_true(isnan(stressng_value(stressng_find(&r, "mmap"), "no-such-key")));
	engine_metrics_free(&ms);
	stressng_result_free(&r);
}

static void test_sng_extra_metrics(void **state)
{
	struct engine_metrics ms = { 0 };
	struct stressng_result r;
	char err[512];

	(void)state;
	assert_int_equal(sng_file("stress-ng/extras.yaml", &r, &ms, err, sizeof(err)), 0);
	assert_int_equal(r.n, 3);
	/* lines 27-38: fault, with three extras */
	check_stressor(&ms, "fault", 6088, 8745.392437, 3042.574939, 2.000937, 0.066298,
		       0.629840, 34.790605, 2580);
	check_metric(&ms, "fault.minor_page_faults_per_sec", 15254.054072, "/s", METRIC_NONE,
		     AGG_HMEAN);
	check_metric(&ms, "fault.major_page_faults_per_sec", 0, "/s", METRIC_NONE, AGG_HMEAN);
	check_metric(&ms, "fault.nanosecs_per_page_fault", 3878.746803, "ns", METRIC_LOWER,
		     AGG_MEAN);
	/* lines 40-49: bigheap, one extra */
	check_stressor(&ms, "bigheap", 21155, 16295.778196, 10186.766018, 2.076714, 0.220062,
		       1.078127, 62.511688, 1356204);
	check_metric(&ms, "bigheap.realloc_calls_per_sec", 221142.351576, "/s", METRIC_NONE,
		     AGG_HMEAN);
	/* lines 51-59: mmaphuge, none */
	check_stressor(&ms, "mmaphuge", 196, 141.177115, 86.943741, 2.254331, 0.159125,
		       1.229202, 61.584869, 1102384);
	assert_int_equal(ms.n, 8 + 3 + 8 + 1 + 8);
	engine_metrics_free(&ms);
	stressng_result_free(&r);
}

static void test_sng_failed_run(void **state)
{
	struct stressng_result r;
	char err[512];

	(void)state;
	/*
	 * A failed stressor still has its entry (all zero): failure is read
	 * from stress-ng's exit status, not from the YAML.
	 */
	assert_int_equal(sng_file("stress-ng/failed.yaml", &r, NULL, err, sizeof(err)), 0);
	assert_int_equal(r.n, 1);
	near(stressng_value(&r.s[0], "bogo-ops"), 0);
	near(stressng_value(&r.s[0], "wall-clock-time"), 0.000486);
	stressng_result_free(&r);
}

static void expect_sng_error(const char *buf, const char *want)
{
	struct stressng_result r;
	char err[512] = "";

	assert_int_equal(stressng_parse(buf, strlen(buf), "x.yaml", &r, err, sizeof(err)),
			 -EINVAL);
	if (!strstr(err, want))
		fail_msg("error '%s' does not say '%s'", err, want);
	assert_int_equal(r.n, 0);
}

static const char good_entry[] =
	"    - stressor: vm\n      bogo-ops: 5\n      bogo-ops-per-second-usr-sys-time: 2.5\n"
	"      bogo-ops-per-second-real-time: 2\n      wall-clock-time: 2.5\n"
	"      user-time: 1\n      system-time: 1\n";

static void test_sng_bad_input(void **state)
{
	struct stressng_result r;
	char err[512];
	char *buf;
	size_t len;

	(void)state;
	/* the first 40 lines of vm-mmap.yaml: the mmap entry (line 38) stops at line 40 */
	assert_int_equal(sng_file("stress-ng/truncated.yaml", &r, NULL, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "stress-ng/truncated.yaml:38: stressor mmap: no numeric "
			    "'bogo-ops-per-second-real-time'");
	assert_int_equal(sng_file("stress-ng/garbage.yaml", &r, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "stress-ng/garbage.yaml:"));

	/* the whole of vm.yaml but its final "...": cut at an entry boundary */
	buf = fixture("stress-ng/vm.yaml", &len);
	assert_true(len > 4 && !strcmp(buf + len - 4, "...\n"));
	buf[len - 4] = '\0';
	expect_sng_error(buf, "truncated: the document does not end with '...'");
	free(buf);

	expect_sng_error("", "x.yaml:1: empty");
	expect_sng_error("- a\n- b\n", "expected a mapping");
	expect_sng_error("system-info:\n  a: 1\n...\n", "no stressor metrics");
	expect_sng_error("metrics: 3\n...\n", "x.yaml:1: expected a list under 'metrics'");
	expect_sng_error("metrics:\n  - 3\n...\n", "x.yaml:2: expected a '- stressor:' entry");
	expect_sng_error("metrics:\n    - bogo-ops: 5\n...\n",
			 "x.yaml:2: a metrics entry without 'stressor'");
	expect_sng_error("metrics:\n    - stressor: vm\n      bogo-ops: many\n...\n",
			 "x.yaml:3: 'bogo-ops' is not a number: 'many'");
	buf = xasprintf("metrics:\n%s...\n", good_entry);
	buf[strstr(buf, "      user-time") - buf] = '\0';
	expect_sng_error(buf, "x.yaml:2: stressor vm: no numeric 'user-time'");
	free(buf);
	/* libyaml's own message, at the end of input (line 4) */
	expect_sng_error("metrics:\n    - stressor: vm\n      bogo-ops: [1\n",
			 "x.yaml:4: while parsing a flow sequence: did not find expected ','");
}

static void test_sng_tolerant_yaml(void **state)
{
	struct engine_metrics ms = { 0 };
	struct stressng_result r;
	char *buf;
	char err[512];

	(void)state;
	/* comments, quoting, a nested value and a text value: none is a metric */
	buf = xasprintf("# written by hand\nsystem-info:\n  cpus: 2\nmetrics:\n%s"
			"      note: 'not a number'\n      nested: {a: 1}\n"
			"      \"x-per-sec\": \"4.5\"\n...\n", good_entry);
	assert_int_equal(stressng_parse(buf, strlen(buf), "x.yaml", &r, err, sizeof(err)), 0);
	free(buf);
	stressng_map(&r, &ms);
	check_metric(&ms, "vm.bogo_ops_per_s", 2, "ops/s", METRIC_HIGHER, AGG_HMEAN);
	check_metric(&ms, "vm.x_per_sec", 4.5, "/s", METRIC_NONE, AGG_HMEAN);
	/* optional standard figures absent: present as n/a */
	check_metric(&ms, "vm.max_rss_kib", NAN, "KiB", METRIC_NONE, AGG_MEAN);
	assert_null(engine_metrics_find(&ms, "vm.note"));
	assert_null(engine_metrics_find(&ms, "vm.nested"));
	assert_int_equal(ms.n, 9);
	engine_metrics_free(&ms);
	stressng_result_free(&r);
}

static void expect_list(const char *s, int ret, const char *first, size_t n)
{
	struct engine_argv a = { 0 };
	char err[256] = "";

	assert_int_equal(stressng_parse_list(s, &a, err, sizeof(err)), ret);
	if (!ret) {
		assert_int_equal(a.n, n);
		assert_string_equal(a.v[0], first);
		assert_null(a.v[a.n]);
	} else {
		assert_true(err[0] != '\0');
	}
	engine_argv_free(&a);
}

static void test_sng_stressor_list(void **state)
{
	(void)state;
	expect_list("vm,mmap", 0, "vm", 2);
	expect_list(" vm mmap,\tbigheap ,mmaphuge", 0, "vm", 4);
	expect_list("vm-rw", 0, "vm-rw", 1);
	expect_list("vm,vm", -EINVAL, NULL, 0);
	expect_list("--vm", -EINVAL, NULL, 0);
	expect_list("VM", -EINVAL, NULL, 0);
	expect_list("vm;reboot", -EINVAL, NULL, 0);
	expect_list("", -EINVAL, NULL, 0);
	expect_list(" , ", -EINVAL, NULL, 0);
	expect_list(NULL, -EINVAL, NULL, 0);
}

static void test_sng_exit_desc(void **state)
{
	(void)state;
	assert_string_equal(stressng_exit_desc(2), "one or more stressors failed");
	assert_non_null(strstr(stressng_exit_desc(3), "lack of resources"));
	assert_non_null(strstr(stressng_exit_desc(4), "not implemented"));
	assert_non_null(strstr(stressng_exit_desc(7), "untrustworthy"));
	assert_string_equal(stressng_exit_desc(99), "unknown exit status");
	assert_string_equal(stressng_exit_desc(-1), "unknown exit status");
}

/* ---- lists ---- */

static void test_split_words(void **state)
{
	struct engine_argv a = { 0 };

	(void)state;
	assert_int_equal(engine_split_words(&a, NULL), 0);
	assert_int_equal(engine_split_words(&a, " \t "), 0);
	assert_int_equal(engine_split_words(&a, " --vm-madvise  hugepage\t'a b' "), 4);
	assert_int_equal(a.n, 4);
	assert_string_equal(a.v[0], "--vm-madvise");
	assert_string_equal(a.v[1], "hugepage");
	/* no quoting: a shell would have made one word of 'a b' */
	assert_string_equal(a.v[2], "'a");
	assert_string_equal(a.v[3], "b'");
	assert_null(a.v[4]);
	engine_argv_add(&a, "--x=%d", 3);
	assert_string_equal(a.v[4], "--x=3");
	assert_null(a.v[5]);
	engine_argv_free(&a);
	assert_int_equal(a.n, 0);
}

static void test_env_valid(void **state)
{
	(void)state;
	assert_true(engine_env_valid("MMAB_X=1"));
	assert_true(engine_env_valid("_x="));
	assert_true(engine_env_valid("a1=b=c"));
	assert_false(engine_env_valid("1A=2"));
	assert_false(engine_env_valid("A"));
	assert_false(engine_env_valid("=x"));
	assert_false(engine_env_valid("A-B=1"));
	assert_false(engine_env_valid("A B=1"));
}

static void test_tool_found(void **state)
{
	(void)state;
	assert_true(mmab_found("true"));
	assert_true(mmab_found(self_exe));
	assert_false(mmab_found("mmab-no-such-tool"));
	assert_false(mmab_found("/nonexistent/true"));
}

/* ---- running tools: this binary in a helper mode plays the tool ---- */

static void test_run_exit_status(void **state)
{
	const char *t[] = { "true", NULL }, *f[] = { "false", NULL };
	const char *none[] = { "mmab-no-such-tool", NULL };
	char desc[128];
	int st = -1;

	(void)state;
	assert_int_equal(engine_run(t, NULL, NULL, 1, &st), 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(engine_run(f, NULL, NULL, 1, &st), 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	engine_wait_desc(st, desc, sizeof(desc));
	assert_string_equal(desc, "exited with status 1");
	assert_int_equal(engine_run(none, NULL, NULL, 1, &st), -ENOENT);
	engine_wait_desc(SIGKILL, desc, sizeof(desc));
	assert_non_null(strstr(desc, "killed by signal 9"));
}

static void test_run_env(void **state)
{
	const char *argv[] = { self_exe, "--helper-env", "MMAB_T_VAR", "a b=c", NULL };
	const char *env[] = { "MMAB_T_VAR=a b=c", "MMAB_T_OLD=new", NULL };
	int st = -1;

	(void)state;
	unsetenv("MMAB_T_VAR");
	setenv("MMAB_T_OLD", "old", 1);
	assert_int_equal(engine_run(argv, env, NULL, 1, &st), 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* the tool's environment only: ours is as it was */
	assert_null(getenv("MMAB_T_VAR"));
	assert_string_equal(getenv("MMAB_T_OLD"), "old");
	unsetenv("MMAB_T_OLD");
	/* and the helper does fail on a wrong value */
	argv[3] = "other";
	assert_int_equal(engine_run(argv, env, NULL, 1, &st), 0);
	assert_int_equal(WEXITSTATUS(st), 1);
}

static void test_run_output_to_stderr(void **state)
{
	const char *argv[] = { self_exe, "--helper-print", NULL };
	char path[] = "/tmp/mmab-test-engines.XXXXXX";
	int fd = mkstemp(path), saved, st = -1;
	char *buf;

	(void)state;
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	assert_int_equal(engine_run(argv, NULL, NULL, 1, &st), 0);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	assert_int_equal(mmab_read_file(path, &buf, NULL), 0);
	unlink(path);
	/* both of the tool's streams, in stderr.log's place */
	assert_non_null(strstr(buf, "helper says on stdout\n"));
	assert_non_null(strstr(buf, "helper says on stderr\n"));
	free(buf);
}

/*
 * Read the pids a helper tree writes ("PID\n" per process) from FD until
 * N have arrived.
 */
static void read_pids(int fd, pid_t *pids, int n)
{
	char buf[128];
	size_t got = 0;
	int seen = 0;

	while (seen < n) {
		ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);

		assert_true(r > 0);
		got += (size_t)r;
		buf[got] = '\0';
		seen = 0;
		for (char *p = buf; *p; p++)
			seen += *p == '\n';
	}
	sscanf(buf, "%d %d", &pids[0], n > 1 ? &pids[1] : &pids[0]);
}

/* gone, or a zombie nobody has reaped yet: either way it no longer runs */
static bool dead(pid_t pid)
{
	char path[64], *buf, *rp;
	bool d;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (mmab_read_file(path, &buf, NULL))
		return true;
	rp = strrchr(buf, ')');
	d = rp && (rp[2] == 'Z' || rp[2] == 'X');
	free(buf);
	return d;
}

static bool all_dead(const pid_t *pids, int n, double within_s)
{
	double t0 = mmab_now();

	do {
		bool d = true;

		for (int i = 0; i < n; i++)
			d = d && dead(pids[i]);
		if (d)
			return true;
		usleep(20000);
	} while (mmab_now() - t0 < within_s);
	return false;
}

/* fork a child that runs MODE under engine_run; its pids come back on *fd */
static pid_t start_runner(const char *mode, double grace, int *fd)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char fdarg[16];
		const char *argv[] = { self_exe, mode, fdarg, NULL };
		static volatile int stop;
		int st, ret;

		close(p[0]);
		snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
		ret = engine_run(argv, NULL, &stop, grace, &st);
		/* only reached when no signal ended us: report how the tool ended */
		_exit(ret == -EINTR && WIFSIGNALED(st) ? 10 + WTERMSIG(st) : 3);
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

static void test_run_sigterm_stops_tool(void **state)
{
	pid_t child, pids[1];
	double t0;
	int fd, st;

	(void)state;
	/* a tool that stops on SIGTERM, as fio and stress-ng do */
	child = start_runner("--helper-sleep", 5.0, &fd);
	read_pids(fd, pids, 1);
	t0 = mmab_now();
	kill(child, SIGTERM);
	assert_int_equal(waitpid(child, &st, 0), child);
	/* the runner child dies of the SIGTERM it was sent, once the tool is gone */
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
	assert_true(all_dead(pids, 1, 1.0));
	/* forwarded, not waited out: well inside the grace period */
	assert_true(mmab_now() - t0 < 2.0);
	close(fd);
}

static void test_run_kills_stubborn_tree(void **state)
{
	pid_t child, pids[2];
	double t0;
	int fd, st;

	(void)state;
	/* a tool that ignores SIGTERM and has forked a worker that does too */
	child = start_runner("--helper-tree", 0.5, &fd);
	read_pids(fd, pids, 2);
	assert_false(dead(pids[0]));
	assert_false(dead(pids[1]));
	t0 = mmab_now();
	kill(child, SIGTERM);
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	/* the tool and its worker, killed after the grace period */
	assert_true(all_dead(pids, 2, 2.0));
	assert_true(mmab_now() - t0 >= 0.5);
	close(fd);
}

static volatile int *alarm_stop;

static void on_alarm(int sig)
{
	(void)sig;
	*alarm_stop = 1;
}

static void test_run_stop_flag(void **state)
{
	const char *argv[] = { self_exe, "--helper-sleep", "-1", NULL };
	static volatile int stop;
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	double t0 = mmab_now();
	int st = 0;

	(void)state;
	/* someone else (here: an alarm) sets the workload's stop flag */
	alarm_stop = &stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	alarm(1);
	assert_int_equal(engine_run(argv, NULL, &stop, 5.0, &st), -EINTR);
	sigaction(SIGALRM, &old, NULL);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
	assert_true(mmab_now() - t0 < 3.0);
	/* already told to stop: the tool is not even started */
	assert_int_equal(engine_run(argv, NULL, &stop, 5.0, &st), -EINTR);
}

/* ---- the workloads' option tables and built-in jobs ---- */

/* a workload's options with their defaults, in a zeroed private struct */
static void *opts_of(const struct workload *w)
{
	void *priv = xcalloc(1, w->priv_size);
	char err[256];

	assert_int_equal(opts_defaults(w->opts, priv, err, sizeof(err)), 0);
	return priv;
}

static void expect_opt(const struct workload *w, const void *priv, const char *key,
		       const char *want)
{
	char buf[256];

	opts_format(opts_find(w->opts, key), priv, buf, sizeof(buf));
	if (strcmp(buf, want))
		fail_msg("%s %s: '%s', want '%s'", w->name, key, buf, want);
}

static void expect_set(const struct workload *w, void *priv, const char *key,
		       const char *value, int ret)
{
	char err[256] = "";

	assert_int_equal(opts_set(w->opts, priv, key, value, err, sizeof(err)), ret);
	if (ret)
		assert_true(err[0] != '\0');
}

static void test_fio_options(void **state)
{
	const struct workload *w = workload_find("fio");
	void *o;

	(void)state;
	assert_non_null(w);
	o = opts_of(w);
	expect_opt(w, o, "job", "dirty-mmap");
	expect_opt(w, o, "size", "150%");
	expect_opt(w, o, "jobs", "1");
	expect_opt(w, o, "bs", "4K");
	expect_opt(w, o, "rw", "job");
	expect_opt(w, o, "runtime", "30");
	expect_opt(w, o, "time_based", "0");
	expect_opt(w, o, "group_reporting", "1");
	expect_set(w, o, "job", "/etc/my.fio", 0);
	expect_opt(w, o, "job", "/etc/my.fio");
	expect_set(w, o, "size", "512M", 0);
	expect_opt(w, o, "size", "512M");
	expect_set(w, o, "size", "4K", -ERANGE);	/* below 1M */
	expect_set(w, o, "jobs", "0", -ERANGE);
	expect_set(w, o, "jobs", "two", -EINVAL);
	expect_set(w, o, "bs", "64K", 0);
	expect_set(w, o, "rw", "randrw", 0);
	expect_opt(w, o, "rw", "randrw");
	expect_set(w, o, "rw", "random", -EINVAL);
	expect_set(w, o, "runtime", "2500ms", 0);
	expect_opt(w, o, "runtime", "2.5");
	expect_set(w, o, "runtime", "0", -ERANGE);
	expect_set(w, o, "time_based", "yes", 0);
	expect_set(w, o, "env", "A=1 B=2", 0);
	expect_set(w, o, "thp", "1", -ENOENT);
	/* at least the runtime cap, plus the start */
	assert_true(w->estimate(o, 1ULL << 30) > 2.5);
	opts_free(w->opts, o);
	free(o);
}

static void test_stress_ng_options(void **state)
{
	const struct workload *w = workload_find("stress-ng");
	void *o;

	(void)state;
	assert_non_null(w);
	assert_true(w->flags & WL_MAY_OOM);
	o = opts_of(w);
	expect_opt(w, o, "stressors", "vm,mmap");
	expect_opt(w, o, "workers", "1");
	expect_opt(w, o, "runtime", "10");
	expect_opt(w, o, "bytes", "10%");
	expect_opt(w, o, "oomable", "0");
	expect_set(w, o, "stressors", "bigheap,mmaphuge,madvise", 0);
	expect_set(w, o, "workers", "0", 0);
	expect_set(w, o, "workers", "-1", -ERANGE);
	expect_set(w, o, "runtime", "0", -ERANGE);
	expect_set(w, o, "runtime", "3s", 0);
	expect_set(w, o, "bytes", "256M", 0);
	expect_set(w, o, "args", "--vm-madvise hugepage", 0);
	/* the runtime rounded up, plus the wind-down */
	assert_true(w->estimate(o, 1ULL << 30) >= 3.0);
	opts_free(w->opts, o);
	free(o);
}

static void test_no_runner_keys(void **state)
{
	/* a suite section's timeout, scale and memcg_limit belong to the runner */
	const char *names[] = { "fio", "stress-ng" }, *keys[] = { "timeout", "scale", "memcg_limit" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			assert_null(opts_find(workload_find(names[i])->opts, keys[k]));
}

static void test_supported_without_tool(void **state)
{
	const char *names[] = { "fio", "stress-ng" };
	char *path = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	char why[128];

	(void)state;
	setenv("PATH", "/nonexistent", 1);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct workload *w = workload_find(names[i]);
		void *o = opts_of(w);
		char *want = xasprintf("%s not installed", names[i]);

		why[0] = '\0';
		assert_int_not_equal(w->supported(o, why, sizeof(why)), 0);
		assert_string_equal(why, want);
		free(want);
		opts_free(w->opts, o);
		free(o);
	}
	setenv("PATH", path, 1);
	free(path);
}

static void test_builtin_jobs(void **state)
{
	const char *jobs[] = { "dirty-mmap", "mmap-read", "pagecache-rw" };
	const char *rws[] = { "randwrite", "randread", "randrw" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(jobs); i++) {
		char *src = xasprintf("workloads/fio/%s.fio", jobs[i]);
		const char *text = embed_find(src, NULL);

		if (!text)
			fail_msg("%s is not linked into mmab", src);
		/* every variable the workload sets, and nothing that turns off MAP_SHARED */
		assert_non_null(strstr(text, "size=${MMAB_SIZE}"));
		assert_non_null(strstr(text, "rw=${MMAB_RW}"));
		assert_non_null(strstr(text, "runtime=${MMAB_RUNTIME}"));
		assert_null(strstr(text, "\nthp="));
		free(src);
	}
	assert_non_null(strstr(embed_find("workloads/fio/dirty-mmap.fio", NULL),
			       "\nioengine=mmap\n"));
	if (!mmab_found("fio"))
		skip();
	/* fio itself accepts each job as the workload parametrises it */
	for (size_t i = 0; i < ARRAY_SIZE(jobs); i++) {
		char path[] = "/tmp/mmab-test-job.XXXXXX";
		int fd = mkstemp(path), st = -1;
		size_t len;
		char *src = xasprintf("workloads/fio/%s.fio", jobs[i]);
		const char *text = embed_find(src, &len);
		char *rw = xasprintf("MMAB_RW=%s", rws[i]);
		const char *argv[] = { "fio", "--parse-only", path, NULL };
		const char *env[] = { "MMAB_DIR=/tmp", "MMAB_SIZE=1048576", "MMAB_JOBS=2",
				      "MMAB_BS=4096", rw, "MMAB_RUNTIME=2500ms",
				      "MMAB_TIME_BASED=0", "MMAB_SEED=9223372036854775807", NULL };

		assert_true(fd >= 0);
		assert_int_equal(write(fd, text, len), (ssize_t)len);
		close(fd);
		assert_int_equal(engine_run(argv, env, NULL, 1, &st), 0);
		unlink(path);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			fail_msg("fio --parse-only %s failed", src);
		free(src);
		free(rw);
	}
}

/* ---- helper modes: the "tools" ---- */

static void say_pid(const char *fdarg)
{
	long fd;
	char buf[32];
	int n;

	if (mmab_parse_long(fdarg, &fd) || fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write((int)fd, buf, (size_t)n) != n)
		_exit(9);
}

static int helper(int argc, char **argv)
{
	if (!strcmp(argv[1], "--helper-env") && argc == 4) {
		const char *v = getenv(argv[2]);

		return v && !strcmp(v, argv[3]) && !strcmp(getenv("MMAB_T_OLD"), "new") ? 0 : 1;
	}
	if (!strcmp(argv[1], "--helper-print")) {
		printf("helper says on stdout\n");
		fprintf(stderr, "helper says on stderr\n");
		return 0;
	}
	if (!strcmp(argv[1], "--helper-sleep") && argc == 3) {
		say_pid(argv[2]);
		sleep(60);
		return 0;
	}
	if (!strcmp(argv[1], "--helper-tree") && argc == 3) {
		signal(SIGTERM, SIG_IGN);
		if (fork() == 0) {
			say_pid(argv[2]);
			sleep(60);
			_exit(0);
		}
		usleep(50000);
		say_pid(argv[2]);
		sleep(60);
		return 0;
	}
	return 2;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fio_mmap_job),
		cmocka_unit_test(test_fio_read_write_job),
		cmocka_unit_test(test_fio_multiple_jobs),
		cmocka_unit_test(test_fio_group_reporting),
		cmocka_unit_test(test_fio_no_percentiles),
		cmocka_unit_test(test_fio_terminated),
		cmocka_unit_test(test_fio_bad_input),
		cmocka_unit_test(test_fio_job_error),
		cmocka_unit_test(test_sng_one_stressor),
		cmocka_unit_test(test_sng_two_stressors),
		cmocka_unit_test(test_sng_extra_metrics),
		cmocka_unit_test(test_sng_failed_run),
		cmocka_unit_test(test_sng_bad_input),
		cmocka_unit_test(test_sng_tolerant_yaml),
		cmocka_unit_test(test_sng_stressor_list),
		cmocka_unit_test(test_sng_exit_desc),
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_env_valid),
		cmocka_unit_test(test_tool_found),
		cmocka_unit_test(test_run_exit_status),
		cmocka_unit_test(test_run_env),
		cmocka_unit_test(test_run_output_to_stderr),
		cmocka_unit_test(test_run_sigterm_stops_tool),
		cmocka_unit_test(test_run_kills_stubborn_tree),
		cmocka_unit_test(test_run_stop_flag),
		cmocka_unit_test(test_fio_options),
		cmocka_unit_test(test_stress_ng_options),
		cmocka_unit_test(test_no_runner_keys),
		cmocka_unit_test(test_supported_without_tool),
		cmocka_unit_test(test_builtin_jobs),
	};
	ssize_t n;
	char *slash;

	if (argc > 1 && !strncmp(argv[1], "--helper-", 9))
		return helper(argc, argv);
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return 1;
	self_exe[n] = '\0';
	/* fixtures: from the top of the tree (make check), else from build/tests/.. */
	if (access("tests/fixtures/fio", R_OK) == 0) {
		snprintf(top, sizeof(top), ".");
	} else {
		snprintf(top, sizeof(top), "%s", self_exe);
		for (int i = 0; i < 3 && (slash = strrchr(top, '/')); i++)
			*slash = '\0';
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for lib/resultset.c, lib/machine.c and runner/progress.c: status.csv rows
 * (quoting, empty cells, one line per row), a status.csv whose last row a
 * crash cut short, resume detection, first-to-last deltas of a real
 * vmstat.csv (tests/fixtures/collect) and of truncated and garbled copies,
 * JSON errors reported as FILE:LINE, the machine facts and knob values of
 * metadata.json against /proc, the ETA arithmetic of the progress line, and
 * the read-ahead and file system under a results directory (a fixture sysfs
 * tree, then this machine).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/sampler.h"
#include "lib/csv.h"
#include "lib/machine.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "lib/resultset.h"
#include "runner/progress.h"

static char tmpdir[64];

static int make_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mmab-test-rs.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmp(void **state)
{
	(void)state;
	return mmab_rm_rf(tmpdir);
}

static char *slurp(const char *path)
{
	char *buf;

	assert_int_equal(mmab_read_file(path, &buf, NULL), 0);
	return buf;
}

static void test_status_format(void **state)
{
	struct rset_status_row ok = { "idle", 2, "ok", "", 0, 0, 1.23456 };
	struct rset_status_row oom = { "thp-always", 1, "failed", "oom", -1, 9, 3.5 };
	struct rset_status_row skip = { "fio", 3, "skipped", "fio not installed, \"apt install fio\"\n",
				      -1, 0, NAN };
	char buf[256];

	(void)state;
	assert_int_equal(rset_status_format(buf, sizeof(buf), &ok), 20);
	assert_string_equal(buf, "idle,2,ok,,0,,1.235\n");
	rset_status_format(buf, sizeof(buf), &oom);
	assert_string_equal(buf, "thp-always,1,failed,oom,,9,3.500\n");
	rset_status_format(buf, sizeof(buf), &skip);
	assert_string_equal(buf,
		"fio,3,skipped,\"fio not installed, \"\"apt install fio\"\" \",,,\n");
	assert_int_equal(rset_status_format(buf, 10, &skip), -ENOSPC);
}

static void test_status_file(void **state)
{
	struct rset_status_row row = { "idle", 1, "ok", "", 0, 0, 1.0 };
	char *path = xasprintf("%s/status.csv", tmpdir), *text;
	int fd;

	(void)state;
	unlink(path);
	fd = rset_status_open(path);
	assert_true(fd >= 0);
	assert_int_equal(rset_status_append(fd, &row), 0);
	close(fd);
	text = slurp(path);
	assert_string_equal(text, RSET_STATUS_HEADER "idle,1,ok,,0,,1.000\n");
	free(text);

	/* a crash in the middle of a row: the fragment goes, the complete row stays */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "idle,2,fa", 9), 9);
	close(fd);
	text = slurp(path);
	assert_false(rset_status_has(text, "idle", 2));
	assert_true(rset_status_has(text, "idle", 1));
	free(text);
	fd = rset_status_open(path);
	assert_true(fd >= 0);
	row.iteration = 2;
	assert_int_equal(rset_status_append(fd, &row), 0);
	close(fd);
	text = slurp(path);
	assert_string_equal(text, RSET_STATUS_HEADER "idle,1,ok,,0,,1.000\nidle,2,ok,,0,,1.000\n");
	free(text);

	/* not a status.csv: refused, not appended to */
	assert_int_equal(mmab_write_file_atomic(path, "a,b\n1,2\n", 8), 0);
	assert_int_equal(rset_status_open(path), -EINVAL);
	text = slurp(path);
	assert_string_equal(text, "a,b\n1,2\n");
	free(text);
	free(path);
}

static void test_status_has(void **state)
{
	const char *text = RSET_STATUS_HEADER
		"idle,1,ok,,0,,1.0\n"
		"idle2,2,ok,,0,,1.0\n"
		"thp,10,failed,oom,,9,2.0\n"
		"thp,3,ok,,0,,1.0";	/* no newline: cut short */

	(void)state;
	assert_true(rset_status_has(text, "idle", 1));
	assert_false(rset_status_has(text, "idle", 2));	/* idle2 is another workload */
	assert_true(rset_status_has(text, "idle2", 2));
	assert_true(rset_status_has(text, "thp", 10));
	assert_false(rset_status_has(text, "thp", 1));
	assert_false(rset_status_has(text, "thp", 3));
	assert_false(rset_status_has(RSET_STATUS_HEADER, "idle", 1));
	assert_false(rset_status_has("", "idle", 1));
	/* the header itself is never a row */
	assert_false(rset_status_has(RSET_STATUS_HEADER, "workload", 0));
}

static struct csv_delta *find(struct csv_delta *d, ssize_t n, const char *name)
{
	for (ssize_t i = 0; i < n; i++)
		if (!strcmp(d[i].name, name))
			return &d[i];
	return NULL;
}

/* A column's value in data row ROW (0-based) of the fixture, independently. */
static double cell(const char *text, const char *col, int row)
{
	char *copy = xstrdup(text), *save = NULL, *line, *hdr, *s2 = NULL;
	int idx = -1, i = 0;
	double v = NAN;

	hdr = strtok_r(copy, "\n", &save);
	for (char *t = strtok_r(hdr, ",", &s2); t; t = strtok_r(NULL, ",", &s2), i++)
		if (!strcmp(t, col))
			idx = i;
	for (int r = 0; (line = strtok_r(NULL, "\n", &save)); r++) {
		if (r != row)
			continue;
		i = 0;
		for (char *t = strtok_r(line, ",", &s2); t; t = strtok_r(NULL, ",", &s2), i++)
			if (i == idx)
				v = strtod(t, NULL);
	}
	free(copy);
	return v;
}

/* Write TEXT to a file in tmpdir and take its deltas. */
static ssize_t deltas_of(const char *name, const char *text, size_t len, struct csv_delta **d)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	ssize_t n;

	assert_int_equal(mmab_write_file_atomic(path, text, len), 0);
	n = csv_deltas(path, d);
	free(path);
	return n;
}

static void test_csv_deltas(void **state)
{
	const char *fixture = "tests/fixtures/collect/vmstat.csv";
	char *text = slurp(fixture);
	const char *bad = "t,a,b\n0,1,x\n1,2\n2,5,y\n";
	struct csv_delta *d, *pf;
	size_t len = strlen(text);
	ssize_t n;

	(void)state;
	n = csv_deltas(fixture, &d);
	assert_true(n > 100);
	pf = find(d, n, "pgfault");
	assert_non_null(pf);
	assert_float_equal(pf->first, cell(text, "pgfault", 0), 0);
	assert_float_equal(pf->last, cell(text, "pgfault", 2), 0);
	/* the fixture faulted in 64 MiB between its first and second row */
	assert_true(pf->last - pf->first >= 16384);
	assert_non_null(find(d, n, "nr_dirtied"));
	assert_null(find(d, n, "t"));
	csv_deltas_free(d, (size_t)n);

	/* last row cut short by a crash: the row before it is the last */
	n = deltas_of("cut.csv", text, len - 40, &d);
	assert_true(n > 100);
	pf = find(d, n, "pgfault");
	assert_float_equal(pf->last, cell(text, "pgfault", 1), 0);
	csv_deltas_free(d, (size_t)n);

	/* garbage, a header without data, no t column, no file */
	assert_int_equal(deltas_of("empty.csv", "", 0, &d), -EINVAL);
	assert_int_equal(deltas_of("hdr.csv", "t,pgfault\n", 10, &d), -EINVAL);
	assert_int_equal(deltas_of("time.csv", "time,pgfault\n0,1\n", 17, &d), -EINVAL);
	assert_int_equal(deltas_of("junk.csv", "\x01\x02garbage\nno,commas\n", 20, &d),
			 -EINVAL);
	assert_true(csv_deltas("/nonexistent/vmstat.csv", &d) < 0);
	n = deltas_of("bad.csv", bad, strlen(bad), &d);
	assert_int_equal(n, 2);
	assert_float_equal(d[0].first, 1, 0);
	assert_float_equal(d[0].last, 5, 0);	/* the short row is skipped */
	assert_true(isnan(d[1].last));		/* not a number */
	csv_deltas_free(d, (size_t)n);
	free(text);
}

static void test_json_read(void **state)
{
	char *path = xasprintf("%s/bad.json", tmpdir), err[512];
	const char *bad = "{\n  \"a\": 1,\n  \"b\": ,\n}\n";
	json_t *j, *root = json_pack("{s:s, s:i}", "label", "stock", "n", 3);

	(void)state;
	assert_int_equal(mmab_write_file_atomic(path, bad, strlen(bad)), 0);
	assert_int_equal(rset_json_read(path, &j, err, sizeof(err)), -EINVAL);
	assert_null(j);
	assert_non_null(strstr(err, "bad.json:3: "));
	free(path);

	path = xasprintf("%s/none.json", tmpdir);
	assert_int_equal(rset_json_read(path, &j, err, sizeof(err)), -ENOENT);
	free(path);

	path = xasprintf("%s/ok.json", tmpdir);
	assert_int_equal(rset_json_write(path, root), 0);
	assert_int_equal(rset_json_read(path, &j, err, sizeof(err)), 0);
	assert_true(json_equal(j, root));
	json_decref(j);
	json_decref(root);
	free(path);
}

static void test_machine_info(void **state)
{
	json_t *m = machine_info();
	const char *keys[] = { "uname", "cmdline", "kernel_config_sha256", "hostname",
			       "cpu_model", "cpus", "mem_total_kb", "thp", NULL };
	json_t *sha = json_object_get(m, "kernel_config_sha256");

	(void)state;
	for (size_t i = 0; keys[i]; i++)
		assert_non_null(json_object_get(m, keys[i]));
	assert_int_equal(json_integer_value(json_object_get(m, "mem_total_kb")),
			 mem_meminfo_kb("MemTotal"));
	assert_int_equal(json_integer_value(json_object_get(m, "cpus")),
			 sysconf(_SC_NPROCESSORS_ONLN));
	if (access("/proc/config.gz", R_OK)) {
		assert_true(json_is_null(sha));
	} else {
		assert_true(json_is_string(sha));
		assert_int_equal(strspn(json_string_value(sha), "0123456789abcdef"), 64);
	}
	if (!access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK))
		assert_non_null(strchr(json_string_value(json_object_get(
			json_object_get(m, "thp"), "enabled")), '['));
	json_decref(m);
}

static void test_knob_values(void **state)
{
	const char *names[] = { "vm.dirty_ratio", "vm.no_such_knob_here", NULL };
	json_t *v = machine_knob_values(NULL, names);
	char *raw = slurp("/proc/sys/vm/dirty_ratio");

	(void)state;
	raw[strcspn(raw, "\n")] = '\0';
	assert_string_equal(json_string_value(json_object_get(v, "vm.dirty_ratio")), raw);
	assert_true(json_is_null(json_object_get(v, "vm.no_such_knob_here")));
	json_decref(v);
	free(raw);
	for (size_t i = 0; machine_standard_knobs[i]; i++)
		assert_non_null(strchr(machine_standard_knobs[i], '.'));
}

static void test_knob_changes(void **state)
{
	json_t *pre = json_pack("{s:s, s:s, s:n}", "vm.dirty_ratio", "20",
				"/sys/kernel/mm/transparent_hugepage/enabled", "madvise",
				"vm.nr_hugepages");
	json_t *post = json_pack("{s:s, s:s, s:s}", "vm.dirty_ratio", "20",
				 "/sys/kernel/mm/transparent_hugepage/enabled", "always",
				 "vm.nr_hugepages", "0");
	json_t *c;

	(void)state;
	/* unreadable before (null), readable after: a change */
	c = machine_knob_changes(pre, post);
	assert_non_null(c);
	assert_int_equal(json_object_size(c), 2);
	assert_string_equal(json_string_value(json_object_get(c,
		"/sys/kernel/mm/transparent_hugepage/enabled")), "always");
	assert_string_equal(json_string_value(json_object_get(c, "vm.nr_hugepages")), "0");
	assert_null(json_object_get(c, "vm.dirty_ratio"));
	json_decref(c);
	assert_null(machine_knob_changes(post, post));
	json_decref(pre);
	json_decref(post);
}

static void test_collectors_dropped(void **state)
{
	static const struct collector a = { .name = "vmstat" };
	const struct collector_cfg cols[] = { { .c = &a } };
	json_t *meta = json_pack("[{s:s, s:s}, {s:s, s:s}]", "name", "vmstat", "status", "ok",
				 "name", "perf", "status", "perf not installed");

	(void)state;
	/* no sampler at all: the collector that was to run did not */
	sampler_record_dropped(meta, cols, 1, NULL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(meta, 0), "status")),
			    "the sampler could not start");
	/* a reason found before the run is kept */
	assert_string_equal(json_string_value(json_object_get(json_array_get(meta, 1), "status")),
			    "perf not installed");
	json_decref(meta);
}

static void test_iter_dir(void **state)
{
	char *set = xasprintf("%s/set", tmpdir), *junk, *dir;
	struct stat st;
	int err = 0;

	(void)state;
	dir = rset_iter_dir(set, "idle", 1, &err);
	assert_non_null(dir);
	/* what an interrupted attempt left is cleared */
	junk = xasprintf("%s/vmstat.csv", dir);
	assert_int_equal(mmab_write_file_atomic(junk, "t\n", 2), 0);
	free(dir);
	dir = rset_iter_dir(set, "idle", 1, &err);
	assert_non_null(dir);
	assert_int_equal(stat(junk, &st), -1);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	free(junk);
	free(dir);
	free(set);
}

static void test_eta(void **state)
{
	const double est[] = { 10, 10, 20, 20 };
	const char *const key[] = { "a", "a", "b", "b" };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct progress *p = progress_new(4, est, key, false, out);
	char d[32];

	(void)state;
	assert_float_equal(progress_eta(p, SIZE_MAX, 0), 60, 1e-9);
	progress_begin(p, 0, "a #1");
	assert_float_equal(progress_eta(p, 0, 4), 56, 1e-9);
	progress_end(p, 0, 5, "ok");
	/* a: its own mean (5); b: estimate scaled by measured/estimated (5/10) */
	assert_float_equal(progress_eta(p, SIZE_MAX, 0), 5 + 10 + 10, 1e-9);
	assert_float_equal(progress_eta(p, 1, 2), 3 + 10 + 10, 1e-9);
	assert_float_equal(progress_eta(p, 1, 9), 0 + 10 + 10, 1e-9);
	progress_done_before(p, 3);
	assert_float_equal(progress_eta(p, SIZE_MAX, 0), 5 + 10, 1e-9);
	progress_begin(p, 1, "a #2");
	progress_end(p, 1, 7, "failed: oom");
	progress_free(p);
	fclose(out);
	assert_non_null(strstr(buf, "mmab: [1/4] a #1 (ETA 1m00s)\n"));
	assert_non_null(strstr(buf, "mmab: [1/4] a #1: ok (5s)\n"));
	assert_non_null(strstr(buf, "a #2: failed: oom (7s)\n"));
	assert_null(strchr(buf, '\r'));		/* no bar off a terminal */
	free(buf);

	progress_format_duration(d, sizeof(d), 59.4);
	assert_string_equal(d, "59s");
	progress_format_duration(d, sizeof(d), 185);
	assert_string_equal(d, "3m05s");
	progress_format_duration(d, sizeof(d), 7450);
	assert_string_equal(d, "2h04m");
	progress_format_duration(d, sizeof(d), NAN);
	assert_string_equal(d, "0s");
}

/*
 * On a terminal the bar is one line redrawn in place: a message from
 * anywhere (mmab_warn here) clears it first instead of landing on the same
 * line; off a terminal messages go to stderr as they are.
 */
static void test_bar_and_messages(void **state)
{
	double est[] = { 10 };
	const char *key[] = { "a" };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct progress *p = progress_new(1, est, key, true, out);
	const char *bar, *msg;

	(void)state;
	progress_begin(p, 0, "a #1");
	mmab_warn("a collector says so");
	progress_end(p, 0, 1, "ok");
	progress_free(p);
	assert_null(mmab_message_hook);		/* the bar is gone: plain stderr again */
	fclose(out);
	bar = strstr(buf, "a #1  ETA");
	msg = strstr(buf, "mmab: warning: a collector says so\n");
	assert_non_null(bar);
	assert_non_null(msg);
	/* the line was cleared between the bar and the message */
	assert_true(msg > bar);
	assert_memory_equal(msg - 4, "\r\033[K", 4);
	free(buf);
}

/* Write TEXT to tmpdir/REL, making the directories on the way. */
static void put(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, rel), *dir = xstrdup(path);

	*strrchr(dir, '/') = '\0';
	assert_int_equal(mmab_mkdir_p(dir, 0755), 0);
	assert_int_equal(mmab_write_file_atomic(path, text, strlen(text)), 0);
	free(dir);
	free(path);
}

static void link_to(const char *target, const char *rel)
{
	char *path = xasprintf("%s/%s", tmpdir, rel), *dir = xstrdup(path);

	*strrchr(dir, '/') = '\0';
	assert_int_equal(mmab_mkdir_p(dir, 0755), 0);
	assert_int_equal(symlink(target, path), 0);
	free(dir);
	free(path);
}

/*
 * The read-ahead under a file system, in a sysfs tree shaped like the
 * kernel's: a whole disk has a bdi of its own; a partition (no bdi) takes
 * its disk's queue; NFS has a bdi named by its anonymous device and no
 * block device; tmpfs has neither.
 */
static void test_read_ahead(void **state)
{
	char *sys = xasprintf("%s/sys", tmpdir), dev[64];
	long long kb = -1;

	(void)state;
	put("sys/devices/virtio1/block/vda/queue/read_ahead_kb", "8192\n");
	put("sys/devices/virtio1/block/vda/vda1/partition", "1\n");
	put("sys/class/bdi/254:0/read_ahead_kb", "8192\n");
	link_to("../../devices/virtio1/block/vda", "sys/dev/block/254:0");
	link_to("../../devices/virtio1/block/vda/vda1", "sys/dev/block/254:1");
	put("sys/class/bdi/0:53/read_ahead_kb", "15360\n");
	put("sys/devices/virtual/block/loop0/queue/read_ahead_kb", "128\n");
	put("sys/class/bdi/7:0/read_ahead_kb", "lots\n");
	link_to("../../devices/virtual/block/loop0", "sys/dev/block/7:0");

	assert_int_equal(machine_read_ahead_kb(sys, 254, 0, &kb, dev, sizeof(dev)), 0);
	assert_int_equal(kb, 8192);
	assert_string_equal(dev, "vda");
	kb = -1;
	assert_int_equal(machine_read_ahead_kb(sys, 254, 1, &kb, dev, sizeof(dev)), 0);
	assert_int_equal(kb, 8192);
	assert_string_equal(dev, "vda1");
	assert_int_equal(machine_read_ahead_kb(sys, 0, 53, &kb, dev, sizeof(dev)), 0);
	assert_int_equal(kb, 15360);
	assert_string_equal(dev, "0:53");
	assert_int_equal(machine_read_ahead_kb(sys, 0, 27, &kb, dev, sizeof(dev)), -ENOENT);
	assert_int_equal(machine_read_ahead_kb(sys, 7, 0, &kb, dev, sizeof(dev)), -EINVAL);
	/* a device sysfs does not know, partition or not: nothing to read */
	assert_int_equal(machine_read_ahead_kb(sys, 8, 1, &kb, dev, sizeof(dev)), -ENOENT);
	free(sys);
}

/*
 * The same on this machine: "/" against its device's queue read directly
 * (not through the bdi machine_read_ahead_kb reads first) and the file system
 * type /proc/self/mounts gives; /dev/shm is tmpfs, with no read-ahead.
 */
static void test_storage_live(void **state)
{
	json_t *o = machine_storage_info("/"), *shm;
	char *q, type[64] = "", line[1024];
	long long want = -1;
	struct stat st;
	FILE *f = fopen("/proc/self/mounts", "r");

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char mnt[512], t[64];

		/* the last mount on / is the one in effect */
		if (sscanf(line, "%*s %511s %63s", mnt, t) == 2 && !strcmp(mnt, "/"))
			snprintf(type, sizeof(type), "%s", t);
	}
	fclose(f);
	assert_string_equal(json_string_value(json_object_get(o, "fs_type")), type);
	assert_int_equal(stat("/", &st), 0);
	q = xasprintf("/sys/dev/block/%u:%u/queue/read_ahead_kb", major(st.st_dev),
		      minor(st.st_dev));
	if (access(q, R_OK)) {
		free(q);
		q = xasprintf("/sys/dev/block/%u:%u/../queue/read_ahead_kb", major(st.st_dev),
			      minor(st.st_dev));
	}
	if (!access(q, R_OK)) {
		char *text = slurp(q);

		want = atoll(text);
		free(text);
		assert_int_equal(json_integer_value(json_object_get(o, "read_ahead_kb")), want);
		assert_non_null(json_string_value(json_object_get(o, "device")));
	} else {
		print_message("# / is on no block device (%u:%u): read_ahead_kb null\n",
			      major(st.st_dev), minor(st.st_dev));
		assert_true(json_is_null(json_object_get(o, "read_ahead_kb")));
	}
	free(q);
	json_decref(o);

	shm = machine_storage_info("/dev/shm");
	if (!strcmp(json_string_value(json_object_get(shm, "fs_type")) ?: "", "tmpfs")) {
		assert_true(json_is_null(json_object_get(shm, "read_ahead_kb")));
		assert_true(json_is_null(json_object_get(shm, "device")));
	}
	json_decref(shm);
	/* a directory that is not there: every fact n/a */
	o = machine_storage_info("/nonexistent/mmab");
	assert_true(json_is_null(json_object_get(o, "fs_type")));
	assert_true(json_is_null(json_object_get(o, "read_ahead_kb")));
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_format),
		cmocka_unit_test(test_status_file),
		cmocka_unit_test(test_status_has),
		cmocka_unit_test(test_csv_deltas),
		cmocka_unit_test(test_json_read),
		cmocka_unit_test(test_machine_info),
		cmocka_unit_test(test_knob_values),
		cmocka_unit_test(test_knob_changes),
		cmocka_unit_test(test_collectors_dropped),
		cmocka_unit_test(test_iter_dir),
		cmocka_unit_test(test_eta),
		cmocka_unit_test(test_bar_and_messages),
		cmocka_unit_test(test_read_ahead),
		cmocka_unit_test(test_storage_live),
	};

	return cmocka_run_group_tests(tests, make_tmp, remove_tmp);
}

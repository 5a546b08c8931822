/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for collectors/stalls.c: begin/end pairing (per task, per CPU
 * for pid 0, lost ends and begins), instance names and how a crashed run's
 * instance is recognised, and the stall kinds a suite may edit.
 *
 * As root, with the machine lock: the collector around a child that asks
 * for compaction through /proc/sys/vm/compact_memory, which runs
 * compact_zone() once per populated zone in the child's context (so the
 * rows must be exactly those zones, inside the child's lifetime); and, with
 * a cgroup v1 memory controller, around a child writing a file three times
 * its memory cgroup's limit, whose memcg reclaims must each follow a failed
 * charge (memory.failcnt).  Afterwards no tracefs instance of this process
 * and no cgroup may be left, and tracefs is mounted only if it was before.
 */
#include <dirent.h>
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/sampler.h"
#include "collectors/stalls.h"
#include "collectors/tracing.h"
#include "lib/mmab.h"
#include "tests/unit/machine.h"

extern const struct collector col_stalls;

static void test_pairing(void **state)
{
	struct stalls_pairer *p = stalls_pairer_new();
	struct stalls_counts c;
	uint64_t b;

	(void)state;
	stalls_begin(p, 0, 100, 1, 1000);
	stalls_begin(p, 2, 100, 1, 1500);	/* another kind, same task: separate */
	/* the task moved to CPU 0: still its stall */
	assert_true(stalls_end(p, 0, 100, 0, 4000, &b));
	assert_int_equal(b, 1000);
	assert_false(stalls_end(p, 0, 100, 0, 5000, &b));	/* already closed */
	assert_true(stalls_end(p, 2, 100, 1, 6000, &b));
	assert_int_equal(b, 1500);
	/* pid 0 is one idle task per CPU */
	stalls_begin(p, 0, 0, 0, 10);
	stalls_begin(p, 0, 0, 1, 20);
	assert_true(stalls_end(p, 0, 0, 1, 30, &b));
	assert_int_equal(b, 20);
	assert_true(stalls_end(p, 0, 0, 0, 40, &b));
	assert_int_equal(b, 10);
	/* a begin whose end was lost is replaced by the next one */
	stalls_begin(p, 1, 7, 0, 100);
	stalls_begin(p, 1, 7, 0, 200);
	assert_true(stalls_end(p, 1, 7, 0, 300, &b));
	assert_int_equal(b, 200);
	/* still open at the end */
	stalls_begin(p, 3, 8, 0, 100);
	stalls_begin(p, 3, 9, 0, 100);
	stalls_pairer_counts(p, &c);
	assert_int_equal(c.unmatched, 1);
	assert_int_equal(c.replaced, 1);
	assert_int_equal(c.open, 2);
	stalls_pairer_free(p);
}

static void test_pairing_many(void **state)
{
	struct stalls_pairer *p = stalls_pairer_new();
	struct stalls_counts c;
	uint64_t b;

	(void)state;
	/* a storm: 10000 tasks stalled at once, ending in reverse order */
	for (int pid = 1; pid <= 10000; pid++)
		stalls_begin(p, 0, pid, pid % 4, (uint64_t)pid);
	for (int pid = 10000; pid >= 1; pid--) {
		assert_true(stalls_end(p, 0, pid, 0, 20000, &b));
		assert_int_equal(b, pid);
	}
	stalls_pairer_counts(p, &c);
	assert_int_equal(c.open, 0);
	assert_int_equal(c.unmatched, 0);
	stalls_pairer_free(p);
}

static void test_instance_names(void **state)
{
	char name[128], other[160];
	unsigned long long start;
	int pid, st;
	pid_t child;

	(void)state;
	assert_int_equal(stalls_instance_name(name, sizeof(name), 3), 0);
	assert_int_equal(sscanf(name, "mmab-%d-%llu-3", &pid, &start), 2);
	assert_int_equal(pid, getpid());
	assert_false(stalls_instance_stale(name));
	/* same pid, another process start: the pid was reused, the instance is stale */
	snprintf(other, sizeof(other), "mmab-%d-%llu-3", pid, start + 1);
	assert_true(stalls_instance_stale(other));
	/* a process that is gone */
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, &st, 0), child);
	snprintf(other, sizeof(other), "mmab-%d-%llu-0", (int)child, start);
	assert_true(stalls_instance_stale(other));
	/* not ours */
	assert_false(stalls_instance_stale("mmab"));
	assert_false(stalls_instance_stale("user-trace"));
	assert_false(stalls_instance_stale("mmab-1-2-3x"));
	assert_false(stalls_instance_stale("mmab-0-2-3"));
	assert_false(stalls_instance_stale("mmab-12-34"));
}

static void test_check_cfg(void **state)
{
	struct collector_cfg cfg = { .c = &col_stalls, .events = "-memcg_reclaim" };
	char why[256];

	(void)state;
	assert_int_equal(col_stalls.check_cfg(&cfg, why, sizeof(why)), 0);
	cfg.events = "compaction,throttled";
	assert_int_equal(col_stalls.check_cfg(&cfg, why, sizeof(why)), 0);
	cfg.events = "+vmscan:mm_vmscan_direct_reclaim_begin";
	assert_int_equal(col_stalls.check_cfg(&cfg, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "unknown event"));
	assert_int_equal(col_stalls.check_cfg(NULL, why, sizeof(why)), 0);
}

/* ---- for real ---- */

struct row {
	double t, dur;
	int pid;
	char event[64];
};

static size_t read_rows(char *csv, struct row *rows, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	assert_true(!strncmp(csv, "t,event,pid,duration_us\n", 24));
	for (char *l = strtok_r(csv + 24, "\n", &save); l && n < max;
	     l = strtok_r(NULL, "\n", &save)) {
		assert_int_equal(sscanf(l, "%lf,%63[^,],%d,%lf", &rows[n].t, rows[n].event,
					&rows[n].pid, &rows[n].dur), 4);
		n++;
	}
	return n;
}

/* instances named after this process */
static int own_instances(void)
{
	const char *dir;
	char prefix[32];
	struct dirent *de;
	int n = 0;
	DIR *d;
	char *path;

	assert_int_equal(col_tracefs_get(NULL, &dir), 0);
	path = xasprintf("%s/instances", dir);
	d = opendir(path);
	assert_non_null(d);
	snprintf(prefix, sizeof(prefix), "mmab-%d-", (int)getpid());
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, prefix, strlen(prefix));
	closedir(d);
	free(path);
	col_tracefs_put();
	return n;
}

/* the collector under test: static, so a teardown can close it after a failed assertion */
static struct live {
	struct collector_cfg cfg;
	struct collector_inst ci;
	char *csv;
	size_t len;
	bool mounted;
} live;

static void live_open(const char *events)
{
	memset(&live, 0, sizeof(live));
	live.mounted = machine_tracefs_mounted();
	live.cfg = (struct collector_cfg){ .c = &col_stalls, .events = events };
	live.ci = (struct collector_inst){ .c = &col_stalls, .cfg = &live.cfg, .interval_ms = 50 };
	live.ci.out = open_memstream(&live.csv, &live.len);
	live.ci.t0 = mmab_now();
	assert_int_equal(col_stalls.open(&live.ci), 0);
}

static void live_close(void)
{
	assert_int_equal(col_stalls.close(&live.ci, mmab_now() - live.ci.t0), 0);
	fclose(live.ci.out);
	live.ci.out = NULL;
	assert_int_equal(machine_tracefs_mounted(), live.mounted);
	/* instances outlive an unmount: look with tracefs mounted again if need be */
	assert_int_equal(own_instances(), 0);
	assert_int_equal(machine_children(), 0);
}

/* whatever an assertion left: the collector closed, its CSV freed */
static int live_teardown(void **state)
{
	(void)state;
	if (live.ci.priv)
		col_stalls.close(&live.ci, 0);
	if (live.ci.out)
		fclose(live.ci.out);
	free(live.csv);
	memset(&live, 0, sizeof(live));
	return 0;
}

static void test_live_compaction(void **state)
{
	struct row rows[256];
	double t_fork, t_exit;
	int n_child = 0, status, zones = machine_populated_zones();
	size_t n;
	pid_t pid;
	char *stale;
	const char *tdir;
	bool was_mounted;

	(void)state;
	if (!machine_ready("stalls", col_stalls.available))
		skip();
	was_mounted = machine_tracefs_mounted();
	/* an instance a crashed mmab left (its pid is gone): open() removes it */
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, &status, 0);
	assert_int_equal(col_tracefs_get(NULL, &tdir), 0);
	stale = xasprintf("%s/instances/mmab-%d-1-0", tdir, (int)pid);
	assert_int_equal(mkdir(stale, 0755), 0);

	live_open("compaction");
	live.mounted = was_mounted;
	assert_int_equal(access(stale, F_OK), -1);
	col_tracefs_put();
	free(stale);
	usleep(100 * 1000);
	t_fork = mmab_now() - live.ci.t0;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(mmab_write_file("/proc/sys/vm/compact_memory", "1") ? 1 : 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	t_exit = mmab_now() - live.ci.t0;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	usleep(150 * 1000);
	live_close();

	n = read_rows(live.csv, rows, 256);
	for (size_t i = 0; i < n; i++) {
		if (rows[i].pid != pid)
			continue;
		n_child++;
		assert_string_equal(rows[i].event, "compaction");
		assert_true(rows[i].dur > 0);
		/* inside the child's life: ended after the fork, began before the exit */
		assert_true(rows[i].t > t_fork && rows[i].t - rows[i].dur / 1e6 < t_exit);
	}
	print_message("# stalls: %zu rows, %d compaction stalls of the child, %d populated "
		      "zones\n", n, n_child, zones);
	assert_int_equal(n_child, zones);
}

/* ---- memcg reclaim (cgroup v1) ---- */

#define MEMCG_ROOT "/sys/fs/cgroup/memory"
#define MEMCG_LIMIT (16 << 20)

static char memcg[256], dirty_file[256];

static int memcg_teardown(void **state)
{
	live_teardown(state);
	if (*dirty_file)
		unlink(dirty_file);
	if (*memcg && rmdir(memcg) && errno != ENOENT)
		print_message("# cannot remove %s: %s\n", memcg, strerror(errno));
	*memcg = *dirty_file = '\0';
	return 0;
}

static long long memcg_read(const char *file)
{
	char *path = xasprintf("%s/%s", memcg, file), *buf;
	long long v = -1;

	if (mmab_read_file(path, &buf, NULL) == 0) {
		v = atoll(buf);
		free(buf);
	}
	free(path);
	return v;
}

static void __attribute__((noreturn)) memcg_child(void)
{
	char *procs = xasprintf("%s/cgroup.procs", memcg), pid[32], buf[65536];
	int fd;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (mmab_write_file(procs, pid))
		_exit(2);
	fd = open(dirty_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		_exit(3);
	memset(buf, 0x5a, sizeof(buf));
	for (int i = 0; i < 3 * MEMCG_LIMIT / (int)sizeof(buf); i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			_exit(4);
	fsync(fd);
	close(fd);
	_exit(0);
}

static void test_live_memcg(void **state)
{
	static struct row rows[100000];
	bool v1 = access(MEMCG_ROOT "/memory.limit_in_bytes", W_OK) == 0;
	long long failcnt;
	int status, n_child = 0;
	char limit[32];
	size_t n;
	pid_t pid;

	(void)state;
	if (!v1)
		print_message("# no cgroup v1 memory controller\n");
	if (!v1 || !machine_ready("stalls", col_stalls.available))
		skip();
	snprintf(memcg, sizeof(memcg), "%s/mmab-test-stalls-%d", MEMCG_ROOT, (int)getpid());
	snprintf(dirty_file, sizeof(dirty_file), "/tmp/mmab-test-stalls-%d", (int)getpid());
	assert_int_equal(mkdir(memcg, 0755), 0);
	snprintf(limit, sizeof(limit), "%d", MEMCG_LIMIT);
	{
		char *p = xasprintf("%s/memory.limit_in_bytes", memcg);

		assert_int_equal(mmab_write_file(p, limit), 0);
		free(p);
	}
	live_open("+memcg_reclaim,-compaction");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		memcg_child();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	usleep(150 * 1000);
	live_close();
	failcnt = memcg_read("memory.failcnt");

	n = read_rows(live.csv, rows, 100000);
	for (size_t i = 0; i < n; i++)
		if (rows[i].pid == pid && !strcmp(rows[i].event, "memcg_reclaim")) {
			n_child++;
			assert_true(rows[i].dur > 0);
		}
	print_message("# stalls: %d memcg reclaims of the child, memory.failcnt %lld\n",
		      n_child, failcnt);
	/* every memcg reclaim follows a charge that failed at the limit */
	assert_true(n_child > 0);
	assert_true(n_child <= failcnt);
}

/* both trace collectors through the real sampler, as `mmab run` drives them */
static char sampler_dir[64];

static int sampler_teardown(void **state)
{
	(void)state;
	if (*sampler_dir)
		mmab_rm_rf(sampler_dir);
	*sampler_dir = '\0';
	return 0;
}

static void test_live_sampler(void **state)
{
	extern const struct collector col_perf;
	const struct collector_cfg cfgs[] = {
		{ .c = &col_perf, .interval_ms = 100, .events = "compaction:mm_compaction_begin" },
		{ .c = &col_stalls, .events = "compaction" },
	};
	static struct row rows[256];
	char *path, *csv;
	struct sampler *smp;
	double begins = 0;
	int status, n_child = 0;
	size_t n;
	pid_t pid;

	(void)state;
	if (!machine_ready("stalls", col_stalls.available) ||
	    !machine_ready("perf", col_perf.available))
		skip();
	snprintf(sampler_dir, sizeof(sampler_dir), "/tmp/mmab-test-sampler.XXXXXX");
	assert_non_null(mkdtemp(sampler_dir));
	assert_int_equal(sampler_start(&smp, sampler_dir, cfgs, 2), 0);
	assert_null(sampler_status(smp, 0));
	assert_null(sampler_status(smp, 1));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(mmab_write_file("/proc/sys/vm/compact_memory", "1") ? 1 : 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	usleep(250 * 1000);
	assert_int_equal(sampler_stop(smp), 0);
	assert_int_equal(machine_children(), 0);
	assert_int_equal(own_instances(), 0);

	path = xasprintf("%s/stalls.csv", sampler_dir);
	assert_int_equal(mmab_read_file(path, &csv, NULL), 0);
	free(path);
	n = read_rows(csv, rows, 256);
	for (size_t i = 0; i < n; i++)
		n_child += rows[i].pid == pid;
	free(csv);
	path = xasprintf("%s/perf.csv", sampler_dir);
	assert_int_equal(mmab_read_file(path, &csv, NULL), 0);
	free(path);
	assert_true(!strncmp(csv, "t,event,count,interval_s,partial\n", 33));
	for (char *l = strchr(csv, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		double t, count;

		assert_int_equal(sscanf(l + 1, "%lf,compaction:mm_compaction_begin,%lf", &t,
					&count), 2);
		begins += count;
	}
	free(csv);
	print_message("# sampler: stalls.csv %d compaction stalls of the child, perf.csv %.0f "
		      "compaction begins, %d zones\n", n_child, begins, machine_populated_zones());
	assert_int_equal(n_child, machine_populated_zones());
	assert_true(begins >= n_child);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairing),
		cmocka_unit_test(test_pairing_many),
		cmocka_unit_test(test_instance_names),
		cmocka_unit_test(test_check_cfg),
		cmocka_unit_test_teardown(test_live_compaction, live_teardown),
		cmocka_unit_test_teardown(test_live_memcg, memcg_teardown),
		cmocka_unit_test_teardown(test_live_sampler, sampler_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

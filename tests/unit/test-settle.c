/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for runner/settle.c, for real, as root under the machine lock
 * (skipped otherwise, with the reason): dirty data is written back, a file's page cache is
 * dropped (checked page by page with mincore), compaction runs, busy CPUs
 * make the wait time out at its bound, a quiet machine settles quickly,
 * bad options are refused and a user who is not root gets -EACCES.  The
 * per-CPU lists: their count read from zoneinfo text, and what a process
 * freed taken off them, vm.percpu_pagelist_high_fraction as found after.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/journal.h"
#include "lib/knob.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "runner/settle.h"
#include "tests/unit/machine.h"

#define MiB (1LL << 20)

static char tmp[] = "/var/tmp/mmab-test-settle.XXXXXX";
static char file[sizeof(tmp) + 16];

static int setup(void **st)
{
	(void)st;
	/* /var/tmp: on disk, so its pages can be dirty and be dropped */
	if (!mkdtemp(tmp))
		return -1;
	snprintf(file, sizeof(file), "%s/data", tmp);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	return mmab_rm_rf(tmp);
}

/*
 * Settling drops caches and compacts (a change every run beside us would
 * feel), and the checks need a quiet machine: as root and under the
 * machine lock only.
 */
#define NEED_ROOT()							\
	do {								\
		if (!mmab_is_root() || !machine_ready("settle", NULL))	\
			skip();						\
	} while (0)

/* Write LEN bytes to the test file without syncing. */
static void write_data(long long len)
{
	static char block[1 << 20];
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	memset(block, 0x5a, sizeof(block));
	for (long long off = 0; off < len; off += (long long)sizeof(block))
		assert_int_equal(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));
	close(fd);
}

/* How many of the test file's pages are in the page cache. */
static size_t resident_pages(long long len)
{
	size_t pages = (size_t)len / 4096, n = 0;
	unsigned char *vec = malloc(pages);
	int fd = open(file, O_RDONLY);
	void *p;

	assert_true(fd >= 0);
	assert_non_null(vec);
	p = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(mincore(p, (size_t)len, vec), 0);
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	munmap(p, (size_t)len);
	close(fd);
	free(vec);
	return n;
}

static void test_writeback_and_drop(void **st)
{
	struct settle_opts o = { .drop_caches = true, .compact = true, .max_wait_s = 10,
				 .idle_pct = 1 };
	struct settle_report r;
	long long len = 128 * MiB, scanned0;

	(void)st;
	NEED_ROOT();
	write_data(len);
	/* the kernel holds most of it dirty: nothing has written it back yet */
	assert_true(mem_meminfo_kb("Dirty") + mem_meminfo_kb("Writeback") >= 64 * 1024);
	assert_true(resident_pages(len) >= (size_t)(len / 4096) * 9 / 10);
	scanned0 = mem_vmstat("compact_migrate_scanned") + mem_vmstat("compact_free_scanned");
	assert_int_equal(settle_machine(&o, &r), 0);
	assert_false(r.timed_out);
	assert_true(r.dirty_kb <= 4096);
	assert_true(r.seconds >= 0.25 && r.seconds < 10);
	/* written back, then dropped: none of its pages is cached any more */
	assert_true(resident_pages(len) < 16);
	/* compaction scanned memory */
	assert_true(mem_vmstat("compact_migrate_scanned") + mem_vmstat("compact_free_scanned") >
		    scanned0);
}

static void test_keep_cache(void **st)
{
	struct settle_opts o = { .max_wait_s = 5, .idle_pct = 1 };
	struct settle_report r;
	long long len = 16 * MiB;

	(void)st;
	NEED_ROOT();
	write_data(len);
	assert_int_equal(settle_machine(&o, &r), 0);
	assert_true(r.dirty_kb <= 4096);
	/* without drop_caches the (now clean) pages stay */
	assert_true(resident_pages(len) >= (size_t)(len / 4096) * 9 / 10);
}

static void spin(void)
{
	for (;;)
		__asm__ volatile("" ::: "memory");
}

/* Every CPU busy: the wait ends at its bound, and says so. */
static void test_busy_times_out(void **st)
{
	struct settle_opts o = { .max_wait_s = 0.6, .idle_pct = 90 };
	struct settle_report r;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pid_t pids[64];
	int n = 0, ret;

	(void)st;
	NEED_ROOT();
	for (; n < ncpu && n < 64; n++) {
		pids[n] = fork();
		assert_true(pids[n] >= 0);
		if (pids[n] == 0)
			spin();
	}
	ret = settle_machine(&o, &r);
	for (int i = 0; i < n; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	assert_int_equal(ret, 0);
	assert_true(r.timed_out);
	assert_true(r.idle_pct < 50);
	assert_true(r.seconds >= 0.6 && r.seconds < 1.5);
}

/* A quiet machine settles within a few windows. */
static void test_quiet_settles(void **st)
{
	struct settle_opts o = { .max_wait_s = 5, .idle_pct = 50 };
	struct settle_report r;

	(void)st;
	NEED_ROOT();
	assert_int_equal(settle_machine(&o, &r), 0);
	assert_false(r.timed_out);
	assert_true(r.idle_pct >= 50 && r.idle_pct <= 100);
	assert_true(r.seconds < 2);
}

static void test_bad_options(void **st)
{
	struct settle_opts o = { .idle_pct = 150 };
	struct settle_report r;

	(void)st;
	assert_int_equal(settle_machine(&o, &r), -EINVAL);
	o.idle_pct = 0;
	o.max_wait_s = -1;
	assert_int_equal(settle_machine(&o, &r), -EINVAL);
	o.max_wait_s = 0;
	o.dirty_kb = -5;
	assert_int_equal(settle_machine(&o, &r), -EINVAL);
}

static void test_not_root(void **st)
{
	int status;
	pid_t pid;

	(void)st;
	NEED_ROOT();	/* to become someone else */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct settle_opts o = { .drop_caches = true, .max_wait_s = 1, .idle_pct = 1 };
		struct settle_report r;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(settle_machine(&o, &r) == -EACCES ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Two zones, two CPUs each, as /proc/zoneinfo prints them (6.18). */
static void test_pcp_parse(void **st)
{
	static const char zi[] =
		"Node 0, zone      DMA\n  pages free     3840\n  pagesets\n"
		"    cpu: 0\n              count: 0\n              high:  0\n"
		"              batch: 1\n              high_min: 6\n"
		"    cpu: 1\n              count: 3\n              high:  6\n"
		"  vm stats threshold: 4\n"
		"Node 0, zone   Normal\n  pages free     100\n  pagesets\n"
		"    cpu: 0\n              count: 7753\n              high:  10081\n"
		"    cpu: 1\n              count: 9752\n              high:  10081\n";
	long long count, high;

	(void)st;
	assert_int_equal(mem_pcp_parse(zi, &count, &high), 0);
	assert_int_equal(count, 3 + 7753 + 9752);
	assert_int_equal(high, 6 + 10081 + 10081);
	assert_int_equal(mem_pcp_parse("Node 0, zone DMA\n  pages free 1\n", &count, &high),
			 -EINVAL);
	assert_int_equal(count, -1);
}

#define PCP_FRACTION "/proc/sys/vm/percpu_pagelist_high_fraction"

/*
 * A child faults in and frees 512 MiB: most of it lands on the per-CPU
 * lists (6.7 and later), where MemAvailable does not see it.  The drain
 * with a journal takes the lists below their floor and leaves the knob it
 * lowered the floor with as found; mem_usable_bytes() counts what the
 * lists hold.
 */
static void test_drain_pcp(void **st)
{
	char state[] = "/tmp/mmab-test-pcp.XXXXXX", before[32], after[32];
	long long found = -1, left = -1, count, high;
	struct journal *j = NULL;
	char *zi = NULL;
	pid_t pid;

	(void)st;
	NEED_ROOT();
	if (access(PCP_FRACTION, W_OK))
		skip();
	assert_non_null(mkdtemp(state));
	setenv("MMAB_STATE_DIR", state, 1);
	assert_int_equal(knob_read(PCP_FRACTION, before, sizeof(before)), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t len = 512 * MiB;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED)
			_exit(1);
		madvise(p, len, MADV_NOHUGEPAGE);
		for (size_t off = 0; off < len; off += 4096)
			p[off] = 1;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(mmab_read_file("/proc/zoneinfo", &zi, NULL), 0);
	assert_int_equal(mem_pcp_parse(zi, &count, &high), 0);
	free(zi);
	assert_true(mem_usable_bytes() >= mem_available_bytes() + (uint64_t)count * 4096 -
		    64 * MiB);
	assert_int_equal(journal_open(&j), 0);
	assert_int_equal(settle_drain_pcp(j, &found, &left), 0);
	assert_int_equal(journal_close(j), 0);
	print_message("per-CPU lists: %lld kB after the free, %lld kB after the drain\n",
		      found, left);
	assert_true(found >= 0 && left >= 0);
	/* 4 batches of 63 pages a CPU and zone at most: 1 MiB, in 3 zones */
	assert_true(left <= 4 * 64 * 4 * sysconf(_SC_NPROCESSORS_ONLN) * 3);
	assert_true(left <= found);
	assert_int_equal(knob_read(PCP_FRACTION, after, sizeof(after)), 0);
	assert_string_equal(after, before);
	unsetenv("MMAB_STATE_DIR");
	assert_int_equal(mmab_rm_rf(state), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writeback_and_drop),
		cmocka_unit_test(test_keep_cache),
		cmocka_unit_test(test_busy_times_out),
		cmocka_unit_test(test_quiet_settles),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_not_root),
		cmocka_unit_test(test_pcp_parse),
		cmocka_unit_test(test_drain_pcp),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

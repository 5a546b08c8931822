/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for runner/ballast.c, for real and as root (skipped otherwise):
 * a 1 GiB ballast (effective = MemAvailable - 1 GiB, so the machine keeps
 * nearly all its memory for the tests running beside us) must raise
 * Mlocked by about 1 GiB, lower MemAvailable, set
 * vm.compact_unevictable_allowed=0 through the journal, and give everything
 * back on stop, on journal close and when its parent dies.  Where memory
 * blocks can go offline, the same for a 1 GiB effective-size reduction
 * made that way: MemTotal falls by the blocks taken, and they come back on
 * stop, and when the runner is killed (the holder brings them back).  The
 * journal is a private one (MMAB_STATE_DIR), so an mmab running beside the
 * tests holds its own lock undisturbed.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
#include "tests/unit/machine.h"
#include "runner/ballast.h"
#include "runner/hotplug.h"

#define MiB (1LL << 20)
#define KNOB "/proc/sys/vm/compact_unevictable_allowed"

static char state_dir[] = "/tmp/mmab-test-ballast.XXXXXX";

/*
 * Locking memory and changing a knob is a change to the machine, and the
 * figures need it quiet: as root and under the machine lock only (another
 * run's ballast would leave ours no room, ours would starve its workload).
 */
#define NEED_MACHINE()							\
	do {								\
		if (!mmab_is_root() || !machine_ready("ballast", NULL))	\
			skip();						\
	} while (0)

static long long kb(const char *field)
{
	return mem_meminfo_kb(field);
}

/* What the ballast follows: MemAvailable and the per-CPU lists' free pages (kB). */
static long long usable_kb(void)
{
	return (long long)(mem_usable_bytes() / 1024);
}

static char *knob_now(void)
{
	static char buf[32];

	assert_int_equal(knob_read(KNOB, buf, sizeof(buf)), 0);
	return buf;
}

/* Mlocked (kB) once it has settled near EXPECT_KB, or its last value. */
static long long mlocked_near(long long expect_kb)
{
	long long v = kb("Mlocked");

	for (int i = 0; i < 50 && llabs(v - expect_kb) > 64 * 1024; i++) {
		usleep(100 * 1000);
		v = kb("Mlocked");
	}
	return v;
}

static int setup(void **state)
{
	(void)state;
	if (!mmab_is_root())
		return 0;
	if (!mkdtemp(state_dir))
		return -1;
	/* a private journal: tests running beside us hold their own */
	setenv("MMAB_STATE_DIR", state_dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (mmab_is_root())
		mmab_rm_rf(state_dir);
	return 0;
}

/*
 * The journal a test opened, closed after it whatever happened: a test
 * that fails half-way must not leave it open, or the next one finds the
 * lock taken (EBUSY) and fails too, for no reason of its own.
 */
static struct journal *journal;

static int close_journal(void **state)
{
	(void)state;
	if (journal && journal_close(journal))
		return -1;
	journal = NULL;
	return 0;
}

static void test_lock_and_release(void **state)
{
	struct ballast *b;
	char orig[32];
	long long avail0, mlock0, avail1, mlock1, eff_kb;

	(void)state;
	NEED_MACHINE();
	assert_int_equal(journal_open(&journal), 0);
	snprintf(orig, sizeof(orig), "%s", knob_now());
	avail0 = usable_kb();
	mlock0 = kb("Mlocked");
	eff_kb = avail0 - 1024 * 1024;
	assert_int_equal(ballast_start(&b, (uint64_t)eff_kb * 1024, journal, BALLAST_MLOCK), 0);
	assert_non_null(b);
	mlock1 = kb("Mlocked");
	avail1 = usable_kb();
	print_message("# usable %lld -> %lld kB, ballast %llu MiB, effective %lld kB\n",
		      avail0, avail1, (unsigned long long)(ballast_bytes(b) / MiB), eff_kb);
	/*
	 * What is left is the effective size (2 MiB granularity, slack for
	 * drift): about 1 GiB locked, more if memory was freed meanwhile (a
	 * test that ran before us, free page reporting), which then shows in
	 * MemAvailable (and the per-CPU lists), as the ballast follows it.
	 */
	assert_true(ballast_bytes(b) >= 900 * MiB);
	assert_true(llabs(avail1 - eff_kb) <= 256 * 1024);
	assert_true(ballast_seconds(b) > 0);
	assert_true(mlock1 - mlock0 >= (long long)(ballast_bytes(b) / 1024) - 64 * 1024);
	assert_true(avail0 - avail1 >= 700 * 1024);
	assert_string_equal(knob_now(), "0");

	ballast_stop(b);
	assert_true(mlocked_near(mlock0) - mlock0 < 64 * 1024);
	assert_int_equal(close_journal(NULL), 0);
	assert_string_equal(knob_now(), orig);
}

/*
 * A kept ballast follows MemAvailable back: with 1 GiB taken by someone
 * else (this test) the holder gives memory back, once it is freed it locks
 * more, each time until MemAvailable is within its slack (1/128 of the
 * effective size) of the effective size.  How much it moves is not 1 GiB
 * exactly: in this VM MemAvailable wanders by hundreds of MiB for seconds
 * after large frees (free page reporting), and the holder follows that too.
 * MemAvailable here is always with the per-CPU lists' free pages, as the
 * holder reads it (mem_usable_bytes()): after the holder gives 1 GiB back,
 * most of it sits on those lists.
 */
/*
 * Wait (up to 15 s) until MemAvailable holds still: with free page
 * reporting, a large free shows up over seconds, not at once.
 */
static void avail_settle(void)
{
	long long last = kb("MemAvailable");

	for (int i = 0, still = 0; i < 75 && still < 5; i++) {
		long long v;

		usleep(200 * 1000);
		v = kb("MemAvailable");
		still = llabs(v - last) <= 16 * 1024 ? still + 1 : 0;
		last = v;
	}
}

static void test_adjust(void **state)
{
	const long long take = 1024 * MiB;
	long long avail0, eff_kb, slack, gave, took;
	uint64_t held0, held1;
	struct ballast *b;
	double secs;
	char *p;

	(void)state;
	NEED_MACHINE();
	assert_int_equal(journal_open(&journal), 0);
	avail0 = usable_kb();
	eff_kb = avail0 - 2048 * 1024;
	slack = eff_kb * 1024 / 128 + 64 * MiB;
	assert_int_equal(ballast_start(&b, (uint64_t)eff_kb * 1024, journal, BALLAST_MLOCK), 0);
	assert_non_null(b);
	/* the baseline: what the holder holds once MemAvailable is still */
	avail_settle();
	assert_int_equal(ballast_adjust(b, &secs), 0);
	held0 = ballast_bytes(b);

	p = mmap(NULL, (size_t)take, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	memset(p, 1, (size_t)take);
	avail_settle();
	assert_int_equal(ballast_adjust(b, &secs), 0);
	held1 = ballast_bytes(b);
	gave = (long long)held0 - (long long)held1;
	print_message("# held %llu -> %llu MiB with 1 GiB taken (%.2f s), usable %lld "
		      "kB for %lld\n", (unsigned long long)(held0 / MiB),
		      (unsigned long long)(held1 / MiB), secs, usable_kb(), eff_kb);
	assert_true(gave > 0);
	assert_true(llabs(usable_kb() - eff_kb) * 1024 <= slack);
	assert_true(secs > 0 && secs < 10);

	munmap(p, (size_t)take);
	avail_settle();
	assert_int_equal(ballast_adjust(b, &secs), 0);
	took = (long long)ballast_bytes(b) - (long long)held1;
	print_message("# held %llu MiB once freed (%.2f s)\n",
		      (unsigned long long)(ballast_bytes(b) / MiB), secs);
	assert_true(took > 0);
	assert_true(llabs(usable_kb() - eff_kb) * 1024 <= slack);
	ballast_stop(b);
	assert_int_equal(close_journal(NULL), 0);
}

static void test_no_ballast_needed(void **state)
{
	struct ballast *b = (struct ballast *)1;
	char orig[32];

	(void)state;
	NEED_MACHINE();
	assert_int_equal(journal_open(&journal), 0);
	snprintf(orig, sizeof(orig), "%s", knob_now());
	/* asking for more than there is: nothing to take out of play */
	assert_int_equal(ballast_start(&b, (uint64_t)kb("MemTotal") * 1024 * 2, journal, BALLAST_AUTO), 0);
	assert_null(b);
	assert_int_equal(ballast_bytes(b), 0);
	ballast_stop(b);
	assert_string_equal(knob_now(), orig);
	assert_int_equal(close_journal(NULL), 0);
}

static void test_dies_with_parent(void **state)
{
	long long mlock0;
	char orig[32];
	int status;
	pid_t pid;

	(void)state;
	NEED_MACHINE();
	assert_int_equal(journal_open(&journal), 0);
	snprintf(orig, sizeof(orig), "%s", knob_now());
	mlock0 = kb("Mlocked");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ballast *b;
		uint64_t eff = (uint64_t)kb("MemAvailable") * 1024 - 512 * MiB;

		/* a runner that crashes while holding a ballast */
		if (ballast_start(&b, eff, journal, BALLAST_MLOCK) || !b)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* PR_SET_PDEATHSIG kills the holder: its memory comes back */
	assert_true(mlocked_near(mlock0) - mlock0 < 64 * 1024);
	/* the child journaled the knob in the shared journal: closing restores it */
	assert_int_equal(close_journal(NULL), 0);
	assert_string_equal(knob_now(), orig);
}

/* Memory blocks offline now (a count), from sysfs. */
static int offline_blocks(void)
{
	DIR *d = opendir("/sys/devices/system/memory");
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[300], *st;

		if (strncmp(de->d_name, "memory", 6) || de->d_name[6] < '0' || de->d_name[6] > '9')
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/memory/%s/state", de->d_name);
		if (mmab_read_file(path, &st, NULL) == 0) {
			n += !strncmp(st, "offline", 7);
			free(st);
		}
	}
	closedir(d);
	return n;
}

#define NEED_HOTPLUG()							\
	do {								\
		char why_[128];						\
									\
		NEED_MACHINE();						\
		if (hotplug_supported(why_, sizeof(why_)))		\
			skip();						\
	} while (0)

static void test_hotplug(void **state)
{
	long long total0, total1, avail0, eff_kb;
	int off0 = offline_blocks();
	struct ballast *b;

	(void)state;
	NEED_HOTPLUG();
	assert_int_equal(journal_open(&journal), 0);
	total0 = kb("MemTotal");
	avail0 = kb("MemAvailable");
	eff_kb = avail0 - 1024 * 1024;
	assert_int_equal(ballast_start(&b, (uint64_t)eff_kb * 1024, journal, BALLAST_HOTPLUG), 0);
	assert_non_null(b);
	total1 = kb("MemTotal");
	print_message("# MemTotal %lld -> %lld kB: %llu MiB offline (%u blocks refused), %llu "
		      "MiB locked, %.3f s\n", total0, total1,
		      (unsigned long long)(ballast_offline_bytes(b) / MiB),
		      ballast_offline_refused(b), (unsigned long long)(ballast_bytes(b) / MiB),
		      ballast_seconds(b));
	assert_string_equal(ballast_method_name(b), "hotplug");
	/* 1 GiB is eight blocks: at least some went, the rest is locked */
	assert_true(ballast_offline_bytes(b) >= 256 * MiB);
	assert_true(total0 - total1 >= (long long)(ballast_offline_bytes(b) / 1024) - 4096);
	assert_true(ballast_bytes(b) < 256 * MiB);
	assert_true(llabs(kb("MemAvailable") - eff_kb) <= 256 * 1024);
	assert_int_equal(offline_blocks(), off0 + (int)(ballast_offline_bytes(b) /
							(128 * MiB)));
	ballast_stop(b);
	assert_int_equal(offline_blocks(), off0);
	assert_int_equal(kb("MemTotal"), total0);
	assert_int_equal(close_journal(NULL), 0);
}

/* The runner dies with memory offline: its holder brings the blocks back. */
static void test_hotplug_runner_killed(void **state)
{
	int off0 = offline_blocks(), status, off1 = -1;
	long long total0 = kb("MemTotal");
	int fds[2];
	pid_t pid;

	(void)state;
	NEED_HOTPLUG();
	assert_int_equal(journal_open(&journal), 0);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ballast *b;
		uint64_t eff = (uint64_t)kb("MemAvailable") * 1024 - 1024 * MiB;
		char c = 1;

		if (ballast_start(&b, eff, journal, BALLAST_HOTPLUG) || !b)
			c = 0;
		if (write(fds[1], &c, 1) != 1 || !c)
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	{
		char c = 0;

		assert_int_equal(read(fds[0], &c, 1), 1);
		assert_int_equal(c, 1);
	}
	close(fds[0]);
	assert_true(offline_blocks() > off0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	for (int i = 0; i < 50 && (off1 = offline_blocks()) != off0; i++)
		usleep(100 * 1000);
	print_message("# %d block(s) offline after the runner's SIGKILL\n", off1 - off0);
	assert_int_equal(off1, off0);
	assert_int_equal(kb("MemTotal"), total0);
	/* the child's records (same journal) find every block online already */
	assert_int_equal(close_journal(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_lock_and_release, close_journal),
		cmocka_unit_test_teardown(test_adjust, close_journal),
		cmocka_unit_test_teardown(test_no_ballast_needed, close_journal),
		cmocka_unit_test_teardown(test_dies_with_parent, close_journal),
		cmocka_unit_test_teardown(test_hotplug, close_journal),
		cmocka_unit_test_teardown(test_hotplug_runner_killed, close_journal),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for the knob journal (lib/journal.c).  Knobs are temporary files
 * (knob_set takes any path its caller resolved) and the journal lives in a
 * temporary MMAB_STATE_DIR, so most of this runs without root: set and
 * roll back, reverse order, marks, hostile values, entries appended by a
 * forked child and undone by the parent, a run that SIGKILLs itself and is
 * recovered, a journal from an earlier boot, damaged and torn records, the
 * lock, and the signal handler (in the installing process only).  As root
 * and under the machine lock (skipped otherwise): a real sysctl, THP's
 * defrag selector, a huge page pool whose page in use is still held after
 * it is restored, and a tracefs instance and mount left by a killed run.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/tracing.h"
#include "lib/journal.h"
#include "lib/knob.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "tests/unit/machine.h"

/*
 * The tests that change the machine itself (a real sysctl, THP, the huge
 * page pool, tracefs) run as root and under the machine lock only: another
 * run's witness of dirty_expire_centisecs must not see ours.
 */
#define NEED_MACHINE(what)						\
	do {								\
		if (!mmab_is_root() || !machine_ready(what, NULL))	\
			skip();						\
	} while (0)

static char tmp[] = "/tmp/mmab-test-knob.XXXXXX";
static char state[PATH_MAX], journal[PATH_MAX];

static char *tpath(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmp, name);
	return buf[i];
}

static void put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void puts_file(const char *path, const char *s)
{
	put(path, s, strlen(s));
}

/* Whether PATH holds exactly LEN bytes of DATA. */
static bool holds(const char *path, const void *data, size_t len)
{
	char *buf;
	size_t n;
	bool ok;

	if (mmab_read_file(path, &buf, &n))
		return false;
	ok = n == len && !memcmp(buf, data, len);
	if (!ok)
		fprintf(stderr, "# %s holds '%.*s' (%zu bytes), want %zu bytes\n", path, (int)n, buf,
			n, len);
	free(buf);
	return ok;
}

static bool holds_str(const char *path, const char *s)
{
	return holds(path, s, strlen(s));
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int setup(void **st)
{
	(void)st;
	if (!mkdtemp(tmp))
		return -1;
	snprintf(state, sizeof(state), "%s/state", tmp);
	snprintf(journal, sizeof(journal), "%s/state/journal", tmp);
	setenv("MMAB_STATE_DIR", state, 1);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	return mmab_rm_rf(tmp);
}

static void test_set_and_close(void **st)
{
	struct journal *j;
	const char *a = tpath("a"), *thp = tpath("thp");

	(void)st;
	puts_file(a, "10\n");
	puts_file(thp, "always [madvise] never\n");
	assert_int_equal(journal_open(&j), 0);
	assert_true(exists(journal));
	assert_int_equal(journal_set_knob(j, a, "5"), 0);
	assert_int_equal(journal_set_knob(j, thp, "never"), 0);
	assert_true(holds_str(a, "5"));
	assert_true(holds_str(thp, "never"));
	assert_int_equal(journal_close(j), 0);
	/* the original bytes, and for a selector its bracketed word */
	assert_true(holds_str(a, "10\n"));
	assert_true(holds_str(thp, "madvise"));
	assert_false(exists(journal));
	/* the lock went with it */
	assert_int_equal(journal_open(&j), 0);
	assert_int_equal(journal_close(j), 0);
}

static void test_reverse_order(void **st)
{
	struct journal *j;
	const char *a = tpath("a"), *dir = tpath("made"), *file = tpath("made/f");

	(void)st;
	puts_file(a, "1");
	assert_int_equal(journal_open(&j), 0);
	assert_int_equal(journal_set_knob(j, a, "2"), 0);
	assert_int_equal(journal_set_knob(j, a, "3"), 0);
	/* a directory journaled, then filled: removed whole */
	assert_int_equal(journal_add_path(j, dir), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	puts_file(file, "x");
	assert_int_equal(journal_close(j), 0);
	/* forward order would leave "2" */
	assert_true(holds_str(a, "1"));
	assert_false(exists(dir));
}

static void test_mark_rollback(void **st)
{
	struct journal *j;
	const char *a = tpath("a"), *b = tpath("b"), *c = tpath("c");
	struct stat sb;
	off_t mark;

	(void)st;
	puts_file(a, "a0");
	puts_file(b, "b0");
	puts_file(c, "c0");
	assert_int_equal(journal_open(&j), 0);
	assert_int_equal(journal_set_knob(j, a, "a1"), 0);
	mark = journal_mark(j);
	assert_true(mark > 0);
	assert_int_equal(journal_set_knob(j, b, "b1"), 0);
	assert_int_equal(journal_set_knob(j, c, "c1"), 0);
	assert_int_equal(journal_rollback(j, mark), 0);
	assert_true(holds_str(a, "a1"));
	assert_true(holds_str(b, "b0"));
	assert_true(holds_str(c, "c0"));
	assert_int_equal(stat(journal, &sb), 0);
	assert_int_equal(sb.st_size, mark);
	/* rolling back twice is a no-op; a mark past the end is refused */
	assert_int_equal(journal_rollback(j, mark), 0);
	assert_int_equal(journal_rollback(j, mark + 100), -EINVAL);
	assert_int_equal(journal_rollback(j, 3), -EINVAL);
	assert_int_equal(journal_close(j), 0);
	assert_true(holds_str(a, "a0"));
}

/* How many lines of the journal start with KIND and a tab. */
static int records_of(const char *kind)
{
	char *text, *p;
	int n = 0;

	if (mmab_read_file(journal, &text, NULL))
		return -1;
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		n += !strncmp(p, kind, strlen(kind)) && p[strlen(kind)] == '\t';
	free(text);
	return n;
}

/*
 * Memory blocks taken offline: journaled once each, kept by a rollback to
 * a mark (an effective size outlives the step that made it), acted on at
 * the close.  A block number no machine has: its undo finds nothing to do.
 */
static void test_memblock_records(void **st)
{
	const char *blk = "/sys/devices/system/memory/memory987654";
	const char *a = tpath("a");
	struct journal *j;
	off_t mark;

	(void)st;
	puts_file(a, "a0");
	assert_int_equal(journal_open(&j), 0);
	assert_int_equal(journal_add_memblock(j, "/sys/devices/system/memory/block_size_bytes"),
			 -EINVAL);
	assert_int_equal(journal_add_memblock(j, "/tmp/memory1"), -EINVAL);
	assert_int_equal(journal_add_memblock(j, "/sys/devices/system/memory/memory1x"), -EINVAL);
	mark = journal_mark(j);
	assert_int_equal(journal_set_knob(j, a, "a1"), 0);
	assert_int_equal(journal_add_memblock(j, blk), 0);
	assert_int_equal(journal_add_memblock(j, blk), 0);
	assert_int_equal(records_of("memblock"), 1);
	assert_int_equal(journal_rollback(j, mark), 0);
	assert_true(holds_str(a, "a0"));
	assert_int_equal(records_of("knob"), 0);
	assert_int_equal(records_of("memblock"), 1);
	/* still journaled: not written again */
	assert_int_equal(journal_add_memblock(j, blk), 0);
	assert_int_equal(records_of("memblock"), 1);
	assert_int_equal(journal_close(j), 0);
	assert_false(exists(journal));
}

static void test_hostile_values(void **st)
{
	static const char orig[] = "line one\nline\ttwo\\n \\\\ \x01\x7f\xff [not] a [selector]  \n";
	static const char newval[] = "new\tvalue\nwith \\ and \x02";
	const char *odd = tpath("we\tird\nname\\x41 [k]");
	struct journal *j;
	char *text;

	(void)st;
	put(odd, orig, sizeof(orig) - 1);
	assert_int_equal(journal_open(&j), 0);
	assert_int_equal(journal_set_knob(j, odd, newval), 0);
	assert_true(holds_str(odd, newval));
	/* one record per line whatever the content: header and one entry */
	assert_int_equal(mmab_read_file(journal, &text, NULL), 0);
	{
		int lines = 0;

		for (char *p = text; *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, 2);
	}
	free(text);
	assert_int_equal(journal_close(j), 0);
	assert_true(holds(odd, orig, sizeof(orig) - 1));
}

/* The runner's journal inherited by a forked workload child. */
static void test_child_entries(void **st)
{
	struct journal *j;
	const char *a = tpath("a"), *b = tpath("b"), *dir = tpath("child-dir");
	off_t mark;
	int status;
	pid_t pid;

	(void)st;
	puts_file(a, "parent0");
	puts_file(b, "child0");
	assert_int_equal(journal_open(&j), 0);
	assert_int_equal(journal_set_knob(j, a, "parent1"), 0);
	mark = journal_mark(j);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int bad = journal_set_knob(j, b, "child1") || journal_add_path(j, dir) || mkdir(dir, 0700);

		/* closing the child's copy must not roll the parent's journal back */
		bad |= journal_close(j);
		_exit(bad);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(holds_str(b, "child1"));
	assert_true(exists(dir));
	assert_true(journal_mark(j) > mark);
	/* the child's entries come after MARK: undone by the parent */
	assert_int_equal(journal_rollback(j, mark), 0);
	assert_true(holds_str(b, "child0"));
	assert_false(exists(dir));
	assert_true(holds_str(a, "parent1"));
	assert_int_equal(journal_close(j), 0);
	assert_true(holds_str(a, "parent0"));
}

/* A run that changes knobs and is then killed with SIGKILL. */
static void crash(const char *a, const char *b, const char *dir)
{
	int status;
	pid_t pid;

	puts_file(a, "a0\n");
	puts_file(b, "always defer [madvise] never\n");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct journal *j;

		if (journal_open(&j) || journal_set_knob(j, a, "a1") || journal_set_knob(j, b, "always") ||
		    journal_add_path(j, dir) || mkdir(dir, 0700) || journal_set_knob(j, a, "a2"))
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_true(holds_str(a, "a2"));
	assert_true(holds_str(b, "always"));
	assert_true(exists(dir));
	assert_true(exists(journal));
}

static void test_crash_recover(void **st)
{
	const char *a = tpath("a"), *b = tpath("b"), *dir = tpath("crash-dir");

	(void)st;
	crash(a, b, dir);
	/* four entries, each undone (a twice: reverse order ends at a0) */
	assert_int_equal(journal_recover(false), 4);
	assert_true(holds_str(a, "a0\n"));
	assert_true(holds_str(b, "madvise"));
	assert_false(exists(dir));
	assert_false(exists(journal));
	assert_int_equal(journal_recover(false), 0);
}

/* journal_open recovers before it starts a fresh journal. */
static void test_open_recovers(void **st)
{
	const char *a = tpath("a"), *b = tpath("b"), *dir = tpath("crash-dir");
	struct journal *j;

	(void)st;
	crash(a, b, dir);
	assert_int_equal(journal_open(&j), 0);
	assert_true(holds_str(a, "a0\n"));
	assert_true(holds_str(b, "madvise"));
	assert_false(exists(dir));
	assert_true(journal_mark(j) < 100);
	assert_int_equal(journal_close(j), 0);
}

static void test_stale_boot(void **st)
{
	const char *a = tpath("a"), *b = tpath("b"), *dir = tpath("crash-dir");
	char *text, *tab;
	size_t len;

	(void)st;
	crash(a, b, dir);
	/* pretend the crash happened before a reboot: another boot id */
	assert_int_equal(mmab_read_file(journal, &text, &len), 0);
	tab = strchr(strchr(text, '\t') + 1, '\t') + 1;
	for (int i = 0; i < 8; i++)
		tab[i] = tab[i] == '0' ? '1' : '0';
	put(journal, text, len);
	free(text);
	assert_int_equal(journal_recover(true), 0);
	/* discarded, not replayed */
	assert_false(exists(journal));
	assert_true(holds_str(a, "a2"));
	assert_true(holds_str(b, "always"));
	assert_true(exists(dir));
	rmdir(dir);
}

static void test_damaged_records(void **st)
{
	const char *a = tpath("a"), *b = tpath("b"), *dir = tpath("crash-dir"), *c = tpath("c");
	char *text, *rec, torn[PATH_MAX + 32];
	size_t len;
	int fd;

	(void)st;
	crash(a, b, dir);
	puts_file(c, "c0");
	assert_int_equal(mmab_read_file(journal, &text, &len), 0);
	/* the second record (b's) gets one byte changed: its checksum fails */
	rec = strchr(strchr(text, '\n') + 1, '\n') + 1;
	assert_true(strncmp(rec, "knob\t", 5) == 0);
	rec = strstr(rec, "madvise");
	assert_non_null(rec);
	rec[0] = 'M';
	put(journal, text, len);
	free(text);
	/* and a torn append at the end: never acted on, not an error either */
	fd = open(journal, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	snprintf(torn, sizeof(torn), "knob\t%s\tc9", c);
	assert_int_equal(write(fd, torn, strlen(torn)), (ssize_t)strlen(torn));
	close(fd);
	assert_int_equal(journal_recover(false), -EIO);
	assert_true(holds_str(a, "a0\n"));
	assert_true(holds_str(b, "always"));	/* the damaged record was skipped */
	assert_false(exists(dir));
	assert_true(holds_str(c, "c0"));
	assert_false(exists(journal));
}

static void test_lock_busy(void **st)
{
	struct journal *j, *j2;
	int status;
	pid_t pid;

	(void)st;
	assert_int_equal(journal_open(&j), 0);
	assert_int_equal(journal_open(&j2), -EBUSY);
	assert_int_equal(journal_recover(false), -EBUSY);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(journal_open(&j2) == -EBUSY ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(journal_close(j), 0);
	assert_int_equal(journal_open(&j2), 0);
	assert_int_equal(journal_close(j2), 0);
}

static void test_bad_arguments(void **st)
{
	struct journal *j;
	const char *a = tpath("a");

	(void)st;
	puts_file(a, "1");
	assert_int_equal(journal_open(&j), 0);
	assert_int_equal(journal_set_knob(j, "relative/knob", "1"), -EINVAL);
	assert_int_equal(journal_set_knob(j, tpath("missing"), "1"), -ENOENT);
	assert_int_equal(journal_add_path(j, "/"), -EINVAL);
	assert_int_equal(journal_add_path(j, "/tmp/../etc"), -EINVAL);
	assert_int_equal(journal_add_path(j, "tmp/x"), -EINVAL);
	/* a cgroup entry must be on a cgroup file system */
	assert_int_equal(journal_add_cgroup(j, tpath("not-a-cgroup")), -EINVAL);
	/* a value the knob refuses: the entry stays journaled, the knob unchanged */
	assert_int_equal(chmod(a, 0444), 0);
	if (geteuid() != 0) {
		assert_int_equal(journal_set_knob(j, a, "2"), -EACCES);
		assert_true(holds_str(a, "1"));
	}
	chmod(a, 0644);
	assert_int_equal(journal_close(j), 0);
	assert_true(holds_str(a, "1"));
}

/*
 * The handler rolls back and exits 128+signo in the process that installed
 * it; a forked child that has not reset it dies of the signal instead.
 */
static void test_signals(void **st)
{
	const char *a = tpath("a");
	int fds[2], status;
	char c = 0;
	pid_t pid;

	(void)st;
	puts_file(a, "sig0");
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct journal *j;
		pid_t g;

		close(fds[0]);
		if (journal_open(&j) || journal_set_knob(j, a, "sig1"))
			_exit(1);
		journal_install_signals(j);
		g = fork();
		if (g == 0) {
			raise(SIGTERM);
			_exit(0);
		}
		if (waitpid(g, &status, 0) != g || !WIFSIGNALED(status) ||
		    WTERMSIG(status) != SIGTERM)
			_exit(2);
		if (!holds_str(a, "sig1"))
			_exit(3);	/* the grandchild rolled back */
		c = 'r';
		if (write(fds[1], &c, 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	assert_int_equal(c, 'r');
	assert_true(holds_str(a, "sig1"));
	kill(pid, SIGINT);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 128 + SIGINT);
	assert_true(holds_str(a, "sig0"));
	assert_false(exists(journal));
}

/* Make knob A unwritable by putting a directory in its place; undo with unblock(). */
static void block(const char *a)
{
	assert_int_equal(unlink(a), 0);
	assert_int_equal(mkdir(a, 0755), 0);
}

static void unblock(const char *a, const char *value)
{
	assert_int_equal(rmdir(a), 0);
	puts_file(a, value);
}

/*
 * What cannot be put back is reported, and kept: a rollback leaves its
 * record in the journal, the close leaves the journal for `mmab restore`
 * (the message says to run it: it must have something to do), restore
 * keeps what still fails and finishes once it can, and a new journal
 * carries an old failure to its own close.  So does the signal handler.
 */
static void test_failures_kept(void **st)
{
	const char *a = tpath("a"), *b = tpath("b");
	struct journal *j;
	int status;
	off_t mark;
	pid_t pid;

	(void)st;
	puts_file(a, "a0");
	puts_file(b, "b0");
	assert_int_equal(journal_open(&j), 0);
	mark = journal_mark(j);
	assert_int_equal(journal_set_knob(j, a, "a1"), 0);
	assert_int_equal(journal_set_knob(j, b, "b1"), 0);
	block(a);
	assert_int_equal(journal_rollback(j, mark), -EISDIR);
	assert_true(holds_str(b, "b0"));
	/* a's record stays, b's is gone: the next mark is after it */
	assert_true(journal_mark(j) > mark);
	assert_int_equal(journal_close(j), -EISDIR);
	assert_true(exists(journal));
	/* restore: still failing, still kept; then it can */
	assert_int_equal(journal_recover(false), -EIO);
	assert_true(exists(journal));
	unblock(a, "a1");
	assert_int_equal(journal_recover(false), 1);
	assert_true(holds_str(a, "a0"));
	assert_false(exists(journal));

	/* a failure found when a journal opens is tried again at its close */
	assert_int_equal(journal_open(&j), 0);
	assert_int_equal(journal_set_knob(j, a, "a2"), 0);
	block(a);
	assert_int_equal(journal_close(j), -EISDIR);
	assert_int_equal(journal_open(&j), 0);
	unblock(a, "a2");
	assert_int_equal(journal_close(j), 0);
	assert_true(holds_str(a, "a0"));
	assert_false(exists(journal));

	/* the signal handler keeps it too */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (journal_open(&j) || journal_set_knob(j, a, "a3") || journal_set_knob(j, b, "b3"))
			_exit(1);
		journal_install_signals(j);
		block(a);
		raise(SIGTERM);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 128 + SIGTERM);
	assert_true(holds_str(b, "b0"));
	assert_true(exists(journal));
	unblock(a, "a3");
	assert_int_equal(journal_recover(false), 1);
	assert_true(holds_str(a, "a0"));
	assert_false(exists(journal));
}

/* Set a real knob to WANT through a journal; closing it must bring ORIG back. */
static void real_roundtrip(const char *path, const char *orig, const char *want)
{
	struct journal *j;
	char now[64];

	assert_int_equal(journal_open(&j), 0);
	assert_int_equal(journal_set_knob(j, path, want), 0);
	assert_int_equal(knob_read(path, now, sizeof(now)), 0);
	assert_string_equal(now, want);
	assert_int_equal(journal_close(j), 0);
	assert_int_equal(knob_read(path, now, sizeof(now)), 0);
	assert_string_equal(now, orig);
}

/* A harmless real sysctl, as root. */
static void test_real_knob(void **st)
{
	const char *path = "/proc/sys/vm/dirty_expire_centisecs";
	char orig[32], want[32];
	long v;

	(void)st;
	NEED_MACHINE("a real sysctl");
	assert_int_equal(knob_read(path, orig, sizeof(orig)), 0);
	assert_int_equal(mmab_parse_long(orig, &v), 0);
	snprintf(want, sizeof(want), "%ld", v + 1);
	real_roundtrip(path, orig, want);
}

/* A real selector file in sysfs, as root: the bracketed word comes back. */
static void test_real_selector(void **st)
{
	const char *path = "/sys/kernel/mm/transparent_hugepage/defrag";
	char orig[64];

	(void)st;
	if (access(path, W_OK))
		skip();
	NEED_MACHINE("THP's defrag");
	assert_int_equal(knob_read(path, orig, sizeof(orig)), 0);
	real_roundtrip(path, orig, strcmp(orig, "defer") ? "defer" : "never");
}

/*
 * A huge page pool shrinks on paper at once, but a page still mapped stays
 * allocated (as surplus) until released: restoring the pool waits a
 * moment for it, then says so; the page goes back when its user exits.
 */
static void test_hugepages_in_use(void **st)
{
	const char *pool = "/proc/sys/vm/nr_hugepages";
	const char *log = tpath("stderr");
	struct journal *j;
	char orig[32], now[32], c = 0;
	int fds[2], status, ret, err_fd;
	double waited;
	pid_t pid;

	(void)st;
	NEED_MACHINE("the huge page pool");
	assert_int_equal(knob_read(pool, orig, sizeof(orig)), 0);
	if (strcmp(orig, "0") || mem_meminfo_kb("HugePages_Total") != 0)
		skip();	/* someone else's pool: leave it alone */
	assert_int_equal(journal_open(&j), 0);
	assert_int_equal(journal_set_knob(j, pool, "1"), 0);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *p = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

		c = p == MAP_FAILED ? 'f' : 'h';
		if (p != MAP_FAILED)
			p[0] = 1;
		if (write(fds[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		c = 0;
	close(fds[0]);
	/* the close's messages go to a file we can read */
	fflush(stderr);
	err_fd = dup(STDERR_FILENO);
	freopen(log, "w", stderr);
	waited = mmab_now();
	ret = journal_close(j);
	waited = mmab_now() - waited;
	fflush(stderr);
	dup2(err_fd, STDERR_FILENO);
	close(err_fd);
	/* release the page before any assertion can leave the child behind */
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (c != 'h')
		skip();	/* no huge page could be had */
	assert_int_equal(ret, 0);
	assert_true(waited >= 1.5);
	{
		char *text;

		assert_int_equal(mmab_read_file(log, &text, NULL), 0);
		assert_non_null(strstr(text, "1 huge page of '/proc/sys/vm/nr_hugepages' still in use"));
		free(text);
	}
	assert_int_equal(knob_read(pool, now, sizeof(now)), 0);
	assert_string_equal(now, "0");
	for (int i = 0; i < 50 && mem_meminfo_kb("HugePages_Total") != 0; i++)
		usleep(20 * 1000);
	assert_int_equal(mem_meminfo_kb("HugePages_Total"), 0);
}

static bool dir_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/*
 * A tracefs instance and a tracefs mount, journaled by a run that is then
 * killed: recovery removes the instance and unmounts what the run mounted,
 * and leaves the user's own instance alone.  With tracefs mounted already
 * (by someone else) the mount record must leave it mounted, as it was.
 */
static void test_tracefs(void **st)
{
	char tdir[4096], inst[4200], user[4200];
	bool premounted;
	int status;
	pid_t pid;

	(void)st;
	if (!col_tracefs_supported())
		skip();
	NEED_MACHINE("tracefs");
	premounted = col_tracefs_mounted(tdir, sizeof(tdir));
	if (!premounted)
		snprintf(tdir, sizeof(tdir), "/sys/kernel/tracing");
	snprintf(inst, sizeof(inst), "%s/instances/mmab-test-knob-%d", tdir, (int)getpid());
	snprintf(user, sizeof(user), "%s/instances/user-test-knob-%d", tdir, (int)getpid());
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct journal *j;

		/* a run that mounts tracefs, makes an instance, and is killed */
		if (journal_open(&j) || (!premounted && (journal_add_mount(j, tdir) ||
		    mount("nodev", tdir, "tracefs", 0, NULL))) || journal_add_tracefs(j, inst) ||
		    mkdir(inst, 0755) || mkdir(user, 0755))
			_exit(1);
		raise(SIGKILL);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_true(col_tracefs_mounted(tdir, sizeof(tdir)));
	assert_true(dir_exists(inst));
	/* the mount (when the run made it) and the instance */
	assert_int_equal(journal_recover(false), premounted ? 1 : 2);
	if (!premounted) {
		/* unmounted, as before the run; the instances outlive the mount: look */
		assert_false(col_tracefs_mounted(tdir, sizeof(tdir)));
		assert_int_equal(mount("nodev", tdir, "tracefs", 0, NULL), 0);
	}
	assert_false(dir_exists(inst));
	assert_true(dir_exists(user));
	assert_int_equal(rmdir(user), 0);
	if (!premounted)
		assert_int_equal(umount(tdir), 0);
}

/* Only a directory whose parent is on a tracefs is journaled as an instance. */
static void test_tracefs_refused(void **st)
{
	struct journal *j;

	(void)st;
	assert_int_equal(mkdir(tpath("instances"), 0755), 0);
	assert_int_equal(journal_open(&j), 0);
	assert_int_equal(journal_add_tracefs(j, tpath("instances/mmab-1-2-3")), -EINVAL);
	assert_int_equal(journal_add_tracefs(j, "relative/instances/x"), -EINVAL);
	assert_int_equal(journal_add_mount(j, "relative"), -EINVAL);
	assert_int_equal(journal_close(j), 0);
	assert_int_equal(rmdir(tpath("instances")), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_and_close),
		cmocka_unit_test(test_reverse_order),
		cmocka_unit_test(test_mark_rollback),
		cmocka_unit_test(test_memblock_records),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_child_entries),
		cmocka_unit_test(test_crash_recover),
		cmocka_unit_test(test_open_recovers),
		cmocka_unit_test(test_stale_boot),
		cmocka_unit_test(test_damaged_records),
		cmocka_unit_test(test_lock_busy),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_failures_kept),
		cmocka_unit_test(test_real_knob),
		cmocka_unit_test(test_real_selector),
		cmocka_unit_test(test_hugepages_in_use),
		cmocka_unit_test(test_tracefs),
		cmocka_unit_test(test_tracefs_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

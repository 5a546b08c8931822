/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for runner/child.c and lib/cgroup.c.  Choosing the hierarchy is
 * tested without root on mount tables (this VM's, captured in
 * tests/fixtures/cgroup/, and a pure cgroup v2 one in systemd's layout)
 * pointed at fake cgroup files in a temporary directory.  The rest runs
 * real children in real memory cgroups, as root under the machine lock
 * (skipped otherwise): each outcome (ok, exit, skipped with its reason,
 * signal, timeout of a child that ignores SIGTERM and forks grandchildren,
 * OOM under a small memcg_limit, a missing program), the runner itself
 * interrupted or SIGKILLed while it waits, and after each one: no cgroup
 * and no process left.
 */
#include <dirent.h>
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/cgroup.h"
#include "runner/child.h"
#include "lib/journal.h"
#include "lib/mmab.h"
#include "tests/unit/machine.h"

#define MiB (1ULL << 20)

static char tmp[] = "/tmp/mmab-test-child.XXXXXX";
static const char *const cgroup_roots[] = { "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified",
					    "/sys/fs/cgroup" };

static char *tpath(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmp, name);
	return buf[i];
}

static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

/* ---- choosing the hierarchy, on mount tables ---- */

/* Write the fixture FIX with /sys/fs/cgroup replaced by DIR; return its path. */
static const char *mountinfo_from(const char *fix, const char *dir)
{
	char *text, *out = NULL, *p, *hit;
	const char *path = tpath("mountinfo");
	size_t cap = 0;
	FILE *f;

	assert_int_equal(mmab_read_file(fix, &text, NULL), 0);
	f = open_memstream(&out, &cap);
	assert_non_null(f);
	for (p = text; (hit = strstr(p, "/sys/fs/cgroup")); p = hit + strlen("/sys/fs/cgroup")) {
		fwrite(p, 1, (size_t)(hit - p), f);
		fputs(dir, f);
	}
	fputs(p, f);
	fclose(f);
	put(path, out);
	free(out);
	free(text);
	return path;
}

static void fake_cgroup2(const char *dir, const char *controllers, const char *subtree)
{
	char p[PATH_MAX];

	assert_int_equal(mmab_mkdir_p(dir, 0755), 0);
	snprintf(p, sizeof(p), "%s/cgroup.controllers", dir);
	put(p, controllers);
	snprintf(p, sizeof(p), "%s/cgroup.subtree_control", dir);
	put(p, subtree);
}

static void test_root_hybrid(void **st)
{
	char dir[PATH_MAX], unified[PATH_MAX + 16], want[PATH_MAX + 16], why[256] = "";
	struct cgroup_root r;
	char *ctl;

	(void)st;
	/* this VM: cgroup2 with only hugetlb at .../unified, v1 memory at .../memory */
	snprintf(dir, sizeof(dir), "%s/hybrid", tmp);
	snprintf(unified, sizeof(unified), "%s/unified", dir);
	assert_int_equal(mmab_read_file("tests/fixtures/cgroup/unified-cgroup.controllers", &ctl,
					NULL), 0);
	fake_cgroup2(unified, ctl, "");
	free(ctl);
	assert_int_equal(cgroup_find_root(mountinfo_from("tests/fixtures/cgroup/mountinfo-hybrid",
							 dir), &r, why, sizeof(why)), 0);
	assert_int_equal(r.ver, CGROUP_V1);
	snprintf(want, sizeof(want), "%s/memory", dir);
	assert_string_equal(r.path, want);
}

static void test_root_v2(void **st)
{
	char dir[PATH_MAX], why[256] = "";
	struct cgroup_root r;

	(void)st;
	snprintf(dir, sizeof(dir), "%s/pure v2", tmp);	/* a space: \040 in mountinfo */
	fake_cgroup2(dir, "cpuset cpu io memory hugetlb pids rdma misc\n",
		     "cpuset cpu io memory pids\n");
	{
		/* mountinfo escapes the space */
		char esc[PATH_MAX + 8];

		snprintf(esc, sizeof(esc), "%s/pure\\040v2", tmp);
		assert_int_equal(cgroup_find_root(mountinfo_from("tests/fixtures/cgroup/mountinfo-v2",
								 esc), &r, why, sizeof(why)), 0);
	}
	assert_int_equal(r.ver, CGROUP_V2);
	assert_string_equal(r.path, dir);
}

/* memory available but not enabled in the root's subtree_control: never enabled behind the user's back */
static void test_root_v2_not_enabled(void **st)
{
	char dir[PATH_MAX], why[256] = "";
	struct cgroup_root r;

	(void)st;
	snprintf(dir, sizeof(dir), "%s/v2-off", tmp);
	fake_cgroup2(dir, "cpu io memory pids\n", "cpu pids\n");
	assert_int_equal(cgroup_find_root(mountinfo_from("tests/fixtures/cgroup/mountinfo-v2", dir),
					  &r, why, sizeof(why)), -ENOENT);
	assert_int_equal(r.ver, CGROUP_NONE);
	assert_non_null(strstr(why, "cgroup.subtree_control"));
	{
		char *text;

		snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/cgroup.subtree_control");
		assert_int_equal(mmab_read_file(dir, &text, NULL), 0);
		assert_string_equal(text, "cpu pids\n");
		free(text);
	}
}

static void test_root_none_and_garbage(void **st)
{
	char why[256] = "";
	struct cgroup_root r;
	const char *p = tpath("mountinfo-garbage");

	(void)st;
	put(p, "22 1 252:1 / / rw - ext4 /dev/vda1 rw\ngarbage line without fields\n"
	       "31 23 0:28 / /x\n - cgroup\n\n40 31 0:37 / /y rw - cgroup cgroup rw,name=systemd\n");
	assert_int_equal(cgroup_find_root(p, &r, why, sizeof(why)), -ENOENT);
	assert_int_equal(r.ver, CGROUP_NONE);
	assert_string_equal(why, "no memory cgroup hierarchy is mounted");
	assert_int_equal(cgroup_find_root(tpath("no-such-file"), &r, why, sizeof(why)), -ENOENT);
}

/* ---- real children, as root ---- */

static bool alive(pid_t pid)
{
	char p[64], *text, *s;
	bool ret;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	if (mmab_read_file(p, &text, NULL))
		return false;
	s = strrchr(text, ')');
	ret = s && s[1] == ' ' && s[2] != 'Z' && s[2] != 'X';
	free(text);
	return ret;
}

/* Whether any cgroup named after runner PID is left in any hierarchy. */
static bool cgroups_left(pid_t pid)
{
	char prefix[32], p[PATH_MAX];
	bool left = false;

	snprintf(prefix, sizeof(prefix), "mmab-%d-", (int)pid);
	for (size_t i = 0; i < ARRAY_SIZE(cgroup_roots); i++) {
		DIR *d = opendir(cgroup_roots[i]);
		struct dirent *de;

		if (!d)
			continue;
		while ((de = readdir(d)))
			if (!strncmp(de->d_name, prefix, strlen(prefix))) {
				snprintf(p, sizeof(p), "%s/%s", cgroup_roots[i], de->d_name);
				fprintf(stderr, "# present: %s\n", p);
				left = true;
			}
		closedir(d);
	}
	return left;
}

/* The pids a test child wrote to PATH, one per line; how many. */
static int read_pids(const char *path, pid_t *pids, int max)
{
	char *text, *p;
	int n = 0;

	if (mmab_read_file(path, &text, NULL))
		return 0;
	for (p = text; *p && n < max; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		pids[n++] = (pid_t)atoi(p);
	free(text);
	return n;
}

static bool all_dead(const char *pidfile)
{
	pid_t pids[16];
	int n = read_pids(pidfile, pids, 16);

	assert_true(n > 0);
	for (int tries = 0; tries < 100; tries++) {
		bool any = false;

		for (int i = 0; i < n; i++)
			any |= alive(pids[i]);
		if (!any)
			return true;
		usleep(10 * 1000);	/* init reaps the orphans */
	}
	return false;
}

static struct journal *journal;

static int setup(void **st)
{
	(void)st;
	if (!mkdtemp(tmp))
		return -1;
	setenv("MMAB_STATE_DIR", tpath("state"), 1);
	return mmab_is_root() ? journal_open(&journal) : 0;
}

/* Runners forked by the tests: whatever a failed test left is removed at the end. */
static pid_t runners[16];
static int nrunners;

static bool cgroups_left(pid_t pid);

static int teardown(void **st)
{
	int ret = journal_close(journal);

	(void)st;
	for (int i = 0; i < nrunners; i++) {
		if (!cgroups_left(runners[i]))
			continue;
		for (size_t r = 0; r < ARRAY_SIZE(cgroup_roots); r++) {
			char p[PATH_MAX];

			snprintf(p, sizeof(p), "%s/mmab-%d-runner", cgroup_roots[r], (int)runners[i]);
			cgroup_destroy(p, 5);
		}
		ret = -1;
	}
	return mmab_rm_rf(tmp) ? -1 : ret;
}

static void run_fn(int (*fn)(void *), void *arg, double timeout, uint64_t limit,
		   struct child_result *res)
{
	struct child_spec spec = {
		.name = "test", .fn = fn, .arg = arg, .stderr_path = tpath("stderr"),
		.timeout_s = timeout, .grace_s = 0.3, .memcg_limit = limit, .journal = journal,
	};

	unlink(spec.stderr_path);
	assert_int_equal(child_run(&spec, res), 0);
	assert_false(cgroups_left(getpid()));
}

/*
 * Real children in real cgroups below the root ("mmab-PID-..."), which a
 * run beside us would count as left behind: as root and under the machine
 * lock only.
 */
#define NEED_ROOT()							\
	do {								\
		if (!mmab_is_root() || !machine_ready("child", NULL))	\
			skip();						\
	} while (0)

static int fn_return(void *arg)
{
	return (int)(intptr_t)arg;
}

static void test_ok_and_exit(void **st)
{
	struct child_result r;
	char why[256];

	(void)st;
	NEED_ROOT();
	assert_non_null(child_cgroup_mode(why, sizeof(why)));
	run_fn(fn_return, (void *)0, 10, 0, &r);
	assert_int_equal(r.outcome, CHILD_OK);
	assert_string_equal(r.reason, "");
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.signal, 0);
	assert_true(r.pid > 0);
	assert_true(r.duration_s > 0 && r.duration_s < 5);
	assert_int_equal(r.oom_kills, 0);

	run_fn(fn_return, (void *)1, 10, 0, &r);
	assert_int_equal(r.outcome, CHILD_FAILED);
	assert_string_equal(r.reason, "exit");
	assert_int_equal(r.exit_code, 1);
}

static int fn_skip(void *arg)
{
	(void)arg;
	fprintf(stderr, "checking widgets\nnot supported here: no widgets (need 3)\n\n");
	return 4;
}

/* A workload says why through mmab_err: the reason is without its "mmab: ". */
static int fn_skip_err(void *arg)
{
	(void)arg;
	mmab_err("widgets: '/dev/widget' is on tmpfs");
	return 4;
}

static void test_skipped(void **st)
{
	struct child_result r;

	(void)st;
	NEED_ROOT();
	run_fn(fn_skip, NULL, 10, 0, &r);
	assert_int_equal(r.outcome, CHILD_SKIPPED);
	assert_string_equal(r.reason, "not supported here: no widgets (need 3)");
	assert_int_equal(r.exit_code, 4);
	run_fn(fn_skip_err, NULL, 10, 0, &r);
	assert_int_equal(r.outcome, CHILD_SKIPPED);
	assert_string_equal(r.reason, "widgets: '/dev/widget' is on tmpfs");
}

static int fn_signal(void *arg)
{
	(void)arg;
	raise(SIGUSR1);
	return 0;
}

static void test_signal(void **st)
{
	struct child_result r;

	(void)st;
	NEED_ROOT();
	run_fn(fn_signal, NULL, 10, 0, &r);
	assert_int_equal(r.outcome, CHILD_FAILED);
	assert_string_equal(r.reason, "signal");
	assert_int_equal(r.signal, SIGUSR1);
	assert_int_equal(r.exit_code, -1);
}

/* Ignores SIGTERM, forks grandchildren that do too, writes their pids to ARG, sleeps. */
static int fn_stubborn(void *arg)
{
	const char *pidfile = arg;
	FILE *f;

	signal(SIGTERM, SIG_IGN);
	f = fopen(pidfile, "w");
	if (!f)
		return 1;
	fprintf(f, "%d\n", (int)getpid());
	for (int i = 0; i < 3; i++) {
		pid_t p = fork();

		if (p == 0) {
			/* a grandchild that forks again, so one is an orphan's orphan */
			if (i == 2 && fork() == 0) {
				for (;;)
					pause();
			}
			for (;;)
				pause();
		}
		fprintf(f, "%d\n", (int)p);
	}
	fclose(f);
	for (;;)
		pause();
	return 0;
}

static void test_timeout(void **st)
{
	const char *pidfile = tpath("pids");
	struct child_result r;

	(void)st;
	NEED_ROOT();
	run_fn(fn_stubborn, (void *)pidfile, 0.3, 0, &r);
	assert_int_equal(r.outcome, CHILD_FAILED);
	assert_string_equal(r.reason, "timeout");
	assert_int_equal(r.signal, SIGKILL);
	/* timeout, then the grace period, then SIGKILL */
	assert_true(r.duration_s >= 0.55);
	assert_true(r.duration_s < 3);
	assert_true(all_dead(pidfile));
}

static int fn_polite(void *arg)
{
	(void)arg;
	signal(SIGTERM, SIG_DFL);
	for (;;)
		pause();
	return 0;
}

/* A child that obeys SIGTERM is not kept waiting for the grace period. */
static void test_timeout_sigterm(void **st)
{
	struct child_result r;

	(void)st;
	NEED_ROOT();
	run_fn(fn_polite, NULL, 0.2, 0, &r);
	assert_string_equal(r.reason, "timeout");
	assert_int_equal(r.signal, SIGTERM);
	assert_true(r.duration_s >= 0.2 && r.duration_s < 0.45);
}

static int fn_hog(void *arg)
{
	size_t total = (size_t)(uintptr_t)arg;
	char *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 3;
	for (size_t off = 0; off < total; off += 4096)
		p[off] = 1;
	return 0;
}

static void test_oom(void **st)
{
	struct child_result r;

	(void)st;
	NEED_ROOT();
	run_fn(fn_hog, (void *)(uintptr_t)(256 * MiB), 30, 32 * MiB, &r);
	assert_int_equal(r.outcome, CHILD_FAILED);
	assert_string_equal(r.reason, "oom");
	assert_true(r.oom_kills >= 1);
	assert_int_equal(r.signal, SIGKILL);
	assert_true(r.memory_peak >= 24 * MiB);
	assert_true(r.memory_peak <= 33 * MiB);
}

static void test_memory_peak(void **st)
{
	struct child_result r;

	(void)st;
	NEED_ROOT();
	run_fn(fn_hog, (void *)(uintptr_t)(64 * MiB), 30, 0, &r);
	assert_int_equal(r.outcome, CHILD_OK);
	assert_true(r.memory_peak >= 64 * MiB);
	assert_true(r.memory_peak < 128 * MiB);
	assert_int_equal(r.oom_kills, 0);
}

static void test_exec(void **st)
{
	static char prog[] = "/nonexistent/mmab-no-such-program", echo0[] = "echo",
		    hello[] = "hello", world[] = "world", false0[] = "false";
	char *missing[] = { prog, NULL };
	char *echo[] = { echo0, hello, world, NULL };
	char *fail[] = { false0, NULL };
	struct child_spec spec = { .name = "exec", .journal = NULL, .timeout_s = 10 };
	struct child_result r;
	char *text;

	(void)st;
	NEED_ROOT();
	spec.journal = journal;
	spec.argv = missing;
	assert_int_equal(child_run(&spec, &r), 0);
	assert_int_equal(r.outcome, CHILD_FAILED);
	assert_string_equal(r.reason, "error");
	assert_int_equal(r.exit_code, -1);

	spec.argv = echo;
	spec.stdout_path = tpath("out");
	put(spec.stdout_path, "before\n");
	assert_int_equal(child_run(&spec, &r), 0);
	assert_int_equal(r.outcome, CHILD_OK);
	assert_int_equal(mmab_read_file(spec.stdout_path, &text, NULL), 0);
	assert_string_equal(text, "before\nhello world\n");	/* appended */
	free(text);

	spec.argv = fail;
	assert_int_equal(child_run(&spec, &r), 0);
	assert_string_equal(r.reason, "exit");
	assert_int_equal(r.exit_code, 1);
	assert_false(cgroups_left(getpid()));
}

struct runner_arg {
	const char *pidfile;
	int ready_fd;
};

static int fn_ready(void *arg)
{
	struct runner_arg *a = arg;
	char c = 'r';

	/* fn_stubborn's grandchildren, then tell the test */
	if (fork() == 0)
		_exit(fn_stubborn((void *)a->pidfile));
	for (int i = 0; i < 200; i++) {
		pid_t pids[8];

		if (read_pids(a->pidfile, pids, 8) >= 4)
			break;
		usleep(10 * 1000);
	}
	if (write(a->ready_fd, &c, 1) != 1)
		return 1;
	for (;;)
		pause();
	return 0;
}

/*
 * A runner (forked from the test) waiting in child_run gets SIG; HANDLERS
 * says whether it installed the journal's.  Returns its wait status; the
 * runner's pid in *RUNNER.
 */
static int interrupt_runner(int sig, bool handlers, pid_t *runner)
{
	struct runner_arg a = { .pidfile = tpath("pids") };
	int fds[2], status;
	char c = 0;
	pid_t pid;

	unlink(a.pidfile);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct journal *j;
		struct child_spec spec = { .name = "runner", .fn = fn_ready, .arg = &a,
					   .timeout_s = 60 };
		struct child_result r;

		close(fds[0]);
		a.ready_fd = fds[1];
		/*
		 * A shell without job control starts background commands with
		 * SIGINT ignored: the runner under test starts as mmab does from
		 * a terminal.
		 */
		signal(sig, SIG_DFL);
		/* the test's journal is the test's: this runner has its own */
		setenv("MMAB_STATE_DIR", tpath("state-runner"), 1);
		if (journal_open(&j))
			_exit(90);
		if (handlers)
			journal_install_signals(j);
		spec.journal = j;
		child_run(&spec, &r);
		_exit(91);	/* not reached when the signal is handled */
	}
	if (nrunners < (int)ARRAY_SIZE(runners))
		runners[nrunners++] = pid;
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		c = 0;
	close(fds[0]);
	if (c == 'r')
		kill(pid, sig);
	else
		kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(c, 'r');
	*runner = pid;
	return status;
}

static void test_runner_interrupted(void **st)
{
	char journal_path[PATH_MAX];
	pid_t runner;
	int status;

	(void)st;
	NEED_ROOT();
	snprintf(journal_path, sizeof(journal_path), "%s/journal", tpath("state-runner"));
	/* the journal's handler: child killed, cgroup removed, rolled back, exit 128+signo */
	status = interrupt_runner(SIGTERM, true, &runner);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 128 + SIGTERM);
	assert_true(all_dead(tpath("pids")));
	assert_false(cgroups_left(runner));
	assert_int_equal(access(journal_path, F_OK), -1);

	/* no handler: the child still goes first, then the default action */
	status = interrupt_runner(SIGINT, false, &runner);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGINT);
	assert_true(all_dead(tpath("pids")));
	assert_false(cgroups_left(runner));
	/* that runner left its journal: nothing in it still needs undoing but the cgroup entry */
	setenv("MMAB_STATE_DIR", tpath("state-runner"), 1);
	assert_true(journal_recover(false) >= 0);
	setenv("MMAB_STATE_DIR", tpath("state"), 1);
}

/* kill -9 of the runner: the grandchildren live on in the cgroup until recovery. */
static void test_runner_killed(void **st)
{
	pid_t runner, pids[8];
	int status, n, live = 0;

	(void)st;
	NEED_ROOT();
	status = interrupt_runner(SIGKILL, true, &runner);
	assert_true(WIFSIGNALED(status));
	n = read_pids(tpath("pids"), pids, 8);
	assert_true(n >= 4);
	for (int i = 0; i < n; i++)
		live += alive(pids[i]);
	assert_true(live >= 3);
	assert_true(cgroups_left(runner));
	setenv("MMAB_STATE_DIR", tpath("state-runner"), 1);
	assert_true(journal_recover(true) >= 1);
	setenv("MMAB_STATE_DIR", tpath("state"), 1);
	assert_true(all_dead(tpath("pids")));
	assert_false(cgroups_left(runner));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_hybrid),
		cmocka_unit_test(test_root_v2),
		cmocka_unit_test(test_root_v2_not_enabled),
		cmocka_unit_test(test_root_none_and_garbage),
		cmocka_unit_test(test_ok_and_exit),
		cmocka_unit_test(test_skipped),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_timeout_sigterm),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_memory_peak),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_runner_interrupted),
		cmocka_unit_test(test_runner_killed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

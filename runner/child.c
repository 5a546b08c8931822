/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Isolation: one workload iteration or one command in a child process of
 * its own, in a memory cgroup of its own ("mmab-<runner pid>-<name>" right
 * below the hierarchy's root), with a timeout, classified once for
 * status.csv.  The cgroup is journaled before it is made, so a runner
 * killed with SIGKILL still has it (and whatever runs in it) removed by the
 * next mmab or `mmab restore`; on return from child_run everything that
 * ran in it has been killed and the cgroup is gone.
 *
 * Errors the child meets before it runs anything (joining the cgroup,
 * opening its output files, exec) come back through a close-on-exec pipe,
 * so "could not run" is never mistaken for the program's own exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cgroup.h"
#include "lib/journal.h"
#include "lib/mmab.h"
#include "runner/child.h"

#define DEFAULT_GRACE_S 5.0
/* How long killed tasks may take to leave the cgroup before rmdir gives up. */
#define CGROUP_EMPTY_WAIT_S 10.0

/* Where the child failed before running anything, for the error message. */
enum child_stage {
	STAGE_CGROUP = 1,
	STAGE_STDOUT,
	STAGE_STDERR,
	STAGE_EXEC,
};

struct child_err {
	int stage;
	int err;	/* positive errno */
};

static const int child_signals[] = { SIGINT, SIGTERM, SIGHUP };

static struct cgroup_root cg_root;
static int cg_found;		/* 0 not looked yet, 1 cg_root usable, -1 none */
static char cg_why[PATH_MAX + 128];

static const struct cgroup_root *root_for_children(void)
{
	if (cg_found)
		return cg_found > 0 ? &cg_root : NULL;
	cg_found = -1;
	if (!mmab_is_root())
		snprintf(cg_why, sizeof(cg_why), "not root");
	else if (cgroup_find_root("/proc/self/mountinfo", &cg_root, cg_why, sizeof(cg_why)))
		;	/* cg_why says why */
	else if (access(cg_root.path, W_OK))
		snprintf(cg_why, sizeof(cg_why), "cannot write to '%s': %s", cg_root.path,
			 strerror(errno));
	else
		cg_found = 1;
	return cg_found > 0 ? &cg_root : NULL;
}

const char *child_cgroup_mode(char *why, size_t whylen)
{
	const struct cgroup_root *r = root_for_children();

	if (why && whylen)
		snprintf(why, whylen, "%s", r ? "" : cg_why);
	if (!r)
		return NULL;
	return r->ver == CGROUP_V2 ? "v2" : "v1";
}

/* "mmab-<pid>-<name>" with the name made safe for a directory name. */
static int cgroup_name(char *buf, size_t len, const char *root, const char *name)
{
	char clean[101];
	size_t n = 0;

	for (const char *p = name ? name : ""; *p && n < sizeof(clean) - 1; p++)
		clean[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
				    *p == '-' ? *p : '_');
	clean[n] = '\0';
	if (snprintf(buf, len, "%s/mmab-%d-%s", root, (int)getpid(), n ? clean : "child") >=
	    (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* Mkdir the cgroup (journaled already) and set its limit.  0 or -errno, reported. */
static int make_cgroup(const char *cg, uint64_t limit)
{
	int ret;

	ret = mkdir(cg, 0755) ? -errno : 0;
	if (ret == -EEXIST) {
		/* our pid in its name: left by a crashed mmab that had the same pid */
		cgroup_destroy(cg, CGROUP_EMPTY_WAIT_S);
		ret = mkdir(cg, 0755) ? -errno : 0;
	}
	if (ret) {
		mmab_err("cannot create cgroup '%s': %s", cg, strerror(-ret));
		return ret;
	}
	if (limit) {
		ret = cgroup_set_limit(cg, limit);
		if (ret) {
			mmab_err("cannot set the memory limit of cgroup '%s': %s", cg,
				 strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void __attribute__((noreturn)) child_fail(int fd, int stage, int err)
{
	struct child_err e = { stage, err < 0 ? -err : err };

	if (write(fd, &e, sizeof(e)) != sizeof(e)) {
		/* the parent then sees exit 127 without a reason: "exit" */
	}
	_exit(127);
}

static int redirect(const char *path, int target)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	if (dup2(fd, target) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	close(fd);
	return 0;
}

/* In the child: into the cgroup, default signals, then fn or exec. */
static void __attribute__((noreturn)) child_main(const struct child_spec *spec, const char *cg,
						 int errfd, const sigset_t *mask, pid_t parent)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int ret;

	sigemptyset(&dfl.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(child_signals); i++)
		sigaction(child_signals[i], &dfl, NULL);
	/* a runner ignoring SIGPIPE must not pass that on to fio or stress-ng */
	sigaction(SIGPIPE, &dfl, NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* its own process group: without a cgroup, the group is what a timeout kills */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (cg[0] && (ret = cgroup_enter(cg)))
		child_fail(errfd, STAGE_CGROUP, ret);
	if (spec->stdout_path && (ret = redirect(spec->stdout_path, STDOUT_FILENO)))
		child_fail(errfd, STAGE_STDOUT, ret);
	if (spec->stderr_path && (ret = redirect(spec->stderr_path, STDERR_FILENO)))
		child_fail(errfd, STAGE_STDERR, ret);
	if (spec->fn) {
		close(errfd);
		ret = spec->fn(spec->arg);
		fflush(NULL);
		/* _exit: the runner's atexit handlers are not the workload's */
		_exit(ret);
	}
	execvp(spec->argv[0], spec->argv);
	child_fail(errfd, STAGE_EXEC, errno);
}

static void copy_trunc(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The last non-empty line of PATH (at most its last 4 KiB), trimmed, into buf. */
static void last_line(const char *path, char *buf, size_t len)
{
	char tail[4096 + 1];
	ssize_t n;
	off_t size;
	int fd;

	buf[0] = '\0';
	if (!path || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	n = size < 0 ? -1 : pread(fd, tail, sizeof(tail) - 1,
				 size > (off_t)sizeof(tail) - 1 ? size - (off_t)sizeof(tail) + 1 : 0);
	close(fd);
	if (n <= 0)
		return;
	tail[n] = '\0';
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == ' ' || tail[n - 1] == '\r' ||
			 tail[n - 1] == '\t'))
		tail[--n] = '\0';
	for (char *p = tail + n; p > tail; p--)
		if (p[-1] == '\n') {
			copy_trunc(buf, len, p);
			return;
		}
	copy_trunc(buf, len, tail);
}

static const char *stage_name(int stage)
{
	switch (stage) {
	case STAGE_CGROUP: return "join cgroup";
	case STAGE_STDOUT: return "open its stdout file";
	case STAGE_STDERR: return "open its stderr file";
	default: return "run";
	}
}

static void kill_all(const char *cg, pid_t pid, int sig)
{
	if (cg[0])
		cgroup_signal_all(cg, sig);
	else
		kill(-pid, sig);	/* its process group */
	kill(pid, sig);
}

/* The runner's side: wait with the timeout, watching for the runner's own signals. */
static int wait_child(const struct child_spec *spec, const char *cg, pid_t pid, int sfd,
		      double t0, int *status, bool *timed_out, int *got_sig)
{
	double grace = spec->grace_s > 0 ? spec->grace_s : DEFAULT_GRACE_S;
	double kill_at = 0;
	bool killed = false;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	for (;;) {
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
		double now = mmab_now(), until = -1;
		int ms = -1;
		pid_t w;

		w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			int ret = -errno;

			if (pidfd >= 0)
				close(pidfd);
			return ret;
		}
		if (spec->timeout_s > 0 && !*timed_out && now >= t0 + spec->timeout_s) {
			*timed_out = true;
			kill(pid, SIGTERM);
			kill_at = now + grace;
		}
		if (*timed_out && !killed && now >= kill_at) {
			kill_all(cg, pid, SIGKILL);
			killed = true;
		}
		if (spec->timeout_s > 0 && !*timed_out)
			until = t0 + spec->timeout_s;
		else if (*timed_out && !killed)
			until = kill_at;
		if (until >= 0)
			ms = (int)((until - now) * 1000) + 1;
		if (pidfd < 0 && (ms < 0 || ms > 20))
			ms = 20;	/* no pidfd: poll for the exit */
		if (poll(p, pidfd >= 0 ? 2 : 1, ms) > 0 && (p[0].revents & POLLIN)) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				/* the runner is interrupted: the child goes first */
				*got_sig = (int)si.ssi_signo;
				kill_all(cg, pid, SIGKILL);
				while (waitpid(pid, status, 0) < 0 && errno == EINTR)
					;
				break;
			}
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return 0;
}

static void classify(const struct child_spec *spec, struct child_result *res, int status,
		     bool timed_out)
{
	if (WIFEXITED(status))
		res->exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->signal = WTERMSIG(status);
	if (timed_out) {
		res->outcome = CHILD_FAILED;
		snprintf(res->reason, sizeof(res->reason), "timeout");
	} else if (res->exit_code == 0) {
		/* a worker OOM-killed and replaced: counted in oom_kills, still ok */
		res->outcome = CHILD_OK;
		res->reason[0] = '\0';
	} else if (res->oom_kills > 0) {
		res->outcome = CHILD_FAILED;
		snprintf(res->reason, sizeof(res->reason), "oom");
	} else if (res->exit_code == MMAB_EXIT_SKIP) {
		res->outcome = CHILD_SKIPPED;
		last_line(spec->stderr_path, res->reason, sizeof(res->reason));
		/* a workload says why through mmab_err: its "mmab: " is no part of the reason */
		if (!strncmp(res->reason, "mmab: ", 6))
			memmove(res->reason, res->reason + 6, strlen(res->reason + 6) + 1);
		if (!res->reason[0])
			snprintf(res->reason, sizeof(res->reason), "exit 4 (skipped), no reason given");
	} else {
		res->outcome = CHILD_FAILED;
		snprintf(res->reason, sizeof(res->reason), res->signal ? "signal" : "exit");
	}
}

/*
 * Fork, wait and classify.  *GOT_SIG gets a SIGINT/SIGTERM/SIGHUP the
 * runner received meanwhile (the child was killed for it).  0 when the
 * outcome is in *RES, -errno when the runner itself failed (reported).
 */
/*
 * After the child was reaped: the cgroup's OOM kills and peak (or, without
 * a cgroup, what it left in its process group killed), then the outcome:
 * what the child could not do before its workload ran, read from ERR_FD,
 * or how it ended.
 */
static void reap_result(const struct child_spec *spec, const char *cg, pid_t pid, int err_fd,
			int status, bool timed_out, struct child_result *res)
{
	struct child_err cerr;

	if (cg[0]) {
		long ooms = cgroup_oom_kills(cg);

		res->oom_kills = ooms > 0 ? ooms : 0;
		res->memory_peak = cgroup_memory_peak(cg);
	} else {
		kill(-pid, SIGKILL);	/* what it left in its process group */
	}
	if (read(err_fd, &cerr, sizeof(cerr)) == sizeof(cerr)) {
		if (cerr.stage == STAGE_EXEC)
			mmab_err("cannot run '%s': %s", spec->argv[0], strerror(cerr.err));
		else
			mmab_err("%s: the child could not %s: %s", spec->name ? spec->name : "child",
				 stage_name(cerr.stage), strerror(cerr.err));
	} else {
		classify(spec, res, status, timed_out);
	}
}

static int fork_and_wait(const struct child_spec *spec, const char *cg,
			 struct child_result *res, int *got_sig)
{
	sigset_t block, old;
	bool timed_out = false;
	int errp[2], sfd, status = 0, ret = 0;
	double t0;
	pid_t pid;

	/* non-blocking: a thread forking meanwhile may hold the write end a moment */
	if (pipe2(errp, O_CLOEXEC | O_NONBLOCK)) {
		ret = -errno;
		mmab_err("cannot create a pipe: %s", strerror(errno));
		return ret;
	}
	/* the runner's SIGINT/SIGTERM/SIGHUP wait in a signalfd while the child runs */
	sigemptyset(&block);
	for (size_t i = 0; i < ARRAY_SIZE(child_signals); i++)
		sigaddset(&block, child_signals[i]);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	sfd = signalfd(-1, &block, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		ret = -errno;
		mmab_err("cannot create a signalfd: %s", strerror(errno));
		goto out_mask;
	}
	fflush(NULL);	/* nothing buffered is written twice */
	t0 = mmab_now();
	pid = fork();
	if (pid == 0) {
		close(errp[0]);
		close(sfd);
		child_main(spec, cg, errp[1], &old, getppid());
	}
	close(errp[1]);
	errp[1] = -1;
	if (pid < 0) {
		mmab_err("cannot fork: %s", strerror(errno));
		goto out_sfd;	/* outcome "error" */
	}
	res->pid = pid;
	ret = wait_child(spec, cg, pid, sfd, t0, &status, &timed_out, got_sig);
	res->duration_s = mmab_now() - t0;
	if (ret) {
		mmab_err("cannot wait for pid %d: %s", (int)pid, strerror(-ret));
		kill_all(cg, pid, SIGKILL);
		goto out_sfd;
	}
	reap_result(spec, cg, pid, errp[0], status, timed_out, res);
out_sfd:
	close(sfd);
out_mask:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(errp[0]);
	if (errp[1] >= 0)
		close(errp[1]);
	return ret;
}

int child_run(const struct child_spec *spec, struct child_result *res)
{
	const struct cgroup_root *root;
	static bool warned;
	char cg[PATH_MAX] = "";
	int got_sig = 0, ret;

	memset(res, 0, sizeof(*res));
	res->exit_code = -1;
	res->pid = -1;
	if (!spec || (!spec->fn && (!spec->argv || !spec->argv[0])))
		return -EINVAL;
	/* until classified: could not fork, exec or make the cgroup */
	res->outcome = CHILD_FAILED;
	snprintf(res->reason, sizeof(res->reason), "error");

	root = root_for_children();
	if (!root && spec->memcg_limit) {
		res->outcome = CHILD_SKIPPED;
		snprintf(res->reason, sizeof(res->reason), "memcg_limit needs a memory cgroup: %.200s",
			 cg_why);
		return 0;
	}
	if (!root && !warned) {
		mmab_warn("running without a memory cgroup (%s): OOM kills and memory peaks "
			  "are not recorded", cg_why);
		warned = true;
	}
	if (root) {
		if (cgroup_name(cg, sizeof(cg), root->path, spec->name)) {
			mmab_err("cgroup path too long below '%s'", root->path);
			return 0;	/* "error" */
		}
		if (spec->journal) {
			ret = journal_add_cgroup(spec->journal, cg);
			if (ret) {
				mmab_err("cannot journal cgroup '%s': %s", cg, strerror(-ret));
				return ret;
			}
		}
		if (make_cgroup(cg, spec->memcg_limit)) {
			cgroup_destroy(cg, CGROUP_EMPTY_WAIT_S);
			return 0;	/* "error", said why */
		}
	}
	ret = fork_and_wait(spec, cg, res, &got_sig);
	if (cg[0]) {
		int n = cgroup_destroy(cg, CGROUP_EMPTY_WAIT_S);

		if (n < 0)
			mmab_warn("cannot remove cgroup '%s': %s (the journal retries at exit)", cg,
				  strerror(-n));
	}
	if (got_sig)
		raise(got_sig);	/* now handled as the runner installed it */
	return ret;
}

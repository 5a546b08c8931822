/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running fio and stress-ng as engines (API in engine.h).  The tool is
 * exec'd through mmab_spawn() with an argv, never a shell; its extra
 * environment (fio job files read ${VAR}) is put in place only around the
 * spawn.  Both of its output streams go to the workload's stderr, which the
 * runner keeps as stderr.log, so a tool's complaint is where a user looks.
 *
 * Stopping: the runner kills the whole cgroup on timeout, but a SIGTERM to
 * the workload child alone (the runner's first, polite step, or a user)
 * must not leave a tool writing gigabytes in the background.  While the
 * tool runs, SIGTERM/SIGINT/SIGHUP are caught and forwarded as SIGTERM,
 * which fio and stress-ng both handle by stopping their jobs or workers and
 * writing their results; whatever is still alive after a grace period is
 * killed with every process it forked.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/mmab.h"
#include "workloads/engine.h"

/* ---- metric rows ---- */

void engine_metrics_add(struct engine_metrics *ms, double value, const char *unit,
			enum metric_dir dir, enum metric_agg agg, const char *fmt, ...)
{
	struct engine_metric *m;
	va_list ap;
	char *name;

	va_start(ap, fmt);
	if (vasprintf(&name, fmt, ap) < 0) {
		va_end(ap);
		mmab_err("out of memory");
		abort();
	}
	va_end(ap);
	if (ms->n == ms->cap) {
		ms->cap = ms->cap ? 2 * ms->cap : 32;
		ms->m = xrealloc(ms->m, ms->cap * sizeof(*ms->m));
	}
	m = &ms->m[ms->n++];
	*m = (struct engine_metric){ .name = name, .value = value, .unit = unit,
				     .dir = dir, .agg = agg };
}

const struct engine_metric *engine_metrics_find(const struct engine_metrics *ms,
						const char *name)
{
	for (size_t i = 0; i < ms->n; i++)
		if (!strcmp(ms->m[i].name, name))
			return &ms->m[i];
	return NULL;
}

int engine_metrics_write(struct wl_ctx *ctx, const struct engine_metrics *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		const struct engine_metric *m = &ms->m[i];
		int ret = wl_metric(ctx, m->name, m->value, m->unit, m->dir, m->agg);

		if (ret)
			return ret;
	}
	return 0;
}

void engine_metrics_free(struct engine_metrics *ms)
{
	for (size_t i = 0; i < ms->n; i++)
		free(ms->m[i].name);
	free(ms->m);
	memset(ms, 0, sizeof(*ms));
}

/* ---- argv and environment lists ---- */

static void argv_push(struct engine_argv *a, char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void engine_argv_add(struct engine_argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		va_end(ap);
		mmab_err("out of memory");
		abort();
	}
	va_end(ap);
	argv_push(a, s);
}

void engine_argv_free(struct engine_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

size_t engine_split_words(struct engine_argv *a, const char *s)
{
	size_t added = 0;

	while (s && *s) {
		size_t len;

		s += strspn(s, " \t\n\r\f\v");
		len = strcspn(s, " \t\n\r\f\v");
		if (!len)
			break;
		argv_push(a, strndup(s, len));
		if (!a->v[a->n - 1]) {
			mmab_err("out of memory");
			abort();
		}
		s += len;
		added++;
	}
	return added;
}

bool engine_env_valid(const char *s)
{
	const char *eq = strchr(s, '=');

	if (!eq || eq == s || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (const char *p = s; p < eq; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

int engine_supported(const char *name, char *why, size_t whylen)
{
	if (mmab_found(name))
		return 0;
	snprintf(why, whylen, "%s not installed", name);
	return -ENOENT;
}

/* ---- stopping the tool ---- */

/* pid and ppid of every process, from /proc/PID/stat */
struct proc_pair {
	pid_t pid, ppid;
};

static size_t proc_pairs(struct proc_pair **out)
{
	DIR *d = opendir("/proc");
	struct proc_pair *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	*out = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[64], buf[512], *rp;
		long pid;
		int ppid, fd;
		ssize_t len;

		if (mmab_parse_long(de->d_name, &pid) || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* the command name may hold spaces and parentheses: skip to the last ')' */
		rp = strrchr(buf, ')');
		if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = (struct proc_pair){ (pid_t)pid, (pid_t)ppid };
	}
	closedir(d);
	*out = v;
	return n;
}

void engine_kill_tree(pid_t pid)
{
	struct proc_pair *all;
	pid_t *tree;
	size_t n, ntree = 1;

	/* a stopped tool forks no more workers while its tree is collected */
	kill(pid, SIGSTOP);
	n = proc_pairs(&all);
	tree = xcalloc(n + 1, sizeof(*tree));
	tree[0] = pid;
	/* breadth first: every pass over the list adds the children of the known */
	for (size_t done = 0; done < ntree; done++)
		for (size_t i = 0; i < n; i++)
			if (all[i].ppid == tree[done] && all[i].pid != pid && ntree <= n)
				tree[ntree++] = all[i].pid;
	for (size_t i = ntree; i-- > 0;)
		kill(tree[i], SIGKILL);
	free(tree);
	free(all);
}

void engine_wait_desc(int wstatus, char *buf, size_t len)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(wstatus),
			 strsignal(WTERMSIG(wstatus)));
	else
		snprintf(buf, len, "ended with wait status %#x", (unsigned)wstatus);
}

static volatile sig_atomic_t engine_caught;
static volatile pid_t engine_tool_pid;
static volatile int *engine_stop;

static void engine_on_signal(int sig)
{
	engine_caught = sig;
	if (engine_stop)
		*engine_stop = 1;
	if (engine_tool_pid > 0)
		kill(engine_tool_pid, SIGTERM);
}

static const int engine_signals[] = { SIGTERM, SIGINT, SIGHUP };

/* Put NAME=VALUE strings into the environment; *saved gets what they replaced. */
static void env_apply(const char *const env[], struct engine_argv *saved)
{
	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		char *name = strndup(env[i], (size_t)(eq - env[i]));
		const char *old = getenv(name);

		if (!name) {
			mmab_err("out of memory");
			abort();
		}
		/* "NAME" alone means: unset it again afterwards */
		if (old)
			engine_argv_add(saved, "%s=%s", name, old);
		else
			engine_argv_add(saved, "%s", name);
		setenv(name, eq + 1, 1);
		free(name);
	}
}

static void env_restore(struct engine_argv *saved)
{
	for (size_t i = saved->n; i-- > 0;) {
		char *s = saved->v[i], *eq = strchr(s, '=');

		if (eq) {
			*eq = '\0';
			setenv(s, eq + 1, 1);
		} else {
			unsetenv(s);
		}
	}
	engine_argv_free(saved);
}

/* The tool writes to our stderr: point stdout there for the spawn only. */
static pid_t spawn_to_stderr(const char *const argv[], const char *const env[])
{
	struct engine_argv saved = { 0 };
	int out;
	pid_t pid;

	fflush(NULL);
	out = dup(STDOUT_FILENO);
	if (out >= 0 && dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		close(out);
		out = -1;
	}
	env_apply(env, &saved);
	/* execvp's argv is char *const[] for historical reasons; it never writes */
	pid = mmab_spawn((char *const *)argv, NULL, NULL);
	env_restore(&saved);
	if (out >= 0) {
		dup2(out, STDOUT_FILENO);
		close(out);
	}
	return pid;
}

/*
 * Wait for the tool PID, sending SIGTERM once a signal came or *STOP was
 * set, and SIGKILL to its whole tree GRACE_S later.  *ST its wait status.
 * 0, -EINTR (it was told to stop) or -errno.
 */
static int engine_wait(pid_t pid, const char *name, volatile int *stop, double grace_s,
		       int *st)
{
	double term_at = NAN;
	bool killed = false;

	for (;;) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		pid_t r = waitpid(pid, st, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			int ret = -errno;

			engine_kill_tree(pid);
			waitpid(pid, st, 0);
			return ret;
		}
		if (isnan(term_at) && (engine_caught || (stop && *stop))) {
			/* a signal already forwarded it; *stop alone has not */
			kill(pid, SIGTERM);
			term_at = mmab_now();
		}
		if (!killed && !isnan(term_at) && mmab_now() - term_at > grace_s) {
			mmab_warn("%s still running %g s after SIGTERM: killing it", name, grace_s);
			engine_kill_tree(pid);
			killed = true;
		}
		nanosleep(&ts, NULL);
	}
	return isnan(term_at) ? 0 : -EINTR;
}

int engine_run(const char *const argv[], const char *const env[], volatile int *stop,
	       double grace_s, int *wstatus)
{
	struct sigaction sa = { .sa_handler = engine_on_signal }, old[ARRAY_SIZE(engine_signals)];
	int ret = 0, st = 0, caught;
	pid_t pid;

	if (stop && *stop)	/* told to wind down before it started */
		return -EINTR;
	engine_caught = 0;
	engine_stop = stop;
	/* no SA_RESTART: a signal cuts the sleep short */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(engine_signals); i++)
		sigaction(engine_signals[i], &sa, &old[i]);

	pid = spawn_to_stderr(argv, env);
	if (pid < 0) {
		ret = (int)pid;
	} else {
		engine_tool_pid = pid;
		ret = engine_wait(pid, argv[0], stop, grace_s, &st);
		if (wstatus)
			*wstatus = st;
	}
	engine_tool_pid = 0;
	engine_stop = NULL;
	caught = engine_caught;
	for (size_t i = 0; i < ARRAY_SIZE(engine_signals); i++)
		sigaction(engine_signals[i], &old[i], NULL);
	/* the caller meets the signal as it would have without the tool */
	if (caught)
		raise(caught);
	return ret;
}

int engine_outcome(const char *tool, int ret, int wstatus, const char *(*exit_desc)(int))
{
	char desc[128];

	if (ret == -ENOENT) {
		mmab_err("%s not installed", tool);
		return ret;
	}
	if (ret && ret != -EINTR) {
		mmab_err("cannot run %s: %s", tool, strerror(-ret));
		return ret;
	}
	if (ret == -EINTR) {
		mmab_err("%s stopped before it finished: the workload was told to stop", tool);
		return ret;
	}
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus)) {
		engine_wait_desc(wstatus, desc, sizeof(desc));
		mmab_err("%s %s%s%s", tool, desc, WIFEXITED(wstatus) && exit_desc ? ": " : "",
			 WIFEXITED(wstatus) && exit_desc ? exit_desc(WEXITSTATUS(wstatus)) : "");
		return -EIO;
	}
	return 0;
}

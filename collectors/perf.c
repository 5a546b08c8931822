/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `perf` collector: `perf stat -a -I INTERVAL -j` counting tracepoints
 * and software events system-wide, written as perf.csv
 * (t,event,count,interval_s,partial; results/README.md).
 *
 * perf runs as a child (mmab_spawn: argv, no shell) with its events
 * disabled (-D -1) and its output on a pipe that a reader thread drains;
 * open() enables the events through perf's control pipe (--control) and
 * returns once perf acknowledges, so the iteration's workload starts after
 * counting has, and the enable/ack round trip dates the counting start on
 * mmab's clock (see perf.h for how interval timestamps are aligned).
 * close() sends SIGINT, which makes perf print the counts of the interval
 * in progress (marked partial) and exit; it is killed if it does not, and
 * reaped on every path.  Should mmab die instead, perf's next write hits a
 * pipe with no reader and SIGPIPE ends it within one interval.
 *
 * Tracepoints this kernel lacks are dropped before perf starts (perf would
 * refuse to start), events perf calls "<not supported>" after; both are
 * reported once per process.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "collectors/perf.h"
#include "collectors/tracing.h"
#include "lib/mmab.h"

#define PERF_DEFAULT_INTERVAL_MS 1000
#define PERF_MIN_INTERVAL_MS 10		/* perf's own minimum */
#define PERF_START_TIMEOUT_S 20.0	/* parsing tracepoint formats can be slow */
#define PERF_DISABLED_WAIT_S 2.0	/* "Events disabled" not seen: enable anyway */
#define PERF_STOP_TIMEOUT_S 5.0
#define PERF_MSG_MAX 4096

const char *const perf_default_events[] = {
	"vmscan:mm_vmscan_direct_reclaim_begin",
	"vmscan:mm_vmscan_kswapd_wake",
	"vmscan:mm_vmscan_write_folio",
	"vmscan:mm_vmscan_throttled",
	"compaction:mm_compaction_begin",
	"compaction:mm_compaction_end",
	"compaction:mm_compaction_kcompactd_wake",
	"kmem:mm_page_alloc_extfrag",
	"writeback:balance_dirty_pages",
	"writeback:writeback_dirty_folio",
	"page-faults",
	NULL
};

/* ---- running perf ---- */

struct perf_priv {
	char **events;
	struct perf_series *series;
	struct perf_timing tm;
	pid_t pid;
	int out_fd;			/* perf's stderr: its counts and messages */
	int ctl[2], ack[2];		/* perf's control and acknowledgement pipes */
	int wake[2];			/* tells the reader to finish */
	pthread_t reader;
	bool reader_started, tracefs_ref, disabled_seen;
	char buf[16384];
	size_t len;			/* bytes of an unfinished line in buf */
	char msgs[PERF_MSG_MAX];	/* perf's own messages, for errors */
	unsigned bad_lines;
};

static void perf_message(struct perf_priv *p, const char *line)
{
	size_t have = strlen(p->msgs);

	if (!strcmp(line, "Events disabled")) {
		p->disabled_seen = true;
		return;
	}
	if (!strcmp(line, "Events enabled") || !*line)
		return;
	if (have + strlen(line) + 2 < sizeof(p->msgs))
		snprintf(p->msgs + have, sizeof(p->msgs) - have, "%s%s", have ? "\n" : "", line);
}

static void perf_line(struct perf_priv *p, char *line, double recv)
{
	struct perf_reading r;
	int ret;

	line[strcspn(line, "\r")] = '\0';
	ret = perf_parse_line(line, p->events, &r);
	if (ret > 0 && perf_series_add(p->series, &r, recv) == 0)
		return;
	if (ret != 0) {
		p->bad_lines++;
		return;
	}
	perf_message(p, line);
}

/* read what perf wrote; returns bytes read, 0 at EOF, -EAGAIN when nothing is there */
static ssize_t perf_read(struct perf_priv *p)
{
	ssize_t n;
	double now;
	char *start, *nl;

	do {
		n = read(p->out_fd, p->buf + p->len, sizeof(p->buf) - 1 - p->len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	now = mmab_now();
	if (n == 0) {
		if (p->len) {
			p->buf[p->len] = '\0';
			perf_line(p, p->buf, now);
			p->len = 0;
		}
		return 0;
	}
	p->len += (size_t)n;
	p->buf[p->len] = '\0';
	start = p->buf;
	while ((nl = strchr(start, '\n'))) {
		*nl = '\0';
		perf_line(p, start, now);
		start = nl + 1;
	}
	p->len -= (size_t)(start - p->buf);
	memmove(p->buf, start, p->len);
	if (p->len == sizeof(p->buf) - 1) {
		/* a line longer than any perf prints: drop it */
		p->bad_lines++;
		p->len = 0;
	}
	return n;
}

static void *perf_reader(void *arg)
{
	struct perf_priv *p = arg;
	struct pollfd fds[2] = {
		{ .fd = p->out_fd, .events = POLLIN },
		{ .fd = p->wake[0], .events = POLLIN },
	};

	for (;;) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[0].revents && perf_read(p) == 0)
			fds[0].fd = -1;		/* EOF: wait for the stop */
		if (fds[1].revents)
			break;
	}
	/* perf has exited: what it wrote is in the pipe */
	while (perf_read(p) > 0)
		;
	return NULL;
}

static void perf_kill(struct perf_priv *p)
{
	mmab_kill_reap(p->pid);
	p->pid = 0;
}

/* has perf exited?  (reaped if so; *status gets its wait status) */
static bool perf_exited(struct perf_priv *p, int *status)
{
	pid_t r;

	if (p->pid <= 0)
		return true;
	r = waitpid(p->pid, status, WNOHANG);

	if (r == p->pid || (r < 0 && errno == ECHILD)) {
		p->pid = 0;
		return true;
	}
	return false;
}

static void perf_free(struct perf_priv *p)
{
	perf_kill(p);
	for (int i = 0; i < 2; i++) {
		if (p->ctl[i] >= 0)
			close(p->ctl[i]);
		if (p->ack[i] >= 0)
			close(p->ack[i]);
		if (p->wake[i] >= 0)
			close(p->wake[i]);
	}
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->tracefs_ref)
		col_tracefs_put();
	perf_series_free(p->series);
	col_events_free(p->events);
	free(p);
}

/* perf's messages on one line, for an error message (its usage text left out) */
static char *one_line(const char *msgs)
{
	const char *in = *msgs ? msgs : "no message";
	char *s = xmalloc(2 * strlen(in) + 1), *w = s;

	for (const char *r = in; *r; r++) {
		if (*r == '\n' && !strncmp(r + 1 + strspn(r + 1, " \t"), "Usage:", 6))
			break;
		if (*r == '\n') {
			*w++ = ';';
			*w++ = ' ';
			while (r[1] == ' ' || r[1] == '\t')
				r++;
		} else if (*r != '\t') {
			*w++ = *r;
		}
	}
	*w = '\0';
	return s;
}

/*
 * Wait until perf is set up, enable its events and wait for the
 * acknowledgement: the enable happened between enable_lo and enable_hi.
 */
static int perf_handshake(struct perf_priv *p)
{
	double start = mmab_now();
	bool sent = false;
	char ack[16];
	int status;

	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = p->out_fd, .events = POLLIN },
			{ .fd = p->ack[0], .events = POLLIN },
		};
		double now = mmab_now();

		if (now - start > PERF_START_TIMEOUT_S)
			return -ETIMEDOUT;
		if (!sent && (p->disabled_seen || now - start > PERF_DISABLED_WAIT_S)) {
			p->tm.enable_lo = mmab_now();
			if (write(p->ctl[1], "enable\n", 7) != 7)
				return -errno;
			sent = true;
		}
		if (poll(fds, 2, 50) < 0 && errno != EINTR)
			return -errno;
		if (fds[0].revents)
			perf_read(p);
		if (sent && fds[1].revents) {
			ssize_t n = read(p->ack[0], ack, sizeof(ack) - 1);

			p->tm.enable_hi = mmab_now();
			if (n > 0) {
				ack[n] = '\0';
				if (strstr(ack, "ack"))
					return 0;
			}
		}
		if (perf_exited(p, &status)) {
			while (perf_read(p) > 0)
				;
			return -ECHILD;
		}
	}
}

static int perf_spawn(struct perf_priv *p, unsigned interval_ms)
{
	size_t nev = col_events_count(p->events), n = 0;
	const char **argv = xcalloc(12 + 2 * nev, sizeof(*argv));
	char interval[32], *control, *err_path;
	pid_t self = getpid();

	snprintf(interval, sizeof(interval), "%u", interval_ms);
	/* perf reopens our pipe ends by path, so none has to survive exec */
	control = xasprintf("fifo:/proc/%d/fd/%d,/proc/%d/fd/%d", (int)self, p->ctl[0],
			    (int)self, p->ack[1]);
	err_path = xasprintf("/proc/self/fd/%d", p->out_fd);
	argv[n++] = "perf";
	argv[n++] = "stat";
	argv[n++] = "-a";
	argv[n++] = "-I";
	argv[n++] = interval;
	argv[n++] = "-j";
	argv[n++] = "-D";
	argv[n++] = "-1";
	argv[n++] = "--control";
	argv[n++] = control;
	for (size_t i = 0; i < nev; i++) {
		argv[n++] = "-e";
		argv[n++] = p->events[i];
	}
	argv[n] = NULL;
	/* out_fd is still the pipe's write end here; the child opens it as stderr */
	/* execvp's argv is char *const[] for historical reasons; it never writes */
	p->pid = mmab_spawn((char *const *)argv, "/dev/null", err_path);
	free(control);
	free(err_path);
	free(argv);
	return p->pid < 0 ? (int)p->pid : 0;
}

/*
 * Is EV a tracepoint ("sys:name") this kernel lacks?  "cs:u" is an event
 * with perf's modifiers, not a tracepoint, unless tracefs has a system "cs".
 */
static bool perf_tracepoint_missing(const char *tdir, const char *ev)
{
	char sys[256], name[256], *dir;
	struct stat st;
	bool sys_exists;

	if (!col_tracepoint_split(ev, sys, name, sizeof(sys)) || col_tracepoint_exists(tdir, ev))
		return false;
	dir = xasprintf("%s/events/%s", tdir, sys);
	sys_exists = stat(dir, &st) == 0;
	free(dir);
	return sys_exists || strspn(name, "ukhIGHpPSDWeb") != strlen(name);
}

/* drop tracepoints this kernel lacks (perf would refuse to start) */
static void perf_drop_missing(struct perf_priv *p, const char *tdir)
{
	for (size_t i = 0; p->events[i]; ) {
		const char *ev = p->events[i];

		if (perf_tracepoint_missing(tdir, ev)) {
			char *key = xasprintf("perf:missing:%s", ev);

			col_warn_once(key, "perf: this kernel has no tracepoint '%s'; not counted", ev);
			free(key);
			free(p->events[i]);
			memmove(&p->events[i], &p->events[i + 1],
				(col_events_count(&p->events[i + 1]) + 1) * sizeof(*p->events));
			continue;
		}
		i++;
	}
}

/* does any event name a tracepoint (then perf needs tracefs)? */
static bool perf_wants_tracefs(char *const *events)
{
	char sys[256], name[256];

	for (size_t i = 0; events[i]; i++)
		if (col_tracepoint_split(events[i], sys, name, sizeof(sys)) ||
		    strchr(events[i], '*'))
			return true;
	return false;
}

static int perf_events_of(const struct collector_cfg *cfg, char ***events, char *why,
			  size_t whylen)
{
	return col_events_edit(perf_default_events, cfg ? cfg->events : NULL, NULL, events, why,
			       whylen);
}

/*
 * The tracepoints the suite added that this kernel lacks, as a warning in
 * WHY: perf skips them (a suite must serve a kernel that renamed one), but
 * a typo should not wait for the first iteration to be noticed.  Only when
 * tracefs is mounted already: a check mounts nothing.
 */
static void perf_warn_missing(char *const *events, char *why, size_t whylen)
{
	char tdir[4096];
	size_t n = 0;

	if (!col_tracefs_mounted(tdir, sizeof(tdir)))
		return;
	for (size_t i = 0; events[i]; i++) {
		bool dflt = false;

		for (size_t k = 0; perf_default_events[k] && !dflt; k++)
			dflt = !strcmp(events[i], perf_default_events[k]);
		if (dflt || !perf_tracepoint_missing(tdir, events[i]))
			continue;
		n += (size_t)snprintf(why + n, n < whylen ? whylen - n : 0, "%s'%s'",
				      n ? ", " : "perf: this kernel has no tracepoint ", events[i]);
	}
	if (n && n < whylen)
		snprintf(why + n, whylen - n, " (not counted)");
}

static int perf_check_cfg(const struct collector_cfg *cfg, char *why, size_t whylen)
{
	char **events;
	int ret = perf_events_of(cfg, &events, why, whylen);

	if (!ret && cfg && cfg->interval_ms && cfg->interval_ms < PERF_MIN_INTERVAL_MS) {
		snprintf(why, whylen, "interval %u ms is below perf's minimum of %d ms",
			 cfg->interval_ms, PERF_MIN_INTERVAL_MS);
		ret = -EINVAL;
	}
	if (!ret)
		perf_warn_missing(events, why, whylen);
	col_events_free(events);
	return ret;
}

/* The events to count, checked, with tracefs mounted when they need it.  0 or -errno. */
static int perf_prepare_events(struct collector_inst *ci, struct perf_priv *p)
{
	const char *tdir;
	char why[512];
	int ret;

	ret = perf_check_cfg(ci->cfg, why, sizeof(why));
	if (!ret)
		ret = perf_events_of(ci->cfg, &p->events, why, sizeof(why));
	if (ret) {
		col_fail(ci, "%s", why);
		return ret;
	}
	/* mount tracefs ourselves: perf would mount it and leave it mounted */
	if (perf_wants_tracefs(p->events)) {
		ret = col_tracefs_get(ci->cfg ? ci->cfg->journal : NULL, &tdir);
		if (ret) {
			col_fail(ci, "cannot mount tracefs: %s", strerror(-ret));
			return ret;
		}
		p->tracefs_ref = true;
		perf_drop_missing(p, tdir);
	}
	if (!p->events[0]) {
		col_fail(ci, "none of the events exists on this kernel");
		return -ENOENT;
	}
	return 0;
}

/* Start perf with its output on a pipe, and have it start counting.  0 or -errno. */
static int perf_launch(struct collector_inst *ci, struct perf_priv *p, unsigned interval_ms)
{
	int out[2], ret;

	if (pipe2(out, O_CLOEXEC) || pipe2(p->ctl, O_CLOEXEC) || pipe2(p->ack, O_CLOEXEC) ||
	    pipe2(p->wake, O_CLOEXEC)) {
		ret = -errno;
		col_fail(ci, "cannot create a pipe: %s", strerror(-ret));
		return ret;
	}
	p->out_fd = out[1];
	ret = perf_spawn(p, interval_ms);
	close(out[1]);
	p->out_fd = out[0];
	/*
	 * Non-blocking: a child forked (not exec'd) elsewhere in mmab may
	 * hold a copy of the write end, so end of file cannot be relied on.
	 */
	fcntl(p->out_fd, F_SETFL, fcntl(p->out_fd, F_GETFL) | O_NONBLOCK);
	if (ret) {
		col_fail(ci, "cannot run 'perf': %s", strerror(-ret));
		return ret;
	}
	ret = perf_handshake(p);
	if (ret) {
		char *msg = one_line(p->msgs);

		col_fail(ci, "'perf stat' did not start counting (%s): %s",
			 ret == -ECHILD ? "it exited" : strerror(-ret), msg);
		free(msg);
		return ret == -ECHILD ? -EIO : ret;
	}
	/* perf holds its own ends of the control pipes now */
	close(p->ctl[0]);
	close(p->ack[1]);
	p->ctl[0] = p->ack[1] = -1;
	return 0;
}

static int perf_open(struct collector_inst *ci)
{
	struct perf_priv *p = xcalloc(1, sizeof(*p));
	unsigned interval_ms = ci->interval_ms ? ci->interval_ms : PERF_DEFAULT_INTERVAL_MS;
	int ret;

	p->out_fd = -1;
	p->ctl[0] = p->ctl[1] = p->ack[0] = p->ack[1] = p->wake[0] = p->wake[1] = -1;
	if (interval_ms < PERF_MIN_INTERVAL_MS)
		interval_ms = PERF_MIN_INTERVAL_MS;
	ret = perf_prepare_events(ci, p);
	if (ret)
		goto out_free;
	p->series = perf_series_new();
	p->tm.interval_s = interval_ms / 1000.0;
	p->tm.ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	ret = perf_launch(ci, p, interval_ms);
	if (ret)
		goto out_free;
	ret = col_thread_start(&p->reader, perf_reader, p);
	if (ret) {
		col_fail(ci, "cannot start the reader thread: %s", strerror(-ret));
		goto out_free;
	}
	p->reader_started = true;
	fputs("t,event,count,interval_s,partial\n", ci->out);
	ci->priv = p;
	return 0;
out_free:
	perf_free(p);
	return ret;
}

/* SIGINT: perf prints the interval in progress and exits; killed if it does not */
static void perf_stop(struct perf_priv *p)
{
	double start = mmab_now();

	if (p->pid <= 0)	/* kill(0, ...) would signal our whole process group */
		return;
	kill(p->pid, SIGINT);
	while (!perf_exited(p, NULL)) {
		if (mmab_now() - start > PERF_STOP_TIMEOUT_S) {
			mmab_warn("perf: 'perf stat' ignored SIGINT for %.0f s; killed",
				  PERF_STOP_TIMEOUT_S);
			perf_kill(p);
			return;
		}
		usleep(5000);
	}
}

static int perf_close(struct collector_inst *ci, double t)
{
	struct perf_priv *p = ci->priv;
	struct perf_result res;
	int ret, status = 0;

	(void)t;
	if (!p)
		return 0;
	if (p->pid > 0 && perf_exited(p, &status)) {
		/* a SIGINT from the terminal reached perf too: nothing to say */
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGINT)
			mmab_warn("perf: 'perf stat' stopped before the iteration's end (%s %d)",
				  WIFSIGNALED(status) ? "signal" : "exit status",
				  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
	perf_stop(p);
	if (p->reader_started) {
		if (write(p->wake[1], "x", 1) < 0)
			mmab_warn("perf: cannot wake the reader: %s", strerror(errno));
		pthread_join(p->reader, NULL);
	}
	/* read now: the iteration's t0 may be set after the collectors open */
	p->tm.t0 = ci->t0;
	ret = perf_series_write(p->series, ci->out, &p->tm, &res);
	ci->samples = res.intervals;
	for (char *const *u = perf_series_unsupported(p->series); *u; u++) {
		char *key = xasprintf("perf:unsupported:%s", *u);

		col_warn_once(key, "perf: event '%s' is not supported here; not counted", *u);
		free(key);
	}
	if (p->bad_lines)
		mmab_warn("perf: %u line(s) of perf's output did not parse", p->bad_lines);
	if (res.align_err_s > p->tm.interval_s / 4)
		mmab_warn("perf: interval times uncertain by %.0f ms (perf read its counters "
			  "late: a busy machine?)", res.align_err_s * 1e3);
	if (ret)
		col_fail(ci, "cannot write perf.csv: %s", strerror(-ret));
	ci->priv = NULL;
	perf_free(p);
	return ret;
}

static int perf_available(char *why, size_t whylen)
{
	if (!mmab_found("perf")) {
		snprintf(why, whylen, "perf is not installed (Debian: linux-perf)");
		return -ENOENT;
	}
	if (!col_tracefs_supported()) {
		snprintf(why, whylen, "this kernel has no tracefs");
		return -ENODEV;
	}
	/* system-wide tracepoint counts need tracefs, which only root may read */
	if (!mmab_is_root()) {
		snprintf(why, whylen, "needs root (system-wide tracepoint counts)");
		return -EPERM;
	}
	return 0;
}

const struct collector col_perf = {
	.name = "perf",
	.summary = "perf stat -a -I: tracepoint and software event counts per interval",
	.flags = COL_ASYNC | COL_NEEDS_ROOT | COL_DEFAULT,
	.default_interval_ms = PERF_DEFAULT_INTERVAL_MS,
	.available = perf_available,
	.open = perf_open,
	.close = perf_close,
	.check_cfg = perf_check_cfg,
};

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sampler: one thread per iteration drives every periodic collector
 * from an absolute clock.  Each collector has its own period; its k-th
 * sample is due at t0 + k * period exactly (a timerfd armed with
 * TFD_TIMER_ABSTIME on CLOCK_MONOTONIC), so time spent sampling never shifts
 * the next deadline and intervals do not drift.  A tick that cannot be
 * sampled within half a period of its time is skipped: the collector stays
 * on the grid rather than sampling in a burst.  Samples at t=0 and at the end are taken
 * synchronously by sampler_start and sampler_stop, so first-to-last deltas
 * cover the iteration exactly whatever the interval.
 *
 * CSVs go through stdio with a large buffer flushed every FLUSH_NS by the
 * sampler thread (a crash loses at most that much) and at the end.
 * Asynchronous collectors (perf, stalls) only get open() at the start and
 * close() at the end: they run their own reader and flush their own CSV.
 * A collector that cannot run, fails to open or fails later is reported
 * once, dropped, and the others go on.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "collectors/sampler.h"
#include "lib/mmab.h"

#define NSEC 1000000000ull
#define FLUSH_NS (2 * NSEC)		/* how much a crash may lose */
#define OUT_BUFSZ (256 * 1024)		/* stdio buffer per CSV */
#define SLICE_NS 100000ull		/* EEVDF slice asked when not real-time */

struct slot {
	struct collector_inst ci;
	char *path;			/* <dir>/<name>.csv */
	char *iobuf;
	uint64_t period_ns;
	uint64_t next_ns;		/* next deadline, on the t0 + k * period grid */
	bool opened;			/* open() succeeded: close() is owed */
	bool active;			/* periodic and still sampling */
	unsigned long missed;		/* ticks skipped because a sample came too late */
	char why[320];			/* why it was dropped; empty while fine */
};

struct sampler {
	size_t n;
	struct slot *slots;
	size_t *order;			/* slots by period, shortest first */
	uint64_t t0_ns;
	int tfd;
	pthread_t thread;
	bool running;
	atomic_int stop;
	bool rt;			/* the thread runs SCHED_FIFO */
	uint64_t duty_start, busy_ns;	/* time sampling in the current second */
	int err;			/* first -errno */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static double since_t0(const struct sampler *s, uint64_t ns)
{
	return (double)(ns - s->t0_ns) / 1e9;
}

static bool periodic(const struct slot *sl)
{
	return sl->ci.c->flags & COL_PERIODIC;
}

/*
 * Record why SL stops, report it once (the only report: the runner adds
 * none), with the iteration it happened in, and remember the first error.
 */
static void slot_drop(struct sampler *s, struct slot *sl, int err, const char *what)
{
	const char *detail = sl->ci.err[0] ? sl->ci.err : strerror(err < 0 ? -err : EIO);

	snprintf(sl->why, sizeof(sl->why), "%s", detail);
	mmab_warn("collector '%s' %s in %s: %s", sl->ci.c->name, what, sl->ci.dir, sl->why);
	sl->active = false;
	if (!s->err)
		s->err = err < 0 ? err : -EIO;
}

static void slot_sample(struct sampler *s, struct slot *sl)
{
	uint64_t t = now_ns();
	int r;

	sl->ci.err[0] = '\0';
	r = sl->ci.c->sample(&sl->ci, since_t0(s, t));
	if (r) {
		char what[64];

		/* the stdio buffer filled up and its write failed: say which file */
		if (ferror(sl->ci.out) && !sl->ci.err[0])
			snprintf(sl->ci.err, sizeof(sl->ci.err), "cannot write '%s'", sl->path);

		snprintf(what, sizeof(what), "stopped at t=%.3f s", since_t0(s, t));
		slot_drop(s, sl, r, what);
		return;
	}
	sl->ci.samples++;
}

/* Create <dir>/<name>.csv with a large stdio buffer. */
static int slot_create_out(struct slot *sl, const char *dir)
{
	int fd, e;

	sl->path = xasprintf("%s/%s.csv", dir, sl->ci.c->name);
	fd = open(sl->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	sl->ci.out = fdopen(fd, "w");
	if (!sl->ci.out) {
		e = errno;
		close(fd);
		return -e;
	}
	sl->iobuf = xmalloc(OUT_BUFSZ);
	setvbuf(sl->ci.out, sl->iobuf, _IOFBF, OUT_BUFSZ);
	return 0;
}

/*
 * Close SL's CSV; 0 or -errno of a failed write, reported here unless SL
 * was already dropped for it.
 */
static int slot_close_out(struct slot *sl, bool remove)
{
	int ret = 0;

	if (sl->ci.out) {
		bool bad = ferror(sl->ci.out);

		if (fclose(sl->ci.out) || bad) {
			ret = bad ? -EIO : -errno;
			if (!remove && !sl->why[0])
				mmab_err("cannot write '%s': %s", sl->path, strerror(-ret));
		}
		sl->ci.out = NULL;
	}
	if (remove && sl->path)
		unlink(sl->path);
	free(sl->iobuf);
	sl->iobuf = NULL;
	return ret;
}

/* Flush every periodic CSV; a failed write drops its collector. */
static void flush_all(struct sampler *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct slot *sl = &s->slots[i];

		if (!sl->active || !sl->ci.out)
			continue;
		if (fflush(sl->ci.out) || ferror(sl->ci.out)) {
			int e = errno ? errno : EIO;

			snprintf(sl->ci.err, sizeof(sl->ci.err), "cannot write '%s': %s", sl->path,
				 strerror(e));
			slot_drop(s, sl, -e, "stopped");
		}
	}
}

/*
 * How the sampler thread is scheduled decides how late a sample can be when
 * the workload keeps every CPU busy.  As root it runs SCHED_FIFO at the
 * lowest real-time priority: it then preempts the workload at once, for the
 * ~0.1 ms a tick takes (the CPU it uses is the same, only when changes).
 * Otherwise, or if that fails, it asks EEVDF for a 100 us slice (Linux
 * 6.12+, no privilege needed, ignored by older kernels): a short slice gives
 * it an earlier deadline, so it usually preempts too (README.md has what
 * each choice costs in sample lateness).
 */
static bool realtime(void)
{
	struct sched_param sp = { .sched_priority = 1 };

	return pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
}

static void short_slice(void)
{
	/* struct sched_attr, SCHED_ATTR_SIZE_VER0 (glibc 2.36 has no wrapper) */
	struct {
		uint32_t size, sched_policy;
		uint64_t sched_flags;
		int32_t sched_nice;
		uint32_t sched_priority;
		uint64_t sched_runtime, sched_deadline, sched_period;
	} a = {
		.size = sizeof(a),
		.sched_policy = SCHED_OTHER,
		.sched_runtime = SLICE_NS,
	};

	a.sched_nice = (int32_t)getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
	syscall(SYS_sched_setattr, 0, &a, 0);
}

/*
 * A real-time thread busy more than half the time (intervals set very
 * short, costly collectors) would starve the CPU it runs on: measured over
 * each second, it then goes back to normal scheduling for the rest of the
 * iteration.  BUSY_NS is the time the last tick took.
 */
static void check_duty(struct sampler *s, uint64_t now, uint64_t busy_ns)
{
	struct sched_param sp = { .sched_priority = 0 };

	s->busy_ns += busy_ns;
	if (now - s->duty_start < NSEC)
		return;
	if (s->busy_ns * 2 > now - s->duty_start) {
		pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
		short_slice();
		s->rt = false;
		mmab_info("sampler: busy %.0f%% of the last second; no longer real-time",
			  100.0 * (double)s->busy_ns / (double)(now - s->duty_start));
	}
	s->duty_start = now;
	s->busy_ns = 0;
}

/* Arm the timer for the earliest tick due (disarmed when no slot is active). */
static void arm_next(struct sampler *s)
{
	struct itimerspec its = { 0 };
	uint64_t due = UINT64_MAX;

	for (size_t i = 0; i < s->n; i++)
		if (s->slots[i].active && s->slots[i].next_ns < due)
			due = s->slots[i].next_ns;
	if (due != UINT64_MAX) {
		its.it_value.tv_sec = (time_t)(due / NSEC);
		its.it_value.tv_nsec = (long)(due % NSEC);
	}
	/* Disarmed when nothing is left to sample: only sampler_stop wakes us. */
	timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Sample every slot due at NOW, skipping ticks too late to take. */
static void sample_due(struct sampler *s, uint64_t now)
{
	for (size_t i = 0; i < s->n; i++) {
		struct slot *sl = &s->slots[s->order[i]];
		uint64_t done;

		if (!sl->active || sl->next_ns > now)
			continue;
		slot_sample(s, sl);
		sl->next_ns += sl->period_ns;
		done = now_ns();
		if (sl->next_ns + sl->period_ns / 2 <= done) {
			/*
			 * More than half a period late for the next tick: skip to
			 * the first tick that is not, rather than sample in a burst.
			 */
			uint64_t k = (done - s->t0_ns - sl->period_ns / 2) / sl->period_ns + 1;
			uint64_t next = s->t0_ns + k * sl->period_ns;

			sl->missed += (next - sl->next_ns) / sl->period_ns;
			sl->next_ns = next;
		}
	}
}

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	uint64_t next_flush = s->t0_ns + FLUSH_NS;

	/* Default timer slack (50 us) would be added to every wake-up. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	s->rt = realtime();
	if (!s->rt)
		short_slice();
	s->duty_start = now_ns();
	for (;;) {
		uint64_t ticks, now;
		ssize_t n;

		arm_next(s);
		/*
		 * sampler_stop sets stop, then arms the timer to fire at once.  Checked
		 * after our own arming, so whichever comes first, we do not sleep
		 * through a stop.
		 */
		if (atomic_load(&s->stop))
			break;
		do {
			n = read(s->tfd, &ticks, sizeof(ticks));
		} while (n < 0 && errno == EINTR);
		if (atomic_load(&s->stop))
			break;
		now = now_ns();
		sample_due(s, now);
		if (now >= next_flush) {
			flush_all(s);
			next_flush += FLUSH_NS * ((now - next_flush) / FLUSH_NS + 1);
		}
		if (s->rt) {
			uint64_t done = now_ns();

			check_duty(s, done, done - now);
		}
	}
	return NULL;
}

/* Close every opened collector, then every CSV; the first error goes to s->err. */
static void close_all(struct sampler *s, uint64_t t)
{

	for (size_t i = 0; i < s->n; i++) {
		struct slot *sl = &s->slots[i];
		int r;

		if (!sl->opened)
			continue;
		sl->ci.err[0] = '\0';
		r = sl->ci.c->close(&sl->ci, since_t0(s, t));
		sl->opened = false;
		sl->active = false;
		if (r)
			slot_drop(s, sl, r, "failed to finish");
	}
	for (size_t i = 0; i < s->n; i++) {
		int r = slot_close_out(&s->slots[i], false);

		if (r && !s->err)
			s->err = r;
	}
}

static void sampler_free(struct sampler *s)
{
	if (s->tfd >= 0)
		close(s->tfd);
	for (size_t i = 0; i < s->n; i++)
		free(s->slots[i].path);
	free(s->slots);
	free(s->order);
	free(s);
}

/* Open one configured collector: its CSV, then the collector itself. */
static int slot_open(struct sampler *s, struct slot *sl, const char *dir)
{
	const struct collector *c = sl->ci.c;
	char why[256] = "";
	int r;

	for (struct slot *o = s->slots; o < sl; o++) {
		if (o->ci.c == c) {
			snprintf(sl->why, sizeof(sl->why), "configured twice");
			mmab_warn("collector '%s' skipped: %s", c->name, sl->why);
			return 0;
		}
	}
	if (c->available && c->available(why, sizeof(why))) {
		snprintf(sl->why, sizeof(sl->why), "%s", why[0] ? why : "not available here");
		mmab_warn("collector '%s' skipped: %s", c->name, sl->why);
		return 0;
	}
	r = slot_create_out(sl, dir);
	if (r) {
		/* Not the collector's fault: the iteration directory is unusable. */
		mmab_err("cannot create '%s': %s", sl->path, strerror(-r));
		return r;
	}
	sl->ci.err[0] = '\0';
	r = c->open(&sl->ci);
	if (r) {
		int err = s->err;

		slot_drop(s, sl, r, "not started");
		s->err = err;	/* reported and dropped: not an error of the run */
		slot_close_out(sl, true);
		return 0;
	}
	sl->opened = true;
	sl->active = periodic(sl);
	return 0;
}

/* The slots of CFGS (NCFG of them), and the order they are sampled in when due together. */
static void sampler_slots(struct sampler *s, const char *dir, const struct collector_cfg *cfgs,
			  size_t ncfg)
{
	s->n = ncfg;
	s->slots = xcalloc(ncfg, sizeof(*s->slots));
	for (size_t i = 0; i < ncfg; i++) {
		struct slot *sl = &s->slots[i];
		unsigned ms = cfgs[i].interval_ms ? cfgs[i].interval_ms
						  : cfgs[i].c->default_interval_ms;

		sl->ci.c = cfgs[i].c;
		sl->ci.cfg = &cfgs[i];
		sl->ci.interval_ms = ms ? ms : 1000;
		sl->ci.dir = dir;
		sl->period_ns = (uint64_t)sl->ci.interval_ms * 1000000ull;
	}
	/*
	 * When several are due at once, the short-interval ones go first: they
	 * are the cheap ones (slabinfo and pagetypeinfo cost the kernel a walk
	 * of its lists) and the ones whose timing matters most.
	 */
	s->order = xcalloc(ncfg, sizeof(*s->order));
	for (size_t i = 0; i < ncfg; i++) {
		size_t j = i;

		while (j && s->slots[s->order[j - 1]].period_ns > s->slots[i].period_ns) {
			s->order[j] = s->order[j - 1];
			j--;
		}
		s->order[j] = i;
	}
}

/* The sampler thread, which takes no signals: the runner's handlers run elsewhere. */
static int sampler_thread(struct sampler *s)
{
	sigset_t all, old;
	int ret;

	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (s->tfd < 0) {
		ret = -errno;
		mmab_err("cannot create the sampler's timer: %s", strerror(-ret));
		return ret;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = -pthread_create(&s->thread, NULL, sampler_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		mmab_err("cannot start the sampler thread: %s", strerror(-ret));
	return ret;
}

int sampler_start(struct sampler **sp, const char *dir, const struct collector_cfg *cfgs,
		  size_t ncfg)
{
	struct sampler *s = xcalloc(1, sizeof(*s));
	int ret = 0;

	*sp = NULL;
	s->tfd = -1;
	sampler_slots(s, dir, cfgs, ncfg);
	/* Periodic collectors first: the t=0 sample follows them at once. */
	for (size_t i = 0; i < ncfg && !ret; i++)
		if (periodic(&s->slots[i]))
			ret = slot_open(s, &s->slots[i], dir);
	if (ret)
		goto out_close;

	s->t0_ns = now_ns();
	for (size_t i = 0; i < ncfg; i++) {
		struct slot *sl = &s->slots[s->order[i]];

		sl->ci.t0 = (double)s->t0_ns / 1e9;
		sl->next_ns = s->t0_ns + sl->period_ns;
		if (sl->active)
			slot_sample(s, sl);
	}
	/* Async collectors start now, their times relative to the same t0. */
	for (size_t i = 0; i < ncfg && !ret; i++)
		if (!periodic(&s->slots[i]))
			ret = slot_open(s, &s->slots[i], dir);
	if (!ret)
		ret = sampler_thread(s);
	if (ret)
		goto out_close;
	s->running = true;
	*sp = s;
	return 0;
out_close:
	close_all(s, now_ns());
	sampler_free(s);
	return ret;
}

int sampler_stop(struct sampler *s)
{
	uint64_t end;
	int ret;

	if (!s)
		return 0;
	if (s->running) {
		struct itimerspec now = { .it_value = { 0, 1 } };

		atomic_store(&s->stop, 1);
		timerfd_settime(s->tfd, 0, &now, NULL);
		pthread_join(s->thread, NULL);
		s->running = false;
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->slots[s->order[i]].active)
			slot_sample(s, &s->slots[s->order[i]]);
	end = now_ns();
	for (size_t i = 0; i < s->n; i++)
		if (s->slots[i].missed)
			mmab_info("collector '%s' skipped %lu of its ticks in %s (samples came "
				  "too late)", s->slots[i].ci.c->name, s->slots[i].missed,
				  s->slots[i].ci.dir);
	close_all(s, end);
	ret = s->err;
	sampler_free(s);
	return ret;
}

const char *sampler_status(const struct sampler *s, size_t i)
{
	if (!s || i >= s->n)
		return NULL;
	return s->slots[i].why[0] ? s->slots[i].why : NULL;
}

void sampler_record_dropped(json_t *col_meta, const struct collector_cfg *cols, size_t n,
			   const struct sampler *s)
{
	for (size_t i = 0; i < n; i++) {
		const char *why = s ? sampler_status(s, i) : "the sampler could not start";

		for (size_t k = 0; why && k < json_array_size(col_meta); k++) {
			json_t *c = json_array_get(col_meta, k);
			const char *name = json_string_value(json_object_get(c, "name"));
			const char *st = json_string_value(json_object_get(c, "status"));

			if (name && st && !strcmp(name, cols[i].c->name) && !strcmp(st, "ok"))
				json_object_set_new(c, "status", json_string(why));
		}
	}
}

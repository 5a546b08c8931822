/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `stalls` collector: one row per completed stall of a task in the
 * memory manager, `t,event,pid,duration_us` in stalls.csv (results/README.md),
 * from tracepoints read through libtracefs:
 *
 *   direct_reclaim       vmscan:mm_vmscan_direct_reclaim_begin/_end
 *   memcg_reclaim        vmscan:mm_vmscan_memcg_reclaim_begin/_end
 *   compaction           compaction:mm_compaction_begin/_end (one compact_zone()
 *                        run; "compaction_kthread" when a kernel thread ran it:
 *                        kcompactd, khugepaged)
 *   balance_dirty_pages  writeback:balance_dirty_pages, its `pause` field (ms,
 *                        jiffies resolution): the sleep the task is sent into
 *   throttled            vmscan:mm_vmscan_throttled, its `usec_delayed` field
 *                        (µs, jiffies resolution): the sleep just taken
 *
 * The events go to a tracefs instance of our own (the user's top-level
 * tracing is never touched), named so that one left by a crashed mmab is
 * recognised and removed at the next open.  Its trace clock is "mono", so
 * event times are CLOCK_MONOTONIC, the clock of the iteration's t0: t is
 * exact.  A reader thread drains the per-CPU buffers every interval (100 ms
 * by default) and pairs begins with ends per task; buffers are sized so a
 * reclaim storm does not fill them between reads, and what the kernel had
 * to drop anyway is counted and reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tracefs/tracefs.h>

#include "collectors/collector.h"
#include "collectors/stalls.h"
#include "collectors/tracing.h"
#include "lib/journal.h"
#include "lib/mmab.h"

#define STALLS_DEFAULT_INTERVAL_MS 100
/* per-CPU buffer: 2 MiB holds ~40k events, 64 MiB in all at most */
#define STALLS_BUF_KB_MAX 2048
#define STALLS_BUF_KB_MIN 256
#define STALLS_BUF_KB_TOTAL (64 * 1024)
#define PF_KTHREAD_FLAG 0x00200000	/* include/linux/sched.h PF_KTHREAD */

enum stall_kind { K_DIRECT, K_MEMCG, K_COMPACTION, K_BDP, K_THROTTLED, K_N };

struct stall_def {
	const char *kind, *sys, *begin, *end;	/* end NULL: one event per stall */
	const char *field;			/* its duration field */
	double field_us;			/* microseconds per unit of the field */
	bool ahead;				/* fired before the sleep it reports */
};

static const struct stall_def stall_defs[K_N] = {
	[K_DIRECT] = { "direct_reclaim", "vmscan", "mm_vmscan_direct_reclaim_begin",
		       "mm_vmscan_direct_reclaim_end", NULL, 0, false },
	[K_MEMCG] = { "memcg_reclaim", "vmscan", "mm_vmscan_memcg_reclaim_begin",
		      "mm_vmscan_memcg_reclaim_end", NULL, 0, false },
	[K_COMPACTION] = { "compaction", "compaction", "mm_compaction_begin",
			   "mm_compaction_end", NULL, 0, false },
	/* pause = jiffies * 1000 / HZ, traced just before io_schedule_timeout(pause) */
	[K_BDP] = { "balance_dirty_pages", "writeback", "balance_dirty_pages", NULL, "pause",
		    1000, true },
	/* usec_delayed = jiffies_to_usecs(timeout - remaining), traced after the sleep */
	[K_THROTTLED] = { "throttled", "vmscan", "mm_vmscan_throttled", NULL, "usec_delayed", 1,
			  false },
};

const char *const stalls_default_kinds[] = {
	"direct_reclaim", "memcg_reclaim", "compaction", "balance_dirty_pages", "throttled", NULL
};

/* ---- begin/end pairing ---- */

struct open_stall {
	int kind, pid, cpu;
	uint64_t ts;
};

struct stalls_pairer {
	void *root;		/* tsearch tree of struct open_stall */
	struct stalls_counts c;
};

static int open_cmp(const void *a, const void *b)
{
	const struct open_stall *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

struct stalls_pairer *stalls_pairer_new(void)
{
	return xcalloc(1, sizeof(struct stalls_pairer));
}

void stalls_pairer_free(struct stalls_pairer *p)
{
	if (!p)
		return;
	tdestroy(p->root, free);
	free(p);
}

void stalls_begin(struct stalls_pairer *p, int kind, int pid, int cpu, uint64_t ts)
{
	struct open_stall *key = xmalloc(sizeof(*key)), **found;

	*key = (struct open_stall){ kind, pid, pid ? -1 : cpu, ts };
	found = tsearch(key, &p->root, open_cmp);
	if (!found)
		abort();	/* tsearch only fails without memory */
	if (*found != key) {
		(*found)->ts = ts;
		p->c.replaced++;
		free(key);
		return;
	}
	p->c.open++;
}

bool stalls_end(struct stalls_pairer *p, int kind, int pid, int cpu, uint64_t ts,
		uint64_t *begin)
{
	struct open_stall key = { kind, pid, pid ? -1 : cpu, ts }, **found, *o;

	found = tfind(&key, &p->root, open_cmp);
	if (!found) {
		p->c.unmatched++;
		return false;
	}
	o = *found;
	*begin = o->ts;
	tdelete(&key, &p->root, open_cmp);
	free(o);
	p->c.open--;
	return true;
}

void stalls_pairer_counts(const struct stalls_pairer *p, struct stalls_counts *c)
{
	*c = p->c;
}

/* ---- instance names ---- */

/* field N (1-based, N >= 3) of /proc/PID/stat */
static int proc_stat_field(int pid, int n, unsigned long long *val)
{
	char path[64], *buf, *p;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	ret = mmab_read_file(path, &buf, NULL);
	if (ret)
		return ret;
	/* the command name may hold spaces and parentheses: start after the last ')' */
	p = strrchr(buf, ')');
	ret = -EINVAL;
	for (int i = 2; p && i < n; i++)
		p = strchr(p + 1, ' ');
	if (p && sscanf(p + 1, "%llu", val) == 1)
		ret = 0;
	free(buf);
	return ret;
}

int stalls_instance_name(char *buf, size_t len, unsigned seq)
{
	unsigned long long start;
	int ret = proc_stat_field(getpid(), 22, &start);

	if (ret)
		return ret;
	snprintf(buf, len, "mmab-%d-%llu-%u", (int)getpid(), start, seq);
	return 0;
}

bool stalls_instance_stale(const char *name)
{
	unsigned long long start, now;
	unsigned seq;
	int pid, end = 0;

	if (sscanf(name, "mmab-%d-%llu-%u%n", &pid, &start, &seq, &end) != 3 || name[end] ||
	    pid <= 0)
		return false;
	return proc_stat_field(pid, 22, &now) || now != start;
}

/* ---- the collector ---- */

enum { ROLE_BEGIN, ROLE_END, ROLE_ONE };

struct stalls_hook {
	int id, kind, role;
	struct tep_format_field *field;
};

struct kthread_entry {
	int pid;
	bool kthread;
};

struct stalls_priv {
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	struct stalls_hook hooks[2 * K_N];
	size_t nhooks;
	struct stalls_pairer *pairer;
	void *kthreads;			/* tsearch tree of struct kthread_entry */
	const struct collector_inst *ci;	/* its out and t0 (t0 may be set after open) */
	unsigned interval_ms;
	int wake[2];
	pthread_t reader;
	bool reader_started, tracefs_ref;
	uint64_t rows, bad;
};

static int kthread_cmp(const void *a, const void *b)
{
	const struct kthread_entry *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* is PID a kernel thread?  (asked once per pid; a task gone by then counts as a user task) */
static bool is_kthread(struct stalls_priv *p, int pid)
{
	struct kthread_entry key = { .pid = pid }, *e, **found;
	unsigned long long flags;

	found = tfind(&key, &p->kthreads, kthread_cmp);
	if (found)
		return (*found)->kthread;
	e = xmalloc(sizeof(*e));
	e->pid = pid;
	e->kthread = pid == 0 || (proc_stat_field(pid, 9, &flags) == 0 && (flags & PF_KTHREAD_FLAG));
	if (!tsearch(e, &p->kthreads, kthread_cmp))
		abort();
	return e->kthread;
}

static void emit(struct stalls_priv *p, int kind, int pid, uint64_t end_ns, double dur_us)
{
	const char *name = stall_defs[kind].kind;

	if (kind == K_COMPACTION && is_kthread(p, pid))
		name = "compaction_kthread";
	fprintf(p->ci->out, "%.9f,%s,%d,%.3f\n", (double)end_ns / 1e9 - p->ci->t0, name, pid,
		dur_us);
	p->rows++;
}

static int stalls_on_event(struct tep_event *ev, struct tep_record *rec, int cpu, void *ctx)
{
	struct stalls_priv *p = ctx;
	const struct stalls_hook *h = NULL;
	unsigned long long val;
	uint64_t begin;
	double dur_us;
	long long v;
	int pid;

	for (size_t i = 0; i < p->nhooks && !h; i++)
		if (p->hooks[i].id == ev->id)
			h = &p->hooks[i];
	if (!h)
		return 0;
	pid = tep_data_pid(p->tep, rec);
	switch (h->role) {
	case ROLE_BEGIN:
		stalls_begin(p->pairer, h->kind, pid, cpu, rec->ts);
		break;
	case ROLE_END:
		if (stalls_end(p->pairer, h->kind, pid, cpu, rec->ts, &begin))
			emit(p, h->kind, pid, rec->ts, rec->ts >= begin ? (rec->ts - begin) / 1e3 : 0);
		break;
	default:
		if (tep_read_number_field(h->field, rec->data, &val)) {
			p->bad++;
			break;
		}
		/* both fields are signed (long pause, int usec_delayed) */
		v = h->field->size == 4 ? (long long)(int32_t)val : (long long)val;
		if (v <= 0)	/* balance_dirty_pages traces "no pause" as 0 or less */
			break;
		dur_us = (double)v * stall_defs[h->kind].field_us;
		emit(p, h->kind, pid,
		     rec->ts + (stall_defs[h->kind].ahead ? (uint64_t)(dur_us * 1e3) : 0), dur_us);
		break;
	}
	return 0;
}

static void *stalls_reader(void *arg)
{
	struct stalls_priv *p = arg;
	struct pollfd pfd = { .fd = p->wake[0], .events = POLLIN };

	for (;;) {
		tracefs_iterate_raw_events(p->tep, p->inst, NULL, 0, stalls_on_event, p);
		if (poll(&pfd, 1, (int)p->interval_ms) > 0)
			break;
	}
	/* no new events, then what is left */
	tracefs_trace_off(p->inst);
	tracefs_iterate_raw_events(p->tep, p->inst, NULL, 0, stalls_on_event, p);
	return NULL;
}

/* events the kernel dropped or overwrote, summed over the CPUs */
static uint64_t stalls_lost(struct stalls_priv *p)
{
	/* at line starts: "commit overrun:" is another counter */
	static const char *const keys[] = { "\noverrun:", "\ndropped events:" };
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	uint64_t lost = 0;

	for (long cpu = 0; cpu < ncpu; cpu++) {
		char file[64], *s;

		snprintf(file, sizeof(file), "per_cpu/cpu%ld/stats", cpu);
		s = tracefs_instance_file_read(p->inst, file, NULL);
		if (!s)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			const char *at = strstr(s, keys[k]);

			if (at)
				lost += strtoull(at + strlen(keys[k]), NULL, 10);
		}
		free(s);
	}
	return lost;
}

static int collect_stale(const char *name, void *ctx)
{
	char ***list = ctx;
	size_t n = col_events_count(*list);

	if (stalls_instance_stale(name)) {
		*list = xrealloc(*list, (n + 2) * sizeof(**list));
		(*list)[n] = xstrdup(name);
		(*list)[n + 1] = NULL;
	}
	return 0;
}

/* remove the instances crashed mmab processes left behind */
static void remove_stale_instances(void)
{
	char **stale = xcalloc(1, sizeof(*stale));

	tracefs_instances_walk(collect_stale, &stale);
	for (size_t i = 0; stale[i]; i++) {
		struct tracefs_instance *inst = tracefs_instance_alloc(NULL, stale[i]);

		if (inst && tracefs_instance_destroy(inst) == 0)
			mmab_info("stalls: removed tracefs instance '%s' left by a crashed mmab",
				  stale[i]);
		tracefs_instance_free(inst);
	}
	col_events_free(stale);
}

static void stalls_free(struct stalls_priv *p)
{
	if (p->inst) {
		if (tracefs_instance_destroy(p->inst))
			mmab_warn("stalls: cannot remove tracefs instance '%s': %s (the next run "
				  "removes it)", tracefs_instance_get_name(p->inst), strerror(errno));
		tracefs_instance_free(p->inst);
	}
	if (p->tep)
		tep_free(p->tep);
	if (p->tracefs_ref)
		col_tracefs_put();
	for (int i = 0; i < 2; i++)
		if (p->wake[i] >= 0)
			close(p->wake[i]);
	stalls_pairer_free(p->pairer);
	tdestroy(p->kthreads, free);
	free(p);
}

/* A new instance, journaled in J (when not NULL) before it is made in TDIR. */
static struct tracefs_instance *create_instance(struct journal *j, const char *tdir)
{
	static unsigned seq;
	struct tracefs_instance *inst;
	char name[128];
	int ret;

	if (stalls_instance_name(name, sizeof(name), __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED)))
		return NULL;
	if (j) {
		char *path = xasprintf("%s/instances/%s", tdir, name);

		ret = journal_add_tracefs(j, path);
		free(path);
		if (ret) {
			errno = -ret;
			return NULL;
		}
	}
	inst = tracefs_instance_create(name);
	if (inst && !tracefs_instance_is_new(inst)) {
		/* ours by name, yet there already: not ours to take over */
		tracefs_instance_free(inst);
		errno = EEXIST;
		return NULL;
	}
	return inst;
}

/* hook up and enable KIND's events; false (reported once) when this kernel lacks one */
static bool enable_kind(struct stalls_priv *p, int kind)
{
	const struct stall_def *d = &stall_defs[kind];
	const char *names[2] = { d->begin, d->end };
	struct tep_event *ev[2] = { NULL, NULL };
	struct tep_format_field *f = NULL;

	for (int i = 0; i < 2 && names[i]; i++) {
		ev[i] = tep_find_event_by_name(p->tep, d->sys, names[i]);
		if (!ev[i] || !tracefs_event_file_exists(p->inst, d->sys, names[i], "enable")) {
			char *key = xasprintf("stalls:missing:%s:%s", d->sys, names[i]);

			col_warn_once(key, "stalls: this kernel has no tracepoint '%s:%s'; %s "
				      "stalls are not recorded", d->sys, names[i], d->kind);
			free(key);
			return false;
		}
	}
	if (d->field) {
		f = tep_find_field(ev[0], d->field);
		if (!f || (f->size != 4 && f->size != 8)) {
			char *key = xasprintf("stalls:field:%s", d->begin);

			col_warn_once(key, "stalls: '%s:%s' has no numeric field '%s' here; %s "
				      "stalls are not recorded", d->sys, d->begin, d->field, d->kind);
			free(key);
			return false;
		}
	}
	for (int i = 0; i < 2 && names[i]; i++) {
		if (tracefs_event_enable(p->inst, d->sys, names[i])) {
			mmab_warn("stalls: cannot enable '%s:%s': %s", d->sys, names[i],
				  strerror(errno));
			tracefs_event_disable(p->inst, d->sys, d->begin);
			return false;
		}
	}
	if (d->field) {
		p->hooks[p->nhooks++] = (struct stalls_hook){ ev[0]->id, kind, ROLE_ONE, f };
	} else {
		p->hooks[p->nhooks++] = (struct stalls_hook){ ev[0]->id, kind, ROLE_BEGIN, NULL };
		p->hooks[p->nhooks++] = (struct stalls_hook){ ev[1]->id, kind, ROLE_END, NULL };
	}
	return true;
}

static int stalls_check_cfg(const struct collector_cfg *cfg, char *why, size_t whylen)
{
	char **kinds;
	int ret = col_events_edit(stalls_default_kinds, cfg ? cfg->events : NULL,
				  stalls_default_kinds, &kinds, why, whylen);

	col_events_free(kinds);
	return ret;
}

/*
 * P's own tracefs instance under TDIR: journaled, on the mono clock, its
 * buffers sized, dropping new events when full.  0 or -errno (reported).
 */
static int stalls_instance(struct collector_inst *ci, struct stalls_priv *p, const char *tdir)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	size_t buf_kb = STALLS_BUF_KB_TOTAL / (size_t)(ncpu > 0 ? ncpu : 1);
	int ret;

	remove_stale_instances();
	p->inst = create_instance(ci->cfg ? ci->cfg->journal : NULL, tdir);
	if (!p->inst) {
		ret = -errno;
		col_fail(ci, "cannot create a tracefs instance: %s", strerror(-ret));
		return ret;
	}
	/* "mono" is CLOCK_MONOTONIC (ktime_get_mono_fast_ns): the clock of t0 */
	if (tracefs_instance_file_write(p->inst, "trace_clock", "mono") < 0) {
		col_fail(ci, "cannot set the trace clock to 'mono'");
		return -EINVAL;
	}
	if (buf_kb > STALLS_BUF_KB_MAX)
		buf_kb = STALLS_BUF_KB_MAX;
	if (buf_kb < STALLS_BUF_KB_MIN)
		buf_kb = STALLS_BUF_KB_MIN;
	if (tracefs_instance_set_buffer_size(p->inst, buf_kb, -1))
		mmab_warn("stalls: cannot size the trace buffers to %zu KiB per CPU", buf_kb);
	/* a full buffer drops new events rather than overwriting the begins of open stalls */
	tracefs_option_disable(p->inst, TRACEFS_OPTION_OVERWRITE);
	return 0;
}

/* Enable the KINDS asked for (those this kernel has), then tracing.  0 or -errno (reported). */
static int stalls_enable(struct collector_inst *ci, struct stalls_priv *p, const char *tdir,
			 char *const *kinds)
{
	static const char *const systems[] = { "vmscan", "compaction", "writeback", NULL };
	int ret;

	p->tep = tracefs_local_events_system(tdir, systems);
	if (!p->tep) {
		col_fail(ci, "cannot read the trace event formats under '%s'", tdir);
		return -EIO;
	}
	for (size_t i = 0; kinds[i]; i++)
		for (int k = 0; k < K_N; k++)
			if (!strcmp(kinds[i], stall_defs[k].kind))
				enable_kind(p, k);
	if (!p->nhooks) {
		col_fail(ci, "none of the stall tracepoints exists on this kernel");
		return -ENOENT;
	}
	errno = 0;
	if (tracefs_trace_on(p->inst) || pipe2(p->wake, O_CLOEXEC)) {
		ret = errno ? -errno : -EIO;
		col_fail(ci, "cannot start tracing: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

static int stalls_open(struct collector_inst *ci)
{
	struct stalls_priv *p = xcalloc(1, sizeof(*p));
	char why[512], **kinds = NULL;
	const char *tdir;
	int ret;

	p->wake[0] = p->wake[1] = -1;
	p->ci = ci;
	p->interval_ms = ci->interval_ms ? ci->interval_ms : STALLS_DEFAULT_INTERVAL_MS;
	p->pairer = stalls_pairer_new();
	ret = col_events_edit(stalls_default_kinds, ci->cfg ? ci->cfg->events : NULL,
			      stalls_default_kinds, &kinds, why, sizeof(why));
	if (ret) {
		col_fail(ci, "%s", why);
		goto out_free;
	}
	ret = col_tracefs_get(ci->cfg ? ci->cfg->journal : NULL, &tdir);
	if (ret) {
		col_fail(ci, "cannot mount tracefs: %s", strerror(-ret));
		goto out_free;
	}
	p->tracefs_ref = true;
	ret = stalls_instance(ci, p, tdir);
	if (!ret)
		ret = stalls_enable(ci, p, tdir, kinds);
	if (ret)
		goto out_free;
	fputs("t,event,pid,duration_us\n", ci->out);
	ret = col_thread_start(&p->reader, stalls_reader, p);
	if (ret) {
		col_fail(ci, "cannot start the reader thread: %s", strerror(-ret));
		goto out_free;
	}
	p->reader_started = true;
	col_events_free(kinds);
	ci->priv = p;
	return 0;
out_free:
	col_events_free(kinds);
	stalls_free(p);
	return ret;
}

static int stalls_close(struct collector_inst *ci, double t)
{
	struct stalls_priv *p = ci->priv;
	struct stalls_counts c;
	uint64_t lost;

	(void)t;
	if (!p)
		return 0;
	if (p->reader_started) {
		if (write(p->wake[1], "x", 1) < 0)
			mmab_warn("stalls: cannot wake the reader: %s", strerror(errno));
		pthread_join(p->reader, NULL);
	}
	lost = stalls_lost(p);
	stalls_pairer_counts(p->pairer, &c);
	ci->samples = p->rows;
	if (lost)
		mmab_warn("stalls: %llu trace events lost (buffers full); stalls.csv misses "
			  "some stalls", (unsigned long long)lost);
	if (c.open || c.unmatched || c.replaced)
		mmab_info("stalls: not counted: %llu stall(s) still running at the end, %llu "
			  "begun before the start, %llu whose end was lost",
			  (unsigned long long)c.open, (unsigned long long)c.unmatched,
			  (unsigned long long)c.replaced);
	if (p->bad)
		mmab_warn("stalls: %llu event(s) without a readable duration field",
			  (unsigned long long)p->bad);
	ci->priv = NULL;
	stalls_free(p);
	return ferror(ci->out) ? -EIO : 0;
}

static int stalls_available(char *why, size_t whylen)
{
	if (!col_tracefs_supported()) {
		snprintf(why, whylen, "this kernel has no tracefs");
		return -ENODEV;
	}
	if (!mmab_is_root()) {
		snprintf(why, whylen, "needs root (tracefs)");
		return -EPERM;
	}
	return 0;
}

const struct collector col_stalls = {
	.name = "stalls",
	.summary = "reclaim, compaction, dirty throttling stalls: one row per stall with its duration",
	.flags = COL_ASYNC | COL_NEEDS_ROOT | COL_DEFAULT,
	.default_interval_ms = STALLS_DEFAULT_INTERVAL_MS,
	.available = stalls_available,
	.open = stalls_open,
	.close = stalls_close,
	.check_cfg = stalls_check_cfg,
};

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One step of a run (runner/step.h): the variant's knobs, settling, the
 * ballast, the collectors and the workload child for one iteration, then
 * the rollback of everything the step journaled.  The ballast alone
 * outlives a step: locking most of memory anew costs seconds, so it is
 * kept while the next step wants the same effective size and the machine
 * still matches it.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "collectors/sampler.h"
#include "lib/journal.h"
#include "lib/machine.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "lib/resultset.h"
#include "runner/ballast.h"
#include "runner/child.h"
#include "runner/plan.h"
#include "runner/settle.h"
#include "runner/step.h"
#include "workloads/workload.h"

#define STEP_OVERHEAD_SETTLE 2.0	/* seconds: sync, drop, compact, idle wait */
#define BALLAST_S_PER_GIB 0.6		/* seconds to lock a GiB: README, "Cost" */
#define BALLAST_ADJUST_S 0.5		/* a kept ballast following MemAvailable back */

/* What a workload child gets. */
struct iter_arg {
	const struct suite_workload *sw;
	struct wl_ctx ctx;
	char *metrics_path;
	bool oom_first;		/* a ballast is in place: be the OOM killer's first choice */
};

static volatile int iter_stop;

static void iter_on_term(int sig)
{
	(void)sig;
	iter_stop = 1;
}

/* The size of the child's stderr (stderr.log), -1 when it is not a file. */
static off_t stderr_size(void)
{
	struct stat st;

	fflush(stderr);
	return fstat(STDERR_FILENO, &st) || !S_ISREG(st.st_mode) ? -1 : st.st_size;
}

/*
 * Call HOOK (setup or run) as the convention in workloads/workload.h has it:
 * -EOPNOTSUPP means this machine cannot run the workload, and WHY gets the
 * reason the hook gave (its last mmab_err; "" if none); any other error was
 * reported by the hook, which knows the context, and is reported here only
 * when the hook said nothing.
 */
static int call_hook(struct iter_arg *a, const char *name,
		     int (*hook)(struct wl_ctx *, void *), char *why, size_t whylen)
{
	unsigned long errs = mmab_err_count(NULL);
	const char *last;
	int ret = hook(&a->ctx, a->sw->opts);
	bool said = mmab_err_count(&last) != errs;

	if (ret == -EOPNOTSUPP)
		snprintf(why, whylen, "%s", said ? last : "");
	else if (ret && !said)
		mmab_err("%s: %s failed: %s", a->sw->id, name, strerror(ret < 0 ? -ret : ret));
	return ret;
}

/*
 * With a ballast, a global OOM must take the workload, not the holder (the
 * biggest process there is; the -1000 it asks for is refused where root
 * lacks CAP_SYS_RESOURCE, in some VM sandboxes) nor the runner.  Raising
 * needs no privilege, and fio, stress-ng and every process the workload
 * forks inherit it.  1000 outweighs any RSS.
 */
static int oom_first(void)
{
	int err = mmab_write_file("/proc/self/oom_score_adj", "1000");

	if (err)
		mmab_err("cannot write '/proc/self/oom_score_adj': %s", strerror(-err));
	return err;
}

/*
 * In the child, inside its cgroup: supported, setup, run, teardown (after a
 * setup that succeeded, whatever run returned).  Exit 4 with the reason as
 * the last line of stderr when the workload cannot run here, as
 * runner/child.h wants it.
 */
static int iter_child(void *arg)
{
	struct iter_arg *a = arg;
	const struct workload *wl = a->sw->wl;
	struct sigaction sa = { .sa_handler = iter_on_term };
	char why[1024] = "";
	FILE *metrics;
	off_t before = -1, after = -1;
	int ret = 0;

	/* the runner's timeout sends SIGTERM: wind down, the grace period follows */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	if (a->oom_first && oom_first())
		return MMAB_EXIT_FAIL;
	if (wl->supported && wl->supported(a->sw->opts, why, sizeof(why))) {
		fprintf(stderr, "%s\n", why[0] ? why : "not supported here");
		return MMAB_EXIT_SKIP;
	}
	metrics = fopen(a->metrics_path, "w");
	if (!metrics) {
		mmab_err("cannot create '%s': %s", a->metrics_path, strerror(errno));
		return MMAB_EXIT_FAIL;
	}
	fputs("metric,value,unit,direction,aggregate\n", metrics);
	fflush(metrics);
	a->ctx.metrics = metrics;
	a->ctx.stop = &iter_stop;
	if (wl->setup)
		ret = call_hook(a, "setup", wl->setup, why, sizeof(why));
	if (!ret) {
		if (wl->run)
			ret = call_hook(a, "run", wl->run, why, sizeof(why));
		before = stderr_size();
		if (wl->teardown)
			wl->teardown(&a->ctx, a->sw->opts);
		after = stderr_size();
	}
	if ((fflush(metrics) || ferror(metrics)) && !ret) {
		mmab_err("cannot write '%s': %s", a->metrics_path, strerror(errno));
		ret = -EIO;
	}
	fclose(metrics);
	if (ret == -EOPNOTSUPP) {
		/* the reason must be the last line: say it again if teardown spoke since */
		if (!why[0])
			fprintf(stderr, "%s: cannot run here (the workload gave no reason)\n",
				a->sw->id);
		else if (before != after)
			fprintf(stderr, "%s\n", why);
		return MMAB_EXIT_SKIP;
	}
	return ret ? MMAB_EXIT_FAIL : MMAB_EXIT_OK;
}

/* A line in the iteration's stderr.log about what the runner saw. */
static void iter_log(const char *dir, const char *fmt, ...) MMAB_PRINTF(2, 3);

static void iter_log(const char *dir, const char *fmt, ...)
{
	char *path = xasprintf("%s/stderr.log", dir);
	FILE *f = fopen(path, "a");
	va_list ap;

	if (f) {
		fputs("mmab: ", f);
		va_start(ap, fmt);
		vfprintf(f, fmt, ap);
		va_end(ap);
		fputc('\n', f);
		fclose(f);
	}
	free(path);
}

/* The runner could not prepare step S: said once, with the step, and recorded. */
static void fail_step(const struct step *s, struct step_record *rec, const char *what, int err)
{
	rec->row.status = "failed";
	snprintf(rec->reason, sizeof(rec->reason), "error");
	mmab_warn("%s: %s: %s", s->name, what, strerror(-err));
	iter_log(s->iter_dir, "%s: %s", what, strerror(-err));
	json_object_set_new(rec->info, "error", json_sprintf("%s: %s", what, strerror(-err)));
}

/*
 * Drift of MemAvailable from the effective size that still lets a ballast
 * be kept for the next step: what settling cannot make exact anyway
 * (per-CPU lists, the estimate's own slack), small against the size.
 */
#define BALLAST_DRIFT_WAIT_S 3.0

static uint64_t ballast_drift_allowed(uint64_t eff)
{
	uint64_t tol = eff / 32;

	return tol < (32ULL << 20) ? 32ULL << 20 : tol;
}

/*
 * Put the ballast for EFF in place (EFF 0: none), keeping the one already
 * there when it was made for the same size and MemAvailable is still within
 * ballast_drift_allowed() of EFF: locking most of a big machine anew costs
 * seconds a step (README, "Cost"), most of a small suite's time, and a
 * ballast that stays put also keeps the same physical pages out of play for
 * every iteration.  A
 * workload that left memory behind (or gave some back) shows as drift: the
 * holder is then asked to follow MemAvailable back (ballast_adjust(), well
 * under a second), and the ballast is made again only when that fails, so
 * every step starts with its effective size available.  *made says whether
 * it was (re)made.  The facts go into iteration.json.  0 or -errno.
 */
/*
 * Is the usable memory (MemAvailable and the per-CPU lists' free pages,
 * read into *AVAIL) within ballast_drift_allowed() of EFF?
 */
static bool ballast_fits(uint64_t eff, uint64_t *avail)
{
	*avail = mem_usable_bytes();
	return (*avail > eff ? *avail - eff : eff - *avail) <= ballast_drift_allowed(eff);
}

/* iteration.json's "ballast" and "effective_size_method": what ensure_ballast() did. */
static void record_ballast(const struct ballast *b, json_t *info, double seconds, bool reused,
			   bool adjusted, uint64_t avail_before)
{
	const char *method = ballast_method_name(b);

	json_object_set_new(info, "effective_size_method", method ? json_string(method) :
			    json_null());
	json_object_set_new(info, "ballast", json_pack("{s:s?, s:I, s:I, s:i, s:f, s:b, s:b, "
		"s:b, s:I, s:I}",
		"method", method,
		"bytes", (json_int_t)ballast_bytes(b),
		"offline_bytes", (json_int_t)ballast_offline_bytes(b),
		"offline_refused_blocks", (int)ballast_offline_refused(b),
		"seconds", seconds,
		"reused", reused,
		"adjusted", adjusted,
		"oom_protected", ballast_oom_protected(b),
		"usable_bytes_before", (json_int_t)avail_before,
		"usable_bytes_after", (json_int_t)mem_usable_bytes()));
}

static int ensure_ballast(struct step_env *r, uint64_t eff, json_t *info, bool *made)
{
	uint64_t avail, avail_before;
	bool fits, reused, adjusted = false;
	double adjust_s = 0;
	int ret;

	if (!eff) {
		ballast_stop(r->ballast);
		r->ballast = NULL;
		r->ballast_eff = 0;
		return 0;
	}
	/*
	 * What the last workload freed is on the per-CPU lists, where
	 * MemAvailable does not count it (lib/mem.h): without the drain it
	 * looks like drift for tens of seconds (6.7 and later).
	 */
	settle_drain_pcp(r->journal, NULL, NULL);
	fits = ballast_fits(eff, &avail);
	/* a holder killed since the last step (the OOM killer) is made anew */
	reused = r->ballast_eff == eff && r->ballast && ballast_alive(r->ballast);
	/*
	 * In a VM with free page reporting, MemAvailable dips for a few seconds
	 * after a workload frees a lot (the kernel holds free blocks aside while
	 * it reports them to the host): when less than EFF is available, wait
	 * for that to pass before adjusting, or the ballast would give back
	 * what the workload then gets on top.  More than EFF is no dip.
	 */
	for (double t0 = mmab_now(); reused && !fits && avail < eff &&
	     mmab_now() - t0 < BALLAST_DRIFT_WAIT_S;) {
		usleep(100 * 1000);
		fits = ballast_fits(eff, &avail);
	}
	avail_before = avail;
	if (reused && !fits) {
		ret = ballast_adjust(r->ballast, &adjust_s);
		adjusted = !ret && ballast_fits(eff, &avail);
		if (ret)
			mmab_warn("the ballast could not follow MemAvailable (%s): a new one is made",
				  strerror(-ret));
		reused = adjusted;
	}
	if (!reused) {
		ballast_stop(r->ballast);
		r->ballast = NULL;
		r->ballast_eff = 0;
		/* compact_unevictable_allowed was set for the whole run: nothing is journaled here */
		ret = ballast_start(&r->ballast, eff, r->journal,
				    (enum ballast_method)r->suite->effective_method);
		if (ret)
			return ret;
		r->ballast_eff = eff;
		*made = true;
	}
	/* what the holder gave back (adjusting, or a ballast made anew) is on the lists now */
	if (!fits || *made)
		settle_drain_pcp(r->journal, NULL, NULL);
	record_ballast(r->ballast, info, reused ? adjust_s : ballast_seconds(r->ballast), reused,
		       adjusted, avail_before);
	return 0;
}

int step_env_begin(struct step_env *e, bool ballast)
{
	int ret;

	e->reporting_order = -1;
	if (!e->suite->page_reporting_keep) {
		ret = settle_reporting_off(e->journal, &e->reporting_order);
		if (ret)
			mmab_warn("cannot turn free page reporting off: %s", strerror(-ret));
	}
	/*
	 * A ballast kept across steps must keep compaction off its pages across
	 * the steps' rollbacks too: set once, outside every step's mark.
	 */
	if (!ballast)
		return 0;
	return journal_set_knob(e->journal, "/proc/sys/vm/compact_unevictable_allowed", "0");
}

void step_env_end(struct step_env *e)
{
	ballast_stop(e->ballast);
	e->ballast = NULL;
	e->ballast_eff = 0;
}

/* Variant knobs, ballast, settle, collectors, the child; the caller rolls back. */
/*
 * Before the workload: the variant's knobs, settling, the effective size
 * (settled again after a new ballast, so the workload starts compacted).
 * 0, 1 when the step failed (recorded in REC), or -errno when the runner
 * itself failed.
 */
static int prepare_machine(struct step_env *r, const struct step *s, struct step_record *rec)
{
	const struct suite_variant *v = s->variant;
	struct settle_opts so = { .drop_caches = true, .compact = true, .journal = r->journal };
	struct settle_report sr = { 0 };
	bool made = false;
	int ret = 0;

	for (size_t k = 0; v && k < v->nknobs; k++) {
		ret = journal_set_knob(r->journal, v->knobs[k].path, v->knobs[k].value);
		if (ret) {
			char what[512];

			snprintf(what, sizeof(what), "cannot set %s to '%s'", v->knobs[k].name,
				 v->knobs[k].value);
			fail_step(s, rec, what, ret);
			return 1;
		}
	}
	/*
	 * Settle first: what the last workload freed is then back (and the
	 * drift ensure_ballast() judges is real), and a new ballast is sized
	 * on a machine without stale page cache.
	 */
	if (r->suite->settle)
		ret = settle_machine(&so, &sr);
	if (!ret) {
		ret = ensure_ballast(r, s->eff, rec->info, &made);
		if (ret) {
			fail_step(s, rec, "cannot put the ballast in place", ret);
			return 1;
		}
		if (r->suite->settle && made)
			ret = settle_machine(&so, &sr);
	}
	if (ret) {
		fail_step(s, rec, "cannot settle the machine", ret);
		return 1;
	}
	if (r->suite->settle)
		json_object_set_new(rec->info, "settle", json_pack("{s:f, s:I, s:f, s:b, s:f, s:b, "
			"s:o, s:o}",
			"seconds", sr.seconds, "dirty_kb", (json_int_t)sr.dirty_kb,
			"idle_pct", sr.idle_pct, "timed_out", sr.timed_out,
			"quiet_seconds", sr.quiet_seconds, "background_quiet", sr.quiet,
			"pcp_kb_found", sr.pcp_kb_found >= 0 ?
			json_integer(sr.pcp_kb_found) : json_null(),
			"pcp_kb", sr.pcp_kb >= 0 ? json_integer(sr.pcp_kb) : json_null()));
	json_object_set_new(rec->info, "page_reporting_order", r->reporting_order >= 0 ?
			    json_integer(r->reporting_order) : json_null());
	return 0;
}

/* An empty scratch directory, journaled first: a crash leaves no files behind.  0 or 1. */
static int make_scratch(struct step_env *r, const struct step *s, struct step_record *rec)
{
	int ret = journal_add_path(r->journal, r->scratch_dir);

	if (!ret)
		ret = mmab_rm_rf(r->scratch_dir);
	if (!ret && mkdir(r->scratch_dir, 0700))
		ret = -errno;
	if (ret) {
		char what[PATH_MAX + 64];

		snprintf(what, sizeof(what), "cannot create the scratch directory '%s'",
			 r->scratch_dir);
		fail_step(s, rec, what, ret);
		return 1;
	}
	return 0;
}

/* The child's outcome into REC: status, reason, exit code, peak, OOM kills. */
static void record_child(const struct step *s, const struct child_result *res,
			 struct step_record *rec)
{
	rec->row.exit_code = res->exit_code;
	rec->row.signal = res->signal;
	rec->row.status = res->outcome == CHILD_OK ? "ok" :
			  res->outcome == CHILD_SKIPPED ? "skipped" : "failed";
	snprintf(rec->reason, sizeof(rec->reason), "%s",
		 res->outcome == CHILD_OK ? "" : res->reason);
	if (res->outcome == CHILD_FAILED && !strcmp(res->reason, "error")) {
		/* it never ran: child_run said why on the runner's stderr */
		iter_log(s->iter_dir, "the workload child could not be started (see mmab's output)");
	} else {
		rec->row.duration_s = res->duration_s;
	}
	json_object_set_new(rec->info, "memory_peak_bytes",
			    res->memory_peak ? json_integer((json_int_t)res->memory_peak)
					     : json_null());
	json_object_set_new(rec->info, "oom_kills", json_integer(res->oom_kills));
}

/*
 * The ballast holder was killed during the step (the global OOM killer,
 * or anyone): the workload ran on the whole machine from then on, so
 * whatever it measured is not the effective size's.  Failed, whatever the
 * child did; the next step makes a new ballast.
 */
static void check_ballast(struct step_env *r, const struct step *s, struct step_record *rec)
{
	if (ballast_alive(r->ballast))
		return;
	rec->row.status = "failed";
	snprintf(rec->reason, sizeof(rec->reason), "ballast-oom");
	mmab_warn("%s: the ballast was killed during the step (OOM?): "
		  "recorded as failed, a new one is made for the next step", s->name);
	iter_log(s->iter_dir, "the ballast holder was killed during this step (the OOM "
		 "killer?); the workload ran on the whole machine from then on");
	json_object_set_new(rec->info, "ballast_killed", json_true());
	ballast_stop(r->ballast);
	r->ballast = NULL;
	r->ballast_eff = 0;
}

/*
 * The workload child with the collectors around it, and what it changed
 * through the journal (still in place until the rollback).  0, or -errno
 * when the runner itself failed (reported by child_run).
 */
static int run_child(struct step_env *r, const struct step *s, struct step_record *rec)
{
	const struct suite_workload *sw = s->sw;
	struct iter_arg arg = { .sw = sw, .oom_first = r->ballast != NULL };
	struct sampler *sampler = NULL;
	struct child_result res = { 0 };
	struct child_spec spec;
	json_t *knobs_pre, *knobs_post;
	char *log = xasprintf("%s/stderr.log", s->iter_dir);
	int ret;

	arg.metrics_path = xasprintf("%s/metrics.csv", s->iter_dir);
	arg.ctx = (struct wl_ctx){
		.iter_dir = s->iter_dir, .scratch_dir = r->scratch_dir,
		.mem_bytes = s->eff ? s->eff : r->mem_total,
		.seed = plan_step_seed(r->run_seed, sw->id, s->iteration),
		.iteration = s->iteration,
		.timeout_s = sw->timeout_s > 0 ? sw->timeout_s : r->suite->timeout_s,
		.journal = r->journal,
	};
	json_object_set_new(rec->info, "seed", json_integer((json_int_t)arg.ctx.seed));
	/* what the workload really started with, beside what it was meant to have */
	json_object_set_new(rec->info, "mem_available_kb_at_start",
			    json_integer(mem_meminfo_kb("MemAvailable")));
	json_object_set_new(rec->info, "effective_memory_bytes",
			    s->eff ? json_integer((json_int_t)s->eff) : json_null());
	if (r->ncols) {
		/* what fails is reported by the sampler, which knows which collector and why */
		if (sampler_start(&sampler, s->iter_dir, r->cols, r->ncols))
			sampler = NULL;
		sampler_record_dropped(r->col_meta, r->cols, r->ncols, sampler);
	}
	spec = (struct child_spec){
		.name = sw->id, .fn = iter_child, .arg = &arg,
		.stdout_path = log, .stderr_path = log,
		.timeout_s = arg.ctx.timeout_s, .memcg_limit = sw->memcg_limit,
		.journal = r->journal,
	};
	knobs_pre = machine_knob_values(NULL, r->watch_names);
	ret = child_run(&spec, &res);
	sampler_stop(sampler);
	if (!ret) {
		knobs_post = machine_knob_values(NULL, r->watch_names);
		rec->workload_knobs = machine_knob_changes(knobs_pre, knobs_post);
		if (rec->workload_knobs)
			json_object_set(rec->info, "workload_knobs", rec->workload_knobs);
		json_decref(knobs_post);
		record_child(s, &res, rec);
		check_ballast(r, s, rec);
	}
	json_decref(knobs_pre);
	free(arg.metrics_path);
	free(log);
	return ret;
}

static int run_iteration(struct step_env *r, const struct step *s, struct step_record *rec)
{
	char when[32];
	int ret;

	mmab_iso_time(when, sizeof(when), (double)time(NULL));
	json_object_set_new(rec->info, "start", json_string(when));
	ret = prepare_machine(r, s, rec);
	if (!ret)
		ret = make_scratch(r, s, rec);
	if (!ret)
		ret = run_child(r, s, rec);
	mmab_rm_rf(r->scratch_dir);
	return ret < 0 ? ret : 0;
}

static void write_iteration_json(const char *iter_dir, struct step_record *rec)
{
	char *path = xasprintf("%s/iteration.json", iter_dir);
	int err;

	json_object_set_new(rec->info, "status", json_string(rec->row.status));
	json_object_set_new(rec->info, "reason", json_string(rec->reason));
	err = rset_json_write(path, rec->info);
	if (err)
		mmab_warn("cannot write '%s': %s", path, strerror(-err));
	free(path);
}

double step_estimate(const struct suite *s, const struct suite_workload *w, uint64_t eff,
		     uint64_t mem_total, bool new_ballast)
{
	double timeout = w->timeout_s > 0 ? w->timeout_s : s->timeout_s;
	double sec = 0;

	if (w->wl->estimate)
		sec = w->wl->estimate(w->opts, eff ? eff : mem_total);
	/* the child is stopped at its timeout: it cannot take longer */
	if (timeout > 0 && sec > timeout)
		sec = timeout;
	if (s->settle)
		sec += STEP_OVERHEAD_SETTLE;
	if (eff && new_ballast)
		sec += BALLAST_S_PER_GIB * (double)(mem_total - eff) / (double)(1ULL << 30);
	else if (eff)
		sec += BALLAST_ADJUST_S;
	return sec;
}

int step_run(struct step_env *e, const struct step *s, struct step_record *rec)
{
	off_t mark = journal_mark(e->journal);
	int ret;

	ret = run_iteration(e, s, rec);
	if (journal_rollback(e->journal, mark)) {
		mmab_err("cannot restore every knob after %s; run 'mmab restore'", s->name);
		ret = ret ? ret : -EIO;
	}
	if (!ret)
		write_iteration_json(s->iter_dir, rec);
	return ret;
}

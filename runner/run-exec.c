/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running the steps of a plan: the variants' knobs tried once before the
 * first iteration, then each step through runner/step.c (knobs, settling,
 * effective size, collectors, the workload child, the rollback), its
 * outcome appended to status.csv (fsync'd) before the next step starts, so
 * a crash loses at most the step that was running.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/guest.h"
#include "collectors/collector.h"
#include "lib/journal.h"
#include "lib/machine.h"
#include "lib/mmab.h"
#include "lib/resultset.h"
#include "runner/cmdline.h"
#include "runner/progress.h"
#include "runner/run.h"
#include "runner/step.h"

/*
 * Set every variant's knobs once, read what the kernel made of them, roll
 * back: a value the kernel refuses is bad input, found before the first
 * iteration, and as_run records the values exactly as the kernel shows them.
 */
int run_preflight_variants(struct run *r)
{
	for (size_t s = 0; s < r->plan.nsets; s++) {
		const struct suite_variant *v = run_set_variant(r, s);
		off_t mark = journal_mark(r->journal);
		int ret = 0;

		for (size_t k = 0; v && k < v->nknobs && !ret; k++) {
			ret = journal_set_knob(r->journal, v->knobs[k].path, v->knobs[k].value);
			if (ret)
				mmab_err("%s:%d: variant %s: cannot set %s to '%s': %s",
					 r->suite.file, v->knobs[k].line, v->name, v->knobs[k].name,
					 v->knobs[k].value, strerror(-ret));
		}
		if (!ret)
			r->as_run[s] = machine_knob_values(NULL, r->knob_names);
		if (journal_rollback(r->journal, mark)) {
			mmab_err("cannot restore the knobs of variant %s; run 'mmab restore'",
				 v ? v->name : "-");
			return MMAB_EXIT_FAIL;
		}
		if (ret)
			return MMAB_EXIT_USAGE;
	}
	return 0;
}
/*
 * The knobs a workload ran with, in its metadata.json entry (as its first
 * iteration found them): with knobs.before, compare sees what differed.
 */
static void note_workload_knobs(struct run *r, size_t set, const char *id, json_t *knobs)
{
	json_t *wls = json_object_get(r->meta[set], "workloads");

	for (size_t k = 0; k < json_array_size(wls); k++) {
		json_t *w = json_array_get(wls, k);

		if (!strcmp(json_string_value(json_object_get(w, "id")) ?: "", id) &&
		    !json_object_get(w, "knobs"))
			json_object_set(w, "knobs", knobs);
	}
}
/*
 * Step I's outcome: its status.csv row (fsync'd before the next step), the
 * knobs its workload ran with, the counts, and the progress line.  0 or
 * MMAB_EXIT_FAIL (status.csv could not be written: reported).
 */
static int record_step(struct run *r, size_t i, struct step_record *rec, const char *iter_dir,
		       double seconds)
{
	const struct plan_step *st = &r->plan.steps[i];
	const char *id = r->suite.workloads[st->workload].id;
	char outcome[PATH_MAX + 512];
	int err;

	if (rec->workload_knobs)
		note_workload_knobs(r, st->set, id, rec->workload_knobs);
	rec->row.reason = rec->reason;
	err = rset_status_append(r->status_fd[st->set], &rec->row);
	if (err) {
		mmab_err("cannot write '%s/status.csv': %s", r->set_dirs[st->set], strerror(-err));
		return MMAB_EXIT_FAIL;
	}
	if (!strcmp(rec->row.status, "ok"))
		r->n_ok++;
	else if (!strcmp(rec->row.status, "failed"))
		r->n_failed++;
	else
		r->n_skipped++;
	/* a failure's story is in the iteration's log: say where, a CI log keeps it */
	if (iter_dir && !strcmp(rec->row.status, "failed"))
		snprintf(outcome, sizeof(outcome), "%s: %s (see %s/stderr.log)", rec->row.status,
			 rec->reason, iter_dir);
	else if (rec->reason[0])
		snprintf(outcome, sizeof(outcome), "%s: %s", rec->row.status, rec->reason);
	else
		snprintf(outcome, sizeof(outcome), "%s", rec->row.status);
	progress_end(r->progress, i, seconds, outcome);
	return 0;
}

/*
 * In a booted kernel (--guest), tell the host a step begins (STATUS NULL)
 * or ended, its outcome synced to disk first, so the host may rely on
 * every step it was told of even if this kernel dies next.
 */
static void note_step(struct run *r, size_t i, const char *status)
{
	const struct plan_step *st = &r->plan.steps[i];
	const char *set = r->plan.sets[st->set].label, *id = r->suite.workloads[st->workload].id;

	if (r->channel_fd < 0)
		return;
	if (!status) {
		guest_send(r->channel_fd, "begin %s %s %d", set, id, st->iteration);
		return;
	}
	sync();
	guest_send(r->channel_fd, "end %s %s %d %s", set, id, st->iteration, status);
}

static int run_step(struct run *r, size_t i)
{
	const struct plan_step *st = &r->plan.steps[i];
	const struct suite_workload *sw = &r->suite.workloads[st->workload];
	const char *set_dir = r->set_dirs[st->set];
	struct step_record rec = {
		.row = { .workload = sw->id, .iteration = st->iteration, .status = "skipped",
			 .exit_code = -1, .duration_s = NAN },
		.info = json_object(),
	};
	char name[256], *iter_dir = NULL;
	double t0 = mmab_now();
	int ret = 0, err = 0;

	run_step_name(r, i, name, sizeof(name));
	progress_begin(r->progress, i, name);
	note_step(r, i, NULL);
	/* which of its kernel's boots ran it (kexec; the qemu host adds it when merging) */
	if (r->one_boot && st->boot >= 0)
		json_object_set_new(rec.info, "boot", json_integer(r->plan.boots[st->boot].number));
	if (r->skip_why[st->workload]) {
		snprintf(rec.reason, sizeof(rec.reason), "%s", r->skip_why[st->workload]);
	} else {
		struct step s = {
			.name = name, .sw = sw, .variant = run_set_variant(r, st->set),
			.iteration = st->iteration, .eff = r->eff[st->workload],
		};

		iter_dir = rset_iter_dir(set_dir, sw->id, st->iteration, &err);
		if (!iter_dir) {
			mmab_err("cannot create '%s/%s/%d': %s", set_dir, sw->id, st->iteration,
				 strerror(-err));
			ret = MMAB_EXIT_FAIL;
			goto out;
		}
		s.iter_dir = iter_dir;
		if (step_run(&r->env, &s, &rec)) {
			ret = MMAB_EXIT_FAIL;
			goto out;
		}
	}
	ret = record_step(r, i, &rec, iter_dir, mmab_now() - t0);
	if (!ret)
		note_step(r, i, rec.row.status);
out:
	json_decref(rec.info);
	json_decref(rec.workload_knobs);
	free(iter_dir);
	return ret;
}
int run_open_journal(struct run *r)
{
	int ret = cmd_open_journal(&r->journal);

	if (!ret)
		journal_install_signals(r->journal);
	return ret;
}
bool run_terminal(void)
{
	const char *term = getenv("TERM");

	return isatty(STDERR_FILENO) && !(term && !strcmp(term, "dumb"));
}
/* RUN_DIR/scratch, absolute: the journal takes absolute paths only. */
int run_scratch_path(struct run *r)
{
	char *abs = realpath(r->run_dir, NULL);

	if (!abs) {
		mmab_err("cannot resolve '%s': %s", r->run_dir, strerror(errno));
		return -errno;
	}
	r->scratch_dir = xasprintf("%s/scratch", abs);
	free(abs);
	return 0;
}
int run_execute(struct run *r)
{
	bool *done = xcalloc(r->plan.nsteps, sizeof(*done));
	double *est = xcalloc(r->plan.nsteps, sizeof(*est));
	const char **keys = xcalloc(r->plan.nsteps, sizeof(*keys));
	size_t left = 0;
	bool ballast = false;
	int ret = 0;

	run_mark_done(r, done);
	for (size_t i = 0; i < r->plan.nsteps; i++) {
		size_t w = r->plan.steps[i].workload;

		/* another boot's share: neither done nor to run in this session */
		if (r->one_boot && r->plan.steps[i].boot != (int)r->boot)
			done[i] = true;

		est[i] = run_step_estimate(r, i);
		keys[i] = r->suite.workloads[w].id;
		left += !done[i];
		ballast |= !done[i] && r->eff[w] && !r->skip_why[w];
	}
	r->progress = progress_new(r->plan.nsteps, est, keys, run_terminal(), stderr);
	for (size_t i = 0; i < r->plan.nsteps; i++)
		if (done[i])
			progress_done_before(r->progress, i);
	progress_note(r->progress, "run directory %s: %zu of %zu steps to run%s", r->run_dir,
		      left, r->plan.nsteps, r->o.resume ? " (resumed)" : "");
	/* what a collector makes on the machine (a tracefs instance) is journaled too */
	for (size_t c = 0; c < r->ncols; c++)
		r->cols[c].journal = r->journal;
	r->env = (struct step_env){
		.suite = &r->suite, .run_seed = r->plan.seed, .mem_total = r->mem_total,
		.scratch_dir = r->scratch_dir, .cols = r->cols, .ncols = r->ncols,
		.col_meta = r->col_meta, .watch_names = r->watch_names, .journal = r->journal,
	};
	ret = step_env_begin(&r->env, ballast);
	if (ret) {
		mmab_err("cannot set vm.compact_unevictable_allowed for the ballast: %s",
			 strerror(-ret));
		ret = MMAB_EXIT_FAIL;
	} else if (ballast) {
		/* as_run is what the workloads ran with: the ballast's setting included */
		for (size_t s = 0; s < r->plan.nsets; s++)
			if (r->as_run[s])
				json_object_set_new(r->as_run[s], "vm.compact_unevictable_allowed",
						    json_string("0"));
	}
	for (size_t i = 0; i < r->plan.nsteps && !ret; i++)
		if (!done[i])
			ret = run_step(r, i);
	step_env_end(&r->env);
	if (ret)
		progress_note(r->progress, "stopped; continue with: mmab run --resume %s",
			      r->run_dir);
	free(done);
	free(est);
	free(keys);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One step of `mmab run`: one iteration of one workload in one result set,
 * with everything the runner does around it, in this order: the variant's
 * knobs through the journal, settling, the ballast for the effective
 * memory size, the collectors, and the workload in its own child and
 * memory cgroup; then every change the step made is rolled back and
 * iteration.json written.  runner/cmd-run.c decides what runs when (the
 * plan, --resume, --dry-run, progress, status.csv, metadata.json); this
 * module only runs what it is handed, and leaves the machine as it found
 * it, but for the ballast it keeps from one step to the next.
 */
#ifndef MMAB_STEP_H
#define MMAB_STEP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/resultset.h"
#include "runner/suite.h"

struct ballast;
struct collector_cfg;
struct journal;

/* What every step of a run shares; filled by the caller, kept for the whole run. */
struct step_env {
	const struct suite *suite;
	uint64_t run_seed;		/* per-iteration seeds derive from it (plan_step_seed) */
	uint64_t mem_total;		/* MemTotal, bytes */
	const char *scratch_dir;	/* absolute: made empty for each step, removed after it */
	const struct collector_cfg *cols;	/* the collectors that can run here */
	size_t ncols;
	json_t *col_meta;		/* metadata.json "collectors": a dropped one says why */
	const char *const *watch_names;	/* knobs watched for what a workload changes */
	struct journal *journal;
	/* private to step.c: the ballast kept while steps share an effective size */
	struct ballast *ballast;
	uint64_t ballast_eff;
	int reporting_order;	/* page_reporting_order set for the run; -1: left alone */
};

/* The step to run. */
struct step {
	const char *name;		/* for messages: "idle #2 [b]" */
	const struct suite_workload *sw;
	const struct suite_variant *variant;	/* its knobs are set first; NULL: none */
	int iteration;			/* 1-based */
	uint64_t eff;			/* effective memory bytes; 0: the whole machine */
	const char *iter_dir;		/* created empty by the caller */
};

/* What became of it: the status.csv row and iteration.json. */
struct step_record {
	struct rset_status_row row;	/* workload, iteration and status filled by the caller */
	char reason[320];
	json_t *info;			/* iteration.json, a new object from the caller */
	json_t *workload_knobs;		/* knobs the workload changed: name -> value; or NULL */
};

/*
 * step_env_begin - before the first step: free page reporting off for the
 * run unless the suite keeps it (settle_reporting_off(); a failure is a
 * warning); when BALLAST (some step to run has an effective size), journal
 * vm.compact_unevictable_allowed = 0 once for the whole run, outside every
 * step's rollback, so a ballast kept across steps stays where compaction
 * cannot move it.  0 or -errno (the caller reports).
 */
int step_env_begin(struct step_env *e, bool ballast);

/*
 * step_run - run step S and record its outcome in REC (status, reason,
 * iteration.json written to S->iter_dir).  A failure to prepare the
 * iteration (a knob the kernel refuses now, settling, the ballast) is an
 * outcome, "failed: error", reported once; so is anything the workload
 * does.  Everything the step journaled is rolled back before it returns.
 * Returns 0, or -errno when the runner itself cannot go on (reported).
 */
int step_run(struct step_env *e, const struct step *s, struct step_record *rec);

/* step_env_end - after the last step: release the ballast.  */
void step_env_end(struct step_env *e);

/*
 * step_estimate - seconds an iteration of workload W of suite S should take
 * at effective size EFF (0: the whole machine): the workload's estimate,
 * never more than its timeout (the child is stopped then), plus settling
 * when the suite settles and the ballast, which come before the child and
 * its timeout: locking a NEW_BALLAST (the first step at this effective
 * size), else adjusting the one kept from the step before.  For the plan
 * and the ETA.
 */
double step_estimate(const struct suite *s, const struct suite_workload *w, uint64_t eff,
		     uint64_t mem_total, bool new_ballast);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One `mmab run` as it goes (runner/cmd-run.c parses the command): the
 * suite and its plan, what was resolved from them before anything is
 * touched (effective sizes, what cannot run here, collectors, knob names),
 * the result sets being written and the journal.  The files of the run:
 * run.c resolves and answers questions about the plan, run-dry.c prints a
 * dry run, run-sets.c writes the run directory and its result sets,
 * run-exec.c runs the steps.
 */
#ifndef MMAB_RUN_H
#define MMAB_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/plan.h"
#include "runner/step.h"
#include "runner/suite.h"

struct collector_cfg;
struct kexec_state;
struct journal;
struct progress;

/* The effective size below which the rest of the system may not survive. */
#define SCALE_MIN ((uint64_t)128 << 20)

struct run_opts {
	const char *suite;
	const char *label;
	const char *outdir;
	const char *scale;
	const char *only;
	const char *variants;
	const char *resume;
	int iterations;
	bool dry_run;
	const char *guest;		/* --guest JOB: a booted kernel's share of a kernel A/B */
	const char **kernels;		/* --kernel [NAME=]KERNEL, as given */
	size_t nkernels;
	int boots;			/* --boots N; 0: not given */
	bool kexec;			/* --kexec: boot the kernels on this machine */
	bool kexec_resume;		/* --kexec-resume: mmab-resume.service after a boot */
	bool history;			/* --history: import the sets when the run ends */
	const char *history_db;		/* its DB; NULL: the default */
};

struct run {
	struct run_opts o;
	int argc;
	char **argv;
	struct suite suite;
	bool suite_loaded;
	struct plan plan;
	uint64_t mem_total;
	uint64_t *eff;			/* per suite workload: effective bytes, 0 = whole machine */
	char **skip_why;		/* per suite workload: why it cannot run, NULL if it can */
	struct collector_cfg *cols;	/* collectors that can run here, intervals resolved */
	size_t ncols;
	json_t *col_meta;
	const char *cgroup;
	char *run_dir;			/* as the user will see it */
	char *scratch_dir;		/* absolute (the journal takes absolute paths only) */
	char **set_dirs;
	int *status_fd;
	json_t **meta;
	json_t **as_run;		/* per set: knob values with the variant in place */
	json_t *machine;
	json_t *before;
	const char **knob_names;	/* standard set + every variant's knobs */
	const char **watch_names;	/* those + THP: what a workload may change */
	struct journal *journal;
	struct step_env env;		/* what the steps share (runner/step.h) */
	struct progress *progress;
	unsigned n_ok, n_failed, n_skipped;
	char start_iso[32];
	int channel_fd;			/* --guest: the host's channel (boot/channel.h), -1: none */
	struct boots *boots;		/* a kernel A/B's boots (runner/run-boots.c) */
	bool one_boot;			/* this session runs boot BOOT's steps only (kexec) */
	size_t boot;			/* index into plan.boots */
	double boot_t0;			/* when its steps began (mmab_now) */
	struct kexec_state *kx;		/* --kexec-resume: the multi-boot run's state */
};

/*
 * run_resolve - everything the plan needs from this machine, checked before
 * anything is touched: each workload's effective size (bad scales are
 * reported as FILE:LINE), whether it can run here, the collectors that can,
 * and the knobs metadata.json records.  0 or -EINVAL (reported).
 */
int run_resolve(struct run *r);
/*
 * run_boots_here - does this run boot its kernels (the host of a kernel
 * A/B), its steps running in them and not here?
 */
bool run_boots_here(const struct run *r);
/* run_set_variant - the suite variant of result set SET, NULL without variants. */
const struct suite_variant *run_set_variant(const struct run *r, size_t set);
/* run_step_estimate - seconds step I should take (0: skipped), for the ETA. */
double run_step_estimate(const struct run *r, size_t i);
/* run_step_name - "idle #2 [b]", "idle #2 [old, b]" with kernels: step I for messages. */
void run_step_name(const struct run *r, size_t i, char *buf, size_t len);
/* run_mark_done - done[i] for the steps a status.csv row already records (--resume). */
void run_mark_done(struct run *r, bool *done);

/*
 * run_gather_kernels - the kernels the run boots: the suite's [kernel]
 * sections, then each --kernel, resolved and named (boot/kernel.h).  0
 * with *KS (*N of them; none when the run boots nothing), or
 * MMAB_EXIT_USAGE (reported with the origin: FILE:LINE or the argument).
 * runner/run-boots.c.
 */
struct kernel;
int run_gather_kernels(struct run *r, struct kernel **ks, size_t *n);
/*
 * run_boots_prepare - everything the boots need, before the run directory
 * exists: each kernel ready (a package unpacked into the cache), its
 * modules found, its initramfs and the root disk made unless cached.  A
 * kernel that cannot be booted (no virtio-blk, a damaged package) is bad
 * input: MMAB_EXIT_USAGE (reported); MMAB_EXIT_FAIL when mmab cannot
 * make what it needs.
 */
int run_boots_prepare(struct run *r);
/*
 * run_boots_execute - boot after boot (plan order), each running its share
 * of the steps in the kernel under test, its results merged into the sets
 * and each of its steps recorded in status.csv (a fault's steps with its
 * reason) before the next boot.  0 or an exit code (the run stopped:
 * --resume continues it).
 */
int run_boots_execute(struct run *r);
/* run_boots_dry - --dry-run's part: the VM, the caches, what would be made. */
void run_boots_dry(struct run *r, FILE *f);
/*
 * run_boots_set_meta - metadata.json of kernel set S before its kernel
 * booted: no environment yet (it will be the guest's), the kernel, vm and
 * boots objects.  M is run_set_metadata's, changed in place.
 * runner/run-boots-merge.c.
 */
void run_boots_set_meta(struct run *r, size_t s, json_t *m);
void run_boots_free(struct run *r);

/* run_dry - print the plan, the knobs that would change and the ETA; touch nothing. */
void run_dry(struct run *r);

/* run_make_dir - a new run directory RESULTS/RUN_ID (-2, -3 ... when taken).  0 or -errno. */
int run_make_dir(struct run *r);
/* run_create_sets - run.json, and per set its directory, suite.ini and metadata.json. */
int run_create_sets(struct run *r);
/* run_reopen_sets - the sets of a resumed run: their metadata.json gains a resume entry. */
int run_reopen_sets(struct run *r);
/* run_open_status - open every set's status.csv for appending.  0 or -errno (reported). */
int run_open_status(struct run *r);
/* run_write_meta - set S's metadata.json from r->meta[s].  0 or -errno (reported). */
int run_write_meta(struct run *r, size_t s);
/* run_finish_sets - the end time into every set's metadata.json. */
void run_finish_sets(struct run *r);
/* run_end_boot - with one_boot: the boot's end time into its kernel's sets. */
void run_end_boot(struct run *r);
/* run_set_metadata - metadata.json of set S as results/README.md lists it. */
json_t *run_set_metadata(struct run *r, size_t s);

/*
 * run_open_journal - take the lock, recover what a crashed run left, open
 * the journal and make SIGINT/SIGTERM/SIGHUP roll it back.  0 or an exit code.
 */
int run_open_journal(struct run *r);
/* run_scratch_path - RUN_DIR/scratch, absolute (the journal takes absolute paths only). */
int run_scratch_path(struct run *r);
/*
 * run_preflight_variants - set every variant's knobs once, read back what
 * the kernel made of them, roll back.  0, MMAB_EXIT_USAGE (a value the
 * kernel refuses, reported as FILE:LINE) or MMAB_EXIT_FAIL.
 */
int run_preflight_variants(struct run *r);
/* run_terminal - can stderr redraw a line: not a log, not TERM=dumb (an editor's shell)? */
bool run_terminal(void);
/*
 * run_execute - run every step not done yet, in plan order, each outcome
 * appended to its set's status.csv before the next starts (with one_boot,
 * only that boot's steps).  0 or an exit code (the run stopped: --resume
 * continues it).
 */
int run_execute(struct run *r);
/*
 * run_session - the run on this machine, once prepared: the facts and knob
 * values before anything changes, the journal, the variants' knobs tried
 * (or the kernels' boots made ready), the run directory made (or reopened
 * with --resume), every step to run run (or booted), the journal closed.
 * With one_boot, the sets are reopened without a resume entry and not
 * finished: the boot is one of several.  0 or an exit code (reported).
 * runner/run-session.c.
 */
int run_session(struct run *r);

/*
 * The kexec backend's runs (runner/run-kexec.c, run-kexec-boot.c): a
 * kernel A/B on this machine, each boot a kexec from the one before,
 * mmab-resume.service carrying the run on after each, the last boot
 * followed by a kexec back to the kernel the run started on.
 *
 * run_kexec_check - what bare metal refuses in the plan (a kernel's memory
 * or cpus).  0 or MMAB_EXIT_USAGE (reported with FILE:LINE).
 */
int run_kexec_check(struct run *r);
/* run_kexec_dry - after run_dry: the boots, what would be loaded and what this machine lacks. */
void run_kexec_dry(struct run *r);
/*
 * run_kexec_start - the first boot's hand-over: what this machine lacks
 * refused (exit 4), the kernels' files, modules and initramfs made ready,
 * the run directory and state written, the unit enabled, the first kernel
 * loaded and kexec'd into.  0 (the machine is going down) or an exit code.
 */
int run_kexec_start(struct run *r);
/*
 * run_kexec_resume_load - for --kexec-resume: the run in progress (its
 * directory into r->o.resume), this resume counted until it succeeds,
 * the unit disabled after two failed resumes in a row.  0 or an exit code.
 */
int run_kexec_resume_load(struct run *r);
/*
 * run_kexec_resume - after prepare(): what became of the boot expected now
 * (recorded as failed when the machine came back in its stock kernel),
 * the boot's steps (run_session), then the next kexec, the kexec back, or
 * the end of the run.  0 or an exit code.
 */
int run_kexec_resume(struct run *r);
/* run_kexec_status - for `--dry-run --resume RUN_DIR`: where a multi-boot run stands. */
void run_kexec_status(struct run *r);
/*
 * run_kexec_cancel - `mmab restore`: a multi-boot run in progress is
 * cancelled: the unit disabled, a loaded kernel unloaded, the modules mmab
 * installed removed, the state discarded (the results stay).  Returns 1
 * cancelled, 0 none in progress, -errno (reported).
 */
int run_kexec_cancel(void);

#endif

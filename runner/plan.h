/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plan of a run: which result sets (one per variant, or one named by the
 * label), which workloads, and the order of every (set, workload, iteration)
 * step.  Variants are interleaved so that drift over time (page cache aging,
 * thermal state, a neighbour on the host) is spread over every variant
 * instead of masquerading as a difference between them.  The plan is written
 * to run.json before the first step, so `mmab run --resume` continues the
 * same plan, and is pure data: no machine access, unit-tested on its own.
 *
 * A kernel A/B that boots its kernels (`--kernel`, [kernel] sections) adds
 * the kernels (boot/kernel.h, resolved) and their boots: each kernel is
 * booted boots_per_kernel times, boots alternating A B A B, and a kernel's
 * iteration k runs in its boot ((k-1) mod N)+1, keeping its number k, so
 * boot-to-boot and drift effects are spread over the iterations instead of
 * posing as a kernel difference.  A kernel's sets are LABEL-NAME, or
 * LABEL-NAME-VARIANT (every kernel runs every variant).  Steps are in boot
 * order; within a boot, as without kernels.  The backend ("qemu", "kexec")
 * is only recorded here: how a boot happens is the backend's business, which
 * runs the steps whose `boot` is its index (plan_boot_of).
 */
#ifndef MMAB_PLAN_H
#define MMAB_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "boot/kernel.h"
#include "runner/suite.h"

struct plan_set {
	char *label;		/* result-set name = its directory inside the run */
	char *variant;		/* suite variant name, NULL without variants */
	int variant_idx;	/* index into suite->variants, -1 without variants */
	int kernel;		/* index into plan->kernels, -1: the running kernel */
};

struct plan_step {
	size_t set;		/* index into plan->sets */
	size_t workload;	/* index into suite->workloads */
	int iteration;		/* 1-based */
	int boot;		/* index into plan->boots, -1: the running kernel */
};

/* One boot of a kernel under test. */
struct plan_boot {
	size_t kernel;		/* index into plan->kernels */
	int number;		/* 1..boots_per_kernel: this kernel's boot */
};

#define PLAN_BOOTS_DEFAULT 2

struct plan {
	char *run_id;		/* LABEL-YYYYmmdd-HHMMSS: the run directory's name */
	char *label;		/* -l, or the kernel release */
	uint64_t seed;
	enum suite_order order;
	int iterations;
	char *scale;		/* --scale override, NULL: the suite's */
	struct plan_set *sets;
	size_t nsets;
	size_t *workloads;	/* suite->workloads indices in the plan, suite order */
	size_t nworkloads;
	struct plan_step *steps;
	size_t nsteps;
	/* kernels under test; none: the run stays on the running kernel */
	char *backend;		/* "qemu", "kexec"; NULL without kernels */
	struct kernel *kernels;	/* owned copies */
	size_t nkernels;
	int boots_per_kernel;
	struct plan_boot *boots;	/* in boot order: A1 B1 A2 B2 ... */
	size_t nboots;
};

/* What the command line asks of the plan. */
struct plan_args {
	const char *label;	/* required, validated here */
	int iterations;		/* 0: the suite's */
	const char *only;	/* "wl[,wl..]" (ids or workload names), NULL: all */
	const char *variants;	/* "name[,name..]", NULL: all */
	const char *scale;	/* NULL: the suite's */
	uint64_t seed;		/* the run seed (the suite's when it sets one) */
	time_t start;		/* for the run id */
	const struct kernel *kernels;	/* resolved and named (kernels_name); copied */
	size_t nkernels;
	int boots;		/* boots per kernel; 0: PLAN_BOOTS_DEFAULT */
	const char *backend;	/* with kernels; NULL: "qemu" */
};

/*
 * plan_build - the plan for suite S as A asks: result-set labels
 * (LABEL-VARIANT unless the variant names its set; with kernels
 * LABEL-NAME[-VARIANT], or VARIANT_LABEL-NAME), workloads (--only),
 * variants (--variant), kernels and their boots, steps in order.  Every
 * name must be a plain label so nothing can be written outside the run
 * directory; with kernels, every boot must get an iteration (iterations >=
 * boots).  Returns 0, or -EINVAL with the reason in err (unknown names list
 * the valid ones).
 */
int plan_build(struct plan *p, const struct suite *s, const struct plan_args *a, char *err,
	       size_t errlen);

/*
 * plan_order - fill p->steps (and p->boots) from p->sets, p->workloads,
 * p->iterations and the kernels: round by round (iteration 1 of
 * everything, then 2, ...), each workload's sets side by side (A B A B);
 * ORDER_SHUFFLED permutes the sets of every (round, workload) with a GSL
 * MT19937 stream seeded from p->seed, so the order is random and still
 * reproducible from the recorded seed.  With kernels, boot by boot (A1 B1
 * A2 B2 ...), each boot's rounds being its kernel's iterations k with
 * ((k-1) mod N)+1 = its number.
 */
void plan_order(struct plan *p);

/*
 * plan_boot_of - the index into p->boots of kernel KERNEL's boot that runs
 * ITERATION, or -1 (no such kernel or boot).
 */
int plan_boot_of(const struct plan *p, size_t kernel, int iteration);

/* plan_boot_dir - "N-NAME": boot B's directory under RUN_DIR/boots; malloc'd. */
char *plan_boot_dir(const struct plan *p, size_t b);

/*
 * plan_boot_share - boot B's share of P as a plan of its own, for the
 * runner inside the booted kernel: one kernel, one boot, that kernel's
 * sets, and the steps of B that DONE (may be NULL) does not mark, in P's
 * order.  Run id, label, seed, order, boots per kernel and scale are P's,
 * so each step's seed is what it is in the whole run.  Returns the number
 * of steps; OUT is freed with plan_free.
 */
size_t plan_boot_share(const struct plan *p, size_t b, const bool *done, struct plan *out);

/*
 * plan_step_seed - the seed handed to one iteration: a hash of the run seed,
 * the workload id and the iteration.  Every variant gets the same seed for
 * the same iteration, so A and B see the same random pattern (common random
 * numbers: the comparison is paired, not noisier).  At most 2^53 - 1, so the
 * value survives any JSON reader.
 */
uint64_t plan_step_seed(uint64_t run_seed, const char *workload_id, int iteration);

/* plan_random_seed - a fresh run seed from getrandom(), at most 2^53 - 1. */
uint64_t plan_random_seed(void);

/*
 * plan_run_id - "LABEL-YYYYmmdd-HHMMSS" (local time) into a malloc'd string.
 */
char *plan_run_id(const char *label, time_t t);

/*
 * plan_to_json - run.json as results/README.md describes it (plus the
 * scale override and mmab's command line ARGV, a JSON array borrowed, may
 * be NULL).  New reference; the caller decrefs.
 */
json_t *plan_to_json(const struct plan *p, const struct suite *s, json_t *argv);

/*
 * plan_from_json - rebuild the plan written by plan_to_json, resolving
 * workload ids in S (the suite as it was run).  Everything is checked:
 * labels must be plain names, ids must exist, iterations be positive.
 * Returns 0, or -EINVAL with the reason in err.
 */
int plan_from_json(struct plan *p, const json_t *root, const struct suite *s, char *err,
		   size_t errlen);

void plan_free(struct plan *p);

/*
 * plan_effective_scale - the scale text for workload W: its section's
 * `scale`, else the --scale override, else the suite's.  Static storage.
 */
const char *plan_effective_scale(const struct plan *p, const struct suite *s,
				 const struct suite_workload *w);

#endif

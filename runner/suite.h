/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Suites: INI files (libinih) naming the workloads to run, their options,
 * collectors and knob variants.  Built-in suites (runner/suites/NAME.ini) are
 * linked into the binary; `-s FILE` takes a user's file.  Every error is
 * reported as FILE:LINE: message before anything on the machine is touched.
 *
 *   [suite]                 name, description, iterations, scale, collectors,
 *                           interval_ms, settle, timeout, seed, order,
 *                           effective_method, page_reporting,
 *                           boot_timeout, heartbeat_timeout (kernels booted)
 *   [collector NAME]        interval_ms, events (perf/stalls: "+ev,-ev" edits)
 *   [WORKLOAD]              the workload's own options (its opt_spec table) plus
 *   [WORKLOAD ALIAS]        the runner's keys: timeout, scale, memcg_limit
 *   [variant NAME]          label = SET name (optional); KNOB = VALUE lines:
 *                           vm.dirty_ratio = 5, /sys/kernel/mm/... = always
 *   [kernel NAME]           a kernel to boot and run the suite in (boot/kernel.h):
 *                           image = KERNEL, append, memory, cpus
 *
 * A suite that boots kernels ([kernel] sections, or `mmab run --kernel`)
 * sets its variants' knobs in those kernels, not here: on this machine only
 * their names are checked, and each booted kernel checks the rest when it
 * loads the suite (SUITE_GUEST).
 */
#ifndef MMAB_SUITE_H
#define MMAB_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collectors/collector.h"
#include "workloads/workload.h"

enum suite_order {
	ORDER_INTERLEAVED,	/* iteration-major: A B A B ... */
	ORDER_SHUFFLED,		/* variants shuffled within each round, seeded */
};

struct suite_knob {
	char *name;		/* as written: "vm.dirty_ratio" */
	char *path;		/* resolved: "/proc/sys/vm/dirty_ratio" */
	char *value;
	int line;
};

struct suite_variant {
	char *name;
	char *label;		/* result-set name; NULL: LABEL-NAME */
	struct suite_knob *knobs;
	size_t nknobs;
	int line;
};

/* A [kernel NAME] section: resolved by boot/kernel.c when the run starts. */
struct suite_kernel {
	char *name;
	char *image;		/* KERNEL as written; relative to the suite file's directory */
	char *append;		/* extra kernel command line, NULL: none */
	uint64_t memory;	/* guest RAM in bytes, 0: the backend's default */
	int cpus;		/* 0: the backend's default */
	int line;
};

struct suite_workload {
	const struct workload *wl;
	char *id;		/* directory and metric name: ALIAS, else the workload name */
	void *opts;		/* wl->priv_size bytes, filled by opts_set */
	double timeout_s;	/* 0: suite default */
	char *scale;		/* NULL: suite default */
	uint64_t memcg_limit;	/* 0: none (bytes) */
	int line;
};

struct suite {
	char *file;		/* path, or "builtin:NAME" */
	char *text;		/* the file's contents, copied into each result set */
	char *name;
	char *description;
	int iterations;		/* default 3 */
	char *scale;		/* "2G", "10%", "100%"; default "100%" (no ballast) */
	unsigned interval_ms;	/* 0: each collector's default */
	bool settle;		/* default true */
	double timeout_s;	/* per iteration, default 600 */
	double boot_timeout_s;	/* a booted kernel's whole boot, 0: from the estimates */
	double heartbeat_timeout_s;	/* a booted kernel silent this long is hung, 0: default */
	uint64_t seed;
	bool seed_set;
	enum suite_order order;
	int effective_method;	/* enum ballast_method (runner/ballast.h): auto, hotplug, mlock */
	bool page_reporting_keep; /* leave free page reporting on (default: off for the run) */
	struct collector_cfg *collectors;
	size_t ncollectors;
	struct suite_workload *workloads;
	size_t nworkloads;
	struct suite_variant *variants;
	size_t nvariants;
	struct suite_kernel *kernels;
	size_t nkernels;
};

enum suite_flags {
	SUITE_BOOTS = 1 << 0,	/* the run boots kernels (--kernel): knobs are checked there */
	SUITE_GUEST = 1 << 1,	/* this is a booted kernel: check knobs here despite [kernel] */
};

/*
 * suite_load - load a built-in suite by NAME ("quick") or a file by path.
 * Errors are printed as FILE:LINE: message.  FLAGS: enum suite_flags.
 * Returns 0, -ENOENT (no such suite; the built-in ones are listed) or
 * -EINVAL.  Free with suite_free().
 */
int suite_load(const char *name_or_path, struct suite *s, unsigned flags);

/* suite_parse - parse TEXT as if read from FILE (for tests and built-ins). */
int suite_parse(const char *file, const char *text, struct suite *s, unsigned flags);

/* suite_boots - does S boot kernels of its own ([kernel] sections)? */
static inline bool suite_boots(const struct suite *s)
{
	return s->nkernels > 0;
}

void suite_free(struct suite *s);

/* suite_builtin_names - NULL-terminated static list of built-in suite names. */
const char *const *suite_builtin_names(void);

#endif

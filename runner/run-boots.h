/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside a kernel A/B's boots (runner/run-boots*.c), not for use elsewhere:
 * what the boots share, and one boot as it goes.  run-boots.c gathers and
 * prepares the kernels and runs the boots; run-boots-merge.c takes each
 * boot's results into the run's sets and keeps their metadata.json.
 */
#ifndef MMAB_RUN_BOOTS_H
#define MMAB_RUN_BOOTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "boot/kcache.h"
#include "boot/qemu.h"
#include "boot/rootfs.h"
#include "runner/run.h"

struct guard;

/* What every boot of a run shares. */
struct boots {
	struct guard *guard;		/* removes temporary files if mmab dies */
	struct kprep *preps;		/* per kernel: image, modules, config */
	char **initrds;			/* per kernel */
	char **config_sha;		/* per kernel: sha256 of its config, NULL: unknown */
	struct rootfs root;
	bool kvm;
	char qemu_version[64];
	double factor;			/* how much slower than the estimates: 1, or TCG's */
	bool *done;			/* per plan step: it has its status row */
	json_t **boots_meta;		/* per kernel: metadata.json's `boots` */
	bool *env;			/* per set: metadata.json holds its guest's environment */
};

/* One boot as it goes. */
struct boot_run {
	struct run *r;
	size_t b;			/* index into r->plan.boots */
	char *dir;			/* RUN_DIR/boots/N-NAME */
	char *tmp;			/* its temporary directory (guarded) */
	int *warnings;			/* per plan step: console warnings while it ran */
	ssize_t current;		/* the plan step running, -1: none */
	double current_t0;
	json_t *hello;			/* the guest's uname and command line */
	struct qemu_result res;
	char error[600];		/* a fault, or why the results could not be read */
};

/*
 * boots_merge - boot BR's results (extracted to OUT: the guest's run
 * directory, or NULL when there is none) into the sets: each of its steps
 * not done before gets its iteration directory and status row, the guest's
 * when it finished the step, else failed with the boot's reason.  The
 * sets' metadata.json take the guest's environment and this boot.  0, or
 * MMAB_EXIT_FAIL when a status row could not be written (reported).
 */
int boots_merge(struct boot_run *br, const char *out);

/* boots_vm_json - metadata.json's `vm`: accel, qemu version, memory, CPUs, the host. */
json_t *boots_vm_json(const struct run *r, size_t kernel);

/* boots_step_of - the plan step of boot B named SET, WL, ITERATION; -1: none. */
ssize_t boots_step_of(const struct run *r, size_t b, const char *set, const char *wl, int it);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the fragmenter's two halves: workloads/fragmenter.c starts and
 * stops the child, workloads/frag-fill.c is the child.  Not for other
 * files: the fragmenter's interface is fragmenter.h.
 */
#ifndef MMAB_WL_FRAG_FILL_H
#define MMAB_WL_FRAG_FILL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "workloads/fragmenter.h"

/* What the child is asked to do. */
struct frag_fill_args {
	const struct frag_opts *opts;
	const char *dir;	/* its files go here */
	uint64_t size;		/* bytes to fill, resolved */
	uint64_t seed;
	bool churn;		/* keep freeing and re-allocating once filled */
	bool until_full;	/* fill on past the size until memory is full */
};

/* What the child writes back once its memory is in place (or it failed). */
struct frag_msg {
	int err;
	struct frag_report rep;
};

/*
 * frag_fill_child - the child, forked by PARENT: fill, write a struct
 * frag_msg to FD, then hold (or churn) until killed.  Never returns.
 */
void frag_fill_child(int fd, pid_t parent, const struct frag_fill_args *a)
	__attribute__((noreturn));

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fragmenter, shared by the `frag` workload and by `hugetlb` and `thp`
 * (option fragment = frag | fio).  `frag` fills memory the way long-running
 * systems do, interleaving unmovable kernel allocations (pipe buffers, page
 * tables, dentries and inodes) with movable page cache and anonymous memory,
 * then frees a pattern of the movable part so free memory is scattered
 * between pages compaction cannot move.  It runs in its own child process,
 * holds its memory until stopped, and can keep churning (freeing and
 * re-allocating) as a background fragmenter.  `fio` runs fio writing many
 * small files as mmtests' thpchallenge does.
 */
#ifndef MMAB_WL_FRAGMENTER_H
#define MMAB_WL_FRAGMENTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/options.h"

struct wl_ctx;

enum frag_pattern {
	FRAG_ALTERNATE,		/* free every other movable chunk */
	FRAG_RANDOM,		/* free each chunk with probability free_pct, seeded */
	FRAG_STRIDE,		/* keep one chunk in every round(100 / (100 - free_pct)) */
};
extern const char *const frag_pattern_names[];	/* "alternate", "random", "stride" */

enum frag_source {
	FRAG_SRC_NONE,
	FRAG_SRC_FRAG,		/* the fragmenter below */
	FRAG_SRC_FIO,		/* fio writing many small files (thpchallenge) */
};
extern const char *const frag_source_names[];	/* "none", "frag", "fio" */

/*
 * The kernel's background compaction (proactive compaction, and kcompactd
 * woken after watermark-boosted reclaim) on fragmented memory: it
 * defragments part of what the fill fragments, by an amount that depends on
 * where its 500 ms ticks fall, so the memory a workload meets varies from
 * iteration to iteration whatever the seed, and it goes on defragmenting
 * while the workload allocates.  Measured at 2G, thp: with it, the fill
 * left 1 to 88 free 2 MiB blocks (29 steps, defrag never and always) and
 * never's huge_fault_pct was 2.9 to 27% (5 iterations); without, 0 to 2
 * blocks (10 steps) and 0 to 1.2%.
 * Turning it back on once the fill is done was no better (3.4 to 29.7%):
 * kcompactd then starts on memory at its most fragmented.
 */
enum frag_background {
	FRAG_BG_OFF,		/* 0 for the iteration (journaled, put back after it) */
	FRAG_BG_KEEP,		/* as found */
};
extern const char *const frag_background_names[];	/* "off", "keep" */

/* Fragmenter options, embedded in each workload's option struct. */
struct frag_opts {
	struct opt_size size;	/* how much to fill */
	double unmovable_pct;	/* share of the fill that is unmovable */
	int pattern;		/* enum frag_pattern */
	double free_pct;	/* share of movable chunks freed (random, stride) */
	struct opt_size chunk;	/* movable chunk size: the grain of the holes */
	long seed;		/* 0: the iteration's seed */
	int background;		/* enum frag_background */
};

/*
 * FRAG_OPT_SPECS - the opt_spec entries for a struct frag_opts member M of
 * option struct T, names prefixed with PFX ("" for frag itself, "frag_" in
 * hugetlb and thp), default size DEFSIZE ("100%": all of the effective memory)
 * and background DEFBG ("off" or "keep").
 */
#define FRAG_OPT_SPECS(T, M, PFX, DEFSIZE, DEFBG)				\
	{ PFX "size", OPT_SIZE, offsetof(T, M.size), DEFSIZE, 0, 0, "bytes",	\
	  "memory to fill (absolute, or % of the effective memory)", NULL },	\
	{ PFX "unmovable_pct", OPT_DOUBLE, offsetof(T, M.unmovable_pct), "10",	\
	  0, 90, "%", "share of the fill made of unmovable kernel memory "	\
	  "(pipe buffers, page tables, dentries/inodes)", NULL },		\
	{ PFX "free_pattern", OPT_CHOICE, offsetof(T, M.pattern), "alternate",	\
	  0, 0, NULL, "which movable chunks are freed after the fill",		\
	  frag_pattern_names },							\
	{ PFX "free_pct", OPT_DOUBLE, offsetof(T, M.free_pct), "50", 1, 99,	\
	  "%", "share of movable chunks freed (random, stride)", NULL },	\
	{ PFX "chunk", OPT_SIZE, offsetof(T, M.chunk), "32K", 4096,		\
	  1073741824, "bytes", "size of a movable chunk: the grain of the "	\
	  "free holes", NULL },							\
	{ PFX "seed", OPT_LONG, offsetof(T, M.seed), "0", 0, 0, NULL,		\
	  "random seed (0: the iteration's seed)", NULL },			\
	{ PFX "background", OPT_CHOICE, offsetof(T, M.background), DEFBG,	\
	  0, 0, NULL, "the kernel's background compaction during the "		\
	  "iteration: off (vm.compaction_proactiveness and "			\
	  "vm.watermark_boost_factor 0, journaled) or keep (as found)",	\
	  frag_background_names }

/* What a started fragmenter reports once its memory is in place. */
struct frag_report {
	double fill_seconds;		/* fill and free, as the fragmenter timed them */
	uint64_t movable_bytes;		/* movable memory allocated during the fill */
	uint64_t unmovable_bytes;	/* unmovable memory allocated (estimated for slab), primed included */
	uint64_t primed_bytes;		/* of which the kernel could place without mixing (step 2) */
	uint64_t freed_bytes;		/* movable memory freed by the pattern */
	uint64_t pipes, pt_pages, files;
	double quiet_seconds;		/* then waiting for kswapd and kcompactd to go quiet */
	bool quiet;			/* they did (within FRAG_QUIET_MAX_S) */
};

/*
 * After the fill the fragmenter waits until kswapd and kcompactd have
 * finished what the fill woke them for (watermark boosts, kcompactd after
 * reclaim): FRAG_QUIET_S without progress, at most FRAG_QUIET_MAX_S.  What
 * comes after then starts from memory as the fill left it, not from
 * wherever the background threads happened to be.
 */
#define FRAG_QUIET_S 1.0
#define FRAG_QUIET_MAX_S 30.0

struct fragmenter;

/*
 * frag_start - fork a fragmenter that fills OPTS' size of memory (resolved
 * against CTX's effective size) under CTX's scratch directory, seeded with
 * OPTS' seed or else CTX's, frees the pattern and reports.  With CHURN it
 * then keeps freeing and re-allocating random chunks until stopped.  Waits
 * until the memory is in place (giving up with -EINTR once *CTX->stop is
 * set); *rep (may be NULL) gets the report.  The child dies with the
 * caller.  Returns 0 or -errno (the child's error).
 */
int frag_start(struct fragmenter **fp, struct wl_ctx *ctx, const struct frag_opts *opts,
	       bool churn, struct frag_report *rep);

/*
 * frag_fio_start - start fio writing many small files totalling SIZE bytes
 * in CTX's scratch directory over and over (ioengine=sync, 4 KiB blocks,
 * page cache), its output in the iteration's fio-frag.log.  Returns once
 * the first pass has written about SIZE (or fio has exited, or *CTX->stop
 * was set: -EINTR), 0 or -errno.
 */
int frag_fio_start(struct fragmenter **fp, struct wl_ctx *ctx, uint64_t size,
		   struct frag_report *rep);

/*
 * frag_source_start - what a workload on fragmented memory calls: start
 * SOURCE (enum frag_source) with OPTS, as frag_start (CHURN) or
 * frag_fio_start (OPTS' size) would; FRAG_SRC_NONE starts nothing (*fp
 * NULL, *rep zeroed).  Says what failed itself.  0 or -errno.
 */
int frag_source_start(struct fragmenter **fp, struct wl_ctx *ctx, int source,
		      const struct frag_opts *opts, bool churn, struct frag_report *rep);

/* frag_background_knob - is PATH one of the knobs background = off sets to 0? */
bool frag_background_knob(const char *path);

/*
 * frag_background_off - the name of the background option in SPEC (a
 * workload's table, filled into OPTS) when it is off, else NULL: a suite
 * whose variants set one of those knobs would compare nothing.
 */
const char *frag_background_off(const struct opt_spec *spec, const void *opts);

/* frag_stop - kill and reap the fragmenter, remove its files.  NULL is fine. */
void frag_stop(struct fragmenter *f);

#endif

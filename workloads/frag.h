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
 *
 * Also here: the kernel's unusable free space index computed from
 * /proc/buddyinfo.
 */
#ifndef MMAB_FRAG_H
#define MMAB_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/options.h"

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

/* Fragmenter options, embedded in each workload's option struct. */
struct frag_opts {
	struct opt_size size;	/* how much to fill */
	double unmovable_pct;	/* share of the fill that is unmovable */
	int pattern;		/* enum frag_pattern */
	double free_pct;	/* share of movable chunks freed (random, stride) */
	struct opt_size chunk;	/* movable chunk size: the grain of the holes */
	long seed;		/* 0: the iteration's seed */
};

/*
 * FRAG_OPT_SPECS - the opt_spec entries for a struct frag_opts member M of
 * option struct T, names prefixed with PFX ("" for frag itself, "frag_" in
 * hugetlb and thp), default size DEFSIZE ("100%": all of the effective memory).
 */
#define FRAG_OPT_SPECS(T, M, PFX, DEFSIZE)					\
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
	  "random seed (0: the iteration's seed)", NULL }

/* What a started fragmenter reports once its memory is in place. */
struct frag_report {
	double fill_seconds;		/* fill and free, as the fragmenter timed them */
	uint64_t movable_bytes;		/* movable memory allocated during the fill */
	uint64_t unmovable_bytes;	/* unmovable memory allocated (estimated for slab), primed included */
	uint64_t primed_bytes;		/* of which the kernel could place without mixing (step 2) */
	uint64_t freed_bytes;		/* movable memory freed by the pattern */
	uint64_t pipes, pt_pages, files;
};

struct fragmenter;

/*
 * frag_start - fork a fragmenter that fills OPTS' size of memory (resolved
 * against EFFECTIVE) under DIR, frees the pattern and reports.  With CHURN
 * it then keeps freeing and re-allocating random chunks until stopped.
 * Waits until the memory is in place; *rep (may be NULL) gets the report.
 * The child dies with the caller.  Returns 0 or -errno (the child's error).
 */
int frag_start(struct fragmenter **fp, const struct frag_opts *opts, uint64_t effective,
	       uint64_t seed, const char *dir, bool churn, struct frag_report *rep);

/*
 * frag_fio_start - start fio writing many small files totalling SIZE bytes
 * in DIR over and over (ioengine=sync, 4 KiB blocks, page cache), its
 * output in LOG.  Returns once the first pass has written about SIZE (or fio
 * has exited), 0 or -errno.
 */
int frag_fio_start(struct fragmenter **fp, uint64_t size, const char *dir, const char *log,
		   struct frag_report *rep);

/*
 * frag_set_stop - make frag_start/frag_fio_start give up (-EINTR) while
 * waiting once *STOP becomes non-zero (workloads pass ctx->stop).
 */
void frag_set_stop(volatile int *stop);


/* frag_stop - kill and reap the fragmenter, remove its files.  NULL is fine. */
void frag_stop(struct fragmenter *f);

/* Free block counts per order, summed over every node and zone. */
#define FRAG_MAX_ORDERS 16
struct buddy_counts {
	int norders;				/* orders seen (11 on x86-64) */
	uint64_t blocks[FRAG_MAX_ORDERS];
};

/* frag_buddy_parse - sum /proc/buddyinfo TEXT into *bc.  0 or -EINVAL. */
int frag_buddy_parse(const char *text, struct buddy_counts *bc);
/* frag_buddy_read - read and parse /proc/buddyinfo.  0 or -errno. */
int frag_buddy_read(struct buddy_counts *bc);
/* frag_free_pages - free pages in BC. */
uint64_t frag_free_pages(const struct buddy_counts *bc);
/* frag_free_blocks - free blocks of ORDER that BC could serve (larger ones split). */
uint64_t frag_free_blocks(const struct buddy_counts *bc, int order);
/*
 * frag_unusable_index - the kernel's unusable free space index for ORDER
 * (mm/vmstat.c unusable_free_index, debugfs extfrag/unusable_index) as a
 * fraction: (free pages - pages in blocks >= ORDER) / free pages, 1 when
 * nothing is free.  The kernel prints it per zone in thousandths; here the
 * zones are summed.
 */
double frag_unusable_index(const struct buddy_counts *bc, int order);

/* frag_vmstat_delta - a vmstat counter's change since START (NaN if absent). */
double frag_vmstat_delta(const char *name, long long start);

/*
 * Metric calculations of hugetlb and thp (declared here, next to the
 * fragmenter both use, so unit tests reach them).
 */
/* hugetlb_pages_possible - floor(MEMFREE_KB KiB * ALLOC_PCT / 100 / 2 MiB), 0 if none. */
long long hugetlb_pages_possible(long long memfree_kb, double alloc_pct);
/* hugetlb_success_pct - 100 * OBTAINED / POSSIBLE; NaN when POSSIBLE <= 0. */
double hugetlb_success_pct(long long obtained, long long possible);
/*
 * thp_pmd_mapped - from the pagemap entries of a 2 MiB region's first and
 * last 4 KiB pages and the first page's /proc/kpageflags word: true when one
 * huge page maps the region (both present, PFNs 511 apart, KPF_THP set).
 */
bool thp_pmd_mapped(uint64_t pm_first, uint64_t pm_last, uint64_t kflags);
/* thp_huge_pct - 100 * HUGE / FAULTS; NaN without faults. */
double thp_huge_pct(uint64_t huge, uint64_t faults);

#endif

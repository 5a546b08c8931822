/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How free memory lies, machine-wide: free blocks by order summed over
 * every node and zone of /proc/buddyinfo, the kernel's unusable free space
 * index on that sum, and the free pages and pageblocks of the non-movable
 * migratetypes (/proc/pagetypeinfo).  How the fragmenter and the workloads
 * on fragmented memory judge fragmentation; the per-zone figures over time
 * are the buddyinfo and pagetypeinfo collectors'.
 */
#ifndef MMAB_WL_FREEMEM_H
#define MMAB_WL_FREEMEM_H

#include <stdint.h>

#include "collectors/proc.h"	/* BUDDY_MAX_ORDERS */

/* Free block counts per order, summed over every node and zone. */
struct buddy_sum {
	int norders;				/* orders seen (11 on x86-64) */
	uint64_t blocks[BUDDY_MAX_ORDERS];
};

/* freemem_buddy_parse - sum /proc/buddyinfo TEXT into *bs.  0 or -EINVAL. */
int freemem_buddy_parse(const char *text, struct buddy_sum *bs);
/* freemem_buddy_read - read and sum /proc/buddyinfo.  0 or -errno. */
int freemem_buddy_read(struct buddy_sum *bs);
/* freemem_pages - free pages in BS. */
uint64_t freemem_pages(const struct buddy_sum *bs);
/* freemem_blocks - free blocks of ORDER that BS could serve (larger ones split). */
uint64_t freemem_blocks(const struct buddy_sum *bs, int order);
/*
 * freemem_unusable_index - the kernel's unusable free space index for
 * ORDER (mm/vmstat.c unusable_free_index, debugfs extfrag/unusable_index)
 * as a fraction: (free pages - pages in blocks >= ORDER) / free pages, 1
 * when nothing is free.  The kernel prints it per zone in thousandths;
 * here the zones are summed.
 */
double freemem_unusable_index(const struct buddy_sum *bs, int order);

/*
 * freemem_nonmovable - from /proc/pagetypeinfo, every zone: free pages in
 * Unmovable and Reclaimable pageblocks (*FREE_PAGES) and how many such
 * pageblocks there are (*BLOCKS).  -1 and -1 when it cannot be read (not
 * root).
 */
void freemem_nonmovable(long long *free_pages, long long *blocks);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An effective memory size that is a smaller machine: memory blocks
 * (/sys/devices/system/memory/memoryN, 128 MiB each on x86-64) taken
 * offline, so MemTotal, the zones and their watermarks shrink as on a
 * machine with less memory, instead of being pinned by a ballast.  Every
 * block is journaled before it goes offline (lib/journal.h,
 * journal_add_memblock) and brought back by hotplug_release(), by the
 * journal at exit, on signals and after a crash.  Used by the ballast
 * (runner/ballast.c), which pins only what is left below one block.
 */
#ifndef MMAB_HOTPLUG_H
#define MMAB_HOTPLUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct journal;

/* The blocks one hotplug_take() took offline. */
struct hotplug {
	unsigned long *blocks;	/* block numbers, in the order taken */
	size_t n;
	uint64_t block_bytes;
	unsigned refused;	/* online blocks that would not go offline */
	double seconds;		/* taking them offline */
};

/*
 * hotplug_supported - can memory blocks be taken offline here?  0, or
 * -errno with the reason in WHY (no /sys/devices/system/memory, not root).
 */
int hotplug_supported(char *why, size_t whylen);

/*
 * hotplug_take - take memory blocks offline, highest addresses first,
 * each journaled in J first, while MemAvailable stays at least EFFECTIVE
 * plus one block and a margin: what is left above EFFECTIVE is less than
 * a block, for a ballast to pin.  A block that will not go offline
 * (unmovable pages in it, or still busy after a second) is skipped.
 * Returns 0 with *HP (NULL when no block went offline) or -errno.
 */
int hotplug_take(struct hotplug **hp, uint64_t effective, struct journal *j);

/*
 * hotplug_release - bring H's blocks back online and free H (NULL is
 * fine).  *SECONDS (may be NULL) how long it took.  0 or the first -errno
 * (every block is tried; the journal tries again at its close).
 */
int hotplug_release(struct hotplug *h, double *seconds);

/*
 * hotplug_release_now - bring H's blocks back online with system calls
 * only, for a signal handler in a process that holds a copy of H.
 */
void hotplug_release_now(const struct hotplug *h);

/* hotplug_bytes - memory H took offline (0 for NULL). */
uint64_t hotplug_bytes(const struct hotplug *h);

#endif

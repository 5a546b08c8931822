/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The slab workload's parser and metric definitions (workloads/slab.c),
 * declared so unit tests check them.
 */
#ifndef MMAB_WL_SLAB_H
#define MMAB_WL_SLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One /proc/slabinfo row (version 2.1). */
struct slab_cache {
	char name[64];
	uint64_t active_objs, num_objs, objsize, objperslab, pagesperslab;
	uint64_t active_slabs, num_slabs;
};

/*
 * slabinfo_parse - find the caches named in NAMES (N of them) in
 * /proc/slabinfo TEXT and fill OUT[i] for NAMES[i].  Returns 0 when the text
 * is a well-formed slabinfo 2.x and every name was found, -ENOENT when one
 * is missing (its row is zeroed), -EINVAL when the text is not slabinfo or a
 * row is malformed.
 */
int slabinfo_parse(const char *text, const char *const *names, size_t n,
		   struct slab_cache *out);

/* slab_pages - pages held by the cache's slabs (num_slabs * pagesperslab). */
uint64_t slab_pages(const struct slab_cache *c);

/*
 * slab_occupancy_pct - 100 * active/total objects over the N caches,
 * weighted by object size (the share of the caches' object memory holding
 * live objects; for one cache: active_objs / num_objs).  NaN when empty.
 */
double slab_occupancy_pct(const struct slab_cache *c, size_t n);

/*
 * slab_choose_deletions - mark in DEL[0..N) the files to delete: exactly
 * floor(N * PCT / 100) of them, the first ones of a permutation seeded by
 * SEED when RANDOM, else evenly spaced (file i when floor((i + 1) PCT / 100)
 * > floor(i PCT / 100)).
 */
void slab_choose_deletions(long n, double pct, bool random, uint64_t seed, uint8_t *del);

/*
 * slab_pressure_bytes - the anonymous memory slab's pressure child
 * allocates: FREE_KB + PCT% of (FILE_KB + SRECL_KB), in bytes (all kB as
 * /proc/meminfo gives them: MemFree, file LRU, SReclaimable).
 */
uint64_t slab_pressure_bytes(long long free_kb, long long file_kb, long long srecl_kb,
			     double pct);

/* slab_pages_per_1k - 1000 * PAGES / OBJECTS; NaN when OBJECTS <= 0. */
double slab_pages_per_1k(double pages, double objects);

#endif

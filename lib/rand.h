/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seeded randomness: reproducible from a seed on every machine and kernel,
 * so iteration k of every variant sees the same pattern (results/README.md,
 * Seeds).  splitmix64 for streams and mixing; a memoryless permutation of
 * [0, n) for visiting every index exactly once in a scattered order.
 */
#ifndef MMAB_RAND_H
#define MMAB_RAND_H

#include <stdint.h>

/* rand_mix64 - splitmix64's finaliser: every input bit reaches every output bit. */
uint64_t rand_mix64(uint64_t z);
/* rand_next - the next number of the splitmix64 stream whose state is *S. */
uint64_t rand_next(uint64_t *s);
/* rand_unit - the next number of stream *S as a double in [0, 1). */
double rand_unit(uint64_t *s);

/*
 * rand_perm_init / rand_perm_at - a seeded pseudo-random permutation of
 * [0, n): every index exactly once, no memory (a Feistel network on the
 * next power of four, cycle-walking past n).
 */
struct rand_perm {
	uint64_t n, mask, keys[4];
	unsigned half;
};
void rand_perm_init(struct rand_perm *p, uint64_t n, uint64_t seed);
uint64_t rand_perm_at(const struct rand_perm *p, uint64_t i);

#endif

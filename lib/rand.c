/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Seeded randomness (API in rand.h). */
#include <string.h>

#include "lib/rand.h"

uint64_t rand_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t rand_next(uint64_t *s)
{
	return rand_mix64(*s += 0x9e3779b97f4a7c15ULL);
}

double rand_unit(uint64_t *s)
{
	return (double)(rand_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

void rand_perm_init(struct rand_perm *p, uint64_t n, uint64_t seed)
{
	unsigned bits = 2;

	memset(p, 0, sizeof(*p));
	p->n = n;
	/* an even number of bits, so both Feistel halves are alike; domain < 4n */
	while (bits < 64 && (1ULL << bits) < n)
		bits += 2;
	p->half = bits / 2;
	p->mask = (1ULL << p->half) - 1;
	for (int i = 0; i < 4; i++)
		p->keys[i] = rand_mix64(seed + 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1));
}

static uint64_t feistel(const struct rand_perm *p, uint64_t x)
{
	uint64_t l = (x >> p->half) & p->mask, r = x & p->mask;

	for (int i = 0; i < 4; i++) {
		uint64_t t = l ^ (rand_mix64(r ^ p->keys[i]) & p->mask);

		l = r;
		r = t;
	}
	return (l << p->half) | r;
}

uint64_t rand_perm_at(const struct rand_perm *p, uint64_t i)
{
	/* cycle-walking keeps a bijection of the power-of-two domain inside [0, n) */
	do
		i = feistel(p, i);
	while (i >= p->n);
	return i;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A resolved kernel (boot/kernel.h) made ready to boot: its image, its
 * modules and its config as files here.  A Debian package is unpacked once
 * into the cache (boot/cache.h) as CACHE/kernels/REL-HASH/{vmlinuz,config,
 * lib/modules/REL}, HASH being its contents' (a stock and a patched build
 * often share a release); the other forms are used where they are.
 * Backend-neutral.
 */
#ifndef MMAB_BOOT_KCACHE_H
#define MMAB_BOOT_KCACHE_H

#include <stdbool.h>
#include <stddef.h>

struct guard;
struct kernel;

struct kprep {
	char *image;		/* the bzImage to boot */
	char *modules;		/* its modules directory; NULL: none known */
	char *config;		/* its build configuration; NULL: none known */
	char *release;		/* read from the image */
	bool unpacked;		/* a package was unpacked now (not found in the cache) */
};

/*
 * kcache_describe - what kcache_prepare would do for K, for --dry-run:
 * "cached in DIR", "would unpack it into DIR (N MB)", "used in place".
 * Reads (and hashes a package), changes nothing.
 */
void kcache_describe(const struct kernel *k, char *buf, size_t len);

/*
 * kcache_prepare - K ready to boot: a package unpacked into the cache
 * unless it is there (dpkg-deb -x, its image's release checked against
 * the one resolution read), the others checked to be readable.  G guards
 * what is half made.  0 with OUT filled (kprep_free), or -errno with the
 * reason in err.
 */
int kcache_prepare(const struct kernel *k, struct guard *g, struct kprep *out, char *err,
		   size_t errlen);

void kprep_free(struct kprep *p);

#endif

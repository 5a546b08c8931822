/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmab's cache of what booting kernels needs and is slow to make: unpacked
 * kernel packages, initramfs archives, root disk images, downloaded
 * kernel packages.  $MMAB_CACHE_DIR, default /var/cache/mmab.  Entries are
 * named by a hash of what they are made from and appear atomically
 * (made under a temporary name the guardian removes if mmab dies, then
 * renamed), so two runs may share the cache and a crash leaves no half
 * entry behind.
 */
#ifndef MMAB_BOOT_CACHE_H
#define MMAB_BOOT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/mmab.h"

struct guard;

/* cache_dir - $MMAB_CACHE_DIR, or /var/cache/mmab. */
const char *cache_dir(void);

/* A 64-bit hash of a stream of inputs, for cache keys (not for security). */
struct cache_hash {
	uint64_t h;
};
void cache_hash_init(struct cache_hash *c);
void cache_hash_bytes(struct cache_hash *c, const void *data, size_t len);
/* cache_hash_str - a string and its end, so "ab","c" and "a","bc" differ. */
void cache_hash_str(struct cache_hash *c, const char *s);
/* cache_hash_file_id - PATH, its size and modification time.  0 or -errno. */
int cache_hash_file_id(struct cache_hash *c, const char *path);
/* cache_hash_file - PATH's contents.  0 or -errno. */
int cache_hash_file(struct cache_hash *c, const char *path);
/* cache_hash_hex - the hash as 16 hex digits into BUF (17 bytes). */
void cache_hash_hex(const struct cache_hash *c, char *buf);

/*
 * cache_tmp - a new temporary directory CACHE/SUB/.tmp-XXXXXX (SUB made
 * if need be), guarded by G.  Returns it malloc'd, or NULL with errno.
 */
char *cache_tmp(const char *sub, struct guard *g);

/*
 * cache_publish - rename TMP (a file or directory made under cache_tmp's
 * directory) to FINAL and take it off G's list.  When another mmab
 * published FINAL first, TMP is removed and FINAL kept.  0 or -errno.
 */
int cache_publish(const char *tmp, const char *final, struct guard *g);

/*
 * boot_which - the tool NAME as execvp would find it, or in /usr/sbin or
 * /sbin (mkfs.ext4 and debugfs are there, and sudo's PATH may lack them),
 * into OUT.  0 or -ENOENT.
 */
int boot_which(const char *name, char *out, size_t len);

/* boot_fail - FMT into ERR (ERRLEN bytes), and RET returned: for `return boot_fail(...)`. */
int boot_fail(char *err, size_t errlen, int ret, const char *fmt, ...) MMAB_PRINTF(4, 5);

/*
 * boot_run - run ARGV (argv[0] found by boot_which) to its end, its
 * output into LOG (NULL: /dev/null), dying with mmab.  0 when it exited
 * 0; else -EIO with "NAME failed: LAST LINE OF LOG" (or how it ended) in err.
 */
int boot_run(char *const argv[], const char *log, char *err, size_t errlen);

/*
 * cache_sha256 - `sha256sum PATH` (exec'd with argv) into HEX (65 bytes).
 * 0 or -errno.
 */
int cache_sha256(const char *path, char *hex);

#endif

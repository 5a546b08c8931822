/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The root disk of a booted kernel: mmab itself (/usr/bin/mmab, stage 2
 * of the guest's boot), the programs the runner starts (fio, stress-ng,
 * perf: whichever this machine has) at their paths here, the shared
 * libraries they load (their interpreter's --list: a static program has
 * none), busybox with the few applets the runner execs (gzip, sha256sum),
 * and the directories the guest mounts on.  An ext4 image made by
 * `mkfs.ext4 -d` without mounting anything, attached read-only, so one
 * image serves every boot; cached as CACHE/rootfs/HASH.img, HASH over
 * every file's path, size and time.  Why not in the initramfs: the kernel
 * keeps an initramfs in RAM, and ~140 MB of tools pinned in a guest of
 * 1-2 GiB is exactly what a memory benchmark must not carry.
 */
#ifndef MMAB_BOOT_ROOTFS_H
#define MMAB_BOOT_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

struct guard;

/* A file of the root disk: where it is here, where it goes there. */
struct rootfs_file {
	char *host;
	char *guest;
	bool link;		/* guest is a symlink to host (a busybox applet) */
};

struct rootfs {
	struct rootfs_file *files;
	size_t n;
	char *missing;		/* programs this machine lacks, for a warning; NULL: none */
	char *path;		/* the cached image */
	bool cached;		/* it is there already */
};

/*
 * rootfs_plan - the root disk of MMAB (this program), BUSYBOX and the
 * programs PROGS (names, found in PATH; those missing are listed in
 * r->missing), with their libraries, and where its image is cached.
 * 0, or -errno with the reason in err (a library that cannot be found).
 */
int rootfs_plan(const char *mmab, const char *busybox, const char *const *progs,
		struct rootfs *r, char *err, size_t errlen);

/*
 * rootfs_make - the image of R, made unless cached (R->cached).  G guards
 * what is half made.  0 (R->cached false: made now), or -errno with err.
 */
int rootfs_make(struct rootfs *r, struct guard *g, char *err, size_t errlen);

void rootfs_free(struct rootfs *r);

#endif

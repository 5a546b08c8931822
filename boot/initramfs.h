/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The initramfs a kernel under test boots with: an /init script, a static
 * busybox to run it, and the kernel's own modules it needs before its
 * disks can be mounted (boot/modules.h), uncompressed and named NN-NAME.ko
 * in load order.  Nothing else: the tools live on a root disk
 * (boot/rootfs.h), so the guest's memory is not pinned by them.  Cached
 * per input (CACHE/initramfs/HASH.cpio): the script, busybox, each module
 * file and mmab's version.
 */
#ifndef MMAB_BOOT_INITRAMFS_H
#define MMAB_BOOT_INITRAMFS_H

#include <stdbool.h>
#include <stddef.h>

struct guard;
struct kmod_list;

/*
 * initramfs_path - where the initramfs of INIT, BUSYBOX and MODS is (or
 * would be) cached; malloc'd.  *cached: it is there already.
 */
char *initramfs_path(const char *init, const char *busybox, const struct kmod_list *mods,
		     bool *cached);

/*
 * initramfs_make - that initramfs, made unless cached.  BUSYBOX must be a
 * static program (busybox-static).  0 with *path (malloc'd) and *made
 * (true when built now), or -errno with the reason in err.
 */
int initramfs_make(const char *init, const char *busybox, const struct kmod_list *mods,
		   struct guard *g, char **path, bool *made, char *err, size_t errlen);

#endif

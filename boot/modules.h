/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel modules a booted kernel needs before it can mount its disks,
 * found without depmod (a kernel package ships no modules.dep; its
 * postinst makes one): modules.builtin says what is built in,
 * modules.order where each module's file is (a build tree's lists .o
 * files; an installed tree's omits the .xz/.zst suffix), and each module's
 * own .modinfo its depends= and softdep= pre: modules, loaded first.
 * Backend-neutral: the qemu backend puts the list in its initramfs, a
 * kexec'd kernel needs the same.
 */
#ifndef MMAB_BOOT_MODULES_H
#define MMAB_BOOT_MODULES_H

#include <stdbool.h>
#include <stddef.h>

struct kmod {
	char *name;		/* module name, '-' made '_': "virtio_blk" */
	char *path;		/* its file, maybe compressed (.ko.xz) */
};

struct kmod_list {
	struct kmod *mods;	/* in load order: every module after what it depends on */
	size_t n;
};

/*
 * kmod_resolve - the modules to load, in order, for WANT (NULL-terminated
 * module names) from the modules directory DIR (lib/modules/REL, or a
 * build tree): what is built in needs nothing, the rest comes with its
 * dependencies.  A name in OPTIONAL (may be NULL) that is neither built in
 * nor a module is left out; one in WANT is an error.  Returns 0 with OUT
 * filled (free with kmod_list_free), or -ENOENT/-EINVAL with the reason in err.
 */
int kmod_resolve(const char *dir, const char *const *want, const char *const *optional,
		 struct kmod_list *out, char *err, size_t errlen);

/*
 * kmod_read - the module file at PATH, uncompressed (.ko, .ko.xz), into
 * a malloc'd *data of *len bytes.  0, -EOPNOTSUPP (another compression),
 * -EINVAL (a damaged file) or -errno.
 */
int kmod_read(const char *path, void **data, size_t *len);

/*
 * kmod_modinfo - the value of KEY ("depends", "softdep", "vermagic") in
 * the .modinfo of the module image DATA (LEN bytes), malloc'd; NULL when
 * absent.  *err (may be NULL) is set to -EINVAL when DATA is no module.
 */
char *kmod_modinfo(const void *data, size_t len, const char *key, int *err);

void kmod_list_free(struct kmod_list *l);

#endif

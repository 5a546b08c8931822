/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The initramfs of a kernel under test (boot/initramfs.h): a newc archive
 * (boot/cpio.h) written under a temporary name and published in the cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/cache.h"
#include "boot/cpio.h"
#include "boot/elf.h"
#include "boot/guard.h"
#include "boot/initramfs.h"
#include "boot/modules.h"
#include "lib/mmab.h"

char *initramfs_path(const char *init, const char *busybox, const struct kmod_list *mods,
		     bool *cached)
{
	struct cache_hash h;
	char hex[17], *path;

	cache_hash_init(&h);
	cache_hash_str(&h, "initramfs " MMAB_VERSION);
	cache_hash_str(&h, init);
	cache_hash_file_id(&h, busybox);
	for (size_t i = 0; i < mods->n; i++)
		cache_hash_file_id(&h, mods->mods[i].path);
	cache_hash_hex(&h, hex);
	path = xasprintf("%s/initramfs/%s.cpio", cache_dir(), hex);
	*cached = !access(path, R_OK);
	return path;
}

/* Add the file at PATH as NAME; its content uncompressed when a module.  0 or -errno. */
static int add_file(struct cpio *c, const char *name, const char *path, mode_t mode, bool module)
{
	size_t len;
	void *data;
	int ret = module ? kmod_read(path, &data, &len) : mmab_read_file(path, (char **)&data, &len);

	if (ret)
		return ret;
	cpio_file(c, name, mode, data, len);
	free(data);
	return 0;
}

static int write_archive(int fd, const char *init, const char *busybox,
			 const struct kmod_list *mods, char *err, size_t errlen)
{
	static const char *const dirs[] = { "bin", "dev", "proc", "sys", "newroot", "lib",
					    "lib/modules" };
	struct cpio c;
	int ret;

	cpio_init(&c, fd);
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		cpio_dir(&c, dirs[i]);
	cpio_file(&c, "init", 0755, init, strlen(init));
	ret = add_file(&c, "bin/busybox", busybox, 0755, false);
	if (ret) {
		snprintf(err, errlen, "cannot read %s: %s", busybox, strerror(-ret));
		return ret;
	}
	cpio_symlink(&c, "bin/sh", "busybox");
	for (size_t i = 0; i < mods->n; i++) {
		char *name = xasprintf("lib/modules/%02zu-%s.ko", i, mods->mods[i].name);

		ret = add_file(&c, name, mods->mods[i].path, 0644, true);
		free(name);
		if (ret) {
			snprintf(err, errlen, "cannot read %s: %s", mods->mods[i].path,
				 ret == -EOPNOTSUPP ? "a compression mmab does not read" :
				 strerror(-ret));
			return ret;
		}
	}
	ret = cpio_end(&c);
	if (ret)
		snprintf(err, errlen, "cannot write the initramfs: %s", strerror(-ret));
	return ret;
}

int initramfs_make(const char *init, const char *busybox, const struct kmod_list *mods,
		   struct guard *g, char **path, bool *made, char *err, size_t errlen)
{
	char interp[256], *tmp, *file;
	int fd, ret;

	*made = false;
	*path = initramfs_path(init, busybox, mods, made);
	if (*made) {
		*made = false;
		return 0;
	}
	if (elf_interp(busybox, interp, sizeof(interp)) != -ENOENT) {
		snprintf(err, errlen, "%s is not a static program: the initramfs needs "
			 "busybox-static", busybox);
		return -EINVAL;
	}
	tmp = cache_tmp("initramfs", g);
	if (!tmp) {
		ret = -errno;
		snprintf(err, errlen, "cannot make a directory in %s/initramfs: %s", cache_dir(),
			 strerror(errno));
		return ret;
	}
	file = xasprintf("%s/initramfs.cpio", tmp);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	ret = fd < 0 ? -errno : write_archive(fd, init, busybox, mods, err, errlen);
	if (fd < 0)
		snprintf(err, errlen, "cannot create %s: %s", file, strerror(-ret));
	if (fd >= 0 && close(fd) && !ret)
		ret = -errno;
	if (!ret)
		ret = cache_publish(file, *path, NULL);
	if (!mmab_rm_rf(tmp))
		guard_forget(g, tmp);
	*made = !ret;
	free(file);
	free(tmp);
	return ret;
}

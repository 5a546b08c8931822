/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernels made ready to boot (boot/kcache.h): packages unpacked into the
 * cache once, the other forms taken where they are.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/cache.h"
#include "boot/guard.h"
#include "boot/kcache.h"
#include "boot/kernel.h"
#include "lib/mmab.h"

/* CACHE/kernels/REL-HASH for package K; malloc'd, NULL when it cannot be read. */
static char *deb_dir(const struct kernel *k)
{
	struct cache_hash h;
	char hex[17];

	cache_hash_init(&h);
	if (cache_hash_file(&h, k->path))
		return NULL;
	cache_hash_hex(&h, hex);
	return xasprintf("%s/kernels/%s-%s", cache_dir(), k->release, hex);
}

static bool exists(const char *path)
{
	return !access(path, F_OK);
}

void kcache_describe(const struct kernel *k, char *buf, size_t len)
{
	char *dir, *img;
	struct stat st;

	if (k->kind != KERNEL_DEB) {
		snprintf(buf, len, "used in place");
		return;
	}
	dir = deb_dir(k);
	img = dir ? xasprintf("%s/vmlinuz", dir) : NULL;
	if (img && exists(img))
		snprintf(buf, len, "cached in %s", dir);
	else
		snprintf(buf, len, "would unpack it into %s (%.0f MB package)",
			 dir ? dir : cache_dir(), stat(k->path, &st) ? 0.0 : (double)st.st_size / 1e6);
	free(img);
	free(dir);
}

/* dpkg-deb -x DEB into TMP/x, then its kernel's parts moved to TMP's layout. */
static int unpack(const struct kernel *k, const char *tmp, char *err, size_t errlen)
{
	char *x = xasprintf("%s/x", tmp), *log = xasprintf("%s/dpkg-deb.log", tmp);
	char *const argv[] = { (char *)"dpkg-deb", (char *)"-x", k->path, x, NULL };
	char *from[3], *to[3];
	int ret = boot_run(argv, log, err, errlen);

	from[0] = xasprintf("%s/boot/vmlinuz-%s", x, k->release);
	from[1] = xasprintf("%s/boot/config-%s", x, k->release);
	from[2] = xasprintf("%s/lib/modules/%s", x, k->release);
	if (!exists(from[2])) {
		free(from[2]);
		from[2] = xasprintf("%s/usr/lib/modules/%s", x, k->release);
	}
	to[0] = xasprintf("%s/vmlinuz", tmp);
	to[1] = xasprintf("%s/config", tmp);
	to[2] = xasprintf("%s/lib/modules/%s", tmp, k->release);
	if (!ret)
		ret = mmab_mkdir_p(to[2], 0755) ? -EIO : rmdir(to[2]) ? -errno : 0;
	for (int i = 0; i < 3 && !ret; i++)
		if (rename(from[i], to[i]) && (i == 0 || errno != ENOENT))
			ret = boot_fail(err, errlen, -errno, "the package has no %s", from[i] + strlen(x));
	if (!ret)
		ret = mmab_rm_rf(x);
	for (int i = 0; i < 3; i++) {
		free(from[i]);
		free(to[i]);
	}
	if (!ret)
		unlink(log);
	free(log);
	free(x);
	return ret;
}

static int prepare_deb(const struct kernel *k, struct guard *g, struct kprep *out, char *err,
		       size_t errlen)
{
	char *dir = deb_dir(k), *tmp = NULL, rel[300];
	int ret = 0;

	if (!dir)
		return boot_fail(err, errlen, -EIO, "cannot read '%s'", k->path);
	out->image = xasprintf("%s/vmlinuz", dir);
	if (!exists(out->image)) {
		tmp = cache_tmp("kernels", g);
		if (!tmp)
			ret = boot_fail(err, errlen, -errno, "cannot make a directory in %s/kernels: %s",
				   cache_dir(), strerror(errno));
		if (!ret)
			ret = unpack(k, tmp, err, errlen);
		if (!ret)
			ret = cache_publish(tmp, dir, g);
		if (ret && tmp && !mmab_rm_rf(tmp))
			guard_forget(g, tmp);
		out->unpacked = !ret;
	}
	if (!ret && (kernel_image_release(out->image, rel, sizeof(rel)) ||
		     strcmp(rel, k->release)))
		ret = boot_fail(err, errlen, -EINVAL, "its boot/vmlinuz-%s says it is release '%s'",
			   k->release, rel);
	if (!ret) {
		out->release = xstrdup(rel);
		out->modules = xasprintf("%s/lib/modules/%s", dir, rel);
		out->config = xasprintf("%s/config", dir);
	}
	free(tmp);
	free(dir);
	return ret;
}

/* The config beside an image (/boot/config-REL) or in a tree (.config); NULL when none. */
static char *config_of(const struct kernel *k, const char *release)
{
	char *copy = xstrdup(k->image), *c;

	c = k->kind == KERNEL_TREE ? xasprintf("%s/.config", k->path)
				   : xasprintf("%s/config-%s", dirname(copy), release);
	free(copy);
	if (!exists(c)) {
		free(c);
		c = NULL;
	}
	return c;
}

int kcache_prepare(const struct kernel *k, struct guard *g, struct kprep *out, char *err,
		   size_t errlen)
{
	char rel[300];
	int ret;

	memset(out, 0, sizeof(*out));
	if (k->kind == KERNEL_DEB)
		ret = prepare_deb(k, g, out, err, errlen);
	else if ((ret = kernel_image_release(k->image, rel, sizeof(rel))))
		ret = boot_fail(err, errlen, ret, "cannot read '%s': %s", k->image,
			   ret == -EINVAL ? "no longer a kernel image" : strerror(-ret));
	else
		*out = (struct kprep){ .image = xstrdup(k->image), .release = xstrdup(rel),
			.modules = k->modules ? xstrdup(k->modules) : NULL,
			.config = config_of(k, rel) };
	if (ret)
		kprep_free(out);
	return ret;
}

void kprep_free(struct kprep *p)
{
	free(p->image);
	free(p->modules);
	free(p->config);
	free(p->release);
	memset(p, 0, sizeof(*p));
}

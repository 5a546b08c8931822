/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * newc cpio (boot/cpio.h): a 110-byte ASCII header ("070701" and 13
 * fields of 8 hex digits: ino mode uid gid nlink mtime filesize devmajor
 * devminor rdevmajor rdevminor namesize check), the name with its NUL,
 * padding to 4, the data, padding to 4; a "TRAILER!!!" entry ends it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "boot/cpio.h"
#include "lib/mmab.h"

static void put(struct cpio *c, const void *data, size_t len)
{
	int ret;

	if (c->err || !len)
		return;
	ret = mmab_write_full(c->fd, data, len);
	if (ret)
		c->err = ret;
}

static void pad(struct cpio *c, size_t len)
{
	static const char zeros[4];

	if (len % 4)
		put(c, zeros, 4 - len % 4);
}

static void entry(struct cpio *c, const char *name, unsigned mode, unsigned nlink,
		  const void *data, size_t len)
{
	char hdr[111];
	size_t namesize = strlen(name) + 1;

	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 nlink == 1 && !mode ? 0 : ++c->ino, mode, 0, 0, nlink, 0, (unsigned)len, 0, 0, 0, 0,
		 (unsigned)namesize, 0);
	put(c, hdr, 110);
	put(c, name, namesize);
	pad(c, 110 + namesize);
	put(c, data, len);
	pad(c, len);
}

void cpio_init(struct cpio *c, int fd)
{
	*c = (struct cpio){ .fd = fd };
}

void cpio_dir(struct cpio *c, const char *name)
{
	entry(c, name, S_IFDIR | 0755, 2, NULL, 0);
}

void cpio_file(struct cpio *c, const char *name, mode_t mode, const void *data, size_t len)
{
	entry(c, name, S_IFREG | (mode & 07777), 1, data, len);
}

void cpio_symlink(struct cpio *c, const char *name, const char *target)
{
	entry(c, name, S_IFLNK | 0777, 1, target, strlen(target));
}

int cpio_end(struct cpio *c)
{
	entry(c, "TRAILER!!!", 0, 1, NULL, 0);
	return c->err;
}

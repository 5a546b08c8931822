/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A writer of "newc" cpio archives, the format the kernel unpacks an
 * initramfs from: directories, files and symlinks, uid/gid 0, each entry
 * its own inode number, parents written before their children (the
 * kernel's unpacker does not make missing directories).  Uncompressed:
 * under emulation, decompressing costs more than reading the bytes.
 */
#ifndef MMAB_BOOT_CPIO_H
#define MMAB_BOOT_CPIO_H

#include <stddef.h>
#include <sys/types.h>

struct cpio {
	int fd;
	unsigned ino;
	int err;		/* the first write error (-errno), 0: none */
};

/* cpio_init - start an archive written to FD (the caller opens and closes it). */
void cpio_init(struct cpio *c, int fd);
/* cpio_dir - directory NAME (no leading '/'), mode 0755. */
void cpio_dir(struct cpio *c, const char *name);
/* cpio_file - regular file NAME with MODE (permission bits) and LEN bytes of DATA. */
void cpio_file(struct cpio *c, const char *name, mode_t mode, const void *data, size_t len);
/* cpio_symlink - symlink NAME pointing at TARGET. */
void cpio_symlink(struct cpio *c, const char *name, const char *target);
/* cpio_end - the trailer.  Returns 0, or the first write error (-errno). */
int cpio_end(struct cpio *c);

#endif

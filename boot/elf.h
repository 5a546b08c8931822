/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The little of ELF64 (little-endian, x86-64) that booting a kernel needs
 * read: a program's interpreter (PT_INTERP: a static program has none, and
 * running ld.so on one crashes it) and a section of a kernel module held
 * in memory (.modinfo: its depends= and softdep=).
 */
#ifndef MMAB_BOOT_ELF_H
#define MMAB_BOOT_ELF_H

#include <stddef.h>

/*
 * elf_interp - the interpreter of the program at PATH into OUT.  0,
 * -ENOENT when it has none (a static program), -EINVAL when PATH is no
 * ELF64 file, -errno.
 */
int elf_interp(const char *path, char *out, size_t len);

/*
 * elf_section - the section NAME of the ELF64 image of LEN bytes at BUF:
 * *data and *dlen point into BUF.  0, -ENOENT (no such section) or
 * -EINVAL (not ELF64, or a header pointing outside BUF).
 */
int elf_section(const void *buf, size_t len, const char *name, const void **data, size_t *dlen);

#endif

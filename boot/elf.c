/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ELF64 reading (boot/elf.h), with every offset checked against the bytes
 * there are: a module or program file is input, not trusted.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "boot/elf.h"
#include "lib/mmab.h"

static int check_ehdr(const void *buf, size_t len, Elf64_Ehdr *eh)
{
	if (len < sizeof(*eh))
		return -EINVAL;
	memcpy(eh, buf, sizeof(*eh));
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return -EINVAL;
	return 0;
}

/* Is [off, off+n) inside LEN bytes? */
static int inside(size_t len, uint64_t off, uint64_t n)
{
	return off <= len && n <= len - off;
}

int elf_section(const void *buf, size_t len, const char *name, const void **data, size_t *dlen)
{
	const unsigned char *b = buf;
	Elf64_Ehdr eh;
	Elf64_Shdr sh, strtab;

	if (check_ehdr(buf, len, &eh) || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    eh.e_shstrndx >= eh.e_shnum ||
	    !inside(len, eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr)))
		return -EINVAL;
	memcpy(&strtab, b + eh.e_shoff + (uint64_t)eh.e_shstrndx * sizeof(sh), sizeof(sh));
	if (!inside(len, strtab.sh_offset, strtab.sh_size))
		return -EINVAL;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		const char *sn;

		memcpy(&sh, b + eh.e_shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
		if (sh.sh_name >= strtab.sh_size)
			continue;
		sn = (const char *)b + strtab.sh_offset + sh.sh_name;
		if (strnlen(sn, strtab.sh_size - sh.sh_name) == strtab.sh_size - sh.sh_name ||
		    strcmp(sn, name))
			continue;
		if (sh.sh_type == SHT_NOBITS || !inside(len, sh.sh_offset, sh.sh_size))
			return -EINVAL;
		*data = b + sh.sh_offset;
		*dlen = sh.sh_size;
		return 0;
	}
	return -ENOENT;
}

int elf_interp(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -ENOENT;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	if (fd < 0)
		return -errno;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || check_ehdr(&eh, sizeof(eh), &eh) ||
	    eh.e_phentsize != sizeof(ph)) {
		close(fd);
		return -EINVAL;
	}
	for (unsigned i = 0; i < eh.e_phnum && ret == -ENOENT; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph)) {
			ret = -EINVAL;
			break;
		}
		if (ph.p_type != PT_INTERP)
			continue;
		if (!ph.p_filesz || ph.p_filesz > len ||
		    pread(fd, out, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz ||
		    out[ph.p_filesz - 1] != '\0')
			ret = -EINVAL;
		else
			ret = 0;
	}
	close(fd);
	return ret;
}

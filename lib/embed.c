/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lookup of data files linked into the binary (see lib/embed.sh).
 */
#include <string.h>

#include "lib/embed.h"

const char *embed_find(const char *path, size_t *len)
{
	for (const struct embedded_file *f = embedded_files; f->path; f++) {
		if (strcmp(f->path, path))
			continue;
		if (len)
			*len = (size_t)(f->end - f->data);
		return f->data;
	}
	return NULL;
}

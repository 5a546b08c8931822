/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the two halves of the result-set reader share (rset-find.c
 * defines them, rset.c uses them): small file and list helpers.
 */
#ifndef MMAB_RSET_INT_H
#define MMAB_RSET_INT_H

#include <stdbool.h>
#include <stddef.h>

/* rset_is_dir - whether PATH is a directory (following links). */
bool rset_is_dir(const char *path);
/* rset_is_set - whether DIR holds a regular file metadata.json. */
bool rset_is_set(const char *dir);
/* rset_trim_slashes - a malloc'd copy of S without trailing slashes ("/" stays). */
char *rset_trim_slashes(const char *s);
/* rset_push - append S (owned by the vector from then on) to *V. */
void rset_push(char ***v, size_t *n, char *s);
/* rset_cmp_str - qsort comparison of char * elements, by strcmp. */
int rset_cmp_str(const void *a, const void *b);

#endif

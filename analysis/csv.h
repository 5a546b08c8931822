/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small CSV reader for mmab's own files (results/README.md): header row,
 * comma separated, numbers unquoted, strings quoted with "" when they hold a
 * comma, quote or newline.  Malformed rows are reported as FILE:LINE: message
 * and skipped; the rest of the file is still read.
 */
#ifndef MMAB_CSV_H
#define MMAB_CSV_H

#include <stddef.h>
#include <stdio.h>

struct csv {
	char *path;
	size_t ncols, nrows;
	char **cols;		/* header names */
	char **cells;		/* nrows * ncols; NULL for an empty cell */
	unsigned problems;	/* rows reported and skipped */
};

/*
 * csv_load - read PATH.  Returns 0 (problems counted in c->problems and
 * reported on stderr), -ENOENT, or -EINVAL for a file with no header.
 * The caller frees with csv_free().
 */
int csv_load(const char *path, struct csv *c);
/* csv_col - index of column NAME, or -1. */
int csv_col(const struct csv *c, const char *name);
/* csv_str - cell text or NULL when empty. */
const char *csv_str(const struct csv *c, size_t row, int col);
/* csv_num - cell as a number, NaN when empty or not numeric. */
double csv_num(const struct csv *c, size_t row, int col);
void csv_free(struct csv *c);

/* csv_write_str - write S as a CSV field, quoting only when needed. */
void csv_write_str(FILE *f, const char *s);

#endif

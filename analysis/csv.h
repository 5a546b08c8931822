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

#include "runner/mmab.h"

struct csv {
	char *path;
	size_t ncols, nrows;
	char **cols;		/* header names */
	char **cells;		/* nrows * ncols; NULL for an empty cell */
	size_t *lines;		/* nrows: the line of the file each row starts on */
	unsigned problems;	/* rows reported and skipped */
	char *buf;		/* the file's text, which cols and cells point into */
};

/*
 * csv_load - read PATH.  Returns 0 (problems counted in c->problems and
 * reported on stderr), -EINVAL for a file with no usable header (reported
 * here, with its line), or -errno when the file cannot be read (-ENOENT:
 * the caller reports it, knowing whether the file was optional).
 * A row with the wrong number of fields, an unterminated quote, text after
 * a closing quote or a NUL byte is skipped; so is a last row without its
 * newline (mmab's writers end every row with one: a file cut mid-row).
 * Blank lines are ignored.  The caller frees with csv_free().
 */
int csv_load(const char *path, struct csv *c);
/* csv_col - index of column NAME (the first if repeated), or -1. */
int csv_col(const struct csv *c, const char *name);
/* csv_str - cell text or NULL when empty (or COL < 0). */
const char *csv_str(const struct csv *c, size_t row, int col);
/* csv_num - cell as a finite number, NaN when empty, not numeric or COL < 0. */
double csv_num(const struct csv *c, size_t row, int col);
/* csv_row_line - the line ROW starts on, for FILE:LINE messages. */
size_t csv_row_line(const struct csv *c, size_t row);
/* csv_free - free what csv_load allocated; C may be loaded again. */
void csv_free(struct csv *c);

/*
 * csv_problem - report a problem in a file read by the analysis:
 * "mmab: PATH:LINE: MESSAGE" on stderr ("mmab: PATH: MESSAGE" when LINE
 * is 0).  The one format every reader of result sets uses.
 */
void csv_problem(const char *path, size_t line, const char *fmt, ...) MMAB_PRINTF(3, 4);

/* csv_write_str - write S as a CSV field, quoting only when needed. */
void csv_write_str(FILE *f, const char *s);

#endif

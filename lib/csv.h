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

#include "lib/mmab.h"

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

/*
 * csv_quote - S (N bytes) as one CSV field: as it is, or in double quotes
 * with inner quotes doubled when it holds a comma, quote, CR or LF.  Writes
 * at most CAP bytes to DST (no NUL; DST may be NULL when CAP is 0) and
 * returns the length the whole field needs, at most 2 * N + 2.
 */
size_t csv_quote(char *dst, size_t cap, const char *s, size_t n);
/* csv_write_str - write S as a CSV field, quoting only when needed. */
void csv_write_str(FILE *f, const char *s);

/* One column of a numeric CSV: its value in the first and the last row. */
struct csv_delta {
	char *name;
	double first, last;
};

/*
 * csv_deltas - the first and last rows of the collector CSV at PATH
 * (first column `t`, as vmstat.csv), column by column, read with csv_load:
 * malformed rows and a last row cut short are reported and skipped;
 * non-numeric cells are NaN.  Returns the number of columns (t excluded)
 * with *out malloc'd, -EINVAL when there is no `t` header or no data row,
 * or -errno when PATH cannot be read.  Free with csv_deltas_free().
 */
ssize_t csv_deltas(const char *path, struct csv_delta **out);
void csv_deltas_free(struct csv_delta *d, size_t n);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * compare_print and compare_write (compare.h): the one walk over the
 * table that every output format shares (compare-out.h), and the choice
 * of format.
 */
#include <errno.h>
#include <string.h>

#include "analysis/compare-out.h"

#define CALL(ops, fn, ...) do { if ((ops)->fn) (ops)->fn(__VA_ARGS__); } while (0)

static const struct cmp_out_ops *const formats[] = {
	[CMP_TEXT] = &cmp_text_ops,
	[CMP_MD] = &cmp_md_ops,
	[CMP_CSV] = &cmp_csv_ops,
	[CMP_JSON] = &cmp_json_ops,
	[CMP_HTML] = &cmp_html_ops,
};

/* The rows of T from FROM on that share its workload and section: their end. */
static size_t section_end(const struct cmp_table *t, size_t from)
{
	const struct cmp_row *r = &t->rows[from];
	size_t to = from + 1;

	while (to < t->n_rows && t->rows[to].section == r->section &&
	       !strcmp(t->rows[to].workload, r->workload))
		to++;
	return to;
}

/* One section of the table: its rows, then each wanted row's cells. */
static void walk_section(struct cmp_out *o, const struct cmp_out_ops *ops, size_t from,
			 size_t to)
{
	const struct cmp_table *t = o->t;

	CALL(ops, section, o, &t->rows[from], to - from);
	for (size_t r = from; r < to; r++) {
		const struct cmp_row *row = &t->rows[r];

		if (ops->want_row && !ops->want_row(o, row))
			continue;
		CALL(ops, row, o, row);
		for (size_t s = 0; ops->cell && s < t->n_sets; s++)
			ops->cell(o, row, s);
	}
	CALL(ops, section_end, o, &t->rows[from], to - from);
}

static int walk(struct cmp_out *o, const struct cmp_out_ops *ops)
{
	const struct cmp_table *t = o->t;

	CALL(ops, begin, o);
	for (size_t r = 0; r < t->n_rows;) {
		const char *w = t->rows[r].workload;

		CALL(ops, workload, o, w);
		while (r < t->n_rows && !strcmp(t->rows[r].workload, w)) {
			size_t to = section_end(t, r);

			walk_section(o, ops, r, to);
			r = to;
		}
	}
	return ops->end ? ops->end(o) : 0;
}

int compare_print(FILE *f, enum compare_fmt fmt, const struct cmp_table *t, unsigned flags)
{
	struct cmp_out o = { f, t, flags, NULL };
	int err;
	const struct cmp_out_ops *ops;

	if ((unsigned)fmt >= sizeof(formats) / sizeof(formats[0]))
		return -EINVAL;
	ops = formats[fmt];
	if (!(flags & CMP_VERBOSE) && fmt == CMP_TEXT)
		ops = &cmp_text_compact_ops;
	else if (!(flags & CMP_VERBOSE) && fmt == CMP_MD)
		ops = &cmp_md_compact_ops;
	err = walk(&o, ops);
	if (!err && ferror(f))
		err = -EIO;
	return err;
}

int compare_write(FILE *f, enum compare_fmt fmt, struct rset *sets, size_t n, size_t baseline,
		  unsigned flags)
{
	struct cmp_table t;
	int err = compare_build(sets, n, baseline, &t);

	if (err)
		return err;
	err = compare_print(f, fmt, &t, flags);
	compare_free(&t);
	return err;
}

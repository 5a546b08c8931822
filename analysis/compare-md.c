/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The full markdown format of compare (compare-out.h, with CMP_VERBOSE):
 * GitHub tables, one row per (metric, set).  Everything from a result set is escaped so that it
 * renders as the text it is: no markup, no HTML, no split table cell.
 */
#include <stdlib.h>

#include "analysis/compare-out.h"
#include "lib/mmab.h"

void cmp_md_put(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '|': case '\\': case '`': case '*': case '_': case '[': case ']':
		case '#': case '~':
			fputc('\\', f);
			fputc(*s, f);
			break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '\n': case '\r': case '\t': fputc(' ', f); break;
		default:
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				fputc('?', f);
			else
				fputc(*s, f);
		}
	}
}

void cmp_md_env(FILE *f, const struct cmp_table *t, const struct cmp_env *e)
{
	char *a, *b;

	cmp_env_show(e, &a, &b);
	fputs(e->compared ? "- Compared: " : "- **Warning**: ", f);
	cmp_md_put(f, t->sets[e->set].label);
	fputs(e->compared ? " vs the baseline in " : " differs from the baseline in ", f);
	cmp_md_put(f, e->key);
	fputs(": ", f);
	cmp_md_put(f, a);
	fputs(" → ", f);
	cmp_md_put(f, b);
	fputc('\n', f);
	free(a);
	free(b);
}

void cmp_md_alerts(FILE *f, const struct cmp_table *t)
{
	char **lines;
	size_t n = cmp_alert_lines(t, &lines);

	for (size_t i = 0; i < n; i++) {
		fputs("- **Warning**: ", f);
		cmp_md_put(f, lines[i]);
		fputc('\n', f);
		free(lines[i]);
	}
	if (n)
		free(lines);
}

static void md_begin(struct cmp_out *o)
{
	const struct cmp_table *t = o->t;
	FILE *f = o->f;

	fputs("## mmab compare\n\nBaseline: **", f);
	cmp_md_put(f, t->sets[t->baseline].label);
	fputs("**; sets:", f);
	for (size_t s = 0; s < t->n_sets; s++) {
		fputs(s ? ", " : " ", f);
		cmp_md_put(f, t->sets[s].label);
	}
	fputs(".\n\n", f);
	cmp_md_alerts(f, t);
	for (size_t i = 0; i < t->n_env; i++)
		cmp_md_env(f, t, &t->env[i]);
	fputs(t->n_env ? "\n**Verdicts**: " : "**Verdicts**: ", f);
	cmp_summary_sentence(f, t, cmp_md_put);
	fputc('\n', f);
}

static void md_workload(struct cmp_out *o, const char *w)
{
	fputs("\n### ", o->f);
	cmp_md_put(o->f, w);
	fputs("\n\nIterations:", o->f);
	cmp_iter_line(o->f, o->t, w, cmp_md_put, " (", ")");
	fputs(".\n", o->f);
}

static void md_section(struct cmp_out *o, const struct cmp_row *rows, size_t n)
{
	(void)n;
	fprintf(o->f, "\n#### %s\n\n|", cmp_section_title(rows[0].section));
	for (size_t h = 0; h < CMP_TABLE_COLS; h++)
		fprintf(o->f, " %s |", cmp_table_heads[h]);
	fputs("\n|---|---|---|---|", o->f);
	for (size_t h = 4; h < CMP_TABLE_COLS - 1; h++)
		fputs("--:|", o->f);
	fputs("---|\n", o->f);
}

static void md_cell(struct cmp_out *o, const struct cmp_row *row, size_t s)
{
	enum cmp_verdict v = row->cells[s].verdict;
	const char *mark = v >= CMP_BETTER ? "**" : "";
	struct cmp_cells c;
	FILE *f = o->f;

	cmp_cell_strings(o->t, row, s, &c);
	fputs("| ", f);
	cmp_md_put(f, cmp_short_name(row));
	fputs(" | ", f);
	cmp_md_put(f, row->unit);
	fprintf(f, " | %s | ", cmp_better_word(row->dir));
	cmp_md_put(f, o->t->sets[s].label);
	fprintf(f, " | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | "
		"%s | %s | %s%s%s |\n", c.n, c.mean, c.median, c.sd, c.cov, c.min, c.max, c.change,
		c.ci, c.test, c.pw, c.pu, c.pp, c.px, c.q, c.mde, c.nn, mark, cmp_verdict_name(v),
		mark);
}

static int md_end(struct cmp_out *o)
{
	fputc('\n', o->f);
	cmp_legend_sentence(o->f, o->t, cmp_md_put);
	fputc('\n', o->f);
	return 0;
}

const struct cmp_out_ops cmp_md_ops = {
	.begin = md_begin,
	.workload = md_workload,
	.section = md_section,
	.cell = md_cell,
	.end = md_end,
};

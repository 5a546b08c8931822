/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTML format of compare (compare-out.h): the <section
 * id="comparison"> fragment `mmab report` embeds.  Every string from a
 * result set goes through html_escape.
 */
#include <stdlib.h>

#include "analysis/compare-out.h"
#include "analysis/html.h"
#include "lib/mmab.h"

static void html_env_item(FILE *f, const struct cmp_table *t, const struct cmp_env *e)
{
	char *a, *b;

	cmp_env_show(e, &a, &b);
	fputs("<li>", f);
	html_escape(f, t->sets[e->set].label);
	fputs(": <code>", f);
	html_escape(f, e->key);
	fputs("</code> <q>", f);
	html_escape(f, a);
	fputs("</q> in the baseline, <q>", f);
	html_escape(f, b);
	fputs("</q> here</li>\n", f);
	free(a);
	free(b);
}

/* The environment differences: warnings first, then the thing compared. */
static void html_env(FILE *f, const struct cmp_table *t)
{
	for (int compared = 0; compared <= 1; compared++) {
		bool open = false;

		for (size_t i = 0; i < t->n_env; i++) {
			if (t->env[i].compared != compared)
				continue;
			if (!open) {
				fputs(compared ? "<div class=\"note\"><p>The thing compared:</p><ul>\n"
					       : "<div class=\"warning\"><p>The sets differ in more "
						 "than the thing compared:</p><ul>\n", f);
				open = true;
			}
			html_env_item(f, t, &t->env[i]);
		}
		if (open)
			fputs("</ul></div>\n", f);
	}
}

static void html_begin(struct cmp_out *o)
{
	fputs("<section id=\"comparison\">\n<p class=\"meta\">Baseline: <strong>", o->f);
	html_escape(o->f, o->t->sets[o->t->baseline].label);
	fputs("</strong></p>\n", o->f);
	html_env(o->f, o->t);
	fputs("<p class=\"summary\">Verdicts: ", o->f);
	cmp_summary_sentence(o->f, o->t, html_escape);
	fputs("</p>\n", o->f);
}

static void html_workload(struct cmp_out *o, const char *w)
{
	fputs("<h3 class=\"workload\">", o->f);
	html_escape(o->f, w);
	fputs("</h3>\n<p class=\"meta\">Iterations:", o->f);
	cmp_iter_line(o->f, o->t, w, html_escape, " <span class=\"failed\">", "</span>");
	fputs("</p>\n", o->f);
}

static void html_section(struct cmp_out *o, const struct cmp_row *rows, size_t n)
{
	(void)n;
	fprintf(o->f, "<h4>%s</h4>\n<div class=\"scroll\"><table>\n<thead><tr>",
		cmp_section_title(rows[0].section));
	for (size_t h = 0; h < CMP_TABLE_COLS; h++)
		fprintf(o->f, "<th>%s</th>", cmp_table_heads[h]);
	fputs("</tr></thead>\n<tbody>\n", o->f);
}

static const char *verdict_class(enum cmp_verdict v)
{
	return v == CMP_BETTER ? "better" : v == CMP_WORSE ? "worse" : v == CMP_DIFFERS ? "differs"
	       : v == CMP_NO_DIFF ? "nodiff" : "na";
}

static void html_cell(struct cmp_out *o, const struct cmp_row *row, size_t s)
{
	enum cmp_verdict v = row->cells[s].verdict;
	struct cmp_cells c;
	FILE *f = o->f;

	cmp_cell_strings(o->t, row, s, &c);
	fputs("<tr><td class=\"metric\">", f);
	html_escape(f, cmp_short_name(row));
	fputs("</td><td class=\"text\">", f);
	html_escape(f, row->unit);
	fprintf(f, "</td><td class=\"text\">%s</td><td class=\"text\">", cmp_better_word(row->dir));
	html_escape(f, o->t->sets[s].label);
	fprintf(f, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
		"<td>%s</td><td>%s</td><td>%s</td><td class=\"text\">%s</td><td>%s</td><td>%s</td>"
		"<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>", c.n, c.mean, c.median, c.sd,
		c.cov, c.min, c.max, c.change, c.ci, c.test, c.pw, c.pu, c.pp, c.px, c.q, c.mde);
	html_escape(f, c.nn);	/* ">1000" */
	fprintf(f, "</td><td class=\"%s\">%s</td></tr>\n", verdict_class(v), cmp_verdict_name(v));
}

static void html_section_end(struct cmp_out *o, const struct cmp_row *rows, size_t n)
{
	(void)rows;
	(void)n;
	fputs("</tbody></table></div>\n", o->f);
}

static int html_end(struct cmp_out *o)
{
	fputs("<p class=\"legend\">", o->f);
	cmp_legend_sentence(o->f, o->t, html_escape);
	fputs("</p>\n</section>\n", o->f);
	return 0;
}

const struct cmp_out_ops cmp_html_ops = {
	.begin = html_begin,
	.workload = html_workload,
	.section = html_section,
	.cell = html_cell,
	.section_end = html_section_end,
	.end = html_end,
};

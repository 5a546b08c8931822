/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing a comparison out (compare_print): one walk over the table,
 * workload by workload, section by section, row by row, set by set, and
 * each output format a small struct of callbacks the walk calls on the
 * way (perf's struct perf_stat_output_ctx is the model).  The formats
 * live in compare-text.c, compare-md.c, compare-html.c and
 * compare-records.c; what several of them need (numbers for people,
 * names, sentences) is in compare-fmt.c.  Strings from result sets are
 * data: control characters never reach a terminal, markdown and HTML get
 * them escaped, CSV quoted.
 */
#ifndef MMAB_COMPARE_OUT_H
#define MMAB_COMPARE_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/compare.h"

#define CMP_CLOSE 5		/* cells shown as closest to a verdict */

/* What a format's callbacks are handed. */
struct cmp_out {
	FILE *f;
	const struct cmp_table *t;
	unsigned flags;		/* CMP_COLOR, CMP_VERBOSE */
	void *priv;		/* the format's own state, set in begin() */
};

/*
 * A format.  Every callback may be NULL (nothing to do at that point).
 * The walk calls, in order: begin; per workload (its rows are contiguous
 * in the table): workload, then per section: section, for each row the
 * format wants: row, then cell for every set; section_end; after the
 * last workload: end, whose return (0 or -errno) is the walk's.
 * ROWS[0..n) passed to section and section_end are all the section's
 * rows, wanted or not.
 */
struct cmp_out_ops {
	bool (*want_row)(const struct cmp_out *o, const struct cmp_row *r);
	void (*begin)(struct cmp_out *o);
	void (*workload)(struct cmp_out *o, const char *w);
	void (*section)(struct cmp_out *o, const struct cmp_row *rows, size_t n);
	void (*row)(struct cmp_out *o, const struct cmp_row *r);
	void (*cell)(struct cmp_out *o, const struct cmp_row *r, size_t set);
	void (*section_end)(struct cmp_out *o, const struct cmp_row *rows, size_t n);
	int (*end)(struct cmp_out *o);
};

extern const struct cmp_out_ops cmp_text_ops, cmp_md_ops, cmp_html_ops, cmp_csv_ops,
	cmp_json_ops, cmp_text_compact_ops, cmp_md_compact_ops;

/* ---- compare-fmt.c: what several formats share ---- */

/* Numbers for people: "n/a" for NaN; 5 significant digits, or %.3e when huge or tiny. */
void cmp_fmt_num(char *b, size_t len, double v);
/* A change in %: "+1.23%", "+123%". */
void cmp_fmt_pct(char *b, size_t len, double v);
/* A p-value: "0.123", "<0.001". */
void cmp_fmt_p(char *b, size_t len, double p);
/* A minimum detectable effect in %: "12.3%", "250%". */
void cmp_fmt_mde(char *b, size_t len, double mde_pct);
/* C's n_needed: "9", ">1000" (not proven, more needed), "-" (nothing to prove). */
void cmp_fmt_n(char *b, size_t len, const struct cmp_cell *c);
/* A coefficient of variation (a fraction) in %: "12.3%". */
void cmp_fmt_cov(char *b, size_t len, double cov);
/* The bounds of C's CI of the difference in % of BASE's arithmetic mean ("n/a" both). */
void cmp_fmt_ci(char *lo, char *hi, size_t len, const struct cmp_cell *base,
		const struct cmp_cell *c);

/* "higher is better", "lower is better", "no better direction". */
const char *cmp_dir_text(enum metric_dir d);
/* "higher", "lower", "-". */
const char *cmp_better_word(enum metric_dir d);
/* The heading of a section: "vmstat: first-to-last deltas per iteration". */
const char *cmp_section_title(enum cmp_section s);
/* The metric's name within its section: "vmstat.alloc_stalls" -> "alloc_stalls". */
const char *cmp_short_name(const struct cmp_row *r);
/* Whether no set has a value of R. */
bool cmp_all_na(const struct cmp_table *t, const struct cmp_row *r);
/* Whether R's values are one and the same in every set (*v, *n of them). */
bool cmp_constant_row(const struct cmp_table *t, const struct cmp_row *r, double *v, size_t *n);

/* How many cells got each verdict. */
struct cmp_tally {
	size_t v[CMP_DIFFERS + 1];
};
void cmp_tally(const struct cmp_table *t, struct cmp_tally *ty);

/* Iterations of workload W in RS: "3 ok" or "1 ok, 1 failed" (malloc'd). */
char *cmp_iter_summary(const struct rset *rs, const char *w);
/*
 * " a 3 ok; b 1 ok, 1 failed", each iteration not used between OPEN and
 * CLOSE: "#2 failed: oom".  PUT writes a string from a result set,
 * escaped for the format.
 */
void cmp_iter_line(FILE *f, const struct cmp_table *t, const char *w,
		   void (*put)(FILE *, const char *), const char *open, const char *close);
/*
 * The alerts of T as sentences (plain text, malloc'd in a malloc'd *out):
 * one for every set that ran under TCG together, one per set with kernel
 * warnings.  Returns how many.
 */
size_t cmp_alert_lines(const struct cmp_table *t, char ***out);
/*
 * The comparisons in the BH family that were paired by seed; *dropped: the
 * iterations of a paired workload that ended ok on one side only.
 */
size_t cmp_paired_count(const struct cmp_table *t, size_t *dropped);
/* Which comparisons were paired and which test that means, one sentence (malloc'd). */
char *cmp_pairing_text(const struct cmp_table *t);
/* The verdict count and how verdicts are reached, one paragraph (md, HTML). */
void cmp_summary_sentence(FILE *f, const struct cmp_table *t,
			  void (*put)(FILE *, const char *));
/* What each column means, one paragraph (md, HTML). */
void cmp_legend_sentence(FILE *f, const struct cmp_table *t, void (*put)(FILE *, const char *));
/*
 * What to show of difference E: the values, or for the kernel command
 * line only the words that are not in the other one.  Both malloc'd.
 */
void cmp_env_show(const struct cmp_env *e, char **base, char **value);

/* ---- compare-md.c: markdown ---- */

/* S escaped for a markdown table cell: no markup, no HTML, no split cell. */
void cmp_md_put(FILE *f, const char *s);
/* Difference E as a list item: "- Compared: ..." or "- **Warning**: ...". */
void cmp_md_env(FILE *f, const struct cmp_table *t, const struct cmp_env *e);
/* The alerts as list items: "- **Warning**: ...". */
void cmp_md_alerts(FILE *f, const struct cmp_table *t);

/* ---- compare-tty.c: text for a terminal or a mailing list ---- */

/* S with control characters as '?', padded with spaces to WIDTH when PAD. */
void cmp_tty_put(FILE *f, const char *s, size_t width, bool pad);
/* cmp_tty_put cut to WIDTH characters, a '~' marking the cut. */
void cmp_tty_cell(FILE *f, const char *s, size_t width, bool pad);
/* cmp_tty_put keeping the last WIDTH-1 characters of S after a '~' (paths). */
void cmp_tty_tail(FILE *f, const char *s, size_t width, bool pad);
/* Set S's label in WIDTH columns, told apart from the others (rset_label_short). */
void cmp_tty_label(FILE *f, const struct cmp_table *t, size_t s, size_t width, bool pad);
/*
 * S (plain words) wrapped at WIDTH columns, lines after the first starting
 * with INDENT, control characters as '?'.
 */
void cmp_tty_wrap(FILE *f, const char *s, size_t width, const char *indent);
/* The ANSI colour of a verdict when COLOR, else "". */
const char *cmp_tty_color(enum cmp_verdict v, int color);
/* "BETTER", "WORSE", "DIFFERS", or the verdict's name. */
const char *cmp_tty_verdict(enum cmp_verdict v);
/* The environment differences: the thing compared, then the warnings. */
void cmp_tty_env(FILE *f, const struct cmp_table *t);
/* The same, a wrapped paragraph per set and kind, each value cut short. */
void cmp_tty_env_short(FILE *f, const struct cmp_table *t);
/* The alerts (TCG, kernel warnings), "WARNING: ..." each, wrapped. */
void cmp_tty_alerts(FILE *f, const struct cmp_table *t);
/* The verdict count, how the tests went, and every proven change, one a line. */
void cmp_tty_verdicts(FILE *f, const struct cmp_table *t);
/* Every proven change, one a line: "  BETTER  set  workload  metric -12% (q 0.01)". */
void cmp_tty_proven(FILE *f, const struct cmp_table *t);
/*
 * The MAX cells closest to a verdict and the `mmab run` lines that would
 * settle them (compare-advice.c), commands wrapped with '\' at 80
 * columns; nothing when no cell is close.
 */
void cmp_tty_advice(FILE *f, const struct cmp_table *t, size_t max);

/* ---- compare-advice.c: what would settle it ---- */

/* A cell not proven, and the iterations a side that would prove its change. */
struct cmp_near {
	const struct cmp_row *row;
	size_t set;
	double n;		/* its n_needed */
};

/*
 * cmp_closest - at most MAX cells closest to a verdict: not proven (or
 * not judged), with an n_needed, fewest first (then smallest q).
 * Returns how many were written to OUT.
 */
size_t cmp_closest(const struct cmp_table *t, struct cmp_near *out, size_t max);

/*
 * cmp_settle - the `mmab run` command lines that would settle NEAR[0..n):
 * per workload, the run that wrote the sets (metadata.json "argv", else
 * its suite) with --only WORKLOAD, -n the most any of its cells needs, and
 * --variant the variants compared; one per set when the sets come from
 * different runs (kernels booted by hand).  Words are shell-quoted.
 * Returns how many; *lines is malloc'd, each line too.
 */
size_t cmp_settle(const struct cmp_table *t, const struct cmp_near *near, size_t n,
		  char ***lines);

/* Display strings of one (row, set) cell of the flat table (md, HTML). */
struct cmp_cells {
	char n[16], mean[32], median[32], sd[32], cov[32], min[32], max[32];
	char change[32], ci[80], test[16], pw[32], pu[32], pp[32], px[32], q[32], mde[32], nn[16];
};
void cmp_cell_strings(const struct cmp_table *t, const struct cmp_row *r, size_t s,
		      struct cmp_cells *o);
/* The flat table's column heads, CMP_TABLE_COLS of them. */
#define CMP_TABLE_COLS 22
extern const char *const cmp_table_heads[CMP_TABLE_COLS];

#endif

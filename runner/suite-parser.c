/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The suite parser's messages and shared checks: every error names
 * FILE:LINE and is counted, so a suite is refused with all its mistakes
 * listed; lists of valid names for those messages; a key given twice in a
 * section; plain names; inline comments.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "runner/suite-parser.h"
#include "workloads/fragmenter.h"
#include "workloads/workload.h"


void sp_err(struct parser *p, int line, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:%d: %s\n", p->file, line, msg);
	p->errors++;
}
/* Append NAME to the ", "-separated list *LIST (malloc'd). */
void sp_append_name(char **list, const char *name)
{
	char *n = xasprintf("%s%s%s", *list ? *list : "", *list && **list ? ", " : "", name);

	free(*list);
	*list = n;
}
char *sp_join_workloads(void)
{
	char *out = xstrdup("");

	for (size_t i = 0; workloads[i]; i++)
		sp_append_name(&out, workloads[i]->name);
	return out;
}
static char *join_collectors(void)
{
	char *out = xstrdup("");

	for (size_t i = 0; collectors[i]; i++)
		sp_append_name(&out, collectors[i]->name);
	if (!*out) {
		free(out);
		out = xstrdup("none are registered in this build");
	}
	return out;
}
/* The keys of option tables A and B and the names in EXTRA, as one list. */
char *sp_join_specs(const struct opt_spec *a, const struct opt_spec *b,
			const char *const *extra)
{
	const struct opt_spec *tables[] = { a, b };
	char *out = xstrdup("");

	for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
		for (const struct opt_spec *o = tables[t]; o && o->name; o++)
			sp_append_name(&out, o->name);
	for (size_t i = 0; extra && extra[i]; i++)
		sp_append_name(&out, extra[i]);
	return out;
}
void sp_unknown_collector(struct parser *p, int line, const char *name)
{
	char *valid = join_collectors();

	sp_err(p, line, "unknown collector '%s' (valid collectors: %s)", name, valid);
	free(valid);
}
void sp_reset_seen(struct parser *p)
{
	for (size_t i = 0; i < p->nseen; i++)
		free(p->seen[i].key);
	free(p->seen);
	p->seen = NULL;
	p->nseen = 0;
}
/*
 * Record KEY in the current section; false (reported, naming it SHOWN) when
 * it was set before.
 */
bool sp_first_time(struct parser *p, const char *key, const char *shown)
{
	for (size_t i = 0; i < p->nseen; i++) {
		if (!strcmp(p->seen[i].key, key)) {
			sp_err(p, p->line, "%s is set twice in [%s] (first at line %d)", shown,
			     p->sect, p->seen[i].line);
			return false;
		}
	}
	p->seen = xrealloc(p->seen, (p->nseen + 1) * sizeof(*p->seen));
	p->seen[p->nseen++] = (struct seen_key){ xstrdup(key), p->line };
	return true;
}
/* Is VALUE a plain name (a label, a directory)?  Reported as WHAT when not. */
bool sp_plain_name(struct parser *p, const char *what, const char *value)
{
	if (mmab_label_valid(value))
		return true;
	sp_err(p, p->line, "%s '%s' is not a plain name ([A-Za-z0-9._+-], at most 64 "
	     "characters, not starting with '.' or '-')", what, value);
	return false;
}
/* ---- the line reader ---- */

/* Where an inline comment starts (';' after a blank, as inih has it), or NULL. */
const char *sp_inline_comment(const char *s)
{
	for (const char *c = s; *c; c++)
		if (*c == ';' && c > s && (c[-1] == ' ' || c[-1] == '\t'))
			return c;
	return NULL;
}
/*
 * A variant that sets a background-compaction knob, in a suite whose
 * workload turns background compaction off for its iterations
 * (workloads/fragmenter.h), would run both sides with 0: refused.
 */
void sp_check_background(struct parser *p)
{
	const struct suite *s = p->s;

	for (size_t v = 0; v < s->nvariants; v++)
		for (size_t k = 0; k < s->variants[v].nknobs; k++) {
			const struct suite_knob *kn = &s->variants[v].knobs[k];

			if (!kn->path || !frag_background_knob(kn->path))
				continue;
			for (size_t w = 0; w < s->nworkloads; w++) {
				const struct suite_workload *sw = &s->workloads[w];
				const char *opt = frag_background_off(sw->wl->opts, sw->opts);

				if (opt)
					sp_err(p, kn->line, "[variant %s] sets %s, which [%s] sets "
					       "to 0 for its iterations (%s = off): add `%s = keep` "
					       "to [%s]", s->variants[v].name, kn->name, sw->id,
					       opt, opt, sw->id);
			}
		}
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The judgement of the history written out (history.h): text for a mail
 * or a CI log, GitHub markdown, and JSON with every parameter, so a
 * reader can tell how a change point was found.  Strings from result sets
 * are data: control characters never reach a terminal, markdown gets its
 * table syntax escaped.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "history/history.h"
#include "lib/mmab.h"

/* ---- numbers and names ---- */

static void fnum(char *b, size_t len, double v)
{
	double a = fabs(v);

	if (!isfinite(v))
		snprintf(b, len, "n/a");
	else if (a >= 1e7 || (a > 0 && a < 1e-3))
		snprintf(b, len, "%.3e", v);
	else
		snprintf(b, len, "%.4g", v);
}

static void fpct(char *b, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(b, len, "n/a");
	else
		snprintf(b, len, fabs(v) < 100 ? "%+.1f%%" : "%+.0f%%", v);
}

static void fprob(char *b, size_t len, double p)
{
	if (!isfinite(p))
		snprintf(b, len, "n/a");
	else if (p < 1e-3)
		snprintf(b, len, "%.1e", p);
	else
		snprintf(b, len, "%.3f", p);
}

/* S with control characters as '?': what reaches a terminal or a table cell. */
static char *clean(const char *s)
{
	char *c = xstrdup(s ? s : "");

	for (char *p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return c;
}

char *history_series_title(const struct history_series *s)
{
	return *s->unit ? xasprintf("%s %s (%s)", s->workload, s->metric, s->unit)
			: xasprintf("%s %s", s->workload, s->metric);
}

char *history_group(const struct history_series *s)
{
	return xasprintf("%s %s%s%s%s%s", s->host, s->label, *s->kernel ? " " : "", s->kernel,
			 *s->variant ? " " : "", s->variant);
}

/* "2026-11-03 02:00" from an ISO 8601 time. */
static void fday(char *b, size_t len, const char *iso)
{
	snprintf(b, len, "%.10s %.5s", iso, strlen(iso) > 11 ? iso + 11 : "");
}

/* ---- JSON ---- */

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *series_ref(const struct history_series *s)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "series", s->key,
			 "host", s->host, "label", s->label, "kernel", s->kernel,
			 "variant", s->variant, "workload", s->workload, "metric", s->metric,
			 "unit", s->unit, "direction", metric_dir_name(s->dir));
}

static json_t *params_json(const struct history_params *p)
{
	return json_pack("{s:s, s:i, s:i, s:o, s:o, s:o, s:o, s:i, s:s, s:o}",
			 "method", "e-divisive means, Student's t-test (as Apache Otava)",
			 "window", p->cpd.window, "step", p->cpd.window / 2,
			 "max_p", json_real(p->cpd.max_p),
			 "weak_p", json_real(cpd_weak_p(p->cpd.max_p)),
			 "min_magnitude", json_real(p->cpd.min_magnitude),
			 "energy_alpha", json_real(1), "min_segment", p->cpd.min_segment,
			 "newest_test", "welch", "fdr", json_real(p->fdr));
}

static json_t *cp_json(const struct history_data *d, const struct history_cp *c)
{
	const struct history_series *s = &d->series[c->series];
	const struct history_set *set = &d->sets[s->pts[c->point].set];
	json_t *o = series_ref(s);

	json_object_set_new(o, "run_id", json_string(set->run_id));
	json_object_set_new(o, "set", json_string(set->name));
	json_object_set_new(o, "start", json_string(set->start));
	json_object_set_new(o, "kernel_release", json_string(set->release));
	json_object_set_new(o, "before_mean", jnum(c->cp.mean_before));
	json_object_set_new(o, "after_mean", jnum(c->cp.mean_after));
	json_object_set_new(o, "before_runs", json_integer((json_int_t)(c->point - c->from)));
	json_object_set_new(o, "after_runs", json_integer((json_int_t)(c->to - c->point)));
	json_object_set_new(o, "change_pct", jnum(c->change_pct));
	json_object_set_new(o, "p", jnum(c->cp.p));
	json_object_set_new(o, "kind", json_string(history_kind_name(c->kind)));
	return o;
}

static json_t *newest_json(const struct history_data *d, const struct history_newest *nw)
{
	const struct history_series *s = &d->series[nw->series];
	const struct history_set *set = &d->sets[s->pts[nw->point].set];
	json_t *o = series_ref(s);

	json_object_set_new(o, "run_id", json_string(set->run_id));
	json_object_set_new(o, "start", json_string(set->start));
	json_object_set_new(o, "kernel_release", json_string(set->release));
	json_object_set_new(o, "segment_from", json_string(nw->seg_from < nw->point
		? d->sets[s->pts[nw->seg_from].set].run_id : ""));
	json_object_set_new(o, "segment_runs", json_integer((json_int_t)(nw->point - nw->seg_from)));
	json_object_set_new(o, "segment_n", json_integer((json_int_t)nw->seg.n));
	json_object_set_new(o, "segment_mean", jnum(nw->seg.mean));
	json_object_set_new(o, "n", json_integer((json_int_t)nw->night.n));
	json_object_set_new(o, "mean", jnum(nw->night.mean));
	json_object_set_new(o, "change_pct", jnum(nw->change_pct));
	json_object_set_new(o, "ci_low", jnum(nw->t.ci_low));
	json_object_set_new(o, "ci_high", jnum(nw->t.ci_high));
	json_object_set_new(o, "p_welch", jnum(nw->t.p_welch));
	json_object_set_new(o, "p_mwu", jnum(nw->t.p_mwu));
	json_object_set_new(o, "q", jnum(nw->q));
	json_object_set_new(o, "verdict", json_string(history_kind_name(nw->kind)));
	return o;
}

static json_t *stopped_json(const struct history_data *d, const struct history_stopped *st)
{
	const struct history_series *s = &d->series[st->series];
	const struct history_set *set = &d->sets[s->pts[st->last].set];
	json_t *o = series_ref(s);

	json_object_set_new(o, "last_run_id", json_string(set->run_id));
	json_object_set_new(o, "last_start", json_string(set->start));
	return o;
}

/* J compact, without its closing brace: an object to which more is appended. */
static void put_open(FILE *f, json_t *j)
{
	char *t = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));

	if (t) {
		size_t n = strlen(t);

		fwrite(t, 1, n > 0 ? n - 1 : 0, f);
	}
	free(t);
	json_decref(j);
}

static void put_num(FILE *f, double v)
{
	char b[40];

	metric_format_value(b, sizeof(b), v);
	fputs(*b ? b : "null", f);
}

/*
 * One series with its points: [run, value, [iteration 1's value, 2's, ...]]
 * with run an index into "runs" and null where an iteration has no value
 * (it failed, or the metric was n/a).  Numbers in their shortest exact form.
 */
static void series_stream(FILE *f, const struct history_series *s)
{
	json_t *o = series_ref(s);

	json_object_set_new(o, "section", json_string(s->section));
	json_object_set_new(o, "aggregate", json_string(metric_agg_name(s->agg)));
	put_open(f, o);
	fputs(",\"points\":[", f);
	for (size_t k = 0; k < s->n; k++) {
		const struct history_point *p = &s->pts[k];
		int next = 1;

		fprintf(f, "%s[%zu,", k ? "," : "", p->set);
		put_num(f, p->value);
		fputs(",[", f);
		for (size_t j = 0; j < p->n_iters; j++) {
			for (; next < p->iter_no[j]; next++)
				fputs(next > 1 ? ",null" : "null", f);
			if (next > 1)
				fputc(',', f);
			put_num(f, p->iters[j]);
			next = p->iter_no[j] + 1;
		}
		fputs("]]", f);
	}
	fputs("]}", f);
}

int history_json_write(FILE *f, const struct history_data *d, const struct history_result *r)
{
	json_t *root = history_json(d, r), *runs = json_array();

	for (size_t i = 0; i < d->nsets; i++) {
		const struct history_set *s = &d->sets[i];

		json_array_append_new(runs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
			"s:o, s:b}", "host", s->host, "run_id", s->run_id, "set", s->name,
			"label", s->label, "kernel", s->kernel, "kernel_release", s->release,
			"variant", s->variant, "start", s->start,
			"end", s->end ? json_string(s->end) : json_null(), "newest", s->newest));
	}
	json_object_set_new(root, "runs", runs);
	put_open(f, root);
	fputs(",\n\"series\":[\n", f);
	for (size_t i = 0; i < d->nseries; i++) {
		if (i)
			fputs(",\n", f);
		series_stream(f, &d->series[i]);
	}
	fputs("\n]}\n", f);
	return ferror(f) ? -EIO : 0;
}

json_t *history_json(const struct history_data *d, const struct history_result *r)
{
	json_t *root = json_object(), *cps = json_array(), *nw = json_array(), *st = json_array();

	json_object_set_new(root, "parameters", params_json(&r->params));
	for (size_t i = 0; i < r->ncps; i++)
		json_array_append_new(cps, cp_json(d, &r->cps[i]));
	for (size_t i = 0; i < r->nnewest; i++)
		json_array_append_new(nw, newest_json(d, &r->newest[i]));
	for (size_t i = 0; i < r->nstopped; i++)
		json_array_append_new(st, stopped_json(d, &r->stopped[i]));
	json_object_set_new(root, "change_points", cps);
	json_object_set_new(root, "newest", nw);
	json_object_set_new(root, "stopped", st);
	return root;
}

/* ---- text and markdown ---- */

struct out {
	FILE *f;
	bool md;
	const struct history_data *d;
	const struct history_result *r;
};

/* MD: a table cell; text: as is.  Control characters never pass. */
static void put(const struct out *o, const char *s)
{
	char *c = clean(s);

	for (const char *p = c; *p; p++) {
		if (o->md && strchr("|\\`*_[]<>", *p))
			fputc('\\', o->f);
		fputc(*p, o->f);
	}
	free(c);
}

static void heading(const struct out *o, const char *title)
{
	fprintf(o->f, o->md ? "\n### %s\n\n" : "\n%s\n", title);
}

static void cp_line(const struct out *o, const struct history_cp *c)
{
	const struct history_series *s = &o->d->series[c->series];
	const struct history_set *set = &o->d->sets[s->pts[c->point].set];
	char day[24], b[32], a[32], pc[32], p[32];
	char *title = history_series_title(s), *group = history_group(s);

	fday(day, sizeof(day), set->start);
	fnum(b, sizeof(b), c->cp.mean_before);
	fnum(a, sizeof(a), c->cp.mean_after);
	fpct(pc, sizeof(pc), c->change_pct);
	fprob(p, sizeof(p), c->cp.p);
	if (o->md) {
		fprintf(o->f, "| %s | %s | ", day, history_kind_name(c->kind));
		put(o, title);
		fprintf(o->f, " | %s → %s | %s | %s | ", b, a, pc, p);
		put(o, group);
		fputs(" | ", o->f);
		put(o, set->run_id);
		fputs(" | ", o->f);
		put(o, set->release);
		fputs(" |\n", o->f);
	} else {
		fprintf(o->f, "  %s  %-11s ", day, history_kind_name(c->kind));
		put(o, title);
		fprintf(o->f, "\n      %s -> %s (%s, p %s, %zu runs before, %zu after)\n      ",
			b, a, pc, p, c->point - c->from, c->to - c->point);
		put(o, group);
		fputs(", first run after: ", o->f);
		put(o, set->run_id);
		fputs(", kernel ", o->f);
		put(o, set->release);
		fputc('\n', o->f);
	}
	free(title);
	free(group);
}

static void newest_line(const struct out *o, const struct history_newest *nw)
{
	const struct history_series *s = &o->d->series[nw->series];
	char b[32], a[32], pc[32], q[32];
	char *title = history_series_title(s), *group = history_group(s);

	fnum(b, sizeof(b), nw->seg.mean);
	fnum(a, sizeof(a), nw->night.mean);
	fpct(pc, sizeof(pc), nw->change_pct);
	fprob(q, sizeof(q), nw->q);
	if (o->md) {
		fprintf(o->f, "| %s | ", history_kind_name(nw->kind));
		put(o, title);
		fprintf(o->f, " | %s → %s | %s | %s | %zu runs, %zu values | %zu | ", b, a, pc, q,
			nw->point - nw->seg_from, nw->seg.n, nw->night.n);
		put(o, group);
		fputs(" |\n", o->f);
	} else {
		fprintf(o->f, "  %-11s ", history_kind_name(nw->kind));
		put(o, title);
		fprintf(o->f, "\n      %s -> %s (%s, q %s; segment: %zu runs, %zu values; "
			"night: %zu)\n      ", b, a, pc, q, nw->point - nw->seg_from, nw->seg.n,
			nw->night.n);
		put(o, group);
		fputc('\n', o->f);
	}
	free(title);
	free(group);
}

static void change_points(const struct out *o)
{
	const struct history_params *p = &o->r->params;
	char *h = xasprintf("Change points (%zu; E-Divisive means with Student's t: window %d, "
			    "p < %g, magnitude > %g, segments of %d runs or more)", o->r->ncps,
			    p->cpd.window, p->cpd.max_p, p->cpd.min_magnitude, p->cpd.min_segment);

	heading(o, h);
	free(h);
	if (!o->r->ncps) {
		fputs(o->md ? "None.\n" : "  none\n", o->f);
		return;
	}
	if (o->md)
		fputs("| first run after | kind | metric | mean before → after | change | p | "
		      "series | run | kernel |\n|---|---|---|---|---|---|---|---|---|\n", o->f);
	for (size_t i = 0; i < o->r->ncps; i++)
		cp_line(o, &o->r->cps[i]);
}

static void newest(const struct out *o)
{
	size_t tally[HK_NA + 1] = { 0 }, shown = 0;
	char *h = xasprintf("The newest night (%zu series against their current segment: Welch, "
			    "Benjamini-Hochberg q < %g)", o->r->nnewest, o->r->params.fdr);

	heading(o, h);
	free(h);
	for (size_t i = 0; i < o->r->nnewest; i++) {
		const struct history_newest *nw = &o->r->newest[i];

		tally[nw->kind]++;
		if (nw->kind > HK_CHANGE)
			continue;
		if (!shown++ && o->md)
			fputs("| verdict | metric | segment → night | change | q | segment | "
			      "night values | series |\n|---|---|---|---|---|---|---|---|\n", o->f);
		newest_line(o, nw);
	}
	fprintf(o->f, "%s%zu regression%s, %zu improvement%s, %zu change%s, %zu no difference "
		"proven, %zu cannot judge (fewer than 3 values a side), %zu n/a\n",
		shown && o->md ? "\n" : o->md ? "" : "  ", tally[HK_REGRESSION],
		tally[HK_REGRESSION] == 1 ? "" : "s", tally[HK_IMPROVEMENT],
		tally[HK_IMPROVEMENT] == 1 ? "" : "s", tally[HK_CHANGE],
		tally[HK_CHANGE] == 1 ? "" : "s", tally[HK_NO_DIFF], tally[HK_CANNOT_JUDGE],
		tally[HK_NA]);
}

/* Stopped series shown one a line, up to this many (-f json lists them all). */
#define STOPPED_SHOWN 20

static void stopped(const struct out *o)
{
	char *h;

	if (!o->r->nstopped)
		return;
	h = xasprintf("Stopped (%zu series without a value in their host's newest run: not "
		      "judged)", o->r->nstopped);
	heading(o, h);
	free(h);
	for (size_t i = 0; i < o->r->nstopped && i < STOPPED_SHOWN; i++) {
		const struct history_series *s = &o->d->series[o->r->stopped[i].series];
		const struct history_set *set = &o->d->sets[s->pts[o->r->stopped[i].last].set];
		char *title = history_series_title(s), *group = history_group(s);

		fputs(o->md ? "- " : "  ", o->f);
		put(o, title);
		fputs(" (", o->f);
		put(o, group);
		fputs("), last in ", o->f);
		put(o, set->run_id);
		fputc('\n', o->f);
		free(title);
		free(group);
	}
	if (o->r->nstopped > STOPPED_SHOWN)
		fprintf(o->f, "%s... and %zu more (-f json lists them all)\n", o->md ? "- " : "  ",
			o->r->nstopped - STOPPED_SHOWN);
}

static void summary(const struct out *o)
{
	const struct history_data *d = o->d;
	size_t runs = 0;

	for (size_t i = 0; i < d->nsets; i++)
		runs += !i || strcmp(d->sets[i].run_id, d->sets[i - 1].run_id) ||
			strcmp(d->sets[i].host, d->sets[i - 1].host);
	fprintf(o->f, o->md ? "## mmab history\n\n" : "mmab history: ");
	fprintf(o->f, "%zu run%s (%zu result set%s) of %zu host%s, %zu series", runs,
		runs == 1 ? "" : "s", d->nsets, d->nsets == 1 ? "" : "s", d->nhosts,
		d->nhosts == 1 ? "" : "s", d->nseries);
	for (size_t h = 0; h < d->nhosts; h++) {
		size_t i = d->newest_of_host[h];

		fputs(o->md ? "; newest of " : "\n  newest of ", o->f);
		put(o, d->sets[i].host);
		fputs(": ", o->f);
		put(o, d->sets[i].run_id);
		fprintf(o->f, " (%s)", d->sets[i].start);
	}
	fputc('\n', o->f);
}

int history_print(FILE *f, enum history_fmt fmt, const struct history_data *d, const struct history_result *r)
{
	struct out o = { f, fmt == HF_MD, d, r };

	if (fmt == HF_JSON) {
		json_t *j = history_json(d, r);
		int err = json_dumpf(j, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));

		json_decref(j);
		fputc('\n', f);
		return err || ferror(f) ? -EIO : 0;
	}
	summary(&o);
	change_points(&o);
	newest(&o);
	stopped(&o);
	fprintf(f, "%s%zu regression%s in the newest night%s\n", o.md ? "\n**" : "\n",
		r->regressions, r->regressions == 1 ? "" : "s", o.md ? "**" : "");
	return ferror(f) ? -EIO : 0;
}

/* ---- the list of runs ---- */

int history_list(FILE *f, enum history_fmt fmt, const struct history_data *d)
{
	struct out o = { f, fmt == HF_MD, d, NULL };

	if (fmt == HF_JSON) {
		json_t *runs = json_array(), *run = NULL;
		int err;

		for (size_t i = 0; i < d->nsets; i++) {
			const struct history_set *s = &d->sets[i];

			if (!i || strcmp(s->run_id, d->sets[i - 1].run_id) ||
			    strcmp(s->host, d->sets[i - 1].host)) {
				run = json_pack("{s:s, s:s, s:s, s:o, s:b, s:[]}", "host", s->host,
						"run_id", s->run_id, "start", s->start,
						"end", s->end ? json_string(s->end) : json_null(),
						"newest", s->newest, "sets");
				json_array_append_new(runs, run);
			}
			json_array_append_new(json_object_get(run, "sets"),
				json_pack("{s:s, s:s, s:s, s:s, s:s}", "set", s->name, "label", s->label,
					  "kernel", s->kernel, "kernel_release", s->release,
					  "variant", s->variant));
		}
		err = json_dumpf(runs, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(runs);
		fputc('\n', f);
		return err || ferror(f) ? -EIO : 0;
	}
	for (size_t i = 0; i < d->nsets; i++) {
		const struct history_set *s = &d->sets[i];

		fprintf(f, "%-20s  ", s->start);
		put(&o, s->host);
		fputs("  ", f);
		put(&o, s->run_id);
		fputs("  ", f);
		put(&o, s->name);
		fputs("  ", f);
		put(&o, s->release);
		fputs(s->newest ? "  newest\n" : "\n", f);
	}
	return ferror(f) ? -EIO : 0;
}

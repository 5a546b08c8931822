/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The report's environment and iterations sections (report-int.h): each
 * set's metadata.json side by side, differences highlighted; the knobs
 * as run; the suites; and each set's iterations with what was not used.
 * Every string from a result set goes through html_escape.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/gnuplot.h"
#include "analysis/html.h"
#include "analysis/report-int.h"
#include "lib/mmab.h"

#define esc html_escape

/* ---- set names and tables ---- */

static void swatch(FILE *f, size_t i)
{
	fprintf(f, "<span class=\"swatch\" style=\"background:%s\"></span>", gp_set_colour(i));
}

void report_set_name(const struct report_page *p, size_t i)
{
	fputs("<span class=\"set\">", p->f);
	swatch(p->f, i);
	esc(p->f, p->sets[i].label);
	if (i == p->baseline && p->n > 1)
		fputs("<span class=\"tag\">baseline</span>", p->f);
	fputs("</span>", p->f);
}

void report_table_head(const struct report_page *p, const char *cls, const char *first)
{
	fprintf(p->f, "<div class=\"scroll\"><table class=\"%s\">\n<thead><tr><th>%s</th>", cls,
		first);
	for (size_t i = 0; i < p->n; i++) {
		fputs("<th>", p->f);
		report_set_name(p, i);
		fputs("</th>", p->f);
	}
	fputs("</tr></thead>\n<tbody>\n", p->f);
}

/* ---- values from metadata.json as text ---- */

/* V as the text a reader expects; NULL when absent.  Malloc'd. */
static char *json_show(const char *key, const json_t *v)
{
	char size[32];

	if (!v)
		return NULL;
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		size_t kl = strlen(key);

		if (i >= 0 && kl > 3 && !strcmp(key + kl - 3, "_kb")) {
			mmab_format_size(size, sizeof(size), (uint64_t)i * 1024);
			return xasprintf("%" JSON_INTEGER_FORMAT " kB (%s)", i, size);
		}
		if (i >= 0 && kl > 6 && !strcmp(key + kl - 6, "_bytes")) {
			mmab_format_size(size, sizeof(size), (uint64_t)i);
			return xasprintf("%" JSON_INTEGER_FORMAT " (%s)", i, size);
		}
		return xasprintf("%" JSON_INTEGER_FORMAT, i);
	}
	if (json_is_null(v))
		return xstrdup("none");
	if (json_is_array(v)) {
		bool strings = true;
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e)
			strings &= json_is_string(e);
		if (strings) {
			char *s = xstrdup("");

			json_array_foreach(v, i, e) {
				char *t = xasprintf("%s%s%s", s, i ? " " : "", json_string_value(e));

				free(s);
				s = t;
			}
			return s;
		}
	}
	{
		char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		return d ? d : xstrdup("?");
	}
}

/* "vmstat (1000 ms)", or "psi (250 ms, no PSI here)": one of the collectors. */
static char *collector_text(const json_t *e)
{
	const char *name = json_string_value(json_object_get(e, "name"));
	const char *st = json_string_value(json_object_get(e, "status"));
	json_t *ms = json_object_get(e, "interval_ms");
	bool bad = st && strcmp(st, "ok");
	char *ival = json_is_number(ms) ? xasprintf("%.0f ms", json_number_value(ms))
					: xstrdup("no interval");
	char *t = xasprintf("%s (%s%s%s)", name ? name : "?", ival, bad ? ", " : "",
			    bad ? st : "");

	free(ival);
	return t;
}

/* "thp: thp (size=150%, fragment=frag)": one of the workloads, with its options. */
static char *workload_text(const json_t *e)
{
	const char *id = json_string_value(json_object_get(e, "id"));
	const char *wl = json_string_value(json_object_get(e, "workload"));
	json_t *opts = json_object_get(e, "options"), *v;
	char *o = NULL, *t;
	const char *k;

	json_object_foreach(opts, k, v) {
		char *val = json_show(k, v);

		t = xasprintf("%s%s%s=%s", o ? o : "", o ? ", " : "", k, val);
		free(val);
		free(o);
		o = t;
	}
	t = xasprintf("%s: %s%s%s%s", id ? id : "?", wl ? wl : "?", o ? " (" : "", o ? o : "",
		      o ? ")" : "");
	free(o);
	return t;
}

/* The items of array V through ONE, joined by SEP; NULL when V is not an array. */
static char *join(const json_t *v, const char *sep, char *(*one)(const json_t *))
{
	char *s = NULL;
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return NULL;
	json_array_foreach(v, i, e) {
		char *item = one(e), *t = xasprintf("%s%s%s", s ? s : "", s ? sep : "", item);

		free(item);
		free(s);
		s = t;
	}
	return s ? s : xstrdup("none");
}

/* ---- the environment ---- */

/* One row of the environment: per-set texts (NULL: n/a). */
struct env_line {
	char *title;
	char **vals;
	bool own;	/* each set has its own value: a difference is no news */
};

struct env_lines {
	struct env_line *v;
	size_t n;
};

static void line_add(struct env_lines *l, const char *title, char **vals, bool own)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = (struct env_line){ xstrdup(title), vals, own };
}

static void line_free(const struct report_page *p, struct env_line *e)
{
	for (size_t s = 0; s < p->n; s++)
		free(e->vals[s]);
	free(e->vals);
	free(e->title);
}

static void lines_free(const struct report_page *p, struct env_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		line_free(p, &l->v[i]);
	free(l->v);
}

/* Whether the sets differ in E (not counting a value each set has of its own). */
static bool line_differs(const struct report_page *p, const struct env_line *e)
{
	for (size_t i = 1; i < p->n && !e->own; i++) {
		const char *a = e->vals[0], *b = e->vals[i];

		if ((!a != !b) || (a && b && strcmp(a, b)))
			return true;
	}
	return false;
}

static bool line_na(const struct report_page *p, const struct env_line *e)
{
	for (size_t i = 0; i < p->n; i++)
		if (e->vals[i])
			return false;
	return true;
}

static void env_row(const struct report_page *p, const struct env_line *e)
{
	fprintf(p->f, "<tr%s><th>", line_differs(p, e) ? " class=\"differs\"" : "");
	esc(p->f, e->title);
	fputs("</th>", p->f);
	for (size_t i = 0; i < p->n; i++) {
		if (e->vals[i]) {
			fputs("<td>", p->f);
			esc(p->f, e->vals[i]);
			fputs("</td>", p->f);
		} else {
			fputs("<td><span class=\"na\">n/a</span></td>", p->f);
		}
	}
	fputs("</tr>\n", p->f);
}

/* Whether row E of L is shown (not folded): it differs, or KEEP names it. */
static bool line_shown(const struct report_page *p, const struct env_line *e,
		       const char *const *keep)
{
	bool shown = p->n == 1 || line_differs(p, e);

	for (size_t k = 0; keep && keep[k] && !shown; k++)
		shown = !strcmp(keep[k], e->title);
	return shown;
}

/*
 * L as a table of class CLS: the rows where the sets differ (and those
 * KEEP names) shown, highlighted; the rest folded below them, WHAT saying
 * what they are.  One set alone: everything shown.  No table without rows.
 */
static void lines_table(const struct report_page *p, const struct env_lines *l, const char *cls,
			const char *first, const char *const *keep, const char *what)
{
	size_t shown = 0;

	for (size_t i = 0; i < l->n; i++)
		shown += line_shown(p, &l->v[i], keep);
	for (int pass = 0; pass < 2; pass++) {
		if ((!pass && !shown) || (pass && shown == l->n))
			continue;
		if (pass)
			fprintf(p->f, "<details class=\"env\"><summary>%s (%zu)</summary>\n", what,
				l->n - shown);
		report_table_head(p, cls, first);
		for (size_t i = 0; i < l->n; i++)
			if (line_shown(p, &l->v[i], keep) == !pass)
				env_row(p, &l->v[i]);
		fputs(pass ? "</tbody></table></div></details>\n" : "</tbody></table></div>\n", p->f);
	}
}

/*
 * own: each set has its own value, so a difference is no news; opt: keys
 * only some sets have (a kernel A/B that booted its kernels), not shown
 * when no set has them
 */
static const struct {
	const char *key, *title;
	bool own, opt;
} env_keys[] = {
	{ "label", "label", true, false }, { "variant", "variant", true, false },
	{ "run_id", "run", true, false }, { "start", "start (UTC)", true, false },
	{ "end", "end (UTC)", true, false }, { "hostname", "host name", false, false },
	{ "kernel.name", "kernel (A/B name)", false, true },
	{ "kernel.spec", "kernel image", false, true },
	{ "kernel.release", "kernel release booted", false, true },
	{ "kernel.backend", "kernel booted by", false, true },
	{ "uname.release", "kernel", false, false },
	{ "uname.version", "kernel build", false, false },
	{ "uname.machine", "machine", false, false },
	{ "cmdline", "kernel command line", false, false },
	{ "kernel_config_sha256", "kernel config hash", false, false },
	{ "cpu_model", "CPU", false, false }, { "cpus", "CPUs", false, false },
	{ "mem_total_kb", "MemTotal", false, false },
	{ "vm.accel", "VM accelerator", false, true },
	{ "vm.qemu_version", "qemu", false, true },
	{ "vm.memory_bytes", "VM memory", false, true }, { "vm.cpus", "VM CPUs", false, true },
	{ "vm.hostname", "VM host", false, true }, { "vm.release", "VM host kernel", false, true },
	{ "vm.thp", "VM host THP", false, true },
	{ "effective_memory_bytes", "effective memory", false, false },
	{ "cgroup", "cgroup", false, false }, { "thp.enabled", "THP enabled", false, false },
	{ "thp.defrag", "THP defrag", false, false },
	{ "thp.khugepaged/defrag", "khugepaged defrag", false, false },
	{ "thp.shmem_enabled", "THP shmem", false, false },
	{ "storage.fs_type", "results file system", false, false },
	{ "storage.device", "results device", false, false },
	{ "storage.read_ahead_kb", "read-ahead (KiB)", false, false },
	{ "suite.name", "suite", false, false }, { "suite.file", "suite file", false, false },
	{ "suite.iterations", "iterations", false, false }, { "suite.scale", "scale", false, false },
	{ "suite.settle", "settle", false, false }, { "suite.order", "order", false, false },
	{ "seed", "seed", true, false }, { "mmab_version", "mmab version", false, false },
	{ "argv", "command line", true, false },
};

/* Every knob name in knobs.as_run or knobs.before of any set, first seen first. */
static size_t knob_names(const struct report_page *p, const char ***out)
{
	static const char *const parts[] = { "knobs.as_run", "knobs.before" };
	const char **v = NULL;
	size_t n = 0;

	for (size_t s = 0; s < p->n; s++)
		for (size_t k = 0; k < ARRAY_SIZE(parts); k++) {
			json_t *o = rset_meta(&p->sets[s], parts[k]), *val;
			const char *name;

			json_object_foreach(o, name, val) {
				bool seen = false;

				for (size_t i = 0; i < n && !seen; i++)
					seen = !strcmp(v[i], name);
				if (!seen) {
					v = xrealloc(v, (n + 1) * sizeof(*v));
					v[n++] = name;
				}
			}
		}
	*out = v;
	return n;
}

/* Per set, the text ONE makes of its metadata. */
static char **per_set(const struct report_page *p, char *(*one)(const struct rset *rs))
{
	char **vals = xcalloc(p->n, sizeof(*vals));

	for (size_t i = 0; i < p->n; i++)
		vals[i] = one(&p->sets[i]);
	return vals;
}

static char *set_path(const struct rset *rs)
{
	return xstrdup(rs->path);
}

static char *set_collectors(const struct rset *rs)
{
	return join(rset_meta(rs, "collectors"), ", ", collector_text);
}

static char *set_workloads(const struct rset *rs)
{
	return join(rset_meta(rs, "workloads"), "; ", workload_text);
}

static char *set_problems(const struct rset *rs)
{
	return xasprintf("%u", rs->problems);
}

/* Where each set lives, its metadata, collectors, workloads, problems. */
static void env_table(const struct report_page *p)
{
	static const char *const keep[] = { "label", "variant", "kernel (A/B name)", NULL };
	struct env_lines l = { NULL, 0 };

	line_add(&l, "directory", per_set(p, set_path), true);
	for (size_t k = 0; k < ARRAY_SIZE(env_keys); k++) {
		char **vals = xcalloc(p->n, sizeof(*vals));

		for (size_t i = 0; i < p->n; i++)
			vals[i] = json_show(env_keys[k].key, rset_meta(&p->sets[i], env_keys[k].key));
		line_add(&l, env_keys[k].title, vals, env_keys[k].own);
		if (env_keys[k].opt && line_na(p, &l.v[l.n - 1]))
			line_free(p, &l.v[--l.n]);
	}
	line_add(&l, "collectors", per_set(p, set_collectors), false);
	line_add(&l, "workloads", per_set(p, set_workloads), false);
	line_add(&l, "problems in files", per_set(p, set_problems), false);
	lines_table(p, &l, "env", "", keep, "The rest of metadata.json: the same in every set, "
		    "or each set's own (run, times, seed, command line)");
	lines_free(p, &l);
}

/* KNOB in set S: its value as run, "(was B)" when mmab changed it. */
static char *knob_value(const struct report_page *p, size_t s, const char *knob)
{
	char *key = xasprintf("knobs.as_run.%s", knob), *bkey = xasprintf("knobs.before.%s", knob);
	char *a = json_show("", rset_meta(&p->sets[s], key));
	char *b = json_show("", rset_meta(&p->sets[s], bkey)), *v = a;

	if (a && b && strcmp(a, b)) {
		v = xasprintf("%s (was %s)", a, b);
		free(a);
	}
	free(b);
	free(key);
	free(bkey);
	return v;
}

/* The knobs as run: the ones that differ shown, the rest folded. */
static void env_knobs(const struct report_page *p)
{
	struct env_lines l = { NULL, 0 };
	const char **knobs;
	size_t nk = knob_names(p, &knobs);

	for (size_t k = 0; k < nk; k++) {
		char **vals = xcalloc(p->n, sizeof(*vals));

		for (size_t i = 0; i < p->n; i++)
			vals[i] = knob_value(p, i, knobs[k]);
		line_add(&l, knobs[k], vals, false);
	}
	if (nk) {
		fputs("<h3>Knobs as run</h3>\n<p class=\"note\">The value each knob had during the "
		      "run; \"was\" gives the value before mmab changed it.</p>\n", p->f);
		lines_table(p, &l, "env knobs", "knob", NULL, "Knobs with the same value in every set");
	}
	lines_free(p, &l);
	free(knobs);
}

/* Each set's suite.ini, folded. */
static void env_suites(const struct report_page *p)
{
	for (size_t i = 0; i < p->n; i++) {
		char *path = xasprintf("%s/suite.ini", p->sets[i].path), *text;
		size_t len;

		if (!mmab_read_file(path, &text, &len)) {
			fputs("<details class=\"suite\"><summary>suite.ini of ", p->f);
			esc(p->f, p->sets[i].label);
			fputs("</summary>\n<pre>", p->f);
			esc(p->f, text);
			fputs("</pre></details>\n", p->f);
			free(text);
		}
		free(path);
	}
}

void report_environment(const struct report_page *p)
{
	fputs("<section id=\"environment\">\n<h2>Environment</h2>\n<p class=\"note\">From each "
	      "set's metadata.json: where the sets differ, highlighted; the rest folded below.</p>\n",
	      p->f);
	env_table(p);
	env_knobs(p);
	env_suites(p);
	fputs("</section>\n", p->f);
}

/* One workload's iterations in set RS: counts, mean duration, those not used. */
static void iter_row(FILE *f, const struct rset *rs, const char *wl)
{
	double sum = 0;
	size_t nd = 0, bad = 0;

	for (size_t i = 0; i < rs->n_iters; i++) {
		const struct rset_iter *it = &rs->iters[i];

		if (!strcmp(it->workload, wl) && rset_iter_used(it) && isfinite(it->duration_s)) {
			sum += it->duration_s;
			nd++;
		}
	}
	fputs("<tr><th>", f);
	esc(f, wl);
	fprintf(f, "</th><td class=\"num\">%zu</td><td class=\"num\">%zu</td>",
		rset_count(rs, wl, NULL), rset_count(rs, wl, "ok"));
	if (nd)
		fprintf(f, "<td class=\"num\">%.3g</td><td>", sum / (double)nd);
	else
		fputs("<td class=\"num\"><span class=\"na\">n/a</span></td><td>", f);
	for (size_t i = 0; i < rs->n_iters; i++) {
		const struct rset_iter *it = &rs->iters[i];

		if (strcmp(it->workload, wl) || rset_iter_used(it))
			continue;
		fprintf(f, "%s<span class=\"failed\">#%d ", bad++ ? "<br>" : "", it->iteration);
		esc(f, it->status);
		if (*it->reason) {
			fputs(": ", f);
			esc(f, it->reason);
		}
		fputs("</span>", f);
		if (isfinite(it->duration_s))
			fprintf(f, " after %.3g s", it->duration_s);
	}
	if (!bad)
		fputs("<span class=\"na\">none</span>", f);
	fputs("</td></tr>\n", f);
}

void report_iterations(const struct report_page *p)
{
	FILE *f = p->f;

	fputs("<section id=\"iterations\">\n<h2>Iterations</h2>\n<p class=\"note\">From each "
	      "set's status.csv.  Only iterations that ended ok are compared and drawn.</p>\n", f);
	for (size_t s = 0; s < p->n; s++) {
		const struct rset *rs = &p->sets[s];

		fputs("<h3>", f);
		report_set_name(p, s);
		fputs("</h3>\n", f);
		if (!rs->n_iters) {
			fputs("<p class=\"note\">No iteration recorded.</p>\n", f);
			continue;
		}
		fputs("<div class=\"scroll\"><table class=\"flat\">\n<thead><tr><th>workload</th>"
		      "<th>iterations</th><th>ok</th><th>mean duration (s)</th><th>not used</th>"
		      "</tr></thead>\n<tbody>\n", f);
		for (size_t w = 0; w < rs->n_workloads; w++)
			iter_row(f, rs, rs->workloads[w]);
		fputs("</tbody></table></div>\n", f);
	}
	fputs("</section>\n", f);
}

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

static void env_row(const struct report_page *p, const char *title, char **vals, bool own)
{
	bool differs = false;

	for (size_t i = 1; i < p->n && !own; i++) {
		const char *a = vals[0], *b = vals[i];

		differs |= (!a != !b) || (a && b && strcmp(a, b));
	}
	fprintf(p->f, "<tr%s><th>", differs ? " class=\"differs\"" : "");
	esc(p->f, title);
	fputs("</th>", p->f);
	for (size_t i = 0; i < p->n; i++) {
		if (vals[i]) {
			fputs("<td>", p->f);
			esc(p->f, vals[i]);
			fputs("</td>", p->f);
		} else {
			fputs("<td><span class=\"na\">n/a</span></td>", p->f);
		}
	}
	fputs("</tr>\n", p->f);
}

/* own: each set has its own value; a difference is no news, so not highlighted */
static const struct {
	const char *key, *title;
	bool own;
} env_keys[] = {
	{ "label", "label", true }, { "variant", "variant", true }, { "run_id", "run", true },
	{ "start", "start (UTC)", true }, { "end", "end (UTC)", true },
	{ "hostname", "host name", false }, { "uname.release", "kernel", false },
	{ "uname.version", "kernel build", false }, { "uname.machine", "machine", false },
	{ "cmdline", "kernel command line", false },
	{ "kernel_config_sha256", "kernel config hash", false }, { "cpu_model", "CPU", false },
	{ "cpus", "CPUs", false }, { "mem_total_kb", "MemTotal", false },
	{ "effective_memory_bytes", "effective memory", false }, { "cgroup", "cgroup", false },
	{ "thp.enabled", "THP enabled", false }, { "thp.defrag", "THP defrag", false },
	{ "thp.khugepaged/defrag", "khugepaged defrag", false },
	{ "thp.shmem_enabled", "THP shmem", false },
	{ "storage.fs_type", "results file system", false },
	{ "storage.device", "results device", false },
	{ "storage.read_ahead_kb", "read-ahead (KiB)", false }, { "suite.name", "suite", false },
	{ "suite.file", "suite file", false }, { "suite.iterations", "iterations", false },
	{ "suite.scale", "scale", false }, { "suite.settle", "settle", false },
	{ "suite.order", "order", false }, { "seed", "seed", true },
	{ "mmab_version", "mmab version", false }, { "argv", "command line", true },
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

/* The main table: where each set lives, its metadata, collectors, workloads, problems. */
static void env_table(const struct report_page *p)
{
	char **vals = xcalloc(p->n, sizeof(*vals));

	report_table_head(p, "env", "");
	for (size_t i = 0; i < p->n; i++)
		vals[i] = xstrdup(p->sets[i].path);
	env_row(p, "directory", vals, true);
	for (size_t k = 0; k < ARRAY_SIZE(env_keys); k++) {
		for (size_t i = 0; i < p->n; i++) {
			free(vals[i]);
			vals[i] = json_show(env_keys[k].key, rset_meta(&p->sets[i], env_keys[k].key));
		}
		env_row(p, env_keys[k].title, vals, env_keys[k].own);
	}
	for (size_t i = 0; i < p->n; i++) {
		free(vals[i]);
		vals[i] = join(rset_meta(&p->sets[i], "collectors"), ", ", collector_text);
	}
	env_row(p, "collectors", vals, false);
	for (size_t i = 0; i < p->n; i++) {
		free(vals[i]);
		vals[i] = join(rset_meta(&p->sets[i], "workloads"), "; ", workload_text);
	}
	env_row(p, "workloads", vals, false);
	for (size_t i = 0; i < p->n; i++) {
		free(vals[i]);
		vals[i] = xasprintf("%u", p->sets[i].problems);
	}
	env_row(p, "problems in files", vals, false);
	for (size_t i = 0; i < p->n; i++)
		free(vals[i]);
	free(vals);
	fputs("</tbody></table></div>\n", p->f);
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

static void env_knobs(const struct report_page *p)
{
	char **vals = xcalloc(p->n, sizeof(*vals));
	const char **knobs;
	size_t nk = knob_names(p, &knobs);

	if (nk) {
		fputs("<h3>Knobs as run</h3>\n<p class=\"note\">The value each knob had during the "
		      "run; \"was\" gives the value before mmab changed it.</p>\n", p->f);
		report_table_head(p, "env knobs", "knob");
		for (size_t k = 0; k < nk; k++) {
			for (size_t i = 0; i < p->n; i++)
				vals[i] = knob_value(p, i, knobs[k]);
			env_row(p, knobs[k], vals, false);
			for (size_t i = 0; i < p->n; i++)
				free(vals[i]);
		}
		fputs("</tbody></table></div>\n", p->f);
	}
	free(knobs);
	free(vals);
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
	      "set's metadata.json; rows where the sets differ are highlighted.</p>\n", p->f);
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

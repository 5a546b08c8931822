/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading a result set (results/README.md): metadata.json, status.csv and
 * every iteration's metrics.csv.  A result set written by a run that
 * crashed, or edited by hand, is read as far as it goes: each problem is
 * reported once as FILE:LINE: message and counted, and what is left is
 * still analysed.  Collector CSVs are read by the analyses that need them,
 * from rset_iter.dir.  Finding sets from what the user typed is in
 * rset-find.c.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/csv.h"
#include "analysis/rset-int.h"
#include "analysis/rset.h"
#include "lib/mmab.h"

static void set_problem(struct rset *rs, const char *file, size_t line, const char *msg)
{
	rs->problems++;
	csv_problem(file, line, "%s", msg);
}

static bool has_workload(const struct rset *rs, const char *w)
{
	for (size_t i = 0; i < rs->n_workloads; i++)
		if (!strcmp(rs->workloads[i], w))
			return true;
	return false;
}

static void add_workload(struct rset *rs, const char *w)
{
	if (!has_workload(rs, w))
		rset_push(&rs->workloads, &rs->n_workloads, xstrdup(w));
}

const struct rset_iter *rset_iter_find(const struct rset *rs, const char *w, int it)
{
	for (size_t i = 0; i < rs->n_iters; i++)
		if (rs->iters[i].iteration == it && !strcmp(rs->iters[i].workload, w))
			return &rs->iters[i];
	return NULL;
}

static struct rset_iter *add_iter(struct rset *rs, const char *w, int it, const char *status,
				  const char *reason, double duration)
{
	struct rset_iter *r;

	rs->iters = xrealloc(rs->iters, (rs->n_iters + 1) * sizeof(*rs->iters));
	r = &rs->iters[rs->n_iters++];
	r->workload = xstrdup(w);
	r->iteration = it;
	r->status = xstrdup(status);
	r->reason = xstrdup(reason);
	r->duration_s = duration;
	r->dir = xasprintf("%s/%s/%d", rs->path, w, it);
	r->seed = RSET_NO_SEED;
	r->boot = 0;
	r->kernel_warnings = -1;
	add_workload(rs, w);
	return r;
}

static bool parse_iteration(const char *s, int *out)
{
	long v;

	if (!s || mmab_parse_long(s, &v) || v < 1 || v > INT_MAX)
		return false;
	*out = (int)v;
	return true;
}

static void load_meta(struct rset *rs)
{
	char *path = xasprintf("%s/metadata.json", rs->path);
	json_error_t e;
	json_t *w, *ent;
	size_t i;

	rs->meta = json_load_file(path, 0, &e);
	if (!rs->meta) {
		set_problem(rs, path, e.line > 0 ? (size_t)e.line : 0, e.text);
		rs->meta = json_object();
	} else if (!json_is_object(rs->meta)) {
		set_problem(rs, path, 1, "not a JSON object: ignored");
		json_decref(rs->meta);
		rs->meta = json_object();
	}
	free(path);
	/* suite order first: the order the user wrote the workloads in */
	w = json_object_get(rs->meta, "workloads");
	json_array_foreach(w, i, ent) {
		const char *id = json_string_value(json_object_get(ent, "id"));

		if (id && mmab_label_valid(id))
			add_workload(rs, id);
	}
}

/* "signal" + 9 -> "signal 9": one string says what happened */
static char *reason_text(const struct csv *c, size_t row, int c_reason, int c_exit, int c_sig)
{
	const char *r = csv_str(c, row, c_reason);
	const char *code = csv_str(c, row, c_exit), *sig = csv_str(c, row, c_sig);

	if (!r)
		return xstrdup("");
	if (!strcmp(r, "signal") && sig)
		return xasprintf("signal %s", sig);
	if (!strcmp(r, "exit") && code)
		return xasprintf("exit %s", code);
	return xstrdup(r);
}

bool rset_csv(struct rset *rs, const char *dir, const char *name, bool optional,
	      const char *why, struct csv *c)
{
	char *path = xasprintf("%s/%s", dir, name);
	int err = csv_load(path, c);

	if (err == -EINVAL) {
		rs->problems++;		/* csv_load said why */
	} else if (err && !(optional && err == -ENOENT)) {
		csv_problem(path, 0, "cannot read: %s%s%s", strerror(-err), why ? ": " : "",
			    why ? why : "");
		rs->problems++;
	}
	free(path);
	if (err)
		return false;
	rs->problems += c->problems;
	return true;
}

/* Returns false when there is no status.csv to go by. */
static bool load_status(struct rset *rs)
{
	char *path = xasprintf("%s/status.csv", rs->path);
	int cw, ci, cs, cr, ce, csig, cd;
	struct csv c;

	if (!rset_csv(rs, rs->path, "status.csv", false,
		      "iterations found on disk taken as status unknown", &c)) {
		free(path);
		return false;
	}
	cw = csv_col(&c, "workload");
	ci = csv_col(&c, "iteration");
	cs = csv_col(&c, "status");
	cr = csv_col(&c, "reason");
	ce = csv_col(&c, "exit_code");
	csig = csv_col(&c, "signal");
	cd = csv_col(&c, "duration_s");
	if (cw < 0 || ci < 0 || cs < 0) {
		set_problem(rs, path, 1, "no workload, iteration or status column: file ignored");
		csv_free(&c);
		free(path);
		return false;
	}
	for (size_t r = 0; r < c.nrows; r++) {
		const char *w = csv_str(&c, r, cw), *st = csv_str(&c, r, cs);
		size_t line = csv_row_line(&c, r);
		char *reason;
		int it;

		if (!w || !mmab_label_valid(w)) {
			set_problem(rs, path, line, "bad workload name: row skipped");
			continue;
		}
		if (!parse_iteration(csv_str(&c, r, ci), &it)) {
			set_problem(rs, path, line, "bad iteration number: row skipped");
			continue;
		}
		if (!st) {
			set_problem(rs, path, line, "empty status: row skipped");
			continue;
		}
		if (rset_iter_find(rs, w, it)) {
			set_problem(rs, path, line, "iteration listed twice: the first row counts");
			continue;
		}
		if (strcmp(st, "ok") && strcmp(st, "failed") && strcmp(st, "skipped"))
			set_problem(rs, path, line, "unknown status: iteration not used");
		reason = reason_text(&c, r, cr, ce, csig);
		add_iter(rs, w, it, st, reason, csv_num(&c, r, cd));
		free(reason);
	}
	csv_free(&c);
	free(path);
	return true;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The iteration directories of WDIR (numbers) without an iteration of W yet, sorted. */
static size_t dirs_unlisted(struct rset *rs, const char *wdir, const char *w, int **out)
{
	DIR *wd = opendir(wdir);
	struct dirent *de;
	int *its = NULL;
	size_t nits = 0;

	while (wd && (de = readdir(wd))) {
		char *p;
		int it;

		if (!parse_iteration(de->d_name, &it))
			continue;
		p = xasprintf("%s/%s", wdir, de->d_name);
		if (rset_is_dir(p) && !rset_iter_find(rs, w, it)) {
			its = xrealloc(its, (nits + 1) * sizeof(*its));
			its[nits++] = it;
		}
		free(p);
	}
	if (wd)
		closedir(wd);
	if (nits)
		qsort(its, nits, sizeof(*its), cmp_int);
	*out = its;
	return nits;
}

/*
 * Iteration directories without a row in status.csv: with a status.csv,
 * the run stopped during them ("incomplete"); without one, nothing says
 * how they ended ("unknown").
 */
static void scan_disk(struct rset *rs, bool have_status)
{
	DIR *d = opendir(rs->path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (mmab_label_valid(de->d_name))
			rset_push(&names, &n, xstrdup(de->d_name));
	closedir(d);
	qsort(names, n, sizeof(*names), rset_cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *wdir = xasprintf("%s/%s", rs->path, names[i]);
		int *its;
		size_t nits = dirs_unlisted(rs, wdir, names[i], &its);

		for (size_t k = 0; k < nits; k++) {
			if (have_status) {
				char *msg = xasprintf("no row for %s/%d (its directory exists): "
						      "incomplete, not used", names[i], its[k]);
				char *sp = xasprintf("%s/status.csv", rs->path);

				set_problem(rs, sp, 0, msg);
				free(sp);
				free(msg);
				add_iter(rs, names[i], its[k], "incomplete", "no row in status.csv", NAN);
			} else {
				add_iter(rs, names[i], its[k], "unknown", "", NAN);
			}
		}
		free(its);
		free(wdir);
		free(names[i]);
	}
	free(names);
}

static size_t workload_rank(const struct rset *rs, const char *w)
{
	for (size_t i = 0; i < rs->n_workloads; i++)
		if (!strcmp(rs->workloads[i], w))
			return i;
	return rs->n_workloads;
}

static int cmp_iter(const void *a, const void *b, void *rs)
{
	const struct rset_iter *x = a, *y = b;
	size_t rx = workload_rank(rs, x->workload), ry = workload_rank(rs, y->workload);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return (x->iteration > y->iteration) - (x->iteration < y->iteration);
}

static struct rset_metric *find_metric(struct rset *rs, const char *w, const char *name)
{
	for (size_t i = 0; i < rs->n_metrics; i++)
		if (!strcmp(rs->metrics[i].name, name) && !strcmp(rs->metrics[i].workload, w))
			return &rs->metrics[i];
	return NULL;
}

static void metric_add(struct rset_metric *m, double v, int it)
{
	m->values = xrealloc(m->values, (m->n + 1) * sizeof(*m->values));
	m->iterations = xrealloc(m->iterations, (m->n + 1) * sizeof(*m->iterations));
	m->values[m->n] = v;
	m->iterations[m->n++] = it;
}

static bool same_str(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* The columns of a metrics.csv. */
struct mcols {
	int metric, value, unit, dir, agg;
};

/*
 * One row of IT's metrics.csv at LINE, added to its metric (created at the
 * first iteration that has it).  Problems are reported against PATH.
 */
static void metric_row(struct rset *rs, const struct rset_iter *it, const struct csv *c,
		       const struct mcols *k, size_t r, const char *path)
{
	const char *name = csv_str(c, r, k->metric), *vs = csv_str(c, r, k->value);
	const char *unit = csv_str(c, r, k->unit), *ds = csv_str(c, r, k->dir);
	const char *as = csv_str(c, r, k->agg);
	size_t line = csv_row_line(c, r);
	enum metric_dir dir = METRIC_NONE;
	enum metric_agg agg = AGG_MEAN;
	struct rset_metric *m;
	double v = NAN;

	if (!name) {
		set_problem(rs, path, line, "empty metric name: row skipped");
		return;
	}
	if (vs && mmab_parse_double(vs, &v)) {
		set_problem(rs, path, line, "value is not a number: taken as n/a");
		v = NAN;
	}
	if (!ds || metric_dir_parse(ds, &dir)) {
		set_problem(rs, path, line, "direction is not higher, lower or none: none");
		dir = METRIC_NONE;
	}
	if (!as || metric_agg_parse(as, &agg)) {
		set_problem(rs, path, line, "aggregate is not mean, hmean, total, max or min: mean");
		agg = AGG_MEAN;
	}
	m = find_metric(rs, it->workload, name);
	if (!m) {
		rs->metrics = xrealloc(rs->metrics, (rs->n_metrics + 1) * sizeof(*rs->metrics));
		m = &rs->metrics[rs->n_metrics++];
		memset(m, 0, sizeof(*m));
		m->workload = xstrdup(it->workload);
		m->name = xstrdup(name);
		m->unit = xstrdup(unit ? unit : "");
		m->dir = dir;
		m->agg = agg;
	} else {
		for (size_t i = 0; i < m->n; i++)
			if (m->iterations[i] == it->iteration) {
				set_problem(rs, path, line, "metric repeated: the first row counts");
				return;
			}
		if (!same_str(m->unit, unit) || m->dir != dir || m->agg != agg)
			set_problem(rs, path, line, "unit, direction or aggregate differs from an "
				    "earlier iteration: the first one counts");
	}
	metric_add(m, v, it->iteration);
}

static void load_metrics(struct rset *rs, const struct rset_iter *it)
{
	char *path = xasprintf("%s/metrics.csv", it->dir);
	struct mcols k;
	struct csv c;

	if (!rset_csv(rs, it->dir, "metrics.csv", false, NULL, &c)) {
		free(path);
		return;
	}
	k = (struct mcols){ csv_col(&c, "metric"), csv_col(&c, "value"), csv_col(&c, "unit"),
			    csv_col(&c, "direction"), csv_col(&c, "aggregate") };
	if (k.metric < 0 || k.value < 0)
		set_problem(rs, path, 1, "no metric or value column: file ignored");
	else
		for (size_t r = 0; r < c.nrows; r++)
			metric_row(rs, it, &c, &k, r, path);
	csv_free(&c);
	free(path);
}

/* An integer member KEY of O into *out; a member of another type is a problem. */
static void json_int_member(struct rset *rs, const char *path, json_t *o, const char *key,
			    long long min, long long *out)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return;
	if (!json_is_integer(v) || json_integer_value(v) < min) {
		char *msg = xasprintf("%s is not an integer of at least %lld: n/a", key, min);

		set_problem(rs, path, 0, msg);
		free(msg);
		return;
	}
	*out = json_integer_value(v);
}

/*
 * IT's iteration.json: its seed (pairing), the boot of a kernel A/B and
 * the kernel's warnings.  No file is no problem (a skipped step, an older
 * set); a file that is not a JSON object is.
 */
static void load_iteration_json(struct rset *rs, struct rset_iter *it)
{
	char *path = xasprintf("%s/iteration.json", it->dir);
	long long seed = RSET_NO_SEED, boot = 0, warnings = -1;
	json_error_t e;
	json_t *o;

	if (access(path, F_OK)) {
		free(path);
		return;
	}
	o = json_load_file(path, 0, &e);
	if (!json_is_object(o)) {
		set_problem(rs, path, o || e.line < 0 ? 0 : (size_t)e.line,
			    o ? "not a JSON object: ignored" : e.text);
	} else {
		json_int_member(rs, path, o, "seed", 0, &seed);
		json_int_member(rs, path, o, "boot", 1, &boot);
		json_int_member(rs, path, o, "kernel_warnings", 0, &warnings);
		it->seed = seed;
		it->boot = boot <= INT_MAX ? (int)boot : 0;
		it->kernel_warnings = warnings <= LONG_MAX ? (long)warnings : -1;
	}
	json_decref(o);
	free(path);
}

bool rset_iter_used(const struct rset_iter *it)
{
	return !strcmp(it->status, "ok") || !strcmp(it->status, "unknown");
}

int rset_load(const char *dir, struct rset *rs)
{
	const char *label;
	bool have_status;

	memset(rs, 0, sizeof(*rs));
	if (!rset_is_dir(dir))
		return -ENOTDIR;
	if (!rset_is_set(dir))
		return -ENOENT;
	rs->path = rset_trim_slashes(dir);
	load_meta(rs);
	label = rset_meta_str(rs, "label");
	if (label && *label) {
		rs->label = xstrdup(label);
	} else {
		const char *base = strrchr(rs->path, '/');

		rs->label = xstrdup(base ? base + 1 : rs->path);
	}
	have_status = load_status(rs);
	scan_disk(rs, have_status);
	qsort_r(rs->iters, rs->n_iters, sizeof(*rs->iters), cmp_iter, rs);
	for (size_t i = 0; i < rs->n_iters; i++) {
		struct rset_iter *it = &rs->iters[i];

		load_iteration_json(rs, it);
		if (rset_iter_used(it))
			load_metrics(rs, it);
	}
	return 0;
}

void rset_free(struct rset *rs)
{
	for (size_t i = 0; i < rs->n_iters; i++) {
		free(rs->iters[i].workload);
		free(rs->iters[i].status);
		free(rs->iters[i].reason);
		free(rs->iters[i].dir);
	}
	free(rs->iters);
	for (size_t i = 0; i < rs->n_metrics; i++) {
		struct rset_metric *m = &rs->metrics[i];

		free(m->workload);
		free(m->name);
		free(m->unit);
		free(m->values);
		free(m->iterations);
	}
	free(rs->metrics);
	for (size_t i = 0; i < rs->n_workloads; i++)
		free(rs->workloads[i]);
	free(rs->workloads);
	if (rs->meta)
		json_decref(rs->meta);
	free(rs->path);
	free(rs->label);
	memset(rs, 0, sizeof(*rs));
}

/* Walk KEY into OBJ: the whole key first, then split at each dot in turn. */
static json_t *walk(json_t *obj, const char *key)
{
	json_t *v;

	if (!json_is_object(obj))
		return NULL;
	v = json_object_get(obj, key);
	if (v)
		return v;
	for (const char *dot = strchr(key, '.'); dot; dot = strchr(dot + 1, '.')) {
		char *head = strndup(key, (size_t)(dot - key));

		if (!head)
			return NULL;
		v = json_object_get(obj, head);
		free(head);
		if (v && (v = walk(v, dot + 1)))
			return v;
	}
	return NULL;
}

json_t *rset_meta(const struct rset *rs, const char *key)
{
	return rs->meta ? walk(rs->meta, key) : NULL;
}

const char *rset_meta_str(const struct rset *rs, const char *key)
{
	return json_string_value(rset_meta(rs, key));
}

size_t rset_count(const struct rset *rs, const char *workload, const char *status)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n_iters; i++) {
		const struct rset_iter *it = &rs->iters[i];

		if ((!workload || !strcmp(it->workload, workload)) &&
		    (!status || !strcmp(it->status, status)))
			n++;
	}
	return n;
}

char *rset_label_short(const char *const *labels, size_t n, size_t i, size_t width)
{
	const char *l = labels[i] ? labels[i] : "";
	size_t common = strlen(l), cut = 0;

	if (strlen(l) <= width || n < 2)
		return xstrdup(l);
	for (size_t k = 0; k < n; k++) {
		const char *o = labels[k] ? labels[k] : "";
		size_t j = 0;

		while (j < common && o[j] == l[j])
			j++;
		common = j;
	}
	for (size_t k = 0; k < common; k++)
		if (strchr("-_.+", l[k]))
			cut = k + 1;
	return !cut || !l[cut] ? xstrdup(l) : xasprintf("~%s", l + cut);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Importing result sets into the history (history.h).  Each set is read
 * with analysis/rset.h and summarised by compare's own table
 * (compare_build on the one set), so the series are exactly the rows
 * `mmab compare` shows: the workload's metrics and the derived vmstat,
 * fragmentation, slab and stall summaries, with the same formulas.  A
 * point's value is the row's aggregate over the iterations that
 * succeeded (the mean, harmonic mean, total, max or min its metric
 * declares); the iteration values are kept beside it, with the iteration
 * numbers compare's cells carry.
 *
 * Everything named in one `history add` goes in one transaction, series
 * rows in a sorted order so concurrent importers into PostgreSQL take
 * their locks in the same order; a transaction the server aborts for a
 * conflict is run again.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/compare.h"
#include "history/history.h"
#include "lib/mmab.h"

/* ---- facts from metadata.json ---- */

static char *meta_dup(const struct rset *rs, const char *key)
{
	const char *s = rset_meta_str(rs, key);

	return s ? xstrdup(s) : NULL;
}

/* S ends in "-SUFFIX": cut it off. */
static void cut_suffix(char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	if (k && n > k + 1 && s[n - k - 1] == '-' && !strcmp(s + n - k, suffix))
		s[n - k - 1] = '\0';
}

/* Is LABEL what `mmab run` makes of RELEASE when no -l is given? */
static bool is_release_label(const char *label, const char *release)
{
	size_t i;

	if (!*release)
		return false;
	for (i = 0; label[i] && release[i] && i < 64; i++) {
		char c = release[i];

		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-", c))
			c = '-';
		if (label[i] != c)
			return false;
	}
	return !label[i] && (!release[i] || i == 64);
}

int history_facts(const struct rset *rs, struct history_facts *f)
{
	const char *missing = NULL;

	memset(f, 0, sizeof(*f));
	f->host = json_is_object(rset_meta(rs, "vm")) ? meta_dup(rs, "vm.hostname")
						       : meta_dup(rs, "hostname");
	f->run_id = meta_dup(rs, "run_id");
	f->name = meta_dup(rs, "label");
	f->start = meta_dup(rs, "start");
	f->end = meta_dup(rs, "end");
	f->version = meta_dup(rs, "mmab_version");
	f->suite = meta_dup(rs, "suite.name");
	f->variant = xstrdup(rset_meta_str(rs, "variant") ? rset_meta_str(rs, "variant") : "");
	f->kernel = xstrdup(rset_meta_str(rs, "kernel.name") ? rset_meta_str(rs, "kernel.name") : "");
	f->release = xstrdup(rset_meta_str(rs, "kernel.release") ? rset_meta_str(rs, "kernel.release")
			     : rset_meta_str(rs, "uname.release") ? rset_meta_str(rs, "uname.release")
			     : "");
	if (!f->host)
		missing = json_is_object(rset_meta(rs, "vm")) ? "vm.hostname" : "hostname";
	else if (!f->run_id)
		missing = "run_id";
	else if (!f->name)
		missing = "label";
	else if (!f->start)
		missing = "start";
	if (missing) {
		mmab_err("%s/metadata.json: no %s: the set cannot be placed in the history",
			 rs->path, missing);
		history_facts_free(f);
		return -EINVAL;
	}
	f->label = xstrdup(f->name);
	cut_suffix(f->label, f->variant);
	cut_suffix(f->label, f->kernel);
	f->label_defaulted = is_release_label(f->label, f->release);
	f->kernel_defaulted = *f->kernel && !strcmp(f->kernel, f->release);
	return 0;
}

void history_facts_free(struct history_facts *f)
{
	char **s[] = { &f->host, &f->run_id, &f->name, &f->label, &f->kernel, &f->release,
		       &f->variant, &f->start, &f->end, &f->version, &f->suite };

	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		free(*s[i]);
		*s[i] = NULL;
	}
}

/* ---- the rows of one set ---- */

/* The value a point gets: the aggregate its metric declares, NaN when none. */
static double point_value(const struct cmp_row *r)
{
	const struct stats_summary *s = &r->cells[0].s;

	if (!s->n)
		return NAN;
	switch (r->agg) {
	case AGG_TOTAL: return s->sum;
	case AGG_MAX: return s->max;
	case AGG_MIN: return s->min;
	default: return s->mean;	/* harmonic for AGG_HMEAN */
	}
}

static int cmp_rows(const void *a, const void *b)
{
	const struct cmp_row *x = *(const struct cmp_row *const *)a;
	const struct cmp_row *y = *(const struct cmp_row *const *)b;
	int c = strcmp(x->workload, y->workload);

	return c ? c : strcmp(x->metric, y->metric);
}

struct series_def {
	long long id;
	char *unit, *dir;
};

static int series_row(void *arg, const struct hrow *r)
{
	struct series_def *d = arg;

	d->id = hrow_int(r, 0);
	d->unit = xstrdup(hrow_text(r, 1) ? hrow_text(r, 1) : "");
	d->dir = xstrdup(hrow_text(r, 2) ? hrow_text(r, 2) : "");
	return 1;
}

/* The series of ROW in F's set, made when new.  0 with *id or an error. */
static int series_id(struct hstore *h, const struct history_facts *f, const struct cmp_row *row,
		     long long *id)
{
	const char *dir = metric_dir_name(row->dir);
	struct hval key[] = {
		HV_T(f->host), HV_T(f->label), HV_T(f->kernel), HV_T(f->variant),
		HV_T(row->workload), HV_T(row->metric), HV_T(cmp_section_name(row->section)),
		HV_T(row->unit), HV_T(dir), HV_T(metric_agg_name(row->agg)),
	};
	struct series_def d = { 0 };
	int ret = hstore_id(h, "INSERT INTO mmab_series (host, label, kernel, variant, workload, "
			    "metric, section, unit, direction, aggregate) VALUES ($1, $2, $3, $4, $5, "
			    "$6, $7, $8, $9, $10) ON CONFLICT (host, label, kernel, variant, "
			    "workload, metric) DO NOTHING RETURNING id", key, 10, id);

	if (ret != 1)
		return ret;
	ret = hstore_exec(h, "SELECT id, unit, direction FROM mmab_series WHERE host = $1 AND "
			  "label = $2 AND kernel = $3 AND variant = $4 AND workload = $5 AND "
			  "metric = $6", key, 6, series_row, &d);
	if (ret != 1) {
		if (!ret)
			mmab_err("history '%s': series %s %s vanished", hstore_name(h), row->workload,
				 row->metric);
		return ret ? ret : -HSTORE_EFAIL;
	}
	if (strcmp(d.unit, row->unit) || strcmp(d.dir, dir))
		mmab_warn("%s %s: unit '%s', direction %s here, '%s', %s in the history: the "
			  "history's are kept", row->workload, row->metric, row->unit, dir, d.unit,
			  d.dir);
	*id = d.id;
	free(d.unit);
	free(d.dir);
	return 0;
}

/* The iteration values of a point, with compare's iteration numbers, one statement. */
static int insert_iterations(struct hstore *h, long long point, const struct cmp_cell *c)
{
	struct hval *p = xcalloc(2 * c->n_values + 1, sizeof(*p));
	char *sql = xstrdup("INSERT INTO mmab_iterations (point, iteration, value) VALUES ");
	int ret;

	p[0] = HV_I(point);
	for (size_t i = 0; i < c->n_values; i++) {
		char *t = xasprintf("%s%s($1, $%zu, $%zu)", sql, i ? ", " : "", 2 * i + 2, 2 * i + 3);

		free(sql);
		sql = t;
		p[2 * i + 1] = HV_I(c->iterations[i]);
		p[2 * i + 2] = HV_R(c->values[i]);
	}
	ret = c->n_values ? hstore_exec(h, sql, p, (int)(2 * c->n_values + 1), NULL, NULL) : 0;
	free(sql);
	free(p);
	return ret;
}

static int insert_rows(struct hstore *h, const struct history_facts *f, long long set,
		       const struct cmp_table *t, size_t *points)
{
	const struct cmp_row **rows = xcalloc(t->n_rows + 1, sizeof(*rows));
	int ret = 0;

	for (size_t i = 0; i < t->n_rows; i++)
		rows[i] = &t->rows[i];
	qsort(rows, t->n_rows, sizeof(*rows), cmp_rows);
	for (size_t i = 0; i < t->n_rows && !ret; i++) {
		const struct cmp_cell *c = &rows[i]->cells[0];
		long long series, point;

		ret = series_id(h, f, rows[i], &series);
		if (!ret)
			ret = hstore_id(h, "INSERT INTO mmab_points (series, set_id, value, n) VALUES "
					"($1, $2, $3, $4) RETURNING id",
					(struct hval[]){ HV_I(series), HV_I(set),
							 HV_R(point_value(rows[i])),
							 HV_I((long long)c->s.n) }, 4, &point);
		if (ret == 1) {
			mmab_err("history '%s': a point of %s %s was not stored", hstore_name(h),
				 rows[i]->workload, rows[i]->metric);
			ret = -HSTORE_EFAIL;
		}
		if (!ret) {
			ret = insert_iterations(h, point, c);
			(*points)++;
		}
	}
	free(rows);
	return ret;
}

/* ---- one set ---- */

struct run_row {
	long long id;
	char *start;
};

static int run_row(void *arg, const struct hrow *r)
{
	struct run_row *rr = arg;

	rr->id = hrow_int(r, 0);
	rr->start = xstrdup(hrow_text(r, 1) ? hrow_text(r, 1) : "");
	return 1;
}

/* The run F belongs to, made when new; -HSTORE_EBAD when another run has its id. */
static int run_of(struct hstore *h, const struct history_facts *f, long long *id)
{
	char now[32];
	struct run_row rr = { 0 };
	int ret;

	mmab_iso_time(now, sizeof(now), (double)time(NULL));
	ret = hstore_id(h, "INSERT INTO mmab_runs (host, run_id, start_time, end_time, "
			"mmab_version, suite, imported) VALUES ($1, $2, $3, $4, $5, $6, $7) "
			"ON CONFLICT (host, run_id) DO NOTHING RETURNING id",
			(struct hval[]){ HV_T(f->host), HV_T(f->run_id), HV_T(f->start),
					 HV_T(f->end), HV_T(f->version), HV_T(f->suite),
					 HV_T(now) }, 7, id);
	if (ret != 1)
		return ret;
	ret = hstore_exec(h, "SELECT id, start_time FROM mmab_runs WHERE host = $1 AND run_id = $2",
			  (struct hval[]){ HV_T(f->host), HV_T(f->run_id) }, 2, run_row, &rr);
	if (ret != 1)
		return ret ? ret : -HSTORE_EFAIL;
	*id = rr.id;
	ret = 0;
	if (strcmp(rr.start, f->start)) {
		mmab_err("history '%s': run %s of %s is there already, started %s, not %s: two "
			 "runs with one id (mmab collect -o DIR names its run after DIR)",
			 hstore_name(h), f->run_id, f->host, rr.start, f->start);
		ret = -HSTORE_EBAD;
	}
	free(rr.start);
	return ret;
}

static void warn_defaults(const struct rset *rs, const struct history_facts *f)
{
	if (f->label_defaulted)
		mmab_warn("%s: the label '%s' is the kernel release (no -l given): each new kernel "
			  "starts new series; give nightly runs a label of their own",
			  rs->path, f->label);
	if (f->kernel_defaulted)
		mmab_warn("%s: the kernel name '%s' is its release (no NAME= given): each new "
			  "build starts new series; name the kernel", rs->path, f->kernel);
	if (!f->end)
		mmab_warn("%s: the run did not finish (no end in metadata.json): what it "
			  "completed is imported", rs->path);
}

/* A line said about a set once the transaction holds. */
static void say(struct history_added *out, char *line)
{
	out->said = xrealloc(out->said, (out->nsaid + 1) * sizeof(*out->said));
	out->said[out->nsaid++] = line;
}

/* The set's row, its metadata.json kept as it was: 0 with *set, 1 when there already. */
static int insert_set(struct hstore *h, const struct history_facts *f, long long run,
		      const char *dir, long long *set)
{
	char *mpath = xasprintf("%s/metadata.json", dir), *meta = NULL, *abs = realpath(dir, NULL);
	int ret;

	mmab_read_file(mpath, &meta, NULL);
	ret = hstore_id(h, "INSERT INTO mmab_sets (run, name, label, kernel, kernel_release, "
			"variant, source, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
			"ON CONFLICT (run, name) DO NOTHING RETURNING id",
			(struct hval[]){ HV_I(run), HV_T(f->name), HV_T(f->label), HV_T(f->kernel),
					 HV_T(f->release), HV_T(f->variant), HV_T(abs ? abs : dir),
					 HV_T(meta) }, 8, set);
	free(mpath);
	free(meta);
	free(abs);
	return ret;
}

/* Import the set in DIR.  0, or an error (reported). */
static int add_set(struct hstore *h, const char *dir, struct history_added *out)
{
	struct rset rs;
	struct history_facts f;
	struct cmp_table t;
	long long run, set;
	size_t before = out->points;
	int ret, err = rset_load(dir, &rs);

	if (err) {
		mmab_err("cannot read result set '%s': %s", dir, strerror(-err));
		return -HSTORE_EBAD;
	}
	ret = history_facts(&rs, &f) ? -HSTORE_EBAD : 0;
	if (ret)
		goto out_rs;
	compare_build(&rs, 1, 0, &t);
	if (rs.problems) {
		mmab_err("%s: %u problem%s in its files (reported above): not imported", dir,
			 rs.problems, rs.problems == 1 ? "" : "s");
		ret = -HSTORE_EBAD;
		goto out;
	}
	ret = run_of(h, &f, &run);
	if (!ret)
		ret = insert_set(h, &f, run, dir, &set);
	if (ret == 1) {
		say(out, xasprintf("%s: in the history already (%s, run %s)", dir, f.host, f.run_id));
		out->known++;
		ret = 0;
	} else if (!ret) {
		warn_defaults(&rs, &f);
		ret = insert_rows(h, &f, set, &t, &out->points);
		if (!ret) {
			out->sets++;
			say(out, xasprintf("%s: %zu series of %s, run %s", dir, out->points - before,
					   f.host, f.run_id));
		}
	}
out:
	compare_free(&t);
	history_facts_free(&f);
out_rs:
	rset_free(&rs);
	return ret;
}

int history_add(struct hstore *h, char *const *dirs, size_t n, struct history_added *out)
{
	int ret = -HSTORE_ERETRY;

	memset(out, 0, sizeof(*out));
	for (int tries = 0; ret == -HSTORE_ERETRY && tries < 5; tries++) {
		history_added_free(out);
		ret = hstore_begin(h);
		for (size_t i = 0; i < n && !ret; i++)
			ret = add_set(h, dirs[i], out);
		if (!ret)
			ret = hstore_commit(h);
		hstore_rollback(h);
		if (ret == -HSTORE_ERETRY)
			mmab_info("history '%s': a concurrent import conflicted; trying again",
				  hstore_name(h));
	}
	if (ret == -HSTORE_ERETRY) {
		mmab_err("history '%s': the import kept conflicting with others: nothing imported",
			 hstore_name(h));
		ret = -HSTORE_EFAIL;
	}
	if (ret)
		history_added_free(out);
	for (size_t i = 0; i < out->nsaid; i++)
		mmab_info("%s", out->said[i]);
	return ret;
}

void history_added_free(struct history_added *a)
{
	for (size_t i = 0; i < a->nsaid; i++)
		free(a->said[i]);
	free(a->said);
	memset(a, 0, sizeof(*a));
}

int history_add_args(const char *spec, char *const *args, size_t n)
{
	char **dirs = NULL;
	size_t nd = 0;
	struct hstore *h = NULL;
	struct history_added a = { 0 };
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++)
		if (rset_expand(args[i], &dirs, &nd))
			ret = -HSTORE_EBAD;
	if (!ret)
		ret = hstore_open(spec, true, &h);
	if (!ret)
		ret = history_add(h, dirs, nd, &a);
	if (!ret)
		mmab_info("history '%s': %zu set%s added (%zu points), %zu there already",
			  hstore_name(h), a.sets, a.sets == 1 ? "" : "s", a.points, a.known);
	else
		mmab_err("history: nothing was imported");
	history_added_free(&a);
	hstore_close(h);
	for (size_t i = 0; i < nd; i++)
		free(dirs[i]);
	free(dirs);
	return ret ? -ret : 0;
}

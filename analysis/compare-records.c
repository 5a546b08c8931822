/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine-readable formats of compare (compare-out.h): CSV and JSON,
 * one record per (set, metric) with the same fields (`mmab help compare`
 * lists them).  n/a is an empty CSV cell and a JSON null.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "analysis/compare-out.h"
#include "lib/csv.h"
#include "lib/mmab.h"

static const char *const record_fields[] = {
	"workload", "metric", "unit", "direction", "set", "n", "mean", "median", "stddev",
	"min", "max", "change_pct", "ci_low", "ci_high", "p_welch", "p_mwu", "verdict",
	"cov", "q", "test", "p_paired", "p_wilcoxon", "pairs", "dropped", "mde_pct", "n_needed",
};

/* ---- CSV ---- */

static void csv_num_field(FILE *f, double v)
{
	char b[64];

	metric_format_value(b, sizeof(b), v);
	fprintf(f, ",%s", b);
}

static void csv_begin(struct cmp_out *o)
{
	for (size_t h = 0; h < ARRAY_SIZE(record_fields); h++)
		fprintf(o->f, "%s%s", h ? "," : "", record_fields[h]);
	fputc('\n', o->f);
}

static void csv_cell(struct cmp_out *o, const struct cmp_row *row, size_t s)
{
	const struct cmp_cell *c = &row->cells[s];
	FILE *f = o->f;

	csv_write_str(f, row->workload);
	fputc(',', f);
	csv_write_str(f, row->metric);
	fputc(',', f);
	csv_write_str(f, row->unit);
	fprintf(f, ",%s,", metric_dir_name(row->dir));
	csv_write_str(f, o->t->sets[s].label);
	fprintf(f, ",%zu", c->s.n);
	csv_num_field(f, c->s.mean);
	csv_num_field(f, c->s.median);
	csv_num_field(f, c->s.stddev);
	csv_num_field(f, c->s.min);
	csv_num_field(f, c->s.max);
	csv_num_field(f, c->change_pct);
	csv_num_field(f, c->ci_low);
	csv_num_field(f, c->ci_high);
	csv_num_field(f, c->t.p_welch);
	csv_num_field(f, c->t.p_mwu);
	fprintf(f, ",%s", cmp_verdict_name(c->verdict));
	csv_num_field(f, c->s.cov);
	csv_num_field(f, c->q);
	fprintf(f, ",%s", cmp_test_name(c->test) ? cmp_test_name(c->test) : "");
	csv_num_field(f, c->pt.n ? c->pt.p_t : NAN);
	csv_num_field(f, c->pt.n ? c->pt.p_wilcoxon : NAN);
	fprintf(f, ",%zu,%zu", c->pt.n, c->dropped);
	csv_num_field(f, c->mde_pct);
	csv_num_field(f, c->n_needed);
	fputc('\n', f);
}

const struct cmp_out_ops cmp_csv_ops = {
	.begin = csv_begin,
	.cell = csv_cell,
};

/* ---- JSON ---- */

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jstr(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;

	/* not UTF-8 (a hand-edited set): keep it readable rather than drop it */
	if (s && !v) {
		char *c = xstrdup(s);

		for (unsigned char *p = (unsigned char *)c; *p; p++)
			if (*p >= 0x80)
				*p = '?';
		v = json_string(c);
		free(c);
	}
	return v ? v : json_null();
}

/* The sets, with every iteration's status. */
static json_t *json_sets(const struct cmp_table *t)
{
	json_t *sets = json_array();

	for (size_t s = 0; s < t->n_sets; s++) {
		const struct rset *rs = &t->sets[s];
		json_t *o = json_object(), *its = json_array();

		json_object_set_new(o, "label", jstr(rs->label));
		json_object_set_new(o, "path", jstr(rs->path));
		json_object_set_new(o, "baseline", json_boolean(s == t->baseline));
		json_object_set_new(o, "problems", json_integer(rs->problems));
		for (size_t i = 0; i < rs->n_iters; i++) {
			json_t *it = json_object();

			json_object_set_new(it, "workload", jstr(rs->iters[i].workload));
			json_object_set_new(it, "iteration", json_integer(rs->iters[i].iteration));
			json_object_set_new(it, "status", jstr(rs->iters[i].status));
			json_object_set_new(it, "reason", jstr(rs->iters[i].reason));
			json_object_set_new(it, "seed", rs->iters[i].seed == RSET_NO_SEED ? json_null()
					    : json_integer((json_int_t)rs->iters[i].seed));
			if (rs->iters[i].boot)
				json_object_set_new(it, "boot", json_integer(rs->iters[i].boot));
			if (rs->iters[i].kernel_warnings >= 0)
				json_object_set_new(it, "kernel_warnings",
						    json_integer(rs->iters[i].kernel_warnings));
			json_array_append_new(its, it);
		}
		json_object_set_new(o, "iterations", its);
		json_array_append_new(sets, o);
	}
	return sets;
}

static json_t *json_env(const struct cmp_table *t)
{
	json_t *env = json_array();

	for (size_t i = 0; i < t->n_env; i++) {
		const struct cmp_env *e = &t->env[i];
		json_t *o = json_object();

		json_object_set_new(o, "key", jstr(e->key));
		json_object_set_new(o, "set", jstr(t->sets[e->set].label));
		json_object_set_new(o, "baseline_value", jstr(e->base));
		json_object_set_new(o, "value", jstr(e->value));
		json_object_set_new(o, "compared", json_boolean(e->compared));
		json_array_append_new(env, o);
	}
	return env;
}

/* The alerts: TCG, kernel warnings. */
static json_t *json_alerts(const struct cmp_table *t)
{
	json_t *v = json_array();

	for (size_t i = 0; i < t->n_alerts; i++) {
		const struct cmp_alert *a = &t->alerts[i];
		json_t *o = json_object();

		json_object_set_new(o, "kind", json_string(a->kind == CMP_ALERT_TCG ? "tcg"
							    : "kernel_warnings"));
		json_object_set_new(o, "set", jstr(t->sets[a->set].label));
		if (a->kind == CMP_ALERT_KWARN) {
			json_object_set_new(o, "count", json_integer(a->count));
			json_object_set_new(o, "iterations", jstr(a->where));
		}
		json_array_append_new(v, o);
	}
	return v;
}

/* priv: the document, its "records" array filled by json_cell. */
static void json_begin(struct cmp_out *o)
{
	const struct cmp_table *t = o->t;
	json_t *root = json_object();

	json_object_set_new(root, "baseline", jstr(t->sets[t->baseline].label));
	json_object_set_new(root, "alpha", json_real(CMP_ALPHA));
	json_object_set_new(root, "verdict_uses",
			    json_string("the p of the test used (p_paired when test is paired-t, "
					"else p_welch) adjusted by Benjamini-Hochberg (q) over "
					"comparisons with at least 3 values (pairs) a side"));
	json_object_set_new(root, "comparisons", json_integer((json_int_t)t->n_tests));
	json_object_set_new(root, "power", json_real(CMP_POWER));
	json_object_set_new(root, "sets", json_sets(t));
	json_object_set_new(root, "alerts", json_alerts(t));
	json_object_set_new(root, "environment", json_env(t));
	json_object_set_new(root, "records", json_array());
	o->priv = root;
}

static void json_cell(struct cmp_out *o, const struct cmp_row *row, size_t s)
{
	const struct cmp_cell *c = &row->cells[s];
	json_t *r = json_object();

	json_object_set_new(r, "workload", jstr(row->workload));
	json_object_set_new(r, "metric", jstr(row->metric));
	json_object_set_new(r, "unit", jstr(row->unit));
	json_object_set_new(r, "direction", json_string(metric_dir_name(row->dir)));
	json_object_set_new(r, "set", jstr(o->t->sets[s].label));
	json_object_set_new(r, "n", json_integer((json_int_t)c->s.n));
	json_object_set_new(r, "mean", jnum(c->s.mean));
	json_object_set_new(r, "median", jnum(c->s.median));
	json_object_set_new(r, "stddev", jnum(c->s.stddev));
	json_object_set_new(r, "min", jnum(c->s.min));
	json_object_set_new(r, "max", jnum(c->s.max));
	json_object_set_new(r, "change_pct", jnum(c->change_pct));
	json_object_set_new(r, "ci_low", jnum(c->ci_low));
	json_object_set_new(r, "ci_high", jnum(c->ci_high));
	json_object_set_new(r, "p_welch", jnum(c->t.p_welch));
	json_object_set_new(r, "p_mwu", jnum(c->t.p_mwu));
	json_object_set_new(r, "verdict", json_string(cmp_verdict_name(c->verdict)));
	json_object_set_new(r, "cov", jnum(c->s.cov));
	json_object_set_new(r, "q", jnum(c->q));
	json_object_set_new(r, "test", cmp_test_name(c->test) ? json_string(cmp_test_name(c->test))
							      : json_null());
	json_object_set_new(r, "p_paired", jnum(c->pt.n ? c->pt.p_t : NAN));
	json_object_set_new(r, "p_wilcoxon", jnum(c->pt.n ? c->pt.p_wilcoxon : NAN));
	json_object_set_new(r, "pairs", json_integer((json_int_t)c->pt.n));
	json_object_set_new(r, "dropped", json_integer((json_int_t)c->dropped));
	json_object_set_new(r, "mde_pct", jnum(c->mde_pct));
	json_object_set_new(r, "n_needed", isfinite(c->n_needed)
			    ? json_integer((json_int_t)c->n_needed) : json_null());
	json_array_append_new(json_object_get(o->priv, "records"), r);
}

static int json_end(struct cmp_out *o)
{
	int err = json_dumpf(o->priv, o->f, JSON_INDENT(1) | JSON_REAL_PRECISION(16));

	fputc('\n', o->f);
	json_decref(o->priv);
	return err ? -EIO : 0;
}

const struct cmp_out_ops cmp_json_ops = {
	.begin = json_begin,
	.cell = json_cell,
	.end = json_end,
};

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The history store's front (store.h): which backend a spec names, the
 * schema and its migrations, transactions, and the accessors that
 * dispatch to the backend (store-int.h).
 *
 * A database is an mmab history when its table mmab_history says so
 * (format "mmab history", schema N).  An SQLite file holding other tables
 * and no mmab_history is someone else's and is refused; a PostgreSQL
 * database may hold other tables (a lab's server), and mmab's are named
 * mmab_*.  Migration k brings the schema from version k-1 to k, all of
 * them in one transaction under a lock, so two machines opening a new
 * server at once make the schema once.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "history/store-int.h"
#include "lib/mmab.h"

/* Version 1.  @ID@ is the backend's auto-numbered primary key. */
static const char *const schema_1[] = {
	"CREATE TABLE mmab_history (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	/* a run: one `mmab run` (or collect) on one machine */
	"CREATE TABLE mmab_runs (id @ID@, host TEXT NOT NULL, run_id TEXT NOT NULL, "
	"start_time TEXT NOT NULL, end_time TEXT, mmab_version TEXT, suite TEXT, "
	"imported TEXT NOT NULL, UNIQUE (host, run_id))",
	/* a result set of the run: one per kernel and variant */
	"CREATE TABLE mmab_sets (id @ID@, run BIGINT NOT NULL REFERENCES mmab_runs (id), "
	"name TEXT NOT NULL, label TEXT NOT NULL, kernel TEXT NOT NULL, "
	"kernel_release TEXT NOT NULL, variant TEXT NOT NULL, source TEXT, "
	"metadata TEXT, UNIQUE (run, name))",
	/* a series: what is compared night after night */
	"CREATE TABLE mmab_series (id @ID@, host TEXT NOT NULL, label TEXT NOT NULL, "
	"kernel TEXT NOT NULL, variant TEXT NOT NULL, workload TEXT NOT NULL, "
	"metric TEXT NOT NULL, section TEXT NOT NULL, unit TEXT NOT NULL, "
	"direction TEXT NOT NULL, aggregate TEXT NOT NULL, "
	"UNIQUE (host, label, kernel, variant, workload, metric))",
	/* a point: the series' value in one set (NULL: n/a in every iteration) */
	"CREATE TABLE mmab_points (id @ID@, series BIGINT NOT NULL REFERENCES mmab_series (id), "
	"set_id BIGINT NOT NULL REFERENCES mmab_sets (id), value DOUBLE PRECISION, "
	"n INTEGER NOT NULL, UNIQUE (series, set_id))",
	"CREATE INDEX mmab_points_set ON mmab_points (set_id)",
	"CREATE TABLE mmab_iterations (point BIGINT NOT NULL REFERENCES mmab_points (id), "
	"iteration INTEGER NOT NULL, value DOUBLE PRECISION, PRIMARY KEY (point, iteration))",
	"INSERT INTO mmab_history (key, value) VALUES ('format', 'mmab history')",
	"INSERT INTO mmab_history (key, value) VALUES ('schema', '1')",
	NULL
};

/* migrations[k - 1]: from version k - 1 to k */
static const char *const *const migrations[] = { schema_1 };

char *hstore_default(const char *results_dir)
{
	const char *env = getenv("MMAB_HISTORY");

	if (env && *env)
		return xstrdup(env);
	return xasprintf("%s/history.sqlite", results_dir ? results_dir : "results");
}

bool hstore_is_postgres(const char *spec)
{
	const char *p = spec;

	if (!strncmp(spec, "postgresql://", 13) || !strncmp(spec, "postgres://", 11))
		return true;
	/* libpq's "keyword = value ..." form */
	while (islower((unsigned char)*p) || *p == '_')
		p++;
	while (*p == ' ')
		p++;
	return p != spec && *p == '=';
}

const char *hstore_name(const struct hstore *h)
{
	return h->name;
}

const char *hstore_kind(const struct hstore *h)
{
	return h->ops->kind;
}

int hstore_exec(struct hstore *h, const char *sql, const struct hval *p, int np,
		hstore_row_fn fn, void *arg)
{
	return h->ops->exec(h, sql, p, np, fn, arg);
}

static int id_row(void *arg, const struct hrow *r)
{
	*(long long *)arg = hrow_int(r, 0);
	return 1;
}

int hstore_id(struct hstore *h, const char *sql, const struct hval *p, int np, long long *id)
{
	int ret = hstore_exec(h, sql, p, np, id_row, id);

	return ret == 1 ? 0 : ret < 0 ? ret : 1;
}

const char *hrow_text(const struct hrow *r, int col)
{
	return r->ops->col_text(r, col);
}

long long hrow_int(const struct hrow *r, int col)
{
	return r->ops->col_int(r, col);
}

double hrow_real(const struct hrow *r, int col)
{
	return r->ops->col_real(r, col);
}

int hstore_begin(struct hstore *h)
{
	int ret = h->ops->begin(h);

	h->in_tx = !ret;
	return ret;
}

int hstore_commit(struct hstore *h)
{
	int ret = hstore_exec(h, "COMMIT", NULL, 0, NULL, NULL);

	if (ret)
		hstore_rollback(h);
	h->in_tx = false;
	return ret;
}

void hstore_rollback(struct hstore *h)
{
	if (h->in_tx)
		hstore_exec(h, "ROLLBACK", NULL, 0, NULL, NULL);
	h->in_tx = false;
}

/* ---- what the database holds ---- */

struct survey {
	size_t tables;
	bool ours;
	char *format, *schema;
};

static int table_row(void *arg, const struct hrow *r)
{
	struct survey *s = arg;
	const char *name = hrow_text(r, 0);

	s->tables++;
	s->ours |= name && !strcmp(name, "mmab_history");
	return 0;
}

static int history_row(void *arg, const struct hrow *r)
{
	struct survey *s = arg;
	const char *k = hrow_text(r, 0), *v = hrow_text(r, 1);

	if (k && v && !strcmp(k, "format"))
		s->format = xstrdup(v);
	else if (k && v && !strcmp(k, "schema"))
		s->schema = xstrdup(v);
	return 0;
}

static int survey(struct hstore *h, struct survey *s)
{
	int ret = hstore_exec(h, h->ops->tables_sql, NULL, 0, table_row, s);

	if (!ret && s->ours)
		ret = hstore_exec(h, "SELECT key, value FROM mmab_history", NULL, 0, history_row, s);
	return ret;
}

/*
 * What survey S says: 0 with *v the schema version (0: an empty database
 * that CREATE allows to make one), or -HSTORE_EBAD (reported).
 */
static int judge(struct hstore *h, const struct survey *s, bool create, long *v)
{
	*v = 0;
	if (s->ours) {
		if (!s->format || strcmp(s->format, "mmab history") || !s->schema ||
		    mmab_parse_long(s->schema, v) || *v < 1) {
			mmab_err("history '%s': its mmab_history table is not mmab's (format '%s', "
				 "schema '%s')", h->name, s->format ? s->format : "",
				 s->schema ? s->schema : "");
			return -HSTORE_EBAD;
		}
		if (*v > HSTORE_SCHEMA) {
			mmab_err("history '%s': schema %ld, made by a newer mmab (this one reads "
				 "%d)", h->name, *v, HSTORE_SCHEMA);
			return -HSTORE_EBAD;
		}
		return 0;
	}
	if (s->tables && h->ops == &hstore_sqlite_ops) {
		mmab_err("history '%s': a database of something else (%zu tables, none of them "
			 "mmab_history): not touched", h->name, s->tables);
		return -HSTORE_EBAD;
	}
	if (!create) {
		mmab_err("history '%s': no mmab history in it yet (mmab history add makes it)",
			 h->name);
		return -HSTORE_EBAD;
	}
	return 0;
}

/* Migration TO: from version TO - 1 to TO. */
static int run_migration(struct hstore *h, long to)
{
	const char *const *sql = migrations[to - 1];
	char ver[24];
	int ret = 0;

	for (size_t i = 0; sql[i] && !ret; i++) {
		char *text = xstrdup(sql[i]), *at;

		while ((at = strstr(text, "@ID@"))) {
			char *t = xasprintf("%.*s%s%s", (int)(at - text), text, h->ops->id_column,
					    at + 4);

			free(text);
			text = t;
		}
		ret = hstore_exec(h, text, NULL, 0, NULL, NULL);
		free(text);
	}
	snprintf(ver, sizeof(ver), "%ld", to);
	if (!ret)
		ret = hstore_exec(h, "UPDATE mmab_history SET value = $1 WHERE key = 'schema'",
				  (struct hval[]){ HV_T(ver) }, 1, NULL, NULL);
	return ret;
}

static void survey_free(struct survey *s)
{
	free(s->format);
	free(s->schema);
	memset(s, 0, sizeof(*s));
}

/*
 * Bring the schema to HSTORE_SCHEMA.  A look first, reading only; when
 * something is to be made, a transaction under the schema lock that looks
 * again (another client may have done it meanwhile).
 */
static int migrate(struct hstore *h, bool create)
{
	struct survey s = { 0 };
	long v;
	int ret = survey(h, &s);

	if (!ret)
		ret = judge(h, &s, create, &v);
	survey_free(&s);
	if (ret || v == HSTORE_SCHEMA)
		return ret;
	ret = hstore_begin(h);
	if (!ret)
		ret = h->ops->lock_schema(h);
	if (!ret)
		ret = survey(h, &s);
	if (!ret)
		ret = judge(h, &s, create, &v);
	for (long to = v + 1; !ret && to <= HSTORE_SCHEMA; to++)
		ret = run_migration(h, to);
	if (!ret)
		ret = hstore_commit(h);
	if (!ret && v)
		mmab_info("history '%s': schema %ld migrated to %d", h->name, v, HSTORE_SCHEMA);
	hstore_rollback(h);
	survey_free(&s);
	return ret;
}

int hstore_open(const char *spec, bool create, struct hstore **out)
{
	struct hstore *h = xcalloc(1, sizeof(*h));
	int ret;

	h->ops = hstore_is_postgres(spec) ? &hstore_pg_ops : &hstore_sqlite_ops;
	h->name = h->ops->describe(spec);
	ret = h->ops->open(h, spec, create);
	if (ret) {
		free(h->name);
		free(h);
		*out = NULL;
		return ret;
	}
	for (int tries = 0; (ret = migrate(h, create)) == -HSTORE_ERETRY && tries < 5; tries++)
		;
	if (ret == -HSTORE_ERETRY)
		mmab_err("history '%s': the schema could not be made: other clients kept "
			 "conflicting", h->name);
	if (ret) {
		hstore_close(h);
		*out = NULL;
		return ret == -HSTORE_ERETRY ? -HSTORE_EFAIL : ret;
	}
	*out = h;
	return 0;
}

void hstore_close(struct hstore *h)
{
	if (!h)
		return;
	hstore_rollback(h);
	h->ops->close(h);
	free(h->name);
	free(h);
}

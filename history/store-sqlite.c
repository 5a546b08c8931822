/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SQLite backend of the history store (store-int.h): one file, the
 * default.  Statements are prepared once and kept ($N is SQLite's ?N);
 * doubles are bound and read as doubles, so they come back bit for bit.
 * Several writers on one machine take turns (a 60 s busy timeout).
 */
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "history/store-int.h"
#include "lib/mmab.h"

#define STMT_CACHE 32

struct cached {
	char *sql;
	sqlite3_stmt *stmt;
};

struct lite {
	struct cached cache[STMT_CACHE];
	size_t n;
};

/* The class of a failure: a file that is not (or no longer) a database is bad input. */
static int lite_err(struct hstore *h, int rc, const char *what)
{
	sqlite3 *db = h->db;

	mmab_err("history '%s': %s: %s", h->name, what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_FORMAT:
		return -HSTORE_EBAD;
	default:
		return -HSTORE_EFAIL;
	}
}

static char *lite_describe(const char *spec)
{
	return xstrdup(spec);
}

static int lite_open(struct hstore *h, const char *path, bool create)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, rc;
	struct stat st;
	sqlite3 *db = NULL;

	if (stat(path, &st)) {
		if (errno != ENOENT || !create) {
			mmab_err("history '%s': %s", path,
				 errno == ENOENT ? "no such file (mmab history add makes it)"
						 : strerror(errno));
			return errno == ENOENT ? -HSTORE_EBAD : -HSTORE_EFAIL;
		}
		flags |= SQLITE_OPEN_CREATE;
		if (strchr(path, '/')) {
			char *dir = xstrdup(path);
			int err;

			*strrchr(dir, '/') = '\0';
			err = *dir ? mmab_mkdir_p(dir, 0755) : 0;
			if (err)
				mmab_err("history '%s': cannot create '%s': %s", path, dir,
					 strerror(-err));
			free(dir);
			if (err)
				return -HSTORE_EFAIL;
		}
	} else if (!S_ISREG(st.st_mode)) {
		mmab_err("history '%s': not a file", path);
		return -HSTORE_EBAD;
	}
	rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		h->db = db;
		rc = lite_err(h, rc, "cannot open");
		sqlite3_close(db);
		h->db = NULL;
		return rc;
	}
	h->db = db;
	h->priv = xcalloc(1, sizeof(struct lite));
	sqlite3_busy_timeout(db, 60000);
	sqlite3_extended_result_codes(db, 1);
	return 0;
}

static void lite_close(struct hstore *h)
{
	struct lite *l = h->priv;

	if (l) {
		for (size_t i = 0; i < l->n; i++) {
			sqlite3_finalize(l->cache[i].stmt);
			free(l->cache[i].sql);
		}
		free(l);
	}
	sqlite3_close(h->db);
}

/* SQL with $N turned into SQLite's ?N. */
static char *lite_sql(const char *sql)
{
	char *s = xstrdup(sql);

	for (char *p = s; (p = strchr(p, '$')); p++)
		if (p[1] >= '0' && p[1] <= '9')
			*p = '?';
	return s;
}

static int prepare(struct hstore *h, const char *sql, sqlite3_stmt **out)
{
	struct lite *l = h->priv;
	char *text;
	int rc;

	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->cache[i].sql, sql)) {
			*out = l->cache[i].stmt;
			return 0;
		}
	text = lite_sql(sql);
	rc = sqlite3_prepare_v2(h->db, text, -1, out, NULL);
	free(text);
	if (rc != SQLITE_OK)
		return lite_err(h, rc, "cannot prepare a statement");
	if (l->n == STMT_CACHE) {
		sqlite3_finalize(l->cache[0].stmt);
		free(l->cache[0].sql);
		memmove(l->cache, l->cache + 1, --l->n * sizeof(*l->cache));
	}
	l->cache[l->n++] = (struct cached){ xstrdup(sql), *out };
	return 0;
}

static int bind(sqlite3_stmt *st, const struct hval *p, int np)
{
	int rc = SQLITE_OK;

	for (int i = 0; i < np && rc == SQLITE_OK; i++) {
		switch (p[i].t) {
		case HV_TEXT:
			rc = p[i].s ? sqlite3_bind_text(st, i + 1, p[i].s, -1, SQLITE_STATIC)
				    : sqlite3_bind_null(st, i + 1);
			break;
		case HV_INT:
			rc = sqlite3_bind_int64(st, i + 1, p[i].i);
			break;
		case HV_REAL:
			rc = isfinite(p[i].d) ? sqlite3_bind_double(st, i + 1, p[i].d)
					      : sqlite3_bind_null(st, i + 1);
			break;
		default:
			rc = sqlite3_bind_null(st, i + 1);
		}
	}
	return rc;
}

static int lite_exec(struct hstore *h, const char *sql, const struct hval *p, int np,
		     hstore_row_fn fn, void *arg)
{
	sqlite3_stmt *st;
	struct hrow row = { &hstore_sqlite_ops, NULL, 0 };
	int rc, ret = prepare(h, sql, &st);

	if (ret)
		return ret;
	rc = bind(st, p, np);
	if (rc != SQLITE_OK) {
		ret = lite_err(h, rc, "cannot bind a value");
		goto out;
	}
	row.impl = st;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn && (ret = fn(arg, &row)))
			goto out;
		row.row++;
	}
	if (rc != SQLITE_DONE)
		ret = lite_err(h, rc, "statement failed");
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

static int lite_begin(struct hstore *h)
{
	return lite_exec(h, "BEGIN IMMEDIATE", NULL, 0, NULL, NULL);
}

static int lite_lock_schema(struct hstore *h)
{
	(void)h;	/* BEGIN IMMEDIATE holds the one write lock already */
	return 0;
}

static const char *lite_text(const struct hrow *r, int col)
{
	return (const char *)sqlite3_column_text(r->impl, col);
}

static long long lite_int(const struct hrow *r, int col)
{
	return sqlite3_column_int64(r->impl, col);
}

static double lite_real(const struct hrow *r, int col)
{
	if (sqlite3_column_type(r->impl, col) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(r->impl, col);
}

const struct hstore_ops hstore_sqlite_ops = {
	.kind = "sqlite",
	.id_column = "INTEGER PRIMARY KEY",
	.tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table'",
	.describe = lite_describe,
	.open = lite_open,
	.close = lite_close,
	.exec = lite_exec,
	.begin = lite_begin,
	.lock_schema = lite_lock_schema,
	.col_text = lite_text,
	.col_int = lite_int,
	.col_real = lite_real,
};

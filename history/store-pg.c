/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PostgreSQL backend of the history store (store-int.h), through
 * libpq: a server that a fleet of test machines imports into at once.
 * Values travel as text; doubles are written with 17 digits and read back
 * with extra_float_digits = 3, so they round-trip exactly.  A transaction
 * the server aborts for a conflict with another writer (a deadlock) is
 * reported as -HSTORE_ERETRY for the caller to run again.
 */
#include <libpq-fe.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "history/store-int.h"
#include "lib/mmab.h"

/* The server's message on one line, without its trailing newline. */
static char *one_line(const char *msg)
{
	char *s = xstrdup(msg ? msg : "unknown error");

	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	for (size_t n = strlen(s); n && s[n - 1] == ' ';)
		s[--n] = '\0';
	return s;
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;	/* NOTICEs ("relation exists, skipping") are not for the user */
}

/* "postgresql://USER@HOST:PORT/DB" from whatever form SPEC has, its password left out. */
static char *pg_describe(const char *spec)
{
	PQconninfoOption *o = PQconninfoParse(spec, NULL);
	const char *user = NULL, *host = NULL, *port = NULL, *db = NULL;
	char *s;

	if (!o)
		return xstrdup("postgresql (a connection string libpq cannot read)");
	for (PQconninfoOption *i = o; i->keyword; i++) {
		if (!i->val || !*i->val)
			continue;
		if (!strcmp(i->keyword, "user"))
			user = i->val;
		else if (!strcmp(i->keyword, "host"))
			host = i->val;
		else if (!strcmp(i->keyword, "port"))
			port = i->val;
		else if (!strcmp(i->keyword, "dbname"))
			db = i->val;
	}
	if (host && *host == '/')	/* a unix socket's directory */
		s = xasprintf("postgresql://%s%s/%s?host=%s%s%s", user ? user : "", user ? "@" : "",
			      db ? db : "", host, port ? "&port=" : "", port ? port : "");
	else
		s = xasprintf("postgresql://%s%s%s%s%s/%s", user ? user : "", user ? "@" : "",
			      host ? host : "", port ? ":" : "", port ? port : "", db ? db : "");
	PQconninfoFree(o);
	return s;
}

static int pg_open(struct hstore *h, const char *spec, bool create)
{
	PGconn *c = PQconnectdb(spec);
	PGresult *r;

	(void)create;	/* a server's database is never made by mmab */
	if (!c || PQstatus(c) != CONNECTION_OK) {
		char *m = one_line(c ? PQerrorMessage(c) : "out of memory");

		mmab_err("history '%s': cannot connect: %s", h->name, m);
		free(m);
		PQfinish(c);
		return -HSTORE_EFAIL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	r = PQexec(c, "SET extra_float_digits = 3");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		char *m = one_line(PQerrorMessage(c));

		mmab_err("history '%s': %s", h->name, m);
		free(m);
		PQclear(r);
		PQfinish(c);
		return -HSTORE_EFAIL;
	}
	PQclear(r);
	h->db = c;
	return 0;
}

static void pg_close(struct hstore *h)
{
	PQfinish(h->db);
}

/* Parameters as text; NULL for NULL and for doubles that are not finite. */
static char **texts(const struct hval *p, int np)
{
	char **v = xcalloc(np ? (size_t)np : 1, sizeof(*v));

	for (int i = 0; i < np; i++) {
		switch (p[i].t) {
		case HV_TEXT:
			v[i] = p[i].s ? xstrdup(p[i].s) : NULL;
			break;
		case HV_INT:
			v[i] = xasprintf("%lld", p[i].i);
			break;
		case HV_REAL:
			v[i] = isfinite(p[i].d) ? xasprintf("%.17g", p[i].d) : NULL;
			break;
		default:
			v[i] = NULL;
		}
	}
	return v;
}

static int pg_fail(struct hstore *h, PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	char *m;

	if (state && (!strcmp(state, "40P01") || !strcmp(state, "40001")))
		return -HSTORE_ERETRY;
	m = one_line(PQresultErrorMessage(r));
	mmab_err("history '%s': %s", h->name, *m ? m : PQerrorMessage(h->db));
	free(m);
	return -HSTORE_EFAIL;
}

static int pg_exec(struct hstore *h, const char *sql, const struct hval *p, int np,
		   hstore_row_fn fn, void *arg)
{
	char **v = texts(p, np);
	PGresult *r = PQexecParams(h->db, sql, np, NULL, (const char *const *)v, NULL, NULL, 0);
	struct hrow row = { &hstore_pg_ops, r, 0 };
	int ret = 0;

	for (int i = 0; i < np; i++)
		free(v[i]);
	free(v);
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
		for (int i = 0, n = PQntuples(r); i < n && fn && !ret; i++) {
			row.row = i;
			ret = fn(arg, &row);
		}
		break;
	case PGRES_COMMAND_OK:
		break;
	default:
		ret = pg_fail(h, r);
	}
	PQclear(r);
	return ret;
}

static int pg_begin(struct hstore *h)
{
	return pg_exec(h, "BEGIN", NULL, 0, NULL, NULL);
}

/* One migration at a time across every client of the server: an advisory lock ("mmab"). */
static int pg_lock_schema(struct hstore *h)
{
	return pg_exec(h, "SELECT pg_advisory_xact_lock(1835887202)", NULL, 0, NULL, NULL);
}

static const char *pg_text(const struct hrow *r, int col)
{
	return PQgetisnull(r->impl, r->row, col) ? NULL : PQgetvalue(r->impl, r->row, col);
}

static long long pg_int(const struct hrow *r, int col)
{
	const char *s = pg_text(r, col);

	return s ? strtoll(s, NULL, 10) : 0;
}

static double pg_real(const struct hrow *r, int col)
{
	const char *s = pg_text(r, col);

	return s ? strtod(s, NULL) : NAN;
}

const struct hstore_ops hstore_pg_ops = {
	.kind = "postgresql",
	.id_column = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
	.tables_sql = "SELECT table_name FROM information_schema.tables "
		      "WHERE table_schema = current_schema()",
	.describe = pg_describe,
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.begin = pg_begin,
	.lock_schema = pg_lock_schema,
	.col_text = pg_text,
	.col_int = pg_int,
	.col_real = pg_real,
};

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a store backend provides (history/store-sqlite.c,
 * history/store-pg.c): the ops struct store.c dispatches to.  Only the
 * backends and store.c include this.
 */
#ifndef MMAB_HISTORY_STORE_INT_H
#define MMAB_HISTORY_STORE_INT_H

#include "history/store.h"

struct hstore_ops {
	const char *kind;		/* "sqlite", "postgresql" */
	const char *id_column;		/* an auto-numbered BIGINT primary key */
	const char *tables_sql;		/* the names of the database's tables, one a row */
	/* describe - SPEC as messages name it (no password); malloc'd */
	char *(*describe)(const char *spec);
	/*
	 * open - connect; CREATE: make a missing file.  0 or -HSTORE_E*
	 * (reported).  h->name is set by store.c before.
	 */
	int (*open)(struct hstore *h, const char *spec, bool create);
	void (*close)(struct hstore *h);
	/* exec - as hstore_exec; rows are passed as struct hrow of this backend */
	int (*exec)(struct hstore *h, const char *sql, const struct hval *p, int np,
		    hstore_row_fn fn, void *arg);
	/* begin - start a transaction that will write (SQLite: IMMEDIATE) */
	int (*begin)(struct hstore *h);
	/* lock_schema - inside a transaction: one schema migration at a time */
	int (*lock_schema)(struct hstore *h);
	const char *(*col_text)(const struct hrow *r, int col);
	long long (*col_int)(const struct hrow *r, int col);
	double (*col_real)(const struct hrow *r, int col);
};

struct hstore {
	const struct hstore_ops *ops;
	char *name;			/* for messages */
	void *db;			/* sqlite3 *, PGconn * */
	void *priv;			/* the backend's own state */
	bool in_tx;
};

struct hrow {
	const struct hstore_ops *ops;
	void *impl;			/* sqlite3_stmt *, PGresult * */
	int row;
};

extern const struct hstore_ops hstore_sqlite_ops;
extern const struct hstore_ops hstore_pg_ops;

#endif

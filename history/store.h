/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The history store: one small SQL interface over two databases, SQLite (a
 * file, the default) and PostgreSQL (a server a fleet of test machines
 * writes to), with the same schema and the same answers.  Statements are
 * written once, with $1..$N parameters; every value goes through a
 * parameter, never into the SQL text.  Rows are read through accessors, so
 * a double read back is the double written, bit for bit, on both.
 *
 * Opening checks that the database is an mmab history (a corrupt or
 * foreign file is refused before anything is written) and brings its
 * schema to this mmab's version, migrating an older one in a transaction.
 * The schema is in results/README.md, section History.
 */
#ifndef MMAB_HISTORY_STORE_H
#define MMAB_HISTORY_STORE_H

#include <stdbool.h>
#include <stddef.h>

/* The schema version this mmab writes and reads. */
#define HSTORE_SCHEMA 1

struct hstore;

/* A statement parameter. */
enum hval_type { HV_NULL, HV_TEXT, HV_INT, HV_REAL };
struct hval {
	enum hval_type t;
	const char *s;
	long long i;
	double d;		/* NaN and infinities are stored as NULL */
};
#define HV_T(x) ((struct hval){ .t = HV_TEXT, .s = (x) })
#define HV_I(x) ((struct hval){ .t = HV_INT, .i = (x) })
#define HV_R(x) ((struct hval){ .t = HV_REAL, .d = (x) })
#define HV_N ((struct hval){ .t = HV_NULL })

/* One result row, valid during the callback only. */
struct hrow;
/* The text of column COL, NULL when it is NULL. */
const char *hrow_text(const struct hrow *r, int col);
/* Column COL as an integer (0 when NULL) or a double (NaN when NULL). */
long long hrow_int(const struct hrow *r, int col);
double hrow_real(const struct hrow *r, int col);

/* Called for each row; a non-zero return stops the query and is returned. */
typedef int (*hstore_row_fn)(void *arg, const struct hrow *r);

/* What went wrong, as a negative return; EBAD and EFAIL are exit codes. */
enum hstore_err {
	HSTORE_EFAIL = 1,	/* unreachable server, I/O error: mmab failed */
	HSTORE_EBAD = 2,	/* not an mmab history, corrupt, newer schema: bad input */
	HSTORE_ERETRY = 3,	/* a conflict with a concurrent writer: try again */
};

/*
 * hstore_default - the store used without --db: $MMAB_HISTORY, else
 * RESULTS_DIR/history.sqlite (RESULTS_DIR NULL: "results").  Malloc'd.
 */
char *hstore_default(const char *results_dir);

/* hstore_is_postgres - does SPEC name a PostgreSQL database (URI or keywords)? */
bool hstore_is_postgres(const char *spec);

/*
 * hstore_open - open the store SPEC names (a path, "postgresql://...", or
 * libpq "key=value ..." words).  CREATE: make a missing SQLite file (and
 * its directory) and the schema of an empty database; without it a
 * missing file is an error.  Migrates an older schema.  Returns 0 with *out,
 * or -HSTORE_EBAD / -HSTORE_EFAIL (reported, naming the store; nothing was
 * written).
 */
int hstore_open(const char *spec, bool create, struct hstore **out);
void hstore_close(struct hstore *h);

/* The store's name for messages: the path, or the server without password. */
const char *hstore_name(const struct hstore *h);
/* "sqlite" or "postgresql". */
const char *hstore_kind(const struct hstore *h);

/*
 * A transaction.  hstore_begin takes SQLite's write lock at once (BEGIN
 * IMMEDIATE), waiting up to 60 s for another writer.  A statement or the
 * commit fails with -HSTORE_ERETRY when PostgreSQL aborted the transaction
 * for a conflict with another writer (a deadlock, a serialization
 * failure): roll back and run the transaction again.  Return 0 or an error
 * as hstore_exec.
 */
int hstore_begin(struct hstore *h);
int hstore_commit(struct hstore *h);
void hstore_rollback(struct hstore *h);

/*
 * hstore_exec - run SQL (with $1..$N = P[0..np)), reading its rows with FN
 * (may be NULL).  Returns 0, FN's non-zero return, or -HSTORE_EBAD,
 * -HSTORE_EFAIL (reported) or -HSTORE_ERETRY (not reported).
 */
int hstore_exec(struct hstore *h, const char *sql, const struct hval *p, int np,
		hstore_row_fn fn, void *arg);

/*
 * hstore_id - run an INSERT ... RETURNING id (or a SELECT of one id):
 * 0 with *id, 1 when it returned no row (ON CONFLICT DO NOTHING), or an
 * error as hstore_exec.
 */
int hstore_id(struct hstore *h, const char *sql, const struct hval *p, int np, long long *id);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The result-set format (the layout and schema are in results/README.md),
 * shared by its writers (`mmab run`, `mmab collect`) and its readers:
 * atomic JSON files, status.csv rows that are on disk (fsync'd) before the
 * next iteration starts, and iteration directories.
 */
#ifndef MMAB_LIB_RESULTSET_H
#define MMAB_LIB_RESULTSET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * rset_json_write - write ROOT to PATH atomically (temp file, fsync, rename),
 * indented, ending in a newline.  Returns 0 or -errno.
 */
int rset_json_write(const char *path, const json_t *root);

/*
 * rset_json_read - parse PATH; on error err gets "PATH:LINE: message".
 * Returns 0 with *out a new reference, -ENOENT, or -EINVAL.
 */
int rset_json_read(const char *path, json_t **out, char *err, size_t errlen);

/* One status.csv row (results/README.md). */
struct rset_status_row {
	const char *workload;
	int iteration;
	const char *status;	/* "ok", "failed", "skipped" */
	const char *reason;	/* "" when ok */
	int exit_code;		/* -1: empty (killed, or never ran) */
	int signal;		/* 0: empty */
	double duration_s;	/* NaN: empty */
};

#define RSET_STATUS_HEADER "workload,iteration,status,reason,exit_code,signal,duration_s\n"

/*
 * rset_status_format - the row as one CSV line ending in '\n' (reason quoted
 * when it holds a comma or quote; newlines become spaces, so a row is
 * always one line).  Returns the length, or -ENOSPC when LEN is too small.
 */
int rset_status_format(char *buf, size_t len, const struct rset_status_row *r);

/*
 * rset_status_open - open (creating with its header) the status.csv at PATH
 * for appending.  A last line without its newline (a crash in the middle of
 * a write) is cut off, so completed rows stay intact.  Returns the fd or
 * -errno (-EINVAL: the file is not a status.csv).
 */
int rset_status_open(const char *path);

/*
 * rset_status_append - write one row with a single write() and fsync it, so
 * the row is on disk before the next iteration starts.  Returns 0 or -errno.
 */
int rset_status_append(int fd, const struct rset_status_row *r);

/*
 * rset_status_has - does the status.csv TEXT hold a row for WORKLOAD and
 * ITERATION?  What --resume asks of every planned step.
 */
bool rset_status_has(const char *text, const char *workload, int iteration);

/*
 * rset_iter_dir - "SET_DIR/WORKLOAD/ITERATION", created empty: whatever an
 * interrupted attempt left there is removed first.  Returns the malloc'd
 * path, or NULL with *errp set.
 */
char *rset_iter_dir(const char *set_dir, const char *workload, int iteration, int *errp);

#endif

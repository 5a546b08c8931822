/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing result sets (the layout and schema are in results/README.md),
 * shared by `mmab run` and `mmab collect`: the machine facts and knob values
 * that go into metadata.json, atomic JSON files, status.csv rows that are on
 * disk (fsync'd) before the next iteration starts, iteration directories,
 * and the first-to-last deltas of a collector CSV for summaries.
 */
#ifndef MMAB_RESULTSET_H
#define MMAB_RESULTSET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The MM knobs every metadata.json records, before and as run (NULL-terminated). */
extern const char *const rs_standard_knobs[];
/* The THP settings as knob paths, for watching what a workload changes (NULL-terminated). */
extern const char *const rs_thp_knobs[];

/*
 * rs_machine_info - a new JSON object with the machine's facts for
 * metadata.json: uname, cmdline, kernel_config_sha256, hostname, cpu_model,
 * cpus, mem_total_kb and thp (raw text of the THP files).  Read before
 * anything changes.  Never fails: what cannot be read is null.
 */
json_t *rs_machine_info(void);

/*
 * rs_read_ahead_kb - the read-ahead of the block device MAJOR:MINOR (a file
 * system's st_dev) under SYSFS ("/sys"; tests hand a fixture tree): its
 * backing device's class/bdi/MAJ:MIN/read_ahead_kb (whole disks, device
 * mapper, md, loop, NFS), else, for a partition, its disk's
 * queue/read_ahead_kb.  DEV gets the device's name ("vda1"; "MAJ:MIN" when
 * it has none).  Returns 0 with *KB, or -ENOENT when no block device backs
 * it (tmpfs, btrfs and overlayfs mounts have anonymous devices), -errno.
 */
int rs_read_ahead_kb(const char *sysfs, unsigned major, unsigned minor, long long *kb,
		     char *dev, size_t devlen);

/*
 * rs_storage_info - a new JSON object for metadata.json's "storage": where
 * the result set, and the page-cache workloads' scratch files, live:
 * `fs_type` (the mount's type under DIR), `device` and `read_ahead_kb`
 * (rs_read_ahead_kb), each null when it cannot be told.  The read-ahead
 * alone changes dirty-mmap's results twentyfold.  Never fails.
 */
json_t *rs_storage_info(const char *dir);

/*
 * rs_knob_values - a new JSON object: each knob in NAMES (NULL-terminated,
 * spelled as a suite spells it) to its current value (knob_read), or null
 * when it cannot be read.  Existing keys of INTO are overwritten; returns
 * INTO, or a new object when INTO is NULL.
 */
json_t *rs_knob_values(json_t *into, const char *const *names);

/*
 * rs_knob_changes - a new JSON object with the knobs of AFTER whose value
 * differs from BEFORE (both as rs_knob_values makes them), to their AFTER
 * value; NULL when nothing changed.
 */
json_t *rs_knob_changes(const json_t *before, const json_t *after);

/*
 * rs_collectors_dropped - a collector that could run here may still fail to
 * open or stop sampling (the sampler reports it once): in COL_META, the
 * metadata.json "collectors" array, the status of each of the N collectors
 * in COLS that sampler S dropped becomes why, instead of "ok".  S NULL: the
 * sampler did not start at all.
 */
struct collector_cfg;
struct sampler;
void rs_collectors_dropped(json_t *col_meta, const struct collector_cfg *cols, size_t n,
			   const struct sampler *s);

/*
 * rs_json_write - write ROOT to PATH atomically (temp file, fsync, rename),
 * indented, ending in a newline.  Returns 0 or -errno.
 */
int rs_json_write(const char *path, const json_t *root);

/*
 * rs_json_read - parse PATH; on error err gets "PATH:LINE: message".
 * Returns 0 with *out a new reference, -ENOENT, or -EINVAL.
 */
int rs_json_read(const char *path, json_t **out, char *err, size_t errlen);

/* One status.csv row (results/README.md). */
struct rs_status_row {
	const char *workload;
	int iteration;
	const char *status;	/* "ok", "failed", "skipped" */
	const char *reason;	/* "" when ok */
	int exit_code;		/* -1: empty (killed, or never ran) */
	int signal;		/* 0: empty */
	double duration_s;	/* NaN: empty */
};

#define RS_STATUS_HEADER "workload,iteration,status,reason,exit_code,signal,duration_s\n"

/*
 * rs_status_format - the row as one CSV line ending in '\n' (reason quoted
 * when it holds a comma or quote; newlines become spaces, so a row is
 * always one line).  Returns the length, or -ENOSPC when LEN is too small.
 */
int rs_status_format(char *buf, size_t len, const struct rs_status_row *r);

/*
 * rs_status_open - open (creating with its header) the status.csv at PATH
 * for appending.  A last line without its newline (a crash in the middle of
 * a write) is cut off, so completed rows stay intact.  Returns the fd or
 * -errno (-EINVAL: the file is not a status.csv).
 */
int rs_status_open(const char *path);

/*
 * rs_status_append - write one row with a single write() and fsync it, so
 * the row is on disk before the next iteration starts.  Returns 0 or -errno.
 */
int rs_status_append(int fd, const struct rs_status_row *r);

/*
 * rs_status_has - does the status.csv TEXT hold a row for WORKLOAD and
 * ITERATION?  What --resume asks of every planned step.
 */
bool rs_status_has(const char *text, const char *workload, int iteration);

/*
 * rs_iter_dir - "SET_DIR/WORKLOAD/ITERATION", created empty: whatever an
 * interrupted attempt left there is removed first.  Returns the malloc'd
 * path, or NULL with *errp set.
 */
char *rs_iter_dir(const char *set_dir, const char *workload, int iteration, int *errp);

/* One column of a numeric CSV: its value in the first and the last row. */
struct rs_delta {
	char *name;
	double first, last;
};

/*
 * rs_csv_deltas - the first and last rows of the collector CSV at PATH
 * (first column `t`, as vmstat.csv), column by column, read with csv_load:
 * malformed rows and a last row cut short are reported and skipped;
 * non-numeric cells are NaN.  Returns the number of columns (t excluded)
 * with *out malloc'd, -EINVAL when there is no `t` header or no data row,
 * or -errno when PATH cannot be read.  Free with rs_deltas_free().
 */
ssize_t rs_csv_deltas(const char *path, struct rs_delta **out);
void rs_deltas_free(struct rs_delta *d, size_t n);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the `fio` and `stress-ng` workloads share: running an external tool
 * as a real engine (fork/exec with an argv and extra environment, never a
 * shell; its stdout and stderr into the workload's stderr.log; stopped by
 * SIGTERM when the workload is told to stop or is itself sent SIGTERM, then
 * killed with every process it forked), and the parsers that turn the
 * tools' own result files (fio's JSON, stress-ng's YAML) into metric rows.
 * The parsers take a buffer and touch nothing else, so unit tests feed them
 * fixture files captured from the real tools.
 */
#ifndef MMAB_ENGINE_H
#define MMAB_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "workloads/workload.h"

/* ---- metric rows before they are written (workloads/engine-run.c) ---- */

struct engine_metric {
	char *name;
	double value;			/* NaN: n/a */
	const char *unit;		/* static string */
	enum metric_dir dir;
	enum metric_agg agg;
};

struct engine_metrics {
	struct engine_metric *m;
	size_t n, cap;
};

/* engine_metrics_add - append a row named by FMT; the list owns the name. */
void engine_metrics_add(struct engine_metrics *ms, double value, const char *unit,
			enum metric_dir dir, enum metric_agg agg, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* engine_metrics_find - the row named NAME, or NULL. */
const struct engine_metric *engine_metrics_find(const struct engine_metrics *ms,
						const char *name);
/* engine_metrics_write - every row to metrics.csv through wl_metric(); 0 or -errno. */
int engine_metrics_write(struct wl_ctx *ctx, const struct engine_metrics *ms);
void engine_metrics_free(struct engine_metrics *ms);

/* ---- running the tool (workloads/engine-run.c) ---- */

/* A growable, NULL-terminated argv (or "NAME=VALUE" environment list). */
struct engine_argv {
	char **v;
	size_t n, cap;
};

/* engine_argv_add - append a string made from FMT (copied). */
void engine_argv_add(struct engine_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void engine_argv_free(struct engine_argv *a);

/*
 * engine_split_words - append the whitespace-separated words of S to A, as
 * they are: no quoting, no globbing, no variables (an argv list, not a
 * command line).  NULL or blank S adds nothing.  Returns the number added.
 */
size_t engine_split_words(struct engine_argv *a, const char *s);

/*
 * engine_env_valid - is S a "NAME=VALUE" assignment with NAME a portable
 * variable name ([A-Za-z_][A-Za-z0-9_]*)?
 */
bool engine_env_valid(const char *s);

/*
 * engine_supported - a workload's supported() for tool NAME: 0, or -ENOENT
 * with "NAME not installed" in why.
 */
int engine_supported(const char *name, char *why, size_t whylen);

/* How long a tool has between SIGTERM and SIGKILL (below the runner's grace). */
#define ENGINE_GRACE_S 3.0

/*
 * engine_run - run ARGV (argv[0] looked up in $PATH) with the "NAME=VALUE"
 * strings of ENV (NULL-terminated, may be NULL) added to its environment,
 * its stdout and stderr going to this process's stderr, and wait for it.
 *
 * While it runs, SIGTERM, SIGINT and SIGHUP to this process are caught: the
 * tool gets SIGTERM (fio and stress-ng then stop their jobs or workers and
 * write their results) and *STOP (may be NULL) is set; *STOP set by anyone
 * else does the same.  A tool still alive GRACE_S seconds after that is
 * killed (SIGKILL) with every process it forked.  Afterwards the previous
 * signal dispositions are restored and a caught signal is raised again, so
 * the caller dies of it (or runs its own handler) as it would have without
 * the tool.
 *
 * *WSTATUS gets the tool's wait status.  Returns 0 when the tool ran
 * (whatever its exit status), -EINTR when it was stopped early (or not
 * started at all: *STOP was already set), or -errno when it could not be
 * started (-ENOENT: not installed).
 */
int engine_run(const char *const argv[], const char *const env[], volatile int *stop,
	       double grace_s, int *wstatus);

/*
 * engine_kill_tree - SIGKILL PID and every process descended from it (found
 * through /proc), children first.  For tools that fork workers.
 */
void engine_kill_tree(pid_t pid);

/*
 * engine_wait_desc - "exited with status 2", "killed by signal 9 (Killed)":
 * WSTATUS in words, for error messages.
 */
void engine_wait_desc(int wstatus, char *buf, size_t len);

/*
 * engine_outcome - judge how TOOL ended: RET from engine_run and its wait
 * status.  Says what went wrong (not installed, could not run, told to
 * stop, a non-zero exit or a signal, with EXIT_DESC's words for the exit
 * status when not NULL) and returns -errno; 0 when it exited 0.
 */
int engine_outcome(const char *tool, int ret, int wstatus, const char *(*exit_desc)(int));

/* ---- fio's JSON (workloads/engine-fio.c) ---- */

enum fio_ddir { FIO_READ, FIO_WRITE, FIO_TRIM, FIO_NDIRS };
extern const char *const fio_ddir_names[];	/* "read", "write", "trim" */

/* One direction, combined over the jobs[] entries that did I/O in it. */
struct fio_ddir_stats {
	int entries;		/* jobs[] entries with io_bytes > 0 in this direction */
	double io_bytes;	/* sum */
	double bw_bytes;	/* sum of bw_bytes (bytes/s) */
	double iops;		/* sum */
	double runtime_ms;	/* longest */
	double clat_n;		/* completion latency samples, sum */
	double clat_mean_ns;	/* mean over every sample (N-weighted) */
	double clat_p50_ns;	/* the entry's; with several entries the largest */
	double clat_p99_ns;	/* (an upper bound of the combined percentile) */
};

struct fio_summary {
	int entries;		/* jobs[]: one per job, or per group with group_reporting */
	struct fio_ddir_stats d[FIO_NDIRS];
	double runtime_s;	/* longest direction runtime of any entry */
	double usr_cpu_s;	/* sum of usr_cpu% x job_runtime */
	double sys_cpu_s;
	double majf, minf;	/* page faults, sums */
	int error;		/* the first non-zero job "error" (an errno), 0 if none */
	char error_job[64];	/* its jobname */
};

/*
 * fio_parse - parse fio's --output-format=json output (BUF, LEN bytes) into
 * *s.  Lines before the JSON object (fio prints "fio: terminating on signal
 * 15" there) are skipped.  NAME (the file name) prefixes messages.  Returns
 * 0, or -EINVAL with "NAME:LINE: message" or "NAME: message" in err for
 * truncated, garbage or unexpected input.
 */
int fio_parse(const char *buf, size_t len, const char *name, struct fio_summary *s,
	      char *err, size_t errlen);

/*
 * fio_map - the metric rows of *S: per direction that did I/O,
 * DIR_bw_mib_per_s, DIR_iops, DIR_clat_us_p50, DIR_clat_us_p99,
 * DIR_clat_us_mean, DIR_io_mib; then runtime_s, usr_cpu_s, sys_cpu_s,
 * major_faults, minor_faults (documented in results/README.md).
 */
void fio_map(const struct fio_summary *s, struct engine_metrics *ms);

/* ---- stress-ng's YAML (workloads/engine-stress-ng.c) ---- */

struct stressng_stressor {
	char *name;
	size_t n;
	char **keys;		/* as stress-ng writes them: "bogo-ops-per-second-real-time" */
	double *values;
};

struct stressng_result {
	size_t n;
	struct stressng_stressor *s;
};

/*
 * stressng_parse - parse the file written by stress-ng --metrics --yaml
 * (BUF, LEN bytes): the "metrics" list, one entry per stressor.  Every
 * entry must carry the standard figures (bogo-ops, both bogo-ops/s,
 * wall-clock, user and system time) as numbers; other numeric keys are the
 * stressor's extra metrics.  The document must end with "...", which
 * stress-ng writes last, so a truncated file is refused.  Returns 0, or
 * -EINVAL with "NAME:LINE: message" in err.  Free with stressng_result_free.
 */
int stressng_parse(const char *buf, size_t len, const char *name, struct stressng_result *r,
		   char *err, size_t errlen);
void stressng_result_free(struct stressng_result *r);

/* stressng_find - the entry of stressor NAME, or NULL. */
const struct stressng_stressor *stressng_find(const struct stressng_result *r,
					      const char *name);
/* stressng_value - KEY's value in S, NaN when absent. */
double stressng_value(const struct stressng_stressor *s, const char *key);

/*
 * stressng_map - the metric rows: STRESSOR.bogo_ops_per_s (real time),
 * STRESSOR.bogo_ops_per_s_usr_sys, STRESSOR.bogo_ops, .wall_clock_s,
 * .user_s, .system_s, .cpu_usage_pct, .max_rss_kib, then each extra metric
 * as STRESSOR.KEY with dashes turned into underscores.
 */
void stressng_map(const struct stressng_result *r, struct engine_metrics *ms);

/*
 * stressng_parse_list - split a stressor list ("vm,mmap" or "vm mmap") into
 * A.  Names are stress-ng's: [a-z0-9][a-z0-9-]*, each at most once.  0, or
 * -EINVAL with the reason in err.
 */
int stressng_parse_list(const char *s, struct engine_argv *a, char *err, size_t errlen);

/*
 * stressng_exit_desc - what stress-ng's exit status CODE means (its man
 * page, EXIT STATUS), e.g. "one or more stressors failed".
 */
const char *stressng_exit_desc(int code);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `fio` workload: fio run as a real engine on a job file, a built-in
 * one (workloads/fio/NAME.fio, linked into mmab) or the user's, and its
 * JSON output mapped to metrics (workloads/engine-fio.c) that equal fio's
 * own figures.
 *
 * Job files are parametrised the way fio offers: ${VAR} in a job file is
 * replaced from fio's environment, so mmab passes the sizes, block size,
 * pattern, runtime and directory as MMAB_* variables in the child's
 * environment (and the user's own with `env`), never through a shell.  The
 * built-in jobs use all of them; a user's job file may use any.  The
 * directory is also given as --directory, a default the job file can
 * override, so that a job file without one does not write into mmab's
 * working directory.
 *
 * What the iteration directory keeps: fio.json (fio's output, exactly as
 * written), the built-in job file as run (NAME.fio), and in stderr.log
 * whatever fio printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/embed.h"
#include "lib/mmab.h"
#include "workloads/engine.h"
#include "workloads/workload.h"

/* The built-in jobs: workloads/fio/NAME.fio, and the rw each uses by default. */
static const struct {
	const char *name;
	const char *rw;
} fio_builtins[] = {
	{ "dirty-mmap", "randwrite" },	/* MAP_SHARED mappings dirtied under reclaim */
	{ "mmap-read", "randread" },	/* clean mapped pages evicted and faulted back */
	{ "pagecache-rw", "randrw" },	/* buffered 70/30 read/write, clean vs dirty cache */
};

static const char *const fio_rw_names[] = {
	"job", "read", "write", "randread", "randwrite", "rw", "randrw", NULL
};

struct fio_opts {
	char *job;
	struct opt_size size;
	long jobs;
	struct opt_size bs;
	int rw;
	double runtime;
	bool time_based;
	char *directory;
	bool group_reporting;
	char *env;
	char *args;
};

static const struct opt_spec fio_specs[] = {
	{ "job", OPT_STRING, offsetof(struct fio_opts, job), "dirty-mmap", 0, 0, NULL,
	  "built-in job (dirty-mmap: MAP_SHARED random writes; mmap-read: random reads "
	  "through MAP_SHARED; pagecache-rw: buffered 70/30 random read/write) or the path "
	  "of a job file", NULL },
	{ "size", OPT_SIZE, offsetof(struct fio_opts, size), "150%", 1 << 20, 1125899906842624.0,
	  "bytes",
	  "data over all jobs (absolute or % of the effective memory); each job gets "
	  "size/jobs as ${MMAB_SIZE}", NULL },
	{ "jobs", OPT_LONG, offsetof(struct fio_opts, jobs), "1", 1, 256, "jobs",
	  "${MMAB_JOBS}: numjobs of the built-in jobs", NULL },
	{ "bs", OPT_SIZE, offsetof(struct fio_opts, bs), "4K", 512, 64 << 20, "bytes",
	  "${MMAB_BS}: block size", NULL },
	{ "rw", OPT_CHOICE, offsetof(struct fio_opts, rw), "job", 0, 0, NULL,
	  "${MMAB_RW}: I/O pattern; job: the built-in job's own (user job files: unset)",
	  fio_rw_names },
	{ "runtime", OPT_SECONDS, offsetof(struct fio_opts, runtime), "30", 0.1, 86400, "s",
	  "${MMAB_RUNTIME}: longest a job runs (the whole of it with time_based)", NULL },
	{ "time_based", OPT_BOOL, offsetof(struct fio_opts, time_based), "0", 0, 0, NULL,
	  "${MMAB_TIME_BASED}: run for runtime, repeating the I/O, instead of once over size",
	  NULL },
	{ "directory", OPT_STRING, offsetof(struct fio_opts, directory), "", 0, 0, NULL,
	  "${MMAB_DIR}: where the files go (empty: the iteration's scratch directory on the "
	  "results file system); a subdirectory is made and removed afterwards", NULL },
	{ "group_reporting", OPT_BOOL, offsetof(struct fio_opts, group_reporting), "1", 0, 0,
	  NULL, "fio --group_reporting: one result per group, exact latency percentiles", NULL },
	{ "env", OPT_STRING, offsetof(struct fio_opts, env), "", 0, 0, NULL,
	  "more NAME=VALUE variables for the job file, separated by spaces", NULL },
	{ "args", OPT_STRING, offsetof(struct fio_opts, args), "", 0, 0, NULL,
	  "more fio arguments, separated by spaces (no shell: no quoting)", NULL },
	OPT_END
};

static const char *fio_builtin_rw(const char *job)
{
	for (size_t i = 0; i < ARRAY_SIZE(fio_builtins); i++)
		if (job && !strcmp(job, fio_builtins[i].name))
			return fio_builtins[i].rw;
	return NULL;
}

static bool empty(const char *s)
{
	return !s || !*s;
}

static int fio_supported(const void *opts, char *why, size_t whylen)
{
	(void)opts;
	return engine_supported("fio", why, whylen);
}

static uint64_t fio_per_job(const struct fio_opts *o, uint64_t mem_bytes)
{
	uint64_t bs = opt_size_bytes(&o->bs, mem_bytes);
	uint64_t per = opt_size_bytes(&o->size, mem_bytes) / (uint64_t)o->jobs;

	if (!bs)
		bs = 4096;
	per -= per % bs;
	return per ? per : bs;
}

static double fio_estimate(const void *opts, uint64_t mem_bytes)
{
	const struct fio_opts *o = opts;
	double total = (double)fio_per_job(o, mem_bytes) * (double)o->jobs;

	/*
	 * At most runtime for the I/O, plus laying out files for reads and
	 * fio's start: a plan's guess of 400 MB/s of sequential writes.
	 */
	return o->runtime + total / 400e6 + 2.0;
}

/* Checked here rather than left to fio: a clear message in stderr.log. */
static int fio_check(const struct fio_opts *o, struct engine_argv *args, struct engine_argv *env)
{
	engine_split_words(args, o->args);
	for (size_t i = 0; i < args->n; i++)
		if (!strncmp(args->v[i], "--output", 8)) {
			mmab_err("fio: args: '%s': mmab sets fio's output itself", args->v[i]);
			return -EINVAL;
		}
	engine_split_words(env, o->env);
	for (size_t i = 0; i < env->n; i++)
		if (!engine_env_valid(env->v[i])) {
			mmab_err("fio: env: '%s' is not NAME=VALUE", env->v[i]);
			return -EINVAL;
		}
	return 0;
}

/* The job file to run: a built-in one is written into the iteration directory. */
static int fio_job_path(struct wl_ctx *ctx, const struct fio_opts *o, char **path)
{
	const char *job = empty(o->job) ? "dirty-mmap" : o->job;
	const char *text;
	size_t len;
	int ret;

	*path = NULL;
	if (fio_builtin_rw(job)) {
		char *src = xasprintf("workloads/fio/%s.fio", job);

		text = embed_find(src, &len);
		free(src);
		if (!text) {
			mmab_err("fio: built-in job '%s' is missing from this build", job);
			return -ENOENT;
		}
		*path = xasprintf("%s/%s.fio", ctx->iter_dir, job);
		ret = mmab_write_file_atomic(*path, text, len);
		if (ret) {
			mmab_err("cannot write '%s': %s", *path, strerror(-ret));
			free(*path);
			*path = NULL;
		}
		return ret;
	}
	if (access(job, R_OK) < 0) {
		ret = -errno;
		mmab_err("fio: job '%s' is neither a built-in job (dirty-mmap, mmap-read, "
			 "pagecache-rw) nor a readable file: %s", job, strerror(-ret));
		return ret;
	}
	*path = xstrdup(job);
	return 0;
}

/*
 * The data directory: the scratch dir, or a subdirectory made in the
 * user's directory, journaled, and kept in ctx->state (malloc'd) for
 * teardown to remove.
 */
static int fio_data_dir(struct wl_ctx *ctx, const struct fio_opts *o, const char **dir)
{
	char *made;
	int ret;

	if (empty(o->directory)) {
		*dir = ctx->scratch_dir;
		return 0;
	}
	made = xasprintf("%s/mmab-fio-%d", o->directory, (int)getpid());
	/* journaled first: removed even if this child is killed */
	ret = wl_journal_path(ctx, made);
	if (!ret && mkdir(made, 0700) < 0)
		ret = -errno;
	if (ret) {
		mmab_err("cannot make '%s': %s", made, strerror(-ret));
		free(made);
		return ret;
	}
	ctx->state = made;
	*dir = made;
	return 0;
}

/*
 * fio writes some of its messages (failed options, "terminating on signal")
 * only into its --output file, before the JSON or instead of it: copy them
 * to stderr.log, where the user looks for them.
 */
static void fio_copy_messages(const char *json)
{
	char *buf, *p;
	size_t len;

	if (mmab_read_file(json, &buf, &len))
		return;
	for (p = buf; *p && *p != '{'; ) {
		char *nl = strchr(p, '\n');

		p = nl ? nl + 1 : p + strlen(p);
	}
	if (p > buf)
		fprintf(stderr, "fio (in %s):\n%.*s%s", json, (int)(p - buf), buf,
			p[-1] == '\n' ? "" : "\n");
	free(buf);
}

/* fio's result: parse, check, write the metrics. */
static int fio_report(struct wl_ctx *ctx, const char *json)
{
	struct engine_metrics ms = { 0 };
	struct fio_summary s;
	char err[512];
	char *buf;
	size_t len;
	int ret;

	ret = mmab_read_file(json, &buf, &len);
	if (ret) {
		mmab_err("cannot read '%s': %s", json, strerror(-ret));
		return ret;
	}
	ret = fio_parse(buf, len, json, &s, err, sizeof(err));
	free(buf);
	if (ret) {
		mmab_err("%s", err);
		return ret;
	}
	if (s.error) {
		mmab_err("fio: job '%s' failed: error %d (%s)", s.error_job, s.error,
			 strerror(s.error));
		return -EIO;
	}
	if (!s.d[FIO_READ].entries && !s.d[FIO_WRITE].entries && !s.d[FIO_TRIM].entries) {
		mmab_err("fio: no job did any I/O (see %s)", json);
		return -EIO;
	}
	if (s.entries > 1)
		fprintf(stderr, "mmab: fio reported %d jobs or groups separately: bandwidth and "
			"IOPS are their sums, clat p50/p99 the largest of theirs\n", s.entries);
	fio_map(&s, &ms);
	ret = engine_metrics_write(ctx, &ms);
	if (ret)
		mmab_err("cannot write metrics.csv: %s", strerror(-ret));
	engine_metrics_free(&ms);
	return ret;
}

/* fio's environment: the ${MMAB_*} its job files use, and the suite's env. */
static void fio_env(struct engine_argv *env, struct wl_ctx *ctx, const struct fio_opts *o,
		    const char *dir, const struct engine_argv *extra_env)
{
	const char *rw;

	engine_argv_add(env, "MMAB_DIR=%s", dir);
	engine_argv_add(env, "MMAB_SIZE=%" PRIu64, fio_per_job(o, ctx->mem_bytes));
	engine_argv_add(env, "MMAB_JOBS=%ld", o->jobs);
	engine_argv_add(env, "MMAB_BS=%" PRIu64, opt_size_bytes(&o->bs, ctx->mem_bytes));
	/* fio reads a runtime with "ms" to the millisecond */
	engine_argv_add(env, "MMAB_RUNTIME=%.0fms", ceil(o->runtime * 1000.0));
	engine_argv_add(env, "MMAB_TIME_BASED=%d", o->time_based ? 1 : 0);
	/* randseed is read as a signed 64-bit number */
	engine_argv_add(env, "MMAB_SEED=%" PRIu64, ctx->seed & INT64_MAX);
	rw = o->rw ? fio_rw_names[o->rw] : fio_builtin_rw(empty(o->job) ? "dirty-mmap" : o->job);
	if (rw)
		engine_argv_add(env, "MMAB_RW=%s", rw);
	for (size_t i = 0; i < extra_env->n; i++)
		engine_argv_add(env, "%s", extra_env->v[i]);
}

static void fio_args(struct engine_argv *argv, const struct fio_opts *o, const char *json,
		     const char *dir, const struct engine_argv *extra_args, const char *job)
{
	engine_argv_add(argv, "fio");
	engine_argv_add(argv, "--output-format=json");
	engine_argv_add(argv, "--output=%s", json);
	if (o->group_reporting)
		engine_argv_add(argv, "--group_reporting");
	engine_argv_add(argv, "--directory=%s", dir);
	for (size_t i = 0; i < extra_args->n; i++)
		engine_argv_add(argv, "%s", extra_args->v[i]);
	engine_argv_add(argv, "%s", job);
}

static int fio_run(struct wl_ctx *ctx, void *opts)
{
	struct fio_opts *o = opts;
	struct engine_argv argv = { 0 }, env = { 0 }, extra_args = { 0 }, extra_env = { 0 };
	const char *dir;
	char *job = NULL, *json = NULL;
	int ret, st = 0;

	ret = fio_check(o, &extra_args, &extra_env);
	if (!ret)
		ret = fio_job_path(ctx, o, &job);
	if (!ret)
		ret = fio_data_dir(ctx, o, &dir);
	if (ret)
		goto out;
	json = xasprintf("%s/fio.json", ctx->iter_dir);
	fio_env(&env, ctx, o, dir, &extra_env);
	fio_args(&argv, o, json, dir, &extra_args, job);
	ret = engine_run((const char *const *)argv.v, (const char *const *)env.v, ctx->stop,
			 ENGINE_GRACE_S, &st);
	/* what fio printed before its JSON, also when it was stopped or failed */
	if (ret == 0 || ret == -EINTR)
		fio_copy_messages(json);
	ret = engine_outcome("fio", ret, st, NULL);
	if (!ret)
		ret = fio_report(ctx, json);
out:
	engine_argv_free(&argv);
	engine_argv_free(&env);
	engine_argv_free(&extra_args);
	engine_argv_free(&extra_env);
	free(job);
	free(json);
	return ret;
}

static void fio_teardown(struct wl_ctx *ctx, void *opts)
{
	char *made = ctx->state;

	(void)opts;
	if (made) {
		mmab_rm_rf(made);
		free(made);
		ctx->state = NULL;
	}
}

const struct workload wl_fio = {
	.name = "fio",
	.summary = "fio on a job file (built-in dirty-mmap, mmap-read, pagecache-rw, or yours), "
		   "metrics from its JSON",
	.flags = 0,
	.opts = fio_specs,
	.priv_size = sizeof(struct fio_opts),
	.supported = fio_supported,
	.estimate = fio_estimate,
	.run = fio_run,
	.teardown = fio_teardown,
};

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `stress-ng` workload: stress-ng run as a real engine on named
 * stressors (vm, mmap, bigheap, mmaphuge, madvise, fault, ...) with
 * --metrics --yaml, its bogo-ops rates and each stressor's extra metrics
 * mapped to mmab metrics (workloads/engine-stress-ng.c).
 *
 * A stressor that fails, or that this stress-ng does not know, fails the
 * iteration: stress-ng's exit status says which kind of failure it was and
 * its own message is in stderr.log.  stress-ng restarts workers the OOM
 * killer took (unless oomable), so an OOM kill shows in the runner's
 * cgroup counters and status, not necessarily in stress-ng's exit status;
 * the bogo-ops of such a run include the restarts.
 *
 * What the iteration directory keeps: stress-ng.yaml (stress-ng's output,
 * exactly as written) and, in stderr.log, everything stress-ng printed,
 * including its own metrics table.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lib/mmab.h"
#include "workloads/engine.h"
#include "workloads/workload.h"

/*
 * Stressors whose --NAME-bytes option is the memory they work on (stress-ng
 * shares it among the stressor's workers); `bytes` goes to these only.
 */
static const char *const sng_sized[] = {
	"vm", "mmap", "malloc", "memfd", "mremap", "msync", "pagemove", "shm", "memrate",
};

struct sng_opts {
	char *stressors;
	long workers;
	double runtime;
	struct opt_size bytes;
	bool oomable;
	char *args;
};

static const struct opt_spec sng_specs[] = {
	{ "stressors", OPT_STRING, offsetof(struct sng_opts, stressors), "vm,mmap", 0, 0, NULL,
	  "stressors to run together, separated by commas (see `stress-ng --stressors`)",
	  NULL },
	{ "workers", OPT_LONG, offsetof(struct sng_opts, workers), "1", 0, 4096, "workers",
	  "workers per stressor (0: one per online CPU)", NULL },
	/* not "timeout": that is the runner's key for the iteration's time limit */
	{ "runtime", OPT_SECONDS, offsetof(struct sng_opts, runtime), "10", 1, 86400, "s",
	  "how long the stressors run: stress-ng --timeout (whole seconds, rounded up)",
	  NULL },
	{ "bytes", OPT_SIZE, offsetof(struct sng_opts, bytes), "10%", 0, 0, "bytes",
	  "memory per stressor, as --NAME-bytes, for vm, mmap, malloc, memfd, mremap, msync, "
	  "pagemove, shm, memrate (absolute or % of the effective memory; 0: stress-ng's "
	  "defaults)", NULL },
	{ "oomable", OPT_BOOL, offsetof(struct sng_opts, oomable), "0", 0, 0, NULL,
	  "stress-ng --oomable: do not restart workers the OOM killer took", NULL },
	{ "args", OPT_STRING, offsetof(struct sng_opts, args), "", 0, 0, NULL,
	  "more stress-ng arguments, separated by spaces (no shell: no quoting), "
	  "e.g. --vm-madvise hugepage", NULL },
	OPT_END
};

/* Options mmab sets itself. */
static const char *const sng_owned[] = {
	"--yaml", "-Y", "--timeout", "-t", "--temp-path", "--metrics-brief", "--log-file",
};

static bool sng_is_sized(const char *stressor)
{
	for (size_t i = 0; i < ARRAY_SIZE(sng_sized); i++)
		if (!strcmp(sng_sized[i], stressor))
			return true;
	return false;
}

static int sng_supported(const void *opts, char *why, size_t whylen)
{
	(void)opts;
	return engine_supported("stress-ng", why, whylen);
}

static double sng_estimate(const void *opts, uint64_t mem_bytes)
{
	const struct sng_opts *o = opts;

	(void)mem_bytes;
	/* stress-ng's start and the wait for its workers to wind down */
	return ceil(o->runtime) + 2.0;
}

static int sng_check(const struct sng_opts *o, struct engine_argv *names, struct engine_argv *args)
{
	char err[256];

	if (stressng_parse_list(o->stressors, names, err, sizeof(err))) {
		mmab_err("stress-ng: stressors: %s", err);
		return -EINVAL;
	}
	engine_split_words(args, o->args);
	for (size_t i = 0; i < args->n; i++)
		for (size_t k = 0; k < ARRAY_SIZE(sng_owned); k++) {
			size_t n = strlen(sng_owned[k]);

			if (!strncmp(args->v[i], sng_owned[k], n) &&
			    (args->v[i][n] == '\0' || args->v[i][n] == '=')) {
				mmab_err("stress-ng: args: '%s': mmab sets it itself", args->v[i]);
				return -EINVAL;
			}
		}
	return 0;
}

static int sng_report(struct wl_ctx *ctx, const char *yaml, const struct engine_argv *names)
{
	struct engine_metrics ms = { 0 };
	struct stressng_result r;
	char err[512];
	char *buf;
	size_t len;
	int ret;

	ret = mmab_read_file(yaml, &buf, &len);
	if (ret) {
		mmab_err("cannot read '%s': %s", yaml, strerror(-ret));
		return ret;
	}
	ret = stressng_parse(buf, len, yaml, &r, err, sizeof(err));
	free(buf);
	if (ret) {
		mmab_err("%s", err);
		return ret;
	}
	for (size_t i = 0; i < names->n; i++)
		if (!stressng_find(&r, names->v[i])) {
			mmab_err("stress-ng reported no metrics for stressor '%s' (see %s)",
				 names->v[i], yaml);
			ret = -EIO;
		}
	if (!ret) {
		stressng_map(&r, &ms);
		ret = engine_metrics_write(ctx, &ms);
		if (ret)
			mmab_err("cannot write metrics.csv: %s", strerror(-ret));
	}
	engine_metrics_free(&ms);
	stressng_result_free(&r);
	return ret;
}

/* stress-ng's command line: the stressors, their sizes, the YAML output, the suite's args. */
static void sng_args(struct engine_argv *argv, struct wl_ctx *ctx, const struct sng_opts *o,
		     const struct engine_argv *names, const struct engine_argv *args,
		     const char *yaml)
{
	uint64_t bytes = opt_size_bytes(&o->bytes, ctx->mem_bytes);

	engine_argv_add(argv, "stress-ng");
	for (size_t i = 0; i < names->n; i++) {
		engine_argv_add(argv, "--%s", names->v[i]);
		engine_argv_add(argv, "%ld", o->workers);
		if (bytes && sng_is_sized(names->v[i])) {
			engine_argv_add(argv, "--%s-bytes", names->v[i]);
			engine_argv_add(argv, "%" PRIu64, bytes);
		}
	}
	engine_argv_add(argv, "--timeout");
	engine_argv_add(argv, "%.0f", ceil(o->runtime));
	engine_argv_add(argv, "--metrics");
	engine_argv_add(argv, "--yaml");
	engine_argv_add(argv, "%s", yaml);
	/* file-backed stressors write under the scratch directory, removed afterwards */
	if (ctx->scratch_dir && *ctx->scratch_dir) {
		engine_argv_add(argv, "--temp-path");
		engine_argv_add(argv, "%s", ctx->scratch_dir);
	}
	/*
	 * No --seed from the iteration's seed: 0.15.06 does not pass it to
	 * every stressor ("mwc_core: cannot determine seed from --seed
	 * option" with vm and mmap together); `args = --seed N` if wanted.
	 */
	if (o->oomable)
		engine_argv_add(argv, "--oomable");
	for (size_t i = 0; i < args->n; i++)
		engine_argv_add(argv, "%s", args->v[i]);
}

static int sng_run(struct wl_ctx *ctx, void *opts)
{
	struct sng_opts *o = opts;
	struct engine_argv argv = { 0 }, names = { 0 }, args = { 0 };
	char *yaml = NULL;
	int ret, st = 0;

	ret = sng_check(o, &names, &args);
	if (ret)
		goto out;
	yaml = xasprintf("%s/stress-ng.yaml", ctx->iter_dir);
	sng_args(&argv, ctx, o, &names, &args, yaml);

	ret = engine_run((const char *const *)argv.v, NULL, ctx->stop, ENGINE_GRACE_S, &st);
	ret = engine_outcome("stress-ng", ret, st, stressng_exit_desc);
	if (ret)
		goto out;
	ret = sng_report(ctx, yaml, &names);
out:
	engine_argv_free(&argv);
	engine_argv_free(&names);
	engine_argv_free(&args);
	free(yaml);
	return ret;
}

const struct workload wl_stress_ng = {
	.name = "stress-ng",
	.summary = "stress-ng stressors (vm, mmap, bigheap, mmaphuge, madvise, ...), "
		   "bogo-ops rates and extra metrics from its YAML",
	.flags = WL_MAY_OOM,
	.opts = sng_specs,
	.priv_size = sizeof(struct sng_opts),
	.supported = sng_supported,
	.estimate = sng_estimate,
	.run = sng_run,
};

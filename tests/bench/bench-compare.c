/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-compare: how long `mmab compare` takes on two result sets of 10
 * iterations with the default collectors (target: 1 s on the 2-CPU VM).
 * The sets are built from the iterations captured on the VM
 * (tests/fixtures/report/stock: meminfo, vmstat, buddyinfo, psi, slabinfo,
 * stalls, histograms), cycled over 10 iterations; besides the captured
 * length (3 s at 0.25 s), longer iterations are made by repeating the
 * captured samples at 1 s, as a 1-minute and a 10-minute iteration would
 * leave them.  Iteration k has the same seed in both sets, so they are
 * compared pair by pair, as the variants of a run are.  Each case is
 * timed in process (load, compare, print the compact text) and through
 * the real command (fork/exec of ./mmab compare).
 *
 * Usage: bench-compare OUTDIR  (writes OUTDIR/bench-compare.csv)
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "analysis/compare.h"
#include "analysis/rset.h"
#include "lib/mmab.h"

#define SRC "tests/fixtures/report/stock"
#define ITERS 10
#define RUNS 5
#define TARGET_S 1.0

static const char *const sampled[] = { "meminfo.csv", "vmstat.csv", "buddyinfo.csv", "psi.csv",
				       "slabinfo.csv" };
static const char *const copied[] = { "metrics.csv", "histograms.csv", "stalls.csv" };

static size_t total_bytes;

/* Plain writes: scratch data, no need for fsync (it would dominate the setup). */
static void put(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
		mmab_err("cannot write '%s': %s", path, strerror(errno));
		exit(1);
	}
	total_bytes += len;
}

/*
 * SRC_TEXT resampled to SAMPLES samples 1 s apart: the groups of rows that
 * share a t, cycled; SAMPLES == 0 copies the file as it is.
 */
static char *resample(const char *text, int samples, size_t *len)
{
	const char *body = strchr(text, '\n') + 1, *p;
	char **groups = NULL, *out = NULL;
	size_t ngroups = 0, olen = 0;
	FILE *f;

	if (!samples) {
		*len = strlen(text);
		return xstrdup(text);
	}
	/* split the body into groups of rows with the same first field */
	for (p = body; *p;) {
		size_t tlen = strcspn(p, ",");
		const char *q = p;

		while (*q && !strncmp(q, p, tlen) && q[tlen] == ',')
			q = strchr(q, '\n') + 1;
		groups = xrealloc(groups, (ngroups + 1) * sizeof(*groups));
		groups[ngroups++] = xasprintf("%.*s", (int)(q - p), p);
		p = q;
	}
	f = open_memstream(&out, &olen);
	fprintf(f, "%.*s", (int)(body - text), text);
	for (int s = 0; s < samples; s++) {
		const char *g = groups[(size_t)s % ngroups];

		/* each row with t replaced */
		while (*g) {
			const char *nl = strchr(g, '\n');

			fprintf(f, "%d%.*s", s, (int)(nl - g - strcspn(g, ",")) + 1,
				g + strcspn(g, ","));
			g = nl + 1;
		}
	}
	fclose(f);
	for (size_t i = 0; i < ngroups; i++)
		free(groups[i]);
	free(groups);
	*len = olen;
	return out;
}

static void make_set(const char *dir, const char *label, int samples)
{
	char *p, *status = xstrdup("workload,iteration,status,reason,exit_code,signal,duration_s\n");
	char *meta;

	mmab_mkdir_p(dir, 0755);
	p = xasprintf("%s/metadata.json", SRC);
	if (mmab_read_file(p, &meta, NULL)) {
		mmab_err("cannot read '%s' (run from the top of the tree)", p);
		exit(1);
	}
	free(p);
	/* the label is the one thing that differs */
	p = strstr(meta, "\"label\": \"stock\"");
	if (p) {
		char *m = xasprintf("%.*s\"label\": \"%s\"%s", (int)(p - meta), meta, label,
				    p + strlen("\"label\": \"stock\""));

		free(meta);
		meta = m;
	}
	/* the keys capture.py did not record, as mmab run writes them */
	{
		char *m = xasprintf("{\n  \"suite\": {\"name\": \"bench\", \"file\": \"builtin:bench\", "
				    "\"iterations\": %d, \"scale\": \"100%%\", \"settle\": true, "
				    "\"order\": \"interleaved\"},\n  \"kernel_config_sha256\": null,\n"
				    "  \"effective_memory_bytes\": null,\n  \"cgroup\": \"v1\",\n"
				    "  \"storage\": {\"fs_type\": \"ext4\", \"device\": \"vda1\", "
				    "\"read_ahead_kb\": 8192},%s",
				    ITERS, strchr(meta, '{') + 1);

		free(meta);
		meta = m;
	}
	p = xasprintf("%s/metadata.json", dir);
	put(p, meta, strlen(meta));
	free(p);
	free(meta);
	for (int it = 1; it <= ITERS; it++) {
		int src = (it - 1) % 3 + 1;
		char *idir = xasprintf("%s/thpfault/%d", dir, it), *s;

		mmab_mkdir_p(idir, 0755);
		for (size_t k = 0; k < ARRAY_SIZE(sampled) + ARRAY_SIZE(copied); k++) {
			bool samp = k < ARRAY_SIZE(sampled);
			const char *name = samp ? sampled[k] : copied[k - ARRAY_SIZE(sampled)];
			char *in = xasprintf("%s/thpfault/%d/%s", SRC, src, name), *text, *res;
			size_t len;

			if (mmab_read_file(in, &text, NULL)) {
				mmab_err("cannot read '%s'", in);
				exit(1);
			}
			res = resample(text, samp ? samples : 0, &len);
			free(in);
			in = xasprintf("%s/%s", idir, name);
			put(in, res, len);
			free(in);
			free(res);
			free(text);
		}
		/* iteration k has the same seed in both sets, as in a run: paired tests */
		{
			char *path = xasprintf("%s/iteration.json", idir);
			char *json = xasprintf("{\"seed\": %d}\n", 1000 + it);

			put(path, json, strlen(json));
			free(json);
			free(path);
		}
		s = xasprintf("%sthpfault,%d,ok,,0,,%d\n", status, it, samples ? samples : 3);
		free(status);
		status = s;
		free(idir);
	}
	p = xasprintf("%s/status.csv", dir);
	put(p, status, strlen(status));
	free(p);
	free(status);
}

/* Load both sets, compare, print the text table: what `mmab compare` does. */
static double time_inproc(char *const dirs[2])
{
	double t0 = mmab_now();
	struct rset sets[2];
	FILE *null = fopen("/dev/null", "w");

	for (int i = 0; i < 2; i++)
		if (rset_load(dirs[i], &sets[i])) {
			mmab_err("cannot load '%s'", dirs[i]);
			exit(1);
		}
	if (compare_write(null, CMP_TEXT, sets, 2, 0, 0)) {
		mmab_err("compare failed");
		exit(1);
	}
	fclose(null);
	for (int i = 0; i < 2; i++)
		rset_free(&sets[i]);
	return mmab_now() - t0;
}

static double time_cli(char *const dirs[2])
{
	char *argv[] = { (char *)"./mmab", (char *)"compare", dirs[0], dirs[1], NULL };
	double t0 = mmab_now();
	int status;

	if (mmab_spawn_wait(argv, "/dev/null", "/dev/null", &status) ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		mmab_err("./mmab compare failed (is ./mmab built?)");
		return NAN;
	}
	return mmab_now() - t0;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int samples; } cases[] = {
		{ "captured (3 s at 0.25 s)", 0 },
		{ "1 min at 1 s", 60 },
		{ "10 min at 1 s", 600 },
	};
	char root[] = "/tmp/mmab-bench-compare-XXXXXX";
	char *csvpath;
	FILE *csv;
	int ret = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-compare OUTDIR\n");
		return MMAB_EXIT_USAGE;
	}
	if (!mkdtemp(root)) {
		mmab_err("cannot create a temporary directory: %s", strerror(errno));
		return 1;
	}
	csvpath = xasprintf("%s/bench-compare.csv", argv[1]);
	csv = fopen(csvpath, "w");
	if (!csv) {
		mmab_err("cannot open '%s': %s", csvpath, strerror(errno));
		mmab_rm_rf(root);
		return 1;
	}
	fprintf(csv, "case,sets,iterations,samples,bytes,runs,inproc_median_s,inproc_max_s,"
		"cli_median_s,target_s,met\n");
	printf("mmab compare: 2 sets x %d iterations, default collectors (target %.1f s)\n",
	       ITERS, TARGET_S);
	printf("%-26s %9s %12s %12s %12s  %s\n", "iterations", "data", "in-process", "worst",
	       "mmab compare", "target");
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		char *dirs[2] = { xasprintf("%s/%zu/base", root, c), xasprintf("%s/%zu/new", root, c) };
		double in[RUNS], cli[RUNS], in_med, cli_med;
		char size[32];
		bool met;

		total_bytes = 0;
		make_set(dirs[0], "base", cases[c].samples);
		make_set(dirs[1], "new", cases[c].samples);
		for (int r = 0; r < RUNS; r++) {
			in[r] = time_inproc(dirs);
			cli[r] = time_cli(dirs);
		}
		gsl_sort(in, 1, RUNS);
		gsl_sort(cli, 1, RUNS);
		in_med = gsl_stats_median_from_sorted_data(in, 1, RUNS);
		cli_med = gsl_stats_median_from_sorted_data(cli, 1, RUNS);
		met = cli_med <= TARGET_S && in[RUNS - 1] <= TARGET_S;
		mmab_format_size(size, sizeof(size), total_bytes);
		printf("%-26s %9s %10.3f s %10.3f s %10.3f s  %s\n", cases[c].name, size, in_med,
		       in[RUNS - 1], cli_med, met ? "met" : "MISSED");
		fprintf(csv, "\"%s\",2,%d,%d,%zu,%d,%.6f,%.6f,%.6f,%.1f,%s\n", cases[c].name, ITERS,
			cases[c].samples, total_bytes, RUNS, in_med, in[RUNS - 1], cli_med, TARGET_S,
			met ? "yes" : "no");
		free(dirs[0]);
		free(dirs[1]);
	}
	if (fclose(csv)) {
		mmab_err("cannot write '%s'", csvpath);
		ret = 1;
	}
	free(csvpath);
	if (!getenv("MMAB_BENCH_KEEP"))
		mmab_rm_rf(root);
	else
		printf("sets kept in %s\n", root);
	return ret;
}

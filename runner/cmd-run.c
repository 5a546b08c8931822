/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmab run: the command.  Arguments, the suite and its plan (runner/plan.h),
 * --dry-run, --resume, the result sets (results/README.md) and progress.
 * Everything is validated before the machine is touched; then each step is
 * run by runner/step.c (variant knobs, settling, ballast, collectors, the
 * workload child, the rollback) and its outcome appended here to
 * status.csv (fsync'd), so a crash or a kill loses at most the step that
 * was running and `--resume` redoes exactly that one.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "lib/machine.h"
#include "lib/resultset.h"
#include "runner/child.h"
#include "runner/cmdline.h"
#include "runner/cmds.h"
#include "lib/journal.h"
#include "lib/knob.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "runner/plan.h"
#include "runner/progress.h"
#include "runner/step.h"
#include "runner/suite.h"
#include "workloads/workload.h"

const char cmd_run_help[] =
"usage: mmab run [-s SUITE] [-l LABEL] [-o RESULTS_DIR] [-n ITERATIONS]\n"
"                [--scale PCT|SIZE] [--only WORKLOAD[,..]] [--variant NAME[,..]]\n"
"                [--resume RUN_DIR] [--dry-run]\n"
"\n"
"Run a suite of workloads, each iteration in its own child process and memory\n"
"cgroup, with the collectors sampling, and write one result set per variant.\n"
"Needs root (it changes kernel knobs, journaled and restored); --dry-run does not.\n"
"\n"
"  -s, --suite SUITE      a built-in suite (`mmab list suites`: quick, nightly)\n"
"                         or an INI file; default: quick\n"
"  -l, --label LABEL      name of the run and of its result set(s)\n"
"                         ([A-Za-z0-9._+-]); default: the kernel release\n"
"  -o, --output DIR       where runs land; default: ./results\n"
"  -n, --iterations N     iterations of every workload (default: the suite's)\n"
"      --scale PCT|SIZE   effective memory size (\"2G\", \"10%\", at least 128M): a\n"
"                         ballast locks the rest so the workload meets global\n"
"                         reclaim and compaction; \"100%\" = the whole machine.\n"
"                         A workload section's own `scale` still wins\n"
"      --only WL[,..]     run only these workloads (section ids or workload names)\n"
"      --variant V[,..]   run only these variants of the suite\n"
"      --resume RUN_DIR   continue an interrupted run at its first step without\n"
"                         a row in status.csv (the plan comes from run.json)\n"
"      --dry-run          print the plan (order of iterations, knobs that would\n"
"                         change, estimated time) and touch nothing\n"
"  -h, --help             this help\n"
"\n"
"Variants run interleaved, A B A B (or shuffled within each round when the\n"
"suite says order = shuffled, from the recorded seed).  Progress goes to stderr;\n"
"the last line on stdout is the run directory: RESULTS_DIR/LABEL-YYYYmmdd-HHMMSS,\n"
"holding run.json and one result set per variant (LABEL-VARIANT).\n"
"\n"
"Before each iteration the machine is settled (sync, drop caches, compact, wait\n"
"for writeback and idle CPUs) unless the suite says settle = no.  A failed\n"
"iteration (OOM kill, timeout, crash) is recorded in status.csv and the run goes\n"
"on.  SIGINT/SIGTERM stop the run: the workload is killed, every knob restored,\n"
"the interrupted iteration left without a status row for --resume to redo.\n"
"Workloads keep their files in RUN_DIR/scratch, removed after each iteration:\n"
"put RESULTS_DIR on the disk the page-cache workloads should use, not tmpfs.\n"
"\n"
"Workload options (for suite files) with units, defaults and limits:\n"
"`mmab list workloads -v`.  Suite syntax: README.md, section Suites.\n"
"\n"
"Exit status: 0 the run completed (failed iterations are data), 1 runner\n"
"failure, 2 bad usage or suite (nothing changed), 4 nothing could run here\n"
"(not root, or every workload unsupported), 128+N killed by signal N.\n";

#define SCALE_MIN ((uint64_t)128 << 20)

struct run_opts {
	const char *suite;
	const char *label;
	const char *outdir;
	const char *scale;
	const char *only;
	const char *variants;
	const char *resume;
	int iterations;
	bool dry_run;
};

struct run {
	struct run_opts o;
	int argc;
	char **argv;
	struct suite suite;
	bool suite_loaded;
	struct plan plan;
	uint64_t mem_total;
	uint64_t *eff;			/* per suite workload: effective bytes, 0 = whole machine */
	char **skip_why;		/* per suite workload: why it cannot run, NULL if it can */
	struct collector_cfg *cols;	/* collectors that can run here, intervals resolved */
	size_t ncols;
	json_t *col_meta;
	const char *cgroup;
	char *run_dir;			/* as the user will see it */
	char *scratch_dir;		/* absolute (the journal takes absolute paths only) */
	char **set_dirs;
	int *status_fd;
	json_t **meta;
	json_t **as_run;		/* per set: knob values with the variant in place */
	json_t *machine;
	json_t *before;
	const char **knob_names;	/* standard set + every variant's knobs */
	const char **watch_names;	/* those + THP: what a workload may change */
	struct journal *journal;
	struct step_env env;		/* what the steps share (runner/step.h) */
	struct progress *progress;
	unsigned n_ok, n_failed, n_skipped;
	char start_iso[32];
};

static int parse_args(struct run_opts *o, int argc, char **argv)
{
	enum { OPT_SCALE = 256, OPT_ONLY, OPT_VARIANT, OPT_RESUME, OPT_DRY };
	static const struct option longopts[] = {
		{ "suite", required_argument, NULL, 's' },
		{ "label", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "scale", required_argument, NULL, OPT_SCALE },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "variant", required_argument, NULL, OPT_VARIANT },
		{ "resume", required_argument, NULL, OPT_RESUME },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ NULL, 0, NULL, 0 }
	};
	long n;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:l:o:n:", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->suite = optarg; break;
		case 'l': o->label = optarg; break;
		case 'o': o->outdir = optarg; break;
		case 'n':
			if (mmab_parse_long(optarg, &n) || n < 1 || n > 100000)
				return cmd_usage_error(cmd_run_help, "-n '%s': expected a number "
						       "of iterations, 1 to 100000", optarg);
			o->iterations = (int)n;
			break;
		case OPT_SCALE: o->scale = optarg; break;
		case OPT_ONLY: o->only = optarg; break;
		case OPT_VARIANT: o->variants = optarg; break;
		case OPT_RESUME: o->resume = optarg; break;
		case OPT_DRY: o->dry_run = true; break;
		case ':':
			return cmd_usage_error(cmd_run_help, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cmd_usage_error(cmd_run_help, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cmd_usage_error(cmd_run_help, "unexpected argument '%s'", argv[optind]);
	if (o->resume && (o->suite || o->label || o->outdir || o->iterations || o->scale ||
			  o->only || o->variants))
		return cmd_usage_error(cmd_run_help, "--resume continues the plan recorded in "
				       "RUN_DIR/run.json; it takes no -s, -l, -o, -n, --scale, "
				       "--only or --variant");
	return 0;
}

/* The kernel release as a label: characters a label may not hold become '-'. */
static char *default_label(void)
{
	struct utsname u;
	char *l;

	if (uname(&u))
		return xstrdup("mmab");
	l = xstrdup(u.release);
	for (char *p = l; *p; p++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-", *p))
			*p = '-';
	if (strlen(l) > 64)
		l[64] = '\0';
	if (!mmab_label_valid(l)) {
		free(l);
		l = xstrdup("mmab");
	}
	return l;
}

/* ---- validation: everything is checked before anything is touched ---- */

/* Where a scale came from, for the message. */
static void scale_origin(const struct run *r, const struct suite_workload *w, char *buf,
			 size_t len)
{
	if (w->scale)
		snprintf(buf, len, "%s:%d: [%s] scale", r->suite.file, w->line, w->id);
	else if (r->plan.scale)
		snprintf(buf, len, "--scale");
	else
		snprintf(buf, len, "%s: [suite] scale", r->suite.file);
}

static int resolve_scales(struct run *r)
{
	r->eff = xcalloc(r->suite.nworkloads, sizeof(*r->eff));
	for (size_t k = 0; k < r->plan.nworkloads; k++) {
		size_t i = r->plan.workloads[k];
		const struct suite_workload *w = &r->suite.workloads[i];
		const char *scale = plan_effective_scale(&r->plan, &r->suite, w);
		char where[512], have[32];
		uint64_t bytes;

		scale_origin(r, w, where, sizeof(where));
		if (mmab_parse_size(scale, r->mem_total, &bytes)) {
			mmab_err("%s '%s': expected a size (2G, 512M) or a percentage of MemTotal",
				 where, scale);
			return -EINVAL;
		}
		if (bytes > r->mem_total) {
			mmab_format_size(have, sizeof(have), r->mem_total);
			mmab_err("%s '%s' is more than this machine's memory (%s)", where, scale,
				 have);
			return -EINVAL;
		}
		if (bytes < SCALE_MIN) {
			mmab_err("%s '%s' is below 128M: too little to leave the rest of the "
				 "system alive", where, scale);
			return -EINVAL;
		}
		/* the whole machine (or a workload that must see it) needs no ballast */
		r->eff[i] = bytes >= r->mem_total || (w->wl->flags & WL_NO_BALLAST) ? 0 : bytes;
	}
	return 0;
}

static void check_supported(struct run *r)
{
	r->skip_why = xcalloc(r->suite.nworkloads, sizeof(*r->skip_why));
	for (size_t k = 0; k < r->plan.nworkloads; k++) {
		size_t i = r->plan.workloads[k];
		const struct suite_workload *w = &r->suite.workloads[i];
		char why[256] = "";

		if (w->wl->supported && w->wl->supported(w->opts, why, sizeof(why)))
			r->skip_why[i] = xstrdup(why[0] ? why : "not supported here");
	}
}

/*
 * The collectors to run: the suite's (the parser put the default set there
 * when the suite names none) that can run here.
 */
static void resolve_collectors(struct run *r)
{
	r->col_meta = json_array();
	r->cols = xcalloc(r->suite.ncollectors, sizeof(*r->cols));
	for (size_t i = 0; i < r->suite.ncollectors; i++) {
		struct collector_cfg cfg = r->suite.collectors[i];
		char why[256] = "";
		bool ok;

		if (!cfg.interval_ms)
			cfg.interval_ms = cfg.c->default_interval_ms;
		ok = !cfg.c->available || !cfg.c->available(why, sizeof(why));
		json_array_append_new(r->col_meta, json_pack("{s:s, s:I, s:s}",
			"name", cfg.c->name, "interval_ms", (json_int_t)cfg.interval_ms,
			"status", ok ? "ok" : (why[0] ? why : "unavailable")));
		if (ok)
			r->cols[r->ncols++] = cfg;
		else if (!r->o.dry_run)
			mmab_warn("collector %s cannot run here: %s", cfg.c->name, why);
	}
}

static void add_name(const char ***list, size_t *n, size_t *cap, const char *name)
{
	for (size_t j = 0; j < *n; j++)
		if (!strcmp((*list)[j], name))
			return;
	if (*n + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*list = xrealloc(*list, *cap * sizeof(**list));
	}
	(*list)[(*n)++] = name;
	(*list)[*n] = NULL;
}

/*
 * The knobs metadata.json records (the standard set plus the variants'),
 * and those watched around each workload child to see what it changed
 * (those plus the THP settings).
 */
static void collect_knob_names(struct run *r)
{
	size_t n = 0, cap = 0, nw = 0, capw = 0;

	for (size_t i = 0; machine_standard_knobs[i]; i++)
		add_name(&r->knob_names, &n, &cap, machine_standard_knobs[i]);
	for (size_t v = 0; v < r->suite.nvariants; v++)
		for (size_t k = 0; k < r->suite.variants[v].nknobs; k++)
			add_name(&r->knob_names, &n, &cap, r->suite.variants[v].knobs[k].name);
	for (size_t i = 0; i < n; i++)
		add_name(&r->watch_names, &nw, &capw, r->knob_names[i]);
	for (size_t i = 0; machine_thp_knobs[i]; i++)
		add_name(&r->watch_names, &nw, &capw, machine_thp_knobs[i]);
}

static const struct suite_variant *set_variant(const struct run *r, size_t set)
{
	int v = r->plan.sets[set].variant_idx;

	return v < 0 ? NULL : &r->suite.variants[v];
}

/*
 * Seconds step I should take (0: skipped).  The ballast is made anew only
 * where the effective size changes from the step run before; otherwise the
 * one kept is adjusted.
 */
static double run_step_estimate(const struct run *r, size_t i)
{
	size_t w = r->plan.steps[i].workload, j = i;
	bool new_ballast = true;

	if (r->skip_why[w])
		return 0;
	while (j-- > 0) {
		size_t pw = r->plan.steps[j].workload;

		if (!r->skip_why[pw]) {
			new_ballast = r->eff[pw] != r->eff[w];
			break;
		}
	}
	return step_estimate(&r->suite, &r->suite.workloads[w], r->eff[w], r->mem_total,
			     new_ballast);
}

static void step_name(const struct run *r, size_t i, char *buf, size_t len)
{
	const struct plan_step *st = &r->plan.steps[i];
	const char *variant = r->plan.sets[st->set].variant;

	snprintf(buf, len, "%s #%d%s%s%s", r->suite.workloads[st->workload].id, st->iteration,
		 variant ? " [" : "", variant ? variant : "", variant ? "]" : "");
}

/* ---- dry run ---- */

/* Steps a previous session completed: they have a row in their set's status.csv. */
static void mark_done(struct run *r, bool *done)
{
	for (size_t s = 0; s < r->plan.nsets; s++) {
		char *path = xasprintf("%s/status.csv", r->set_dirs[s]), *text = NULL;

		if (!mmab_read_file(path, &text, NULL))
			for (size_t i = 0; i < r->plan.nsteps; i++) {
				const struct plan_step *st = &r->plan.steps[i];

				if (st->set == s &&
				    rset_status_has(text, r->suite.workloads[st->workload].id,
						  st->iteration))
					done[i] = true;
			}
		free(text);
		free(path);
	}
}


static void print_size_or_machine(FILE *f, uint64_t eff)
{
	char b[32];

	if (!eff) {
		fputs("whole machine", f);
		return;
	}
	mmab_format_size(b, sizeof(b), eff);
	fputs(b, f);
}

static void dry_run(struct run *r)
{
	char buf[256], est[32], cur[4096], path[512];
	bool *done = xcalloc(r->plan.nsteps, sizeof(*done));
	double total = 0;
	bool ballast = false;
	FILE *f = stdout;

	fprintf(f, "suite %s (%s), %d iteration%s, order %s, seed %llu\n", r->suite.name,
		r->suite.file, r->plan.iterations, r->plan.iterations == 1 ? "" : "s",
		r->plan.order == ORDER_SHUFFLED ? "shuffled" : "interleaved",
		(unsigned long long)r->plan.seed);
	if (r->o.resume) {
		mark_done(r, done);
		fprintf(f, "run directory: %s (resumed)\n", r->run_dir);
	} else {
		fprintf(f, "run directory: %s/%s\n", r->o.outdir ? r->o.outdir : "results",
			r->plan.run_id);
	}
	fprintf(f, "result sets:");
	for (size_t s = 0; s < r->plan.nsets; s++) {
		const char *v = r->plan.sets[s].variant;

		fprintf(f, " %s%s%s%s", r->plan.sets[s].label, v ? " (variant " : "", v ? v : "",
			v ? ")" : "");
	}
	fprintf(f, "\nmemory cgroups: %s; settle before each iteration: %s\n",
		r->cgroup ? r->cgroup : "none", r->suite.settle ? "yes" : "no");
	fprintf(f, "collectors:");
	for (size_t i = 0; i < json_array_size(r->col_meta); i++) {
		json_t *c = json_array_get(r->col_meta, i);
		const char *st = json_string_value(json_object_get(c, "status"));

		fprintf(f, "%s %s (%lld ms%s%s)", i ? "," : "",
			json_string_value(json_object_get(c, "name")),
			(long long)json_integer_value(json_object_get(c, "interval_ms")),
			strcmp(st, "ok") ? ", cannot run here: " : "", strcmp(st, "ok") ? st : "");
	}
	if (!json_array_size(r->col_meta))
		fprintf(f, " none");
	fprintf(f, "\n\nknobs that would change (current -> new):\n");
	for (size_t s = 0; s < r->plan.nsets; s++) {
		const struct suite_variant *v = set_variant(r, s);

		if (!v)
			continue;
		fprintf(f, "  variant %s:%s\n", v->name, v->nknobs ? "" : " none");
		for (size_t k = 0; k < v->nknobs; k++) {
			const struct suite_knob *kn = &v->knobs[k];

			if (knob_read(kn->path, cur, sizeof(cur)))
				snprintf(cur, sizeof(cur), "?");
			fprintf(f, "    %-44s %s -> %s%s\n", kn->name, cur, kn->value,
				strcmp(cur, kn->value) ? "" : " (unchanged)");
		}
	}
	fprintf(f, "\nworkloads:\n");
	for (size_t k = 0; k < r->plan.nworkloads; k++) {
		size_t i = r->plan.workloads[k];

		ballast |= r->eff[i] && !r->skip_why[i];
		fprintf(f, "  %-16s ", r->suite.workloads[i].id);
		if (r->skip_why[i]) {
			fprintf(f, "skipped: %s\n", r->skip_why[i]);
			continue;
		}
		fputs("effective memory ", f);
		print_size_or_machine(f, r->eff[i]);
		fputc('\n', f);
	}
	if (ballast && !knob_resolve("vm.compact_unevictable_allowed", path, sizeof(path)) &&
	    !knob_read(path, cur, sizeof(cur)))
		fprintf(f, "  (with a ballast: vm.compact_unevictable_allowed %s -> 0 during "
			"those iterations)\n", cur);
	fprintf(f, "\nplan (%zu steps):\n", r->plan.nsteps);
	for (size_t i = 0; i < r->plan.nsteps; i++) {
		double e = done[i] ? 0 : run_step_estimate(r, i);

		step_name(r, i, buf, sizeof(buf));
		progress_format_duration(est, sizeof(est), e);
		total += e;
		fprintf(f, "  %4zu  %-40s %s\n", i + 1, buf, done[i] ? "done" :
			r->skip_why[r->plan.steps[i].workload] ? "skip" : est);
	}
	progress_format_duration(est, sizeof(est), total);
	fprintf(f, "\nestimated time: %s\ndry run: nothing was changed\n", est);
	free(done);
}

/* ---- the result sets ---- */

static json_t *workloads_meta(const struct run *r)
{
	json_t *arr = json_array();

	for (size_t k = 0; k < r->plan.nworkloads; k++) {
		size_t i = r->plan.workloads[k];
		const struct suite_workload *w = &r->suite.workloads[i];
		json_t *opts = json_object();
		char val[1024];

		for (const struct opt_spec *o = w->wl->opts; o && o->name; o++) {
			opts_format(o, w->opts, val, sizeof(val));
			json_object_set_new(opts, o->name, json_string(val));
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:s, s:o, s:f, s:I, s:o}",
			"id", w->id, "workload", w->wl->name, "options", opts,
			"scale", plan_effective_scale(&r->plan, &r->suite, w),
			"effective_memory_bytes", r->eff[i] ? json_integer((json_int_t)r->eff[i])
							    : json_null(),
			"timeout_s", w->timeout_s > 0 ? w->timeout_s : r->suite.timeout_s,
			"memcg_limit", (json_int_t)w->memcg_limit,
			"skipped", r->skip_why[i] ? json_string(r->skip_why[i]) : json_null()));
	}
	return arr;
}

static json_t *argv_json(int argc, char **argv)
{
	json_t *a = json_array();

	json_array_append_new(a, json_string("mmab"));
	for (int i = 0; i < argc; i++)
		json_array_append_new(a, json_string(argv[i]));
	return a;
}

/* metadata.json of set S as results/README.md lists it, keys in that order. */
static json_t *set_metadata(struct run *r, size_t s)
{
	const struct plan_set *set = &r->plan.sets[s];
	json_t *m = json_object(), *suite;
	uint64_t eff;
	const char *keys[] = { "uname", "cmdline", "kernel_config_sha256", "hostname",
			       "cpu_model", "cpus", "mem_total_kb", "thp", NULL };

	suite = json_pack("{s:s, s:s, s:i, s:s, s:b, s:s}", "name", r->suite.name,
			  "file", r->suite.file, "iterations", r->plan.iterations,
			  "scale", r->plan.scale ? r->plan.scale : r->suite.scale ? r->suite.scale : "100%",
			  "settle", r->suite.settle,
			  "order", r->plan.order == ORDER_SHUFFLED ? "shuffled" : "interleaved");
	json_object_set_new(m, "mmab_version", json_string(MMAB_VERSION));
	json_object_set_new(m, "label", json_string(set->label));
	json_object_set_new(m, "variant", set->variant ? json_string(set->variant) : json_null());
	json_object_set_new(m, "run_id", json_string(r->plan.run_id));
	json_object_set_new(m, "suite", suite);
	json_object_set_new(m, "start", json_string(r->start_iso));
	json_object_set_new(m, "end", json_null());
	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(r->machine, keys[i]);

		json_object_set(m, keys[i], v ? v : json_null());
	}
	json_object_set_new(m, "knobs", json_pack("{s:O, s:O}", "before", r->before,
						  "as_run", r->as_run[s]));
	/* the scratch files of the page-cache workloads live here too */
	json_object_set_new(m, "storage", machine_storage_info(r->run_dir));
	json_object_set_new(m, "cgroup", json_string(r->cgroup ? r->cgroup : "none"));
	/* the suite-wide effective size; workloads list their own */
	if (!mmab_parse_size(plan_effective_scale(&r->plan, &r->suite, NULL), r->mem_total,
			     &eff) && eff < r->mem_total)
		json_object_set_new(m, "effective_memory_bytes", json_integer((json_int_t)eff));
	else
		json_object_set_new(m, "effective_memory_bytes", json_null());
	json_object_set(m, "collectors", r->col_meta);
	json_object_set_new(m, "workloads", workloads_meta(r));
	json_object_set_new(m, "seed", json_integer((json_int_t)r->plan.seed));
	json_object_set_new(m, "argv", argv_json(r->argc, r->argv));
	return m;
}

static int write_meta(struct run *r, size_t s)
{
	char *path = xasprintf("%s/metadata.json", r->set_dirs[s]);
	int ret = rset_json_write(path, r->meta[s]);

	if (ret)
		mmab_err("cannot write '%s': %s", path, strerror(-ret));
	free(path);
	return ret;
}

/* A unique run directory: LABEL-YYYYmmdd-HHMMSS, -2, -3 ... if two runs share a second. */
static int make_run_dir(struct run *r)
{
	const char *out = r->o.outdir ? r->o.outdir : "results";
	int ret = mmab_mkdir_p(out, 0755);

	if (ret) {
		mmab_err("cannot create '%s': %s", out, strerror(-ret));
		return ret;
	}
	for (int n = 1; n < 100; n++) {
		char *id = n == 1 ? xstrdup(r->plan.run_id) : xasprintf("%s-%d", r->plan.run_id, n);
		char *dir = xasprintf("%s/%s", out, id);

		if (!mkdir(dir, 0755)) {
			free(r->plan.run_id);
			r->plan.run_id = id;
			r->run_dir = dir;
			return 0;
		}
		ret = -errno;
		free(id);
		free(dir);
		if (ret != -EEXIST)
			break;
	}
	mmab_err("cannot create the run directory in '%s': %s", out, strerror(-ret));
	return ret;
}

static int create_sets(struct run *r)
{
	json_t *argv = argv_json(r->argc, r->argv), *plan;
	char *path;
	int ret;

	plan = plan_to_json(&r->plan, &r->suite, argv);
	json_decref(argv);
	path = xasprintf("%s/run.json", r->run_dir);
	ret = rset_json_write(path, plan);
	json_decref(plan);
	if (ret) {
		mmab_err("cannot write '%s': %s", path, strerror(-ret));
		free(path);
		return ret;
	}
	free(path);
	for (size_t s = 0; s < r->plan.nsets; s++) {
		r->set_dirs[s] = xasprintf("%s/%s", r->run_dir, r->plan.sets[s].label);
		path = xasprintf("%s/suite.ini", r->set_dirs[s]);
		ret = mmab_mkdir_p(r->set_dirs[s], 0755);
		if (!ret)
			ret = mmab_write_file_atomic(path, r->suite.text, strlen(r->suite.text));
		if (ret)
			mmab_err("cannot write '%s': %s", path, strerror(-ret));
		free(path);
		if (ret)
			return ret;
		r->meta[s] = set_metadata(r, s);
		ret = write_meta(r, s);
		if (ret)
			return ret;
	}
	return 0;
}

static int open_status(struct run *r)
{
	for (size_t s = 0; s < r->plan.nsets; s++) {
		char *path = xasprintf("%s/status.csv", r->set_dirs[s]);
		int fd = rset_status_open(path);

		if (fd < 0) {
			mmab_err("cannot open '%s': %s", path,
				 fd == -EINVAL ? "not a status.csv" : strerror(-fd));
			free(path);
			return fd;
		}
		r->status_fd[s] = fd;
		free(path);
	}
	return 0;
}

/*
 * Set every variant's knobs once, read what the kernel made of them, roll
 * back: a value the kernel refuses is bad input, found before the first
 * iteration, and as_run records the values exactly as the kernel shows them.
 */
static int preflight_variants(struct run *r)
{
	for (size_t s = 0; s < r->plan.nsets; s++) {
		const struct suite_variant *v = set_variant(r, s);
		off_t mark = journal_mark(r->journal);
		int ret = 0;

		for (size_t k = 0; v && k < v->nknobs && !ret; k++) {
			ret = journal_set_knob(r->journal, v->knobs[k].path, v->knobs[k].value);
			if (ret)
				mmab_err("%s:%d: variant %s: cannot set %s to '%s': %s",
					 r->suite.file, v->knobs[k].line, v->name, v->knobs[k].name,
					 v->knobs[k].value, strerror(-ret));
		}
		if (!ret)
			r->as_run[s] = machine_knob_values(NULL, r->knob_names);
		if (journal_rollback(r->journal, mark)) {
			mmab_err("cannot restore the knobs of variant %s; run 'mmab restore'",
				 v ? v->name : "-");
			return MMAB_EXIT_FAIL;
		}
		if (ret)
			return MMAB_EXIT_USAGE;
	}
	return 0;
}

/* ---- one step ---- */

static const char *errstr(int ret)
{
	return strerror(ret < 0 ? -ret : ret);
}

/*
 * The knobs a workload ran with, in its metadata.json entry (as its first
 * iteration found them): with knobs.before, compare sees what differed.
 */
static void note_workload_knobs(struct run *r, size_t set, const char *id, json_t *knobs)
{
	json_t *wls = json_object_get(r->meta[set], "workloads");

	for (size_t k = 0; k < json_array_size(wls); k++) {
		json_t *w = json_array_get(wls, k);

		if (!strcmp(json_string_value(json_object_get(w, "id")) ?: "", id) &&
		    !json_object_get(w, "knobs"))
			json_object_set(w, "knobs", knobs);
	}
}

static int run_step(struct run *r, size_t i)
{
	const struct plan_step *st = &r->plan.steps[i];
	const struct suite_workload *sw = &r->suite.workloads[st->workload];
	const char *set_dir = r->set_dirs[st->set];
	struct step_record rec = {
		.row = { .workload = sw->id, .iteration = st->iteration, .status = "skipped",
			 .exit_code = -1, .duration_s = NAN },
		.info = json_object(),
	};
	char name[256], outcome[PATH_MAX + 512], *iter_dir = NULL;
	double t0 = mmab_now();
	int ret = 0, err = 0;

	step_name(r, i, name, sizeof(name));
	progress_begin(r->progress, i, name);
	if (r->skip_why[st->workload]) {
		snprintf(rec.reason, sizeof(rec.reason), "%s", r->skip_why[st->workload]);
	} else {
		struct step s = {
			.name = name, .sw = sw, .variant = set_variant(r, st->set),
			.iteration = st->iteration, .eff = r->eff[st->workload],
		};

		iter_dir = rset_iter_dir(set_dir, sw->id, st->iteration, &err);
		if (!iter_dir) {
			mmab_err("cannot create '%s/%s/%d': %s", set_dir, sw->id, st->iteration,
				 errstr(err));
			ret = MMAB_EXIT_FAIL;
			goto out;
		}
		s.iter_dir = iter_dir;
		if (step_run(&r->env, &s, &rec)) {
			ret = MMAB_EXIT_FAIL;
			goto out;
		}
	}
	if (rec.workload_knobs)
		note_workload_knobs(r, st->set, sw->id, rec.workload_knobs);
	rec.row.reason = rec.reason;
	err = rset_status_append(r->status_fd[st->set], &rec.row);
	if (err) {
		mmab_err("cannot write '%s/status.csv': %s", set_dir, errstr(err));
		ret = MMAB_EXIT_FAIL;
		goto out;
	}
	if (!strcmp(rec.row.status, "ok"))
		r->n_ok++;
	else if (!strcmp(rec.row.status, "failed"))
		r->n_failed++;
	else
		r->n_skipped++;
	/* a failure's story is in the iteration's log: say where, a CI log keeps it */
	if (iter_dir && !strcmp(rec.row.status, "failed"))
		snprintf(outcome, sizeof(outcome), "%s: %s (see %s/stderr.log)", rec.row.status,
			 rec.reason, iter_dir);
	else if (rec.reason[0])
		snprintf(outcome, sizeof(outcome), "%s: %s", rec.row.status, rec.reason);
	else
		snprintf(outcome, sizeof(outcome), "%s", rec.row.status);
	progress_end(r->progress, i, mmab_now() - t0, outcome);
out:
	json_decref(rec.info);
	json_decref(rec.workload_knobs);
	free(iter_dir);
	return ret;
}

/* ---- setup and teardown of a run ---- */

static int load_resume(struct run *r)
{
	char err[1024], *path, *ini = NULL;
	json_t *root = NULL, *sets;
	const char *first;
	int ret;

	path = xasprintf("%s/run.json", r->o.resume);
	ret = rset_json_read(path, &root, err, sizeof(err));
	free(path);
	if (ret) {
		mmab_err("--resume: %s", err);
		return MMAB_EXIT_USAGE;
	}
	sets = json_object_get(root, "sets");
	first = json_string_value(json_object_get(json_array_get(sets, 0), "label"));
	if (!first || !mmab_label_valid(first)) {
		mmab_err("%s/run.json: no result set listed", r->o.resume);
		ret = MMAB_EXIT_USAGE;
		goto out;
	}
	/* the suite exactly as it was run, from the first set's copy */
	path = xasprintf("%s/%s/suite.ini", r->o.resume, first);
	ret = mmab_read_file(path, &ini, NULL);
	if (ret) {
		mmab_err("cannot read '%s': %s", path, errstr(ret));
		free(path);
		ret = MMAB_EXIT_USAGE;
		goto out;
	}
	ret = suite_parse(path, ini, &r->suite);
	free(path);
	free(ini);
	if (ret) {
		ret = MMAB_EXIT_USAGE;
		goto out;
	}
	r->suite_loaded = true;
	ret = plan_from_json(&r->plan, root, &r->suite, err, sizeof(err));
	if (ret) {
		mmab_err("%s/run.json: %s", r->o.resume, err);
		ret = MMAB_EXIT_USAGE;
		goto out;
	}
	r->run_dir = xstrdup(r->o.resume);
out:
	json_decref(root);
	return ret;
}

static int load_new(struct run *r)
{
	struct plan_args a = { 0 };
	char err[1024], *label;
	int ret;

	ret = suite_load(r->o.suite ? r->o.suite : "quick", &r->suite);
	if (ret)
		return MMAB_EXIT_USAGE;
	r->suite_loaded = true;
	label = r->o.label ? xstrdup(r->o.label) : default_label();
	a = (struct plan_args){
		.label = label, .iterations = r->o.iterations, .only = r->o.only,
		.variants = r->o.variants, .scale = r->o.scale,
		.seed = r->suite.seed_set ? r->suite.seed : plan_random_seed(),
		.start = time(NULL),
	};
	ret = plan_build(&r->plan, &r->suite, &a, err, sizeof(err));
	free(label);
	if (ret) {
		mmab_err("%s", err);
		return MMAB_EXIT_USAGE;
	}
	return 0;
}

/* Reopen the sets of an interrupted run: their metadata gains a resume entry. */
static int reopen_sets(struct run *r)
{
	char err[1024];

	for (size_t s = 0; s < r->plan.nsets; s++) {
		char *path;
		json_t *res;

		if (mmab_mkdir_p(r->set_dirs[s], 0755))
			return -EIO;
		path = xasprintf("%s/metadata.json", r->set_dirs[s]);
		if (rset_json_read(path, &r->meta[s], err, sizeof(err)) ||
		    !json_is_object(r->meta[s])) {
			mmab_warn("%s; writing a new one", err);
			json_decref(r->meta[s]);
			r->meta[s] = set_metadata(r, s);
		}
		free(path);
		res = json_object_get(r->meta[s], "resumed");
		if (!json_is_array(res)) {
			res = json_array();
			json_object_set_new(r->meta[s], "resumed", res);
		}
		json_array_append_new(res, json_pack("{s:s, s:o}", "start", r->start_iso,
						     "argv", argv_json(r->argc, r->argv)));
		if (write_meta(r, s))
			return -EIO;
	}
	return 0;
}

static void finish_sets(struct run *r)
{
	char end[32];

	mmab_iso_time(end, sizeof(end), (double)time(NULL));
	for (size_t s = 0; s < r->plan.nsets; s++) {
		if (!r->meta[s])
			continue;
		json_object_set_new(r->meta[s], "end", json_string(end));
		write_meta(r, s);
	}
}

static void run_free(struct run *r)
{
	progress_free(r->progress);
	for (size_t s = 0; r->status_fd && s < r->plan.nsets; s++) {
		if (r->status_fd[s] >= 0)
			close(r->status_fd[s]);
		free(r->set_dirs[s]);
		json_decref(r->meta[s]);
		json_decref(r->as_run[s]);
	}
	for (size_t i = 0; r->skip_why && i < r->suite.nworkloads; i++)
		free(r->skip_why[i]);
	free(r->skip_why);
	free(r->status_fd);
	free(r->set_dirs);
	free(r->meta);
	free(r->as_run);
	free(r->eff);
	free(r->cols);
	free(r->knob_names);
	free(r->watch_names);
	free(r->run_dir);
	free(r->scratch_dir);
	json_decref(r->col_meta);
	json_decref(r->machine);
	json_decref(r->before);
	plan_free(&r->plan);
	if (r->suite_loaded)
		suite_free(&r->suite);
}

/* Validate everything; nothing on the machine changes before this returns 0. */
static int prepare(struct run *r)
{
	char why[256];
	int ret;

	r->mem_total = mem_total();
	if (!r->mem_total) {
		mmab_err("cannot read MemTotal from /proc/meminfo");
		return MMAB_EXIT_FAIL;
	}
	ret = r->o.resume ? load_resume(r) : load_new(r);
	if (ret)
		return ret;
	if (resolve_scales(r))
		return MMAB_EXIT_USAGE;
	check_supported(r);
	resolve_collectors(r);
	collect_knob_names(r);
	r->cgroup = child_cgroup_mode(why, sizeof(why));
	r->set_dirs = xcalloc(r->plan.nsets, sizeof(*r->set_dirs));
	r->status_fd = xcalloc(r->plan.nsets, sizeof(*r->status_fd));
	r->meta = xcalloc(r->plan.nsets, sizeof(*r->meta));
	r->as_run = xcalloc(r->plan.nsets, sizeof(*r->as_run));
	for (size_t s = 0; s < r->plan.nsets; s++) {
		r->status_fd[s] = -1;
		if (r->o.resume)
			r->set_dirs[s] = xasprintf("%s/%s", r->run_dir, r->plan.sets[s].label);
	}
	return 0;
}

static int open_journal(struct run *r)
{
	int ret = cmd_open_journal(&r->journal);

	if (!ret)
		journal_install_signals(r->journal);
	return ret;
}

/* A terminal that can redraw a line: not a log, not TERM=dumb (an editor's shell). */
static bool terminal(void)
{
	const char *term = getenv("TERM");

	return isatty(STDERR_FILENO) && !(term && !strcmp(term, "dumb"));
}

/* RUN_DIR/scratch, absolute: the journal takes absolute paths only. */
static int scratch_path(struct run *r)
{
	char *abs = realpath(r->run_dir, NULL);

	if (!abs) {
		mmab_err("cannot resolve '%s': %s", r->run_dir, strerror(errno));
		return -errno;
	}
	r->scratch_dir = xasprintf("%s/scratch", abs);
	free(abs);
	return 0;
}

static int execute(struct run *r)
{
	bool *done = xcalloc(r->plan.nsteps, sizeof(*done));
	double *est = xcalloc(r->plan.nsteps, sizeof(*est));
	const char **keys = xcalloc(r->plan.nsteps, sizeof(*keys));
	size_t left = 0;
	bool ballast = false;
	int ret = 0;

	mark_done(r, done);
	for (size_t i = 0; i < r->plan.nsteps; i++) {
		size_t w = r->plan.steps[i].workload;

		est[i] = run_step_estimate(r, i);
		keys[i] = r->suite.workloads[w].id;
		left += !done[i];
		ballast |= !done[i] && r->eff[w] && !r->skip_why[w];
	}
	r->progress = progress_new(r->plan.nsteps, est, keys, terminal(), stderr);
	for (size_t i = 0; i < r->plan.nsteps; i++)
		if (done[i])
			progress_done_before(r->progress, i);
	progress_note(r->progress, "run directory %s: %zu of %zu steps to run%s", r->run_dir,
		      left, r->plan.nsteps, r->o.resume ? " (resumed)" : "");
	/* what a collector makes on the machine (a tracefs instance) is journaled too */
	for (size_t c = 0; c < r->ncols; c++)
		r->cols[c].journal = r->journal;
	r->env = (struct step_env){
		.suite = &r->suite, .run_seed = r->plan.seed, .mem_total = r->mem_total,
		.scratch_dir = r->scratch_dir, .cols = r->cols, .ncols = r->ncols,
		.col_meta = r->col_meta, .watch_names = r->watch_names, .journal = r->journal,
	};
	ret = step_env_begin(&r->env, ballast);
	if (ret) {
		mmab_err("cannot set vm.compact_unevictable_allowed for the ballast: %s",
			 errstr(ret));
		ret = MMAB_EXIT_FAIL;
	} else if (ballast) {
		/* as_run is what the workloads ran with: the ballast's setting included */
		for (size_t s = 0; s < r->plan.nsets; s++)
			if (r->as_run[s])
				json_object_set_new(r->as_run[s], "vm.compact_unevictable_allowed",
						    json_string("0"));
	}
	for (size_t i = 0; i < r->plan.nsteps && !ret; i++)
		if (!done[i])
			ret = run_step(r, i);
	step_env_end(&r->env);
	if (ret)
		progress_note(r->progress, "stopped; continue with: mmab run --resume %s",
			      r->run_dir);
	free(done);
	free(est);
	free(keys);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	struct run r = { .argc = argc, .argv = argv };
	int ret, cret;

	ret = parse_args(&r.o, argc, argv);
	if (ret)
		return ret;
	ret = prepare(&r);
	if (ret)
		goto out;
	if (r.o.dry_run) {
		dry_run(&r);
		goto out;
	}
	if (!mmab_is_root()) {
		mmab_err("run needs root: it changes kernel knobs (journaled and restored), "
			 "makes memory cgroups and settles the machine; try --dry-run");
		ret = MMAB_EXIT_SKIP;
		goto out;
	}
	/* facts and knob values before anything changes */
	r.machine = machine_machine_info();
	r.before = machine_knob_values(NULL, r.knob_names);
	mmab_iso_time(r.start_iso, sizeof(r.start_iso), (double)time(NULL));
	ret = open_journal(&r);
	if (ret)
		goto out;
	ret = preflight_variants(&r);
	if (!ret && r.o.resume)
		ret = reopen_sets(&r) ? MMAB_EXIT_FAIL : 0;
	else if (!ret)
		ret = make_run_dir(&r) || create_sets(&r) ? MMAB_EXIT_FAIL : 0;
	if (!ret)
		ret = scratch_path(&r) ? MMAB_EXIT_FAIL : 0;
	if (!ret)
		ret = open_status(&r) ? MMAB_EXIT_FAIL : 0;
	if (!ret)
		ret = execute(&r);
	if (!ret)
		finish_sets(&r);
	cret = journal_close(r.journal);
	if (cret) {
		mmab_err("cannot restore every knob: %s; run 'mmab restore'", errstr(cret));
		ret = MMAB_EXIT_FAIL;
	}
	if (ret)
		goto out;
	progress_free(r.progress);
	r.progress = NULL;
	mmab_info("%u ok, %u failed, %u skipped", r.n_ok, r.n_failed, r.n_skipped);
	printf("%s\n", r.run_dir);
	/* nothing could run: every step this session was skipped */
	if (!r.n_ok && !r.n_failed && r.n_skipped)
		ret = MMAB_EXIT_SKIP;
out:
	run_free(&r);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmab collect: like `perf stat` for the memory manager.  Run any command
 * (exec'd with its argv, no shell) in its own child and memory cgroup with
 * the collectors sampling, write a result set holding one workload,
 * `command`, iteration 1, in the same schema as a `mmab run` iteration (so
 * compare, plot and report read it), and print the biggest vmstat deltas.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "collectors/sampler.h"
#include "lib/csv.h"
#include "lib/journal.h"
#include "lib/machine.h"
#include "lib/mmab.h"
#include "lib/resultset.h"
#include "runner/child.h"
#include "runner/cmdline.h"
#include "runner/cmds.h"
#include "runner/plan.h"
#include "workloads/workload.h"

const char cmd_collect_help[] =
"usage: mmab collect [-c COLLECTOR[,..]] [-i INTERVAL_MS] [-o DIR] -- COMMAND [ARGS..]\n"
"\n"
"Run COMMAND (exec'd directly, no shell) in its own memory cgroup while the\n"
"collectors sample, write a result set into DIR, and print the biggest\n"
"/proc/vmstat deltas between the first and the last sample.  Like `perf stat`,\n"
"for the memory manager.  Needs root (memory cgroup).\n"
"\n"
"  -c, --collectors LIST  collectors to run (`mmab list collectors`); default:\n"
"                         the default set\n"
"  -i, --interval MS      sampling interval of every chosen collector in\n"
"                         milliseconds (default: each collector's own)\n"
"  -o, --output DIR       the result set to write (must not exist, or be empty);\n"
"                         default: ./results/collect-YYYYmmdd-HHMMSS\n"
"  -h, --help             this help\n"
"\n"
"DIR gets metadata.json, status.csv and command/1/ with one CSV per collector,\n"
"metrics.csv (elapsed_s, memory_peak_bytes, oom_kills) and stderr.log (the\n"
"command's stderr; its stdout is left on the terminal).  Every collector\n"
"samples at the start and at the end, so first-to-last deltas are exact.\n"
"The last line on stdout is DIR.  SIGINT/SIGTERM end the command (it is\n"
"killed with its cgroup) and the result set is still written.\n"
"\n"
"Exit status: 0 the command exited 0; 1 it failed (non-zero exit, signal, OOM\n"
"kill; recorded in status.csv) or mmab failed; 2 bad usage, or COMMAND not\n"
"found; 4 not root; 128+N mmab got signal N.\n";

#define SUMMARY_ROWS 12

struct collect_opts {
	const char *collectors;
	const char *outdir;
	unsigned interval_ms;
	char **command;
};

static int parse_args(struct collect_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "collectors", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	long n;
	int c;

	opterr = 0;
	optind = 1;
	/* '+': the command's own options are not ours */
	while ((c = getopt_long(argc, argv, "+:c:i:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->collectors = optarg; break;
		case 'o': o->outdir = optarg; break;
		case 'i':
			if (mmab_parse_long(optarg, &n) || n < 1 || n > 3600000)
				return cmd_usage_error(cmd_collect_help, "-i '%s': expected "
						       "milliseconds, 1 to 3600000", optarg);
			o->interval_ms = (unsigned)n;
			break;
		case ':':
			return cmd_usage_error(cmd_collect_help, "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cmd_usage_error(cmd_collect_help, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cmd_usage_error(cmd_collect_help, "no command to run");
	o->command = argv + optind;
	return 0;
}

/* The chosen collectors (names validated), intervals resolved. */
static int pick_collectors(const struct collect_opts *o, struct collector_cfg **cfgs,
			   size_t *n, json_t *meta)
{
	size_t all = 0, k = 0;
	char *copy, *save = NULL;

	while (collectors[all])
		all++;
	*cfgs = xcalloc(all ? all : 1, sizeof(**cfgs));
	if (!o->collectors) {
		for (size_t i = 0; i < all; i++)
			if (collectors[i]->flags & COL_DEFAULT)
				(*cfgs)[k++].c = collectors[i];
	} else {
		copy = xstrdup(o->collectors);
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			const struct collector *c = collector_find(t);
			bool dup = false;

			if (!c) {
				char *valid = xstrdup("");

				for (size_t i = 0; i < all; i++) {
					char *next = xasprintf("%s%s%s", valid, i ? ", " : "",
							       collectors[i]->name);

					free(valid);
					valid = next;
				}
				mmab_err("unknown collector '%s'; valid: %s", t, valid);
				free(valid);
				free(copy);
				return -EINVAL;
			}
			for (size_t i = 0; i < k; i++)
				dup |= (*cfgs)[i].c == c;
			if (!dup && k < all)
				(*cfgs)[k++].c = c;
		}
		free(copy);
	}
	*n = 0;
	for (size_t i = 0; i < k; i++) {
		struct collector_cfg cfg = (*cfgs)[i];
		char why[256] = "";
		bool ok = !cfg.c->available || !cfg.c->available(why, sizeof(why));

		cfg.interval_ms = o->interval_ms ? o->interval_ms : cfg.c->default_interval_ms;
		json_array_append_new(meta, json_pack("{s:s, s:I, s:s}", "name", cfg.c->name,
			"interval_ms", (json_int_t)cfg.interval_ms,
			"status", ok ? "ok" : (why[0] ? why : "unavailable")));
		if (ok)
			(*cfgs)[(*n)++] = cfg;
		else
			mmab_warn("collector %s cannot run here: %s", cfg.c->name, why);
	}
	return 0;
}

/* DIR must be new or empty: a result set is never overwritten. */
static int check_outdir(const char *dir)
{
	char *meta = xasprintf("%s/metadata.json", dir);
	struct dirent *de;
	bool empty = true;
	struct stat st;
	DIR *d;
	int ret = 0;

	if (stat(dir, &st))
		goto out;
	if (!S_ISDIR(st.st_mode)) {
		mmab_err("-o '%s' exists and is not a directory", dir);
		ret = MMAB_EXIT_USAGE;
		goto out;
	}
	d = opendir(dir);
	while (d && (de = readdir(d)))
		empty &= !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	if (!empty) {
		mmab_err("-o '%s' exists and is not empty%s", dir,
			 access(meta, F_OK) ? "" : " (it holds a result set)");
		ret = MMAB_EXIT_USAGE;
	}
out:
	free(meta);
	return ret;
}

static const char *label_of(const char *dir)
{
	const char *base = strrchr(dir, '/');

	base = base ? base + 1 : dir;
	return mmab_label_valid(base) ? base : "collect";
}

static char *join_argv(char **argv)
{
	char *s = xstrdup("");

	for (size_t i = 0; argv[i]; i++) {
		char *next = xasprintf("%s%s%s", s, i ? " " : "", argv[i]);

		free(s);
		s = next;
	}
	return s;
}

static json_t *collect_metadata(const char *dir, const struct collect_opts *o, int argc,
				char **argv, const char *start, json_t *machine, json_t *knobs,
				json_t *colmeta, const char *cgroup)
{
	const char *keys[] = { "uname", "cmdline", "kernel_config_sha256", "hostname",
			       "cpu_model", "cpus", "mem_total_kb", "thp", NULL };
	const char *label = label_of(dir);
	json_t *m = json_object(), *av = json_array(), *cmd = json_array();
	char *line = join_argv(o->command);

	json_array_append_new(av, json_string("mmab"));
	for (int i = 0; i < argc; i++)
		json_array_append_new(av, json_string(argv[i]));
	for (size_t i = 0; o->command[i]; i++)
		json_array_append_new(cmd, json_string(o->command[i]));
	json_object_set_new(m, "mmab_version", json_string(MMAB_VERSION));
	json_object_set_new(m, "label", json_string(label));
	json_object_set_new(m, "variant", json_null());
	json_object_set_new(m, "run_id", json_string(label));
	json_object_set_new(m, "suite", json_pack("{s:s, s:n, s:i, s:s, s:b, s:s}",
		"name", "collect", "file", "iterations", 1, "scale", "100%", "settle", 0,
		"order", "interleaved"));
	json_object_set_new(m, "start", json_string(start));
	json_object_set_new(m, "end", json_null());
	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(machine, keys[i]);

		json_object_set(m, keys[i], v ? v : json_null());
	}
	json_object_set_new(m, "knobs", json_pack("{s:O, s:O}", "before", knobs, "as_run", knobs));
	json_object_set_new(m, "storage", machine_storage_info(dir));
	json_object_set_new(m, "cgroup", json_string(cgroup ? cgroup : "none"));
	json_object_set_new(m, "effective_memory_bytes", json_null());
	json_object_set(m, "collectors", colmeta);
	json_object_set_new(m, "workloads", json_pack("[{s:s, s:s, s:{s:s}}]", "id", "command",
		"workload", "command", "options", "command", line));
	json_object_set_new(m, "seed", json_null());
	json_object_set_new(m, "argv", av);
	json_object_set_new(m, "command", cmd);
	free(line);
	return m;
}

/* metrics.csv of the command: what the runner measured around it. */
static int write_metrics(const char *iter_dir, const struct child_result *res)
{
	char *path = xasprintf("%s/metrics.csv", iter_dir);
	struct wl_ctx ctx = { .iter_dir = iter_dir };
	int ret = 0;

	ctx.metrics = fopen(path, "w");
	if (!ctx.metrics) {
		ret = -errno;
		goto out;
	}
	fputs("metric,value,unit,direction,aggregate\n", ctx.metrics);
	ret = wl_metric(&ctx, "elapsed_s", res->duration_s, "s", METRIC_LOWER, AGG_MEAN);
	if (!ret)
		ret = wl_metric(&ctx, "memory_peak_bytes",
				res->memory_peak ? (double)res->memory_peak : NAN, "bytes",
				METRIC_LOWER, AGG_MAX);
	if (!ret)
		ret = wl_metric(&ctx, "oom_kills", (double)res->oom_kills, "kills", METRIC_LOWER,
				AGG_TOTAL);
	if (fclose(ctx.metrics) && !ret)
		ret = -errno;
out:
	if (ret)
		mmab_err("cannot write '%s': %s", path, strerror(-ret));
	free(path);
	return ret;
}

static int by_size(const void *a, const void *b)
{
	const struct csv_delta *x = a, *y = b;
	double dx = fabs(x->last - x->first), dy = fabs(y->last - y->first);

	if (isnan(dx))
		dx = -1;
	if (isnan(dy))
		dy = -1;
	return dx < dy ? 1 : dx > dy ? -1 : strcmp(x->name, y->name);
}

/* The biggest first-to-last changes in vmstat.csv, on stdout. */
static void print_summary(const char *iter_dir)
{
	char *path = xasprintf("%s/vmstat.csv", iter_dir);
	struct csv_delta *d = NULL;
	ssize_t n = csv_deltas(path, &d);
	int shown = 0;

	if (n < 0) {
		printf("no vmstat samples (%s); no summary\n", path);
		goto out;
	}
	qsort(d, (size_t)n, sizeof(*d), by_size);
	printf("biggest /proc/vmstat changes, first to last sample:\n");
	for (ssize_t i = 0; i < n && shown < SUMMARY_ROWS; i++) {
		double delta = d[i].last - d[i].first;

		if (isnan(delta) || delta == 0)
			break;
		printf("  %-32s %+18.0f  (%.0f -> %.0f)\n", d[i].name, delta, d[i].first,
		       d[i].last);
		shown++;
	}
	if (!shown)
		printf("  (no counter changed)\n");
out:
	csv_deltas_free(d, n > 0 ? (size_t)n : 0);
	free(path);
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/*
 * SIGINT/SIGTERM/SIGHUP only note the signal: child_run kills the command's
 * cgroup and returns, and the result set is completed, as `perf stat` does
 * when the user stops a long command.
 */
static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void print_outcome(const struct child_result *res, const char *line)
{
	char peak[32] = "?";

	if (res->memory_peak)
		mmab_format_size(peak, sizeof(peak), res->memory_peak);
	if (got_signal)
		printf("%s: stopped after %.2f s (mmab got %s), memory peak %s\n", line,
		       res->duration_s, strsignal(got_signal), peak);
	else if (res->outcome == CHILD_FAILED && !strcmp(res->reason, "signal"))
		printf("%s: killed by signal %d after %.2f s, memory peak %s\n", line, res->signal,
		       res->duration_s, peak);
	else if (res->outcome == CHILD_FAILED && strcmp(res->reason, "exit"))
		printf("%s: failed (%s) after %.2f s, memory peak %s\n", line, res->reason,
		       res->duration_s, peak);
	else
		printf("%s: exit %d in %.2f s, memory peak %s\n", line, res->exit_code,
		       res->duration_s, peak);
}

struct collect {
	struct collect_opts o;
	char *dir;
	char *iter_dir;
	json_t *meta;
	json_t *colmeta;
	struct collector_cfg *cfgs;
	size_t ncfgs;
	struct journal *journal;
	int status_fd;
};

/* Create DIR, its metadata.json and status.csv. */
static int start_set(struct collect *c, int argc, char **argv)
{
	char start[32], why[256], *path;
	json_t *machine = machine_info(), *knobs = machine_knob_values(NULL, machine_standard_knobs);
	int ret, err = 0;

	mmab_iso_time(start, sizeof(start), (double)time(NULL));
	c->iter_dir = rset_iter_dir(c->dir, "command", 1, &err);
	if (!c->iter_dir) {
		mmab_err("cannot create '%s/command/1': %s", c->dir, strerror(-err));
		json_decref(machine);
		json_decref(knobs);
		return err;
	}
	/* DIR exists now: metadata.json says what it is on */
	c->meta = collect_metadata(c->dir, &c->o, argc, argv, start, machine, knobs, c->colmeta,
				   child_cgroup_mode(why, sizeof(why)));
	json_decref(machine);
	json_decref(knobs);
	path = xasprintf("%s/metadata.json", c->dir);
	ret = rset_json_write(path, c->meta);
	if (ret)
		mmab_err("cannot write '%s': %s", path, strerror(-ret));
	free(path);
	if (ret)
		return ret;
	path = xasprintf("%s/status.csv", c->dir);
	c->status_fd = rset_status_open(path);
	if (c->status_fd < 0)
		mmab_err("cannot write '%s': %s", path, strerror(-c->status_fd));
	free(path);
	return c->status_fd < 0 ? c->status_fd : 0;
}

/* Run the command with the collectors sampling; record how it ended. */
static int run_command(struct collect *c, struct child_result *res)
{
	char *log = xasprintf("%s/stderr.log", c->iter_dir);
	struct child_spec spec = {
		.name = "command", .argv = c->o.command, .stderr_path = log,
		.journal = c->journal,
	};
	struct rset_status_row row = { .workload = "command", .iteration = 1, .exit_code = -1,
				     .duration_s = NAN };
	struct sampler *sampler = NULL;
	char end[32], *path;
	int ret;

	if (c->ncfgs) {
		/* what fails is reported by the sampler, which knows which collector and why */
		if (sampler_start(&sampler, c->iter_dir, c->cfgs, c->ncfgs))
			sampler = NULL;
		sampler_record_dropped(c->colmeta, c->cfgs, c->ncfgs, sampler);
	}
	ret = child_run(&spec, res);
	sampler_stop(sampler);
	free(log);
	if (ret)
		return ret;
	row.status = res->outcome == CHILD_OK ? "ok" : "failed";
	/* exit 4 means "skipped" to mmab's workloads, but is just a status to a command */
	row.reason = res->outcome == CHILD_OK ? "" :
		     res->outcome == CHILD_SKIPPED ? "exit" : res->reason;
	row.exit_code = res->exit_code;
	row.signal = res->signal;
	row.duration_s = res->duration_s;
	ret = write_metrics(c->iter_dir, res);
	if (!ret) {
		ret = rset_status_append(c->status_fd, &row);
		if (ret)
			mmab_err("cannot write '%s/status.csv': %s", c->dir, strerror(-ret));
	}
	mmab_iso_time(end, sizeof(end), (double)time(NULL));
	json_object_set_new(c->meta, "end", json_string(end));
	path = xasprintf("%s/metadata.json", c->dir);
	if (!ret) {
		ret = rset_json_write(path, c->meta);
		if (ret)
			mmab_err("cannot write '%s': %s", path, strerror(-ret));
	}
	free(path);
	return ret;
}

/* Everything checked before anything changes: collectors, the command, the output. */
static int check_request(struct collect *c)
{
	c->colmeta = json_array();
	if (pick_collectors(&c->o, &c->cfgs, &c->ncfgs, c->colmeta))
		return MMAB_EXIT_USAGE;
	if (!mmab_found(c->o.command[0])) {
		mmab_err("command '%s' not found", c->o.command[0]);
		return MMAB_EXIT_USAGE;
	}
	c->dir = c->o.outdir ? xstrdup(c->o.outdir) : plan_run_id("results/collect", time(NULL));
	return check_outdir(c->dir);
}

int cmd_collect(int argc, char **argv)
{
	struct collect c = { .status_fd = -1 };
	struct child_result res = { 0 };
	char *line = NULL;
	int ret, cret;

	ret = parse_args(&c.o, argc, argv);
	if (ret)
		return ret;
	ret = check_request(&c);
	if (ret)
		goto out;
	if (!mmab_is_root()) {
		mmab_err("collect needs root: the command runs in its own memory cgroup");
		ret = MMAB_EXIT_SKIP;
		goto out;
	}
	ret = cmd_open_journal(&c.journal);
	if (ret)
		goto out;
	install_signals();
	/* what a collector makes on the machine (a tracefs instance) is journaled too */
	for (size_t i = 0; i < c.ncfgs; i++)
		c.cfgs[i].journal = c.journal;
	ret = start_set(&c, argc, argv) ? MMAB_EXIT_FAIL : 0;
	if (!ret)
		ret = run_command(&c, &res) ? MMAB_EXIT_FAIL : 0;
	cret = journal_close(c.journal);
	if (cret) {
		mmab_err("cannot undo what collect changed: %s; run 'mmab restore'",
			 strerror(-cret));
		ret = MMAB_EXIT_FAIL;
	}
	if (ret)
		goto out;
	line = join_argv(c.o.command);
	print_outcome(&res, line);
	print_summary(c.iter_dir);
	printf("%s\n", c.dir);
	if (got_signal)
		ret = 128 + got_signal;
	else if (res.outcome != CHILD_OK)
		ret = MMAB_EXIT_FAIL;
out:
	if (c.status_fd >= 0)
		close(c.status_fd);
	json_decref(c.meta);
	json_decref(c.colmeta);
	free(c.cfgs);
	free(c.dir);
	free(c.iter_dir);
	free(line);
	return ret;
}

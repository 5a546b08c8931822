/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmab run: the command.  Arguments, loading the suite and building its
 * plan (runner/plan.h), or reloading both for --resume; then the run
 * (runner/run.h): everything is validated before the machine is touched,
 * the result sets are written (run-sets.c) and each step is run
 * (run-exec.c), its outcome in status.csv before the next starts, so a
 * crash or a kill loses at most the step that was running and `--resume`
 * redoes exactly that one.
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

#include "boot/guest.h"
#include "boot/kernel.h"
#include "boot/kexec.h"
#include "history/history.h"
#include "lib/journal.h"
#include "lib/machine.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "runner/child.h"
#include "runner/cmdline.h"
#include "runner/cmds.h"
#include "runner/plan.h"
#include "runner/progress.h"
#include "runner/run.h"
#include "runner/suite.h"

const char cmd_run_help[] =
"usage: mmab run [-s SUITE] [-l LABEL] [-o RESULTS_DIR] [-n ITERATIONS]\n"
"                [--scale PCT|SIZE] [--only WORKLOAD[,..]] [--variant NAME[,..]]\n"
"                [--kernel [NAME=]KERNEL ... [--boots N] [--kexec]]\n"
"                [--resume RUN_DIR] [--dry-run] [--history [DB]]\n"
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
"      --kernel [NAME=]KERNEL\n"
"                         boot KERNEL and run the suite in it (repeat for an A/B):\n"
"                         a linux-image-*.deb, a bzImage (IMAGE,modules=DIR), a\n"
"                         kernel build tree or an installed release; NAME\n"
"                         (default: the release) names its result sets\n"
"                         LABEL-NAME[-VARIANT]; -l defaults to the suite's name\n"
"      --boots N          boot each kernel N times, alternating A B A B, the\n"
"                         iterations spread over its boots (default 2)\n"
"      --kexec            boot the kernels on this machine (bare metal), each\n"
"                         boot a kexec from the one before: mmab-resume.service\n"
"                         (`make install`) continues the run after each boot,\n"
"                         the last followed by a kexec back to this kernel;\n"
"                         `mmab restore` cancels it.  Exit 4 without systemd\n"
"                         as PID 1 or kexec; --dry-run says what is missing\n"
"      --resume RUN_DIR   continue an interrupted run at its first step without\n"
"                         a row in status.csv (the plan comes from run.json)\n"
"      --dry-run          print the plan (order of iterations, knobs that would\n"
"                         change, estimated time) and touch nothing\n"
"      --history [DB]     import the result sets into the history when the run\n"
"                         ends (`mmab help history`); DB: $MMAB_HISTORY, else\n"
"                         RESULTS_DIR/history.sqlite.  Checked before the run\n"
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
"failure (or the history import failed: the run is kept), 2 bad usage or suite\n"
"(nothing changed), 4 nothing could run here\n"
"(not root, or every workload unsupported), 128+N killed by signal N.\n";

/* Options that cannot go together: exit 2 before anything is touched. */
static int check_combination(const struct run_opts *o, int argc)
{
	if (o->resume && o->guest)
		return cmd_usage_error(cmd_run_help, "--guest and --resume cannot go together");
	if ((o->resume || o->guest) && (o->suite || o->label || o->outdir || o->iterations ||
					o->scale || o->only || o->variants || o->nkernels ||
					o->boots))
		return cmd_usage_error(cmd_run_help, "%s continues the plan recorded in %s; it "
				       "takes no -s, -l, -o, -n, --scale, --only, --variant, "
				       "--kernel or --boots", o->guest ? "--guest" : "--resume",
				       o->guest ? "JOB/run.json" : "RUN_DIR/run.json");
	if (o->kexec_resume && argc > 2)
		return cmd_usage_error(cmd_run_help, "--kexec-resume (what " KEXEC_UNIT " runs) "
				       "takes no other option: the run's state says it all");
	if (o->history && (o->kexec || o->kexec_resume))
		return cmd_usage_error(cmd_run_help, "--history imports a run when it ends; a "
				       "multi-boot kexec run ends after several boots: import it then "
				       "with `mmab history add`");
	if (o->resume && o->kexec && !o->dry_run)
		return cmd_usage_error(cmd_run_help, "--resume continues the plan recorded in "
				       "RUN_DIR/run.json, its backend included; it takes no --kexec");
	return 0;
}

/* One line an option: the table and the switch are long, not complicated. */
static int parse_args(struct run_opts *o, int argc, char **argv)
{
	enum { OPT_SCALE = 256, OPT_ONLY, OPT_VARIANT, OPT_RESUME, OPT_DRY, OPT_KERNEL,
	       OPT_BOOTS, OPT_GUEST, OPT_KEXEC, OPT_KEXEC_RESUME, OPT_HISTORY };
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
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "boots", required_argument, NULL, OPT_BOOTS },
		{ "kexec", no_argument, NULL, OPT_KEXEC },
		{ "kexec-resume", no_argument, NULL, OPT_KEXEC_RESUME },
		{ "guest", required_argument, NULL, OPT_GUEST },
		{ "history", optional_argument, NULL, OPT_HISTORY },
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
		case OPT_GUEST: o->guest = optarg; break;
		case OPT_KERNEL:
			o->kernels = xrealloc(o->kernels, (o->nkernels + 1) * sizeof(*o->kernels));
			o->kernels[o->nkernels++] = optarg;
			break;
		case OPT_BOOTS:
			if (mmab_parse_long(optarg, &n) || n < 1 || n > 1000)
				return cmd_usage_error(cmd_run_help, "--boots '%s': expected a number "
						       "of boots per kernel, 1 to 1000", optarg);
			o->boots = (int)n;
			break;
		case OPT_KEXEC: o->kexec = true; break;
		case OPT_KEXEC_RESUME: o->kexec_resume = true; break;
		case OPT_HISTORY:
			/* run takes no operand: a word after --history is its DB */
			o->history = true;
			o->history_db = optarg ? optarg : optind < argc && argv[optind][0] != '-'
					? argv[optind++] : NULL;
			break;
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
	return check_combination(o, argc);
}

/* The kernel release as a label: characters a label may not hold become '-'. */
static char *default_label(void)
{
	struct utsname u;
	char *l = uname(&u) ? NULL : mmab_label_from(u.release);

	return l ? l : xstrdup("mmab");
}
/* ---- setup and teardown of a run ---- */

/*
 * A plan recorded in DIR/run.json and the suite it was made from
 * (SUITE_DIR/suite.ini, the first set's directory when NULL), parsed as
 * FLAGS say (a kernel A/B's host: its knobs are the booted kernels').
 * 0 or MMAB_EXIT_USAGE (reported).
 */
static int load_recorded(struct run *r, const char *dir, const char *suite_dir, unsigned flags)
{
	char err[1024], *path, *ini = NULL;
	json_t *root = NULL, *sets;
	const char *first;
	int ret;

	path = xasprintf("%s/run.json", dir);
	ret = rset_json_read(path, &root, err, sizeof(err));
	free(path);
	if (ret) {
		mmab_err("%s", err);
		return MMAB_EXIT_USAGE;
	}
	sets = json_object_get(root, "sets");
	first = json_string_value(json_object_get(json_array_get(sets, 0), "label"));
	if (!first || !mmab_label_valid(first)) {
		mmab_err("%s/run.json: no result set listed", dir);
		ret = MMAB_EXIT_USAGE;
		goto out;
	}
	/* the suite exactly as it was run, from the first set's copy */
	path = suite_dir ? xasprintf("%s/suite.ini", suite_dir)
			 : xasprintf("%s/%s/suite.ini", dir, first);
	ret = mmab_read_file(path, &ini, NULL);
	if (ret) {
		mmab_err("cannot read '%s': %s", path, strerror(-ret));
		free(path);
		ret = MMAB_EXIT_USAGE;
		goto out;
	}
	if (json_array_size(json_object_get(root, "kernels")) && !(flags & SUITE_GUEST))
		flags |= SUITE_BOOTS;
	ret = suite_parse(path, ini, &r->suite, flags);
	free(path);
	free(ini);
	if (ret) {
		ret = MMAB_EXIT_USAGE;
		goto out;
	}
	r->suite_loaded = true;
	ret = plan_from_json(&r->plan, root, &r->suite, err, sizeof(err));
	if (ret) {
		mmab_err("%s/run.json: %s", dir, err);
		ret = MMAB_EXIT_USAGE;
	}
out:
	json_decref(root);
	return ret;
}
static int load_resume(struct run *r)
{
	int ret = load_recorded(r, r->o.resume, NULL, 0);

	if (!ret)
		r->run_dir = xstrdup(r->o.resume);
	return ret;
}
/*
 * --guest JOB (hidden: `mmab guest` runs it inside a booted kernel): that
 * boot's share of a kernel A/B, JOB/run.json and JOB/suite.ini as the host
 * wrote them, run into JOB/run with this kernel checking the suite's knobs.
 */
static int load_guest(struct run *r)
{
	int ret = load_recorded(r, r->o.guest, r->o.guest, SUITE_GUEST);

	if (ret)
		return ret;
	r->run_dir = xasprintf("%s/run", r->o.guest);
	r->channel_fd = guest_channel_fd();
	return 0;
}
static int load_new(struct run *r)
{
	struct plan_args a = { 0 };
	struct kernel *ks = NULL;
	char err[1024], *label;
	size_t nk = 0;
	int ret;

	ret = suite_load(r->o.suite ? r->o.suite : "quick", &r->suite,
			 r->o.nkernels ? SUITE_BOOTS : 0);
	if (ret)
		return MMAB_EXIT_USAGE;
	r->suite_loaded = true;
	ret = run_gather_kernels(r, &ks, &nk);
	if (ret)
		return ret;
	if (r->o.boots && !nk) {
		mmab_err("--boots is for a run that boots kernels: add --kernel");
		free(ks);
		return MMAB_EXIT_USAGE;
	}
	if (r->o.kexec && !nk) {
		mmab_err("--kexec boots kernels under test on this machine: add --kernel "
			 "(or [kernel] sections to the suite)");
		free(ks);
		return MMAB_EXIT_USAGE;
	}
	/* a kernel A/B is named by what it runs; its sets by the kernels */
	label = r->o.label ? xstrdup(r->o.label) : nk ? xstrdup(r->suite.name) : default_label();
	a = (struct plan_args){
		.label = label, .iterations = r->o.iterations, .only = r->o.only,
		.variants = r->o.variants, .scale = r->o.scale,
		.seed = r->suite.seed_set ? r->suite.seed : plan_random_seed(),
		.start = time(NULL), .kernels = ks, .nkernels = nk, .boots = r->o.boots,
		.backend = r->o.kexec ? "kexec" : NULL,
	};
	ret = plan_build(&r->plan, &r->suite, &a, err, sizeof(err));
	free(label);
	for (size_t k = 0; k < nk; k++)
		kernel_free(&ks[k]);
	free(ks);
	if (ret) {
		mmab_err("%s", err);
		return MMAB_EXIT_USAGE;
	}
	return 0;
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
	run_boots_free(r);
	plan_free(&r->plan);
	if (r->suite_loaded)
		suite_free(&r->suite);
	free(r->o.kernels);
	if (r->kx)
		kexec_state_free(r->kx);
	free(r->kx);
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
	ret = r->o.resume ? load_resume(r) : r->o.guest ? load_guest(r) : load_new(r);
	if (ret)
		return ret;
	if (run_resolve(r))
		return MMAB_EXIT_USAGE;
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
/*
 * --history: the store, checked before anything runs (a typo must not
 * cost a night); with IMPORT, the sets imported.  0 or an exit code.
 */
static int run_history(const struct run *r, bool import)
{
	char *dir = r->o.resume ? xasprintf("%s/..", r->o.resume) : NULL;
	char *db = r->o.history_db ? xstrdup(r->o.history_db)
		   : hstore_default(r->o.outdir ? r->o.outdir : dir);
	struct hstore *h;
	int ret;

	if (!import) {
		ret = hstore_open(db, true, &h);
		hstore_close(h);
		ret = ret ? -ret : 0;
	} else {
		ret = history_add_args(db, r->set_dirs, r->plan.nsets);
		if (ret)
			mmab_err("the run is in '%s'; import it later with: mmab history add "
				 "--db '%s' '%s'", r->run_dir, db, r->run_dir);
	}
	free(db);
	free(dir);
	return ret;
}

/*
 * A multi-boot kexec run: its dry run (or where a run stands), the resume
 * after a boot that mmab-resume.service starts, or its first kexec.
 */
static int kexec_command(struct run *r)
{
	int ret = run_kexec_check(r);

	if (ret)
		return ret;
	if (r->o.dry_run) {
		run_dry(r);
		if (r->o.resume)
			run_kexec_status(r);
		else
			run_kexec_dry(r);
		return 0;
	}
	if (r->o.kexec_resume)
		return run_kexec_resume(r);
	if (r->o.resume) {
		mmab_err("%s is a multi-boot kexec run: mmab-resume.service continues it "
			 "after each boot (`systemctl start " KEXEC_UNIT "` continues it "
			 "now; `mmab run --dry-run --resume %s` shows where it stands)",
			 r->o.resume, r->o.resume);
		return MMAB_EXIT_USAGE;
	}
	return run_kexec_start(r);
}

int cmd_run(int argc, char **argv)
{
	struct run r = { .argc = argc, .argv = argv, .channel_fd = -1 };
	int ret;

	ret = parse_args(&r.o, argc, argv);
	if (ret)
		goto out;
	if (r.o.kexec_resume) {
		ret = run_kexec_resume_load(&r);
		if (ret)
			goto out;
	}
	ret = prepare(&r);
	if (ret)
		goto out;
	if (r.plan.backend && !strcmp(r.plan.backend, "kexec")) {
		ret = kexec_command(&r);
		goto out;
	}
	if (r.o.dry_run) {
		run_dry(&r);
		goto out;
	}
	if (!mmab_is_root()) {
		mmab_err("run needs root: it changes kernel knobs (journaled and restored), "
			 "makes memory cgroups and settles the machine; try --dry-run");
		ret = MMAB_EXIT_SKIP;
		goto out;
	}
	if (r.o.history && (ret = run_history(&r, false)))
		goto out;
	ret = run_session(&r);
	if (ret)
		goto out;
	progress_free(r.progress);
	r.progress = NULL;
	mmab_info("%u ok, %u failed, %u skipped", r.n_ok, r.n_failed, r.n_skipped);
	printf("%s\n", r.run_dir);
	/* nothing could run: every step this session was skipped */
	if (!r.n_ok && !r.n_failed && r.n_skipped)
		ret = MMAB_EXIT_SKIP;
	else if (r.o.history)
		ret = run_history(&r, true) ? MMAB_EXIT_FAIL : ret;
out:
	run_free(&r);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmab history: the nightly results store (history/history.h).  add
 * imports result sets, list shows the runs, check finds change points and
 * judges the newest night (the gate of a nightly job), site publishes the
 * static trend site.  Reads result sets and the store only: needs no root
 * and touches nothing on the machine.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "history/history.h"
#include "history/site.h"
#include "runner/cmdline.h"
#include "runner/cmds.h"
#include "lib/mmab.h"

const char cmd_history_help[] =
"usage: mmab history add   [--db DB] RUN_DIR|RESULT_SET..\n"
"       mmab history list  [--db DB] [-f text|json]\n"
"       mmab history check [--db DB] [-f text|json|md] [PARAMETERS]\n"
"       mmab history site  [--db DB] -o DIR [PARAMETERS]\n"
"\n"
"Remember every night's results and tell when a benchmark changed.\n"
"\n"
"  add     import result sets (a run directory: every set in it) in one\n"
"          transaction; a set already there (same host, run id and set) is\n"
"          skipped, so importing twice is importing once.  Warns when a\n"
"          label or kernel name was defaulted to the kernel release (it then\n"
"          changes with every kernel and starts new series)\n"
"  list    the runs in the store, oldest first\n"
"  check   change points of every series, and the newest night of each\n"
"          against its current segment; exits 3 when the newest night has a\n"
"          regression (the gate of a nightly job)\n"
"  site    a static HTML site in DIR: index.html (regressions and\n"
"          improvements, newest first), a page per workload with a trend plot\n"
"          per metric (PNG and SVG, with their data and gnuplot scripts),\n"
"          regressions.xml (Atom) and history.json (everything)\n"
"\n"
"  --db DB              the store: a file (SQLite), a postgresql://... URI or\n"
"                       libpq \"key=value\" words (a server a fleet of machines\n"
"                       writes to); default $MMAB_HISTORY, else\n"
"                       results/history.sqlite\n"
"  -f, --format FMT     list: text or json; check: text, md or json\n"
"  -o, --output DIR     site: where to write it\n"
"\n"
"A series is (host, label, kernel, variant, workload, metric), read from each\n"
"set's metadata.json: one value per run, the metric's aggregate over the\n"
"iterations that succeeded (compare's derived summaries included), ordered\n"
"by the run's start.  Change points: E-Divisive means with Student's t-test\n"
"as Apache Otava does it (sliding windows, a weak first pass at 10x the p,\n"
"a merge).  PARAMETERS (all in check's JSON output):\n"
"  --window N           values per sliding window (default 50)\n"
"  --max-p P            a change point's p after the merge (default 0.0001)\n"
"  --min-magnitude M    relative change a change point must exceed (default 0)\n"
"  --min-segment N      runs on either side of a change point (default 3)\n"
"  --fdr Q              the newest night: Benjamini-Hochberg level (default 0.05)\n"
"\n"
"The newest run of each host cannot be a change point yet: each of its\n"
"series is judged against the segment it would extend, with the iteration\n"
"values (Welch, as compare does): regression, improvement (change, for\n"
"metrics without a better direction), no difference proven, or cannot judge\n"
"(fewer than 3 values a side).  A series missing from its host's newest run\n"
"is reported as stopped and not judged.\n"
"\n"
"Exit status: 0 ok; 3 (check) a regression in the newest night; 1 mmab or\n"
"the store failed (an unreachable server is not a regression); 2 bad usage,\n"
"a result set that cannot be read, a corrupt or foreign database (nothing\n"
"written).\n";

/* ---- options ---- */

enum { OPT_DB = 256, OPT_WINDOW, OPT_MAX_P, OPT_MIN_MAG, OPT_MIN_SEG, OPT_FDR };

struct hopts {
	const char *db;
	const char *outdir;
	enum history_fmt fmt;
	struct history_params params;
};

static int parse_fmt(const char *sub, const char *s, bool md, enum history_fmt *fmt)
{
	if (!strcmp(s, "text"))
		*fmt = HF_TEXT;
	else if (!strcmp(s, "json"))
		*fmt = HF_JSON;
	else if (md && !strcmp(s, "md"))
		*fmt = HF_MD;
	else
		return cmd_usage_error(cmd_history_help, "history %s: unknown format '%s' (%s)",
				       sub, s, md ? "text, md, json" : "text, json");
	return 0;
}

/* A number in [lo, hi] for OPT, or the usage error. */
static int num_opt(const char *opt, const char *s, double lo, double hi, bool whole, double *out)
{
	if (mmab_parse_double(s, out) || !(*out >= lo && *out <= hi) ||
	    (whole && *out != (double)(long)*out))
		return cmd_usage_error(cmd_history_help, "%s '%s': expected %s from %g to %g", opt,
				       s, whole ? "a whole number" : "a number", lo, hi);
	return 0;
}

static int parse_param(int c, struct history_params *p)
{
	double v;
	int ret = 0;

	switch (c) {
	case OPT_WINDOW:
		ret = num_opt("--window", optarg, 2, 100000, true, &v);
		p->cpd.window = (int)v;
		break;
	case OPT_MAX_P:
		ret = num_opt("--max-p", optarg, 1e-300, 1, false, &p->cpd.max_p);
		break;
	case OPT_MIN_MAG:
		ret = num_opt("--min-magnitude", optarg, 0, 1e9, false, &p->cpd.min_magnitude);
		break;
	case OPT_MIN_SEG:
		ret = num_opt("--min-segment", optarg, 1, 100000, true, &v);
		p->cpd.min_segment = (int)v;
		break;
	case OPT_FDR:
		ret = num_opt("--fdr", optarg, 1e-300, 1, false, &p->fdr);
		break;
	}
	return ret;
}

/* The options of SUB; ARGS (positional) are left from optind on. */
static int parse(const char *sub, int argc, char **argv, struct hopts *o)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "max-p", required_argument, NULL, OPT_MAX_P },
		{ "min-magnitude", required_argument, NULL, OPT_MIN_MAG },
		{ "min-segment", required_argument, NULL, OPT_MIN_SEG },
		{ "fdr", required_argument, NULL, OPT_FDR },
		{ NULL, 0, NULL, 0 },
	};
	bool judges = !strcmp(sub, "check") || !strcmp(sub, "site");
	int c, ret;

	history_params_default(&o->params);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:o:", longopts, NULL)) != -1) {
		if (c == OPT_DB) {
			o->db = optarg;
		} else if (c == 'f' && (!strcmp(sub, "list") || !strcmp(sub, "check"))) {
			ret = parse_fmt(sub, optarg, !strcmp(sub, "check"), &o->fmt);
			if (ret)
				return ret;
		} else if (c == 'o' && !strcmp(sub, "site")) {
			o->outdir = optarg;
		} else if (c >= OPT_WINDOW && c <= OPT_FDR && judges) {
			ret = parse_param(c, &o->params);
			if (ret)
				return ret;
		} else if (c == ':') {
			return cmd_usage_error(cmd_history_help, "history %s: option '%s' needs a "
					       "value", sub, argv[optind - 1]);
		} else {
			return cmd_usage_error(cmd_history_help, "history %s: unknown option '%s'",
					       sub, argv[optind - 1]);
		}
	}
	return 0;
}

/* ---- the subcommands ---- */

/* The exit code of a store error. */
static int store_exit(int err)
{
	return err == -HSTORE_EBAD ? MMAB_EXIT_USAGE : MMAB_EXIT_FAIL;
}

static int do_add(int argc, char **argv, struct hopts *o)
{
	char *db;
	int ret;

	if (optind >= argc)
		return cmd_usage_error(cmd_history_help, "history add: no result set given");
	db = o->db ? xstrdup(o->db) : hstore_default(NULL);
	ret = history_add_args(db, argv + optind, (size_t)(argc - optind));
	free(db);
	return ret;
}

/* Open the store, load it (POINTS: everything) and run FN on it. */
static int with_history(struct hopts *o, bool points,
			int (*fn)(struct hopts *o, const struct history_data *d))
{
	char *db = o->db ? xstrdup(o->db) : hstore_default(NULL);
	struct hstore *h;
	struct history_data d;
	int err = hstore_open(db, false, &h), ret;

	free(db);
	if (err)
		return store_exit(err);
	err = history_load(h, points, &d);
	hstore_close(h);
	if (err)
		return store_exit(err);
	ret = fn(o, &d);
	history_data_free(&d);
	return ret;
}

static int do_list(struct hopts *o, const struct history_data *d)
{
	if (history_list(stdout, o->fmt, d))
		return MMAB_EXIT_FAIL;
	return MMAB_EXIT_OK;
}

static int do_check(struct hopts *o, const struct history_data *d)
{
	struct history_result r;
	int ret;

	history_judge(d, &o->params, &r);
	ret = history_print(stdout, o->fmt, d, &r) ? MMAB_EXIT_FAIL
	      : r.regressions ? 3 : MMAB_EXIT_OK;
	history_result_free(&r);
	return ret;
}

static int do_site(struct hopts *o, const struct history_data *d)
{
	struct history_result r;
	int err;

	history_judge(d, &o->params, &r);
	err = history_site(o->outdir, d, &r);
	history_result_free(&r);
	if (err)
		return err == -EINVAL ? MMAB_EXIT_USAGE : MMAB_EXIT_FAIL;
	printf("%s/index.html\n", o->outdir);
	return MMAB_EXIT_OK;
}

int cmd_history(int argc, char **argv)
{
	struct hopts o = { 0 };
	const char *sub;
	int ret;

	if (argc < 2)
		return cmd_usage_error(cmd_history_help, "history: add, list, check or site?");
	sub = argv[1];
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "check") && strcmp(sub, "site"))
		return cmd_usage_error(cmd_history_help, "history: unknown subcommand '%s'", sub);
	ret = parse(sub, argc - 1, argv + 1, &o);
	if (ret)
		return ret;
	optind++;	/* past the subcommand, for the positional arguments */
	if (!strcmp(sub, "add"))
		return do_add(argc, argv, &o);
	if (optind < argc)
		return cmd_usage_error(cmd_history_help, "history %s: unexpected argument '%s'", sub,
				       argv[optind]);
	if (!strcmp(sub, "list"))
		return with_history(&o, false, do_list);
	if (!strcmp(sub, "check"))
		return with_history(&o, true, do_check);
	if (!o.outdir)
		return cmd_usage_error(cmd_history_help, "history site: no -o DIR given");
	return with_history(&o, true, do_site);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmab report: a static HTML report of result sets (analysis/report.h):
 * environment, iterations, the comparison and every plot in one directory.
 * Reads files only: needs no root and touches nothing on the machine.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report.h"
#include "analysis/rset.h"
#include "lib/mmab.h"
#include "runner/cmds.h"

const char cmd_report_help[] =
	"usage: mmab report [-o DIR] [-b BASELINE] RESULT_SET..\n"
	"\n"
	"Write a static HTML report of result sets: open DIR/index.html in any\n"
	"browser, copy the directory anywhere, attach it.  No JavaScript, nothing\n"
	"fetched from the network.\n"
	"\n"
	"A RESULT_SET is a result-set directory (it holds metadata.json), a run\n"
	"directory (every set it holds) or a label or run id found under ./results\n"
	"($MMAB_RESULTS to look elsewhere).\n"
	"\n"
	"  -o, --output DIR     where the report goes (default: report); created if\n"
	"                       missing, nothing is written anywhere else\n"
	"  -b, --baseline SET   the set the others are compared with, as in\n"
	"                       `mmab compare -b`; default: the first\n"
	"\n"
	"DIR/index.html holds, for every set: its environment from metadata.json\n"
	"(differences highlighted), its knobs, suite.ini and iterations (those not\n"
	"used with their reason); the comparison against the baseline as `mmab\n"
	"compare -f html` writes it (verdicts, Benjamini-Hochberg, environment\n"
	"warnings); and every plot of `mmab plot` (DIR/plots/, PNG, each with its\n"
	"data file and gnuplot script).  Everything that comes from a result set is\n"
	"HTML-escaped.  When a plot cannot be drawn or the comparison cannot be\n"
	"computed, the report is still written and says what is missing.  Prints\n"
	"the path of index.html.\n"
	"\n"
	"Exit status: 0 ok; 1 a plot or the comparison is missing from the report\n"
	"(it is written all the same), or it could not be written; 2 bad usage, a\n"
	"set that cannot be read or problems in a set's files (each reported as\n"
	"FILE:LINE: message; the rest is in the report).\n";

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "baseline", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_opts ro = { "report", 0, NULL };
	const char *baseline = NULL;
	struct rset *sets;
	size_t n;
	int opt, ret, err;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "o:b:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			ro.outdir = optarg;
			break;
		case 'b':
			baseline = optarg;
			break;
		default:
			fputs(cmd_report_help, stderr);
			return MMAB_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		mmab_err("report: no result set given");
		fprintf(stderr, "usage: mmab report [-o DIR] [-b BASELINE] RESULT_SET..\n");
		return MMAB_EXIT_USAGE;
	}
	if (!*ro.outdir) {
		mmab_err("report: empty output directory");
		return MMAB_EXIT_USAGE;
	}
	ret = cmd_load_sets(argc - optind, argv + optind, baseline, &sets, &n, &ro.baseline);
	if (ret)
		return ret;
	err = report_write(sets, n, &ro);
	if (err == -EIO)
		printf("%s/index.html\n", ro.outdir);
	if (err) {
		ret = MMAB_EXIT_FAIL;
	} else {
		printf("%s/index.html\n", ro.outdir);
		ret = cmd_sets_problems(sets, n, "reported") ? MMAB_EXIT_USAGE : MMAB_EXIT_OK;
	}
	cmd_free_sets(sets, n);
	return ret;
}

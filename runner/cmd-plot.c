/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmab plot: draw gnuplot plots of result sets (analysis/plot.h) into one
 * directory, each with its data file and script beside it.  Reads files
 * only: needs no root and touches nothing on the machine.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/plot.h"
#include "analysis/rset.h"
#include "lib/mmab.h"
#include "runner/cmds.h"

const char cmd_plot_help[] =
	"usage: mmab plot [-f png|svg] [-o DIR] RESULT_SET..\n"
	"\n"
	"Draw gnuplot plots of result sets, every set overlaid in its own colour\n"
	"(the first set given is blue in every plot).\n"
	"\n"
	"A RESULT_SET is a result-set directory (it holds metadata.json), a run\n"
	"directory (every set it holds) or a label or run id found under ./results\n"
	"($MMAB_RESULTS to look elsewhere).\n"
	"\n"
	"  -f, --format FMT   png (default; gnuplot's pngcairo terminal) or svg\n"
	"  -o, --output DIR   where the plots go (default: plots); created if\n"
	"                     missing, nothing is written anywhere else\n"
	"\n"
	"Per workload, for each plot NAME: NAME.csv (the data), NAME.gp (the gnuplot\n"
	"script: `cd DIR && gnuplot NAME.gp` draws it again, edit it to restyle) and\n"
	"NAME.png or NAME.svg:\n"
	"  WORKLOAD-free, -dirty, -writeback, -sreclaimable\n"
	"                     meminfo MemFree, Dirty, Writeback, SReclaimable (MiB)\n"
	"  WORKLOAD-thp_fault_alloc, -thp_fault_fallback, -compact_stall,\n"
	"  -compact_success, -compact_fail\n"
	"                     vmstat counters as rates between samples (per second)\n"
	"  WORKLOAD-psi_some, -psi_full\n"
	"                     PSI memory stall time (% of wall time)\n"
	"  WORKLOAD-unusable9 order-9 unusable free space index (buddyinfo)\n"
	"                     Over time, one line per set: the mean across its\n"
	"                     iterations on a common time grid (the median sample\n"
	"                     interval; linear between samples), and the min-max\n"
	"                     band across iterations.\n"
	"  WORKLOAD-bars      every workload metric: the mean (harmonic for rates)\n"
	"                     and its 95% confidence interval per set\n"
	"  WORKLOAD-cdf-HIST  CDF of each latency histogram in histograms.csv, all\n"
	"                     iterations pooled\n"
	"  WORKLOAD-stalls-EVENT\n"
	"                     CDF of each stall event's durations in stalls.csv\n"
	"  WORKLOAD-heatmap-N-SET\n"
	"                     free blocks per buddy order over time, zones summed,\n"
	"                     for set N\n"
	"  WORKLOAD-slab-N-SET\n"
	"                     occupancy over time of the 5 slab caches that grew most\n"
	"                     (as compare chooses them), for set N\n"
	"Failed iterations are never drawn.  A plot without data (a collector that\n"
	"did not run, a counter 0 throughout) is skipped with a note on stderr.\n"
	"Prints the path of every image drawn.\n"
	"\n"
	"Exit status: 0 ok; 1 gnuplot failed on a plot (the others are drawn);\n"
	"2 bad usage, a set that cannot be read or problems in a set's files (each\n"
	"reported as FILE:LINE: message; the rest is drawn); 4 gnuplot is missing\n"
	"(data files and scripts are written).\n";

/* A skipped plot's note on stderr: control characters as '?' (a label may hold escapes). */
static void note_skipped(const struct plot_item *it)
{
	char *s = xstrdup(it->note);

	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	mmab_info("plot: %s: skipped: %s", it->base, s);
	free(s);
}

/* Each image drawn on stdout, each plot skipped (with its reason) on stderr. */
static void list_plots(const struct plot_list *pl, const char *outdir)
{
	for (size_t i = 0; i < pl->n; i++) {
		const struct plot_item *it = &pl->items[i];

		if (it->image)
			printf("%s/%s\n", outdir, it->image);
		else if (it->note && !it->script)
			note_skipped(it);
	}
}

int cmd_plot(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct plot_opts po = { "plots", PLOT_PNG, true, NULL };
	struct plot_list pl = { NULL, 0 };
	struct rset *sets;
	size_t n, base;
	int opt, ret, err;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "f:o:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (strcmp(optarg, "png") && strcmp(optarg, "svg")) {
				mmab_err("plot: unknown format '%s' (png, svg)", optarg);
				return MMAB_EXIT_USAGE;
			}
			po.fmt = !strcmp(optarg, "svg") ? PLOT_SVG : PLOT_PNG;
			break;
		case 'o':
			po.outdir = optarg;
			break;
		default:
			fputs(cmd_plot_help, stderr);
			return MMAB_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		mmab_err("plot: no result set given");
		fprintf(stderr, "usage: mmab plot [-f png|svg] [-o DIR] RESULT_SET..\n");
		return MMAB_EXIT_USAGE;
	}
	if (!*po.outdir) {
		mmab_err("plot: empty output directory");
		return MMAB_EXIT_USAGE;
	}
	ret = cmd_load_sets(argc - optind, argv + optind, NULL, &sets, &n, &base);
	if (ret)
		return ret;
	err = plot_all(sets, n, &po, &pl);
	list_plots(&pl, po.outdir);
	if (err == -ENOENT)
		ret = MMAB_EXIT_SKIP;
	else if (err)
		ret = MMAB_EXIT_FAIL;
	else
		ret = cmd_sets_problems(sets, n, "drawn") ? MMAB_EXIT_USAGE : MMAB_EXIT_OK;
	plot_list_free(&pl);
	cmd_free_sets(sets, n);
	return ret;
}

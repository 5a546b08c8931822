/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmab compare: read result sets, compare each against the baseline and
 * write the table (analysis/compare.h).  Reads files only: needs no root
 * and touches nothing on the machine.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/compare.h"
#include "analysis/rset.h"
#include "lib/mmab.h"
#include "runner/cmds.h"

const char cmd_compare_help[] =
	"usage: mmab compare [-v] [-f text|md|csv|json|html] [-b BASELINE] RESULT_SET..\n"
	"\n"
	"Compare result sets against a baseline with honest statistics.\n"
	"\n"
	"A RESULT_SET is a result-set directory (it holds metadata.json), a run\n"
	"directory (every set it holds, in the order of its run.json), or a label\n"
	"or run id found under ./results ($MMAB_RESULTS to look elsewhere).\n"
	"\n"
	"  -f, --format FMT     text (default: a compact table for a mailing list, 80\n"
	"                       columns: one line per metric, the sets side by side,\n"
	"                       each its mean and change against the baseline, proven\n"
	"                       changes marked; the workload metrics with a better\n"
	"                       direction and every row with a proven change), md (the\n"
	"                       same table for GitHub), csv or json (one record per\n"
	"                       set and metric: workload, metric, unit, direction,\n"
	"                       set, n, mean, median, stddev, min, max, change_pct,\n"
	"                       ci_low, ci_high, p_welch, p_mwu, verdict, cov, q, test\n"
	"                       (paired-t or welch), p_paired, p_wilcoxon, pairs,\n"
	"                       dropped, mde_pct (the smallest change the test detects\n"
	"                       at this n and noise, power 0.8), n_needed (iterations\n"
	"                       a side that would prove a change not proven, in a run\n"
	"                       of its workload alone); json adds the sets, their\n"
	"                       iterations (with seed), alerts and the environment\n"
	"                       diff; change_pct compares the means shown, ci_low and\n"
	"                       ci_high bound the difference the test used estimates,\n"
	"                       in the metric's unit), html (the fragment `mmab\n"
	"                       report` embeds)\n"
	"  -b, --baseline SET   the set the others are compared with (a label, a\n"
	"                       directory or a set given); default: the first\n"
	"  -v, --verbose        text and md: every row with its statistics (n, mean,\n"
	"                       median, stddev, CoV, min, max, CI, p, q, the power of\n"
	"                       the test), colours on a terminal unless NO_COLOR is set\n"
	"\n"
	"For every metric of every workload: n, mean (harmonic for rates), median,\n"
	"stddev, CoV, min, max per set; against the baseline the change of the mean,\n"
	"the 95% confidence interval of the difference (Welch), p from Welch's t-test\n"
	"and from Mann-Whitney U (exact below 50 values without ties, else normal\n"
	"with tie correction).  A set is paired with the baseline for a workload when\n"
	"every iteration k that ended ok on both sides has the same seed there\n"
	"(iteration.json): the runner gives iteration k of every variant the same\n"
	"seed.  Paired sets are tested on the differences of their pairs: the paired\n"
	"t-test with the CI of the mean difference, and Wilcoxon's signed-rank test\n"
	"beside it; an iteration that failed on one side is dropped and counted.\n"
	"q is the p of the test used (paired t, else Welch) adjusted by\n"
	"Benjamini-Hochberg over every comparison in the table with 3 or more\n"
	"values (pairs) a side.  The verdict is\n"
	"better or worse (differs, for metrics without a better direction) when\n"
	"q < 0.05, else \"no difference proven\"; with fewer than 3 iterations on a\n"
	"side it is \"cannot judge\".  Failed iterations are listed, not pooled.\n"
	"\n"
	"Derived from each iteration's collector CSVs (first to last sample; a\n"
	"counter the kernel lacks is n/a, never 0):\n"
	"  vmstat.minor_faults        pgfault - pgmajfault\n"
	"  vmstat.major_faults        pgmajfault\n"
	"  vmstat.alloc_stalls        sum of allocstall_* (allocstall on old kernels)\n"
	"  vmstat.direct_scanned      pgscan_direct (old kernels: the sum of\n"
	"                             pgscan_direct_<zone>, never _throttle)\n"
	"  vmstat.direct_reclaimed    pgsteal_direct (likewise)\n"
	"  vmstat.direct_efficiency   100 * direct_reclaimed / direct_scanned\n"
	"  vmstat.direct_velocity     direct_scanned / elapsed seconds\n"
	"  vmstat.kswapd_scanned      pgscan_kswapd (likewise)\n"
	"  vmstat.kswapd_reclaimed    pgsteal_kswapd (likewise)\n"
	"  vmstat.kswapd_efficiency   100 * kswapd_reclaimed / kswapd_scanned\n"
	"  vmstat.kswapd_velocity     kswapd_scanned / elapsed seconds\n"
	"  vmstat.direct_throttled    pgscan_direct_throttle\n"
	"  vmstat.reclaim_writes      nr_vmscan_write (pages written by reclaim)\n"
	"  vmstat.immediate_reclaim   nr_vmscan_immediate_reclaim\n"
	"  vmstat.swap_out            pswpout\n"
	"  vmstat.slabs_scanned       slabs_scanned\n"
	"  vmstat.thp_fault_alloc     thp_fault_alloc\n"
	"  vmstat.thp_fault_fallback  thp_fault_fallback\n"
	"  vmstat.thp_success         100 * thp_fault_alloc / (alloc + fallback)\n"
	"  vmstat.thp_collapse_alloc  thp_collapse_alloc\n"
	"  vmstat.compact_stall       compact_stall\n"
	"  vmstat.compact_success     compact_success\n"
	"  vmstat.compact_fail        compact_fail\n"
	"  vmstat.compact_efficiency  100 * compact_success / compact_stall\n"
	"  vmstat.compact_migrate_scanned, vmstat.compact_free_scanned\n"
	"  vmstat.kcompactd_wake      compact_daemon_wake\n"
	"  vmstat.kcompactd_migrate_scanned, vmstat.kcompactd_free_scanned\n"
	"                             compact_daemon_migrate_scanned, _free_scanned\n"
	"  vmstat.htlb_buddy_alloc_success, vmstat.htlb_buddy_alloc_fail\n"
	"  frag.unusable_index_o9_mean, frag.unusable_index_o9_end\n"
	"                             order-9 unusable free space index, all zones\n"
	"                             summed (1 when nothing is free): time-weighted\n"
	"                             mean over the samples, and the last sample\n"
	"  frag.free_o9_blocks_mean, frag.free_o9_blocks_end\n"
	"                             free order-9 blocks, larger ones counted split\n"
	"  slab.CACHE.growth          num_slabs * pagesperslab, last - first sample,\n"
	"                             for the 5 caches that grew most in any set\n"
	"  slab.CACHE.occupancy       100 * active_objs / num_objs, last sample\n"
	"  stalls.EVENT.count, .total, .p50, .p99, .max\n"
	"                             of duration_us in stalls.csv (us)\n"
	"\n"
	"The sets' metadata.json are compared too: a warning at the top names every\n"
	"difference besides the thing compared (the kernel; knobs the variants set).\n"
	"\n"
	"Exit status: 0 ok; 2 bad usage, a set that cannot be read, or problems in\n"
	"a set's files (each reported as FILE:LINE: message; the rest is still\n"
	"compared).\n";

static int parse_format(const char *s, enum compare_fmt *fmt)
{
	static const struct { const char *name; enum compare_fmt fmt; } fmts[] = {
		{ "text", CMP_TEXT }, { "md", CMP_MD }, { "csv", CMP_CSV },
		{ "json", CMP_JSON }, { "html", CMP_HTML },
	};

	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		if (!strcmp(s, fmts[i].name)) {
			*fmt = fmts[i].fmt;
			return 0;
		}
	}
	return -EINVAL;
}

static bool same_dir(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

/*
 * The baseline among DIRS: a set given, named by directory or label; else
 * resolved on its own and put first.  Returns its index or -1 (reported).
 */
static long find_baseline(const char *b, char ***dirs, size_t *n, struct rset *sets)
{
	char **extra = NULL;
	size_t nextra = 0;
	long hit = -1;

	for (size_t i = 0; i < *n; i++)
		if (same_dir(b, (*dirs)[i]))
			return (long)i;
	for (size_t i = 0; i < *n; i++) {
		const char *base = strrchr((*dirs)[i], '/');

		if (strcmp(sets[i].label, b) && strcmp(base ? base + 1 : (*dirs)[i], b))
			continue;
		if (hit >= 0) {
			mmab_err("baseline '%s' is ambiguous: both '%s' and '%s' match", b,
				 (*dirs)[hit], (*dirs)[i]);
			return -1;
		}
		hit = (long)i;
	}
	if (hit >= 0)
		return hit;
	if (rset_expand(b, &extra, &nextra))
		return -1;
	if (nextra != 1) {
		mmab_err("baseline '%s' holds %zu result sets: name one", b, nextra);
		for (size_t i = 0; i < nextra; i++)
			free(extra[i]);
		free(extra);
		return -1;
	}
	*dirs = xrealloc(*dirs, (*n + 1) * sizeof(**dirs));
	memmove(*dirs + 1, *dirs, *n * sizeof(**dirs));
	(*dirs)[0] = extra[0];
	(*n)++;
	free(extra);
	return -2;	/* put first: load it */
}

static bool want_color(enum compare_fmt fmt)
{
	const char *term = getenv("TERM");

	return fmt == CMP_TEXT && isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term &&
	       strcmp(term, "dumb");
}

int cmd_load_sets(int argc, char **argv, const char *baseline, struct rset **out,
		  size_t *nout, size_t *base_out)
{
	struct rset *sets = NULL;
	char **dirs = NULL;
	size_t n = 0, nloaded = 0;
	long base = 0;
	int err, ret = MMAB_EXIT_USAGE;

	for (int i = 0; i < argc; i++)
		if (rset_expand(argv[i], &dirs, &n))
			goto out;
	sets = xcalloc(n + 1, sizeof(*sets));
	for (; nloaded < n; nloaded++) {
		err = rset_load(dirs[nloaded], &sets[nloaded]);
		if (err) {
			mmab_err("cannot read result set '%s': %s", dirs[nloaded], strerror(-err));
			goto out;
		}
	}
	if (baseline) {
		base = find_baseline(baseline, &dirs, &n, sets);
		if (base == -1)
			goto out;
		if (base == -2) {
			memmove(sets + 1, sets, nloaded * sizeof(*sets));
			err = rset_load(dirs[0], &sets[0]);
			if (err) {
				memmove(sets, sets + 1, nloaded * sizeof(*sets));
				mmab_err("cannot read result set '%s': %s", dirs[0], strerror(-err));
				goto out;
			}
			nloaded++;
			base = 0;
		}
	}
	ret = 0;
out:
	if (ret) {
		cmd_free_sets(sets, nloaded);
		sets = NULL;
		nloaded = 0;
	}
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	*out = sets;
	*nout = nloaded;
	*base_out = (size_t)base;
	return ret;
}

void cmd_free_sets(struct rset *sets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rset_free(&sets[i]);
	free(sets);
}

unsigned cmd_sets_problems(const struct rset *sets, size_t n, const char *done)
{
	unsigned problems = 0;

	for (size_t i = 0; i < n; i++)
		problems += sets[i].problems;
	if (problems)
		mmab_err("%u problem%s in the result sets (reported above); the rest was %s",
			 problems, problems == 1 ? "" : "s", done);
	return problems;
}

int cmd_compare(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	enum compare_fmt fmt = CMP_TEXT;
	const char *baseline = NULL;
	struct rset *sets = NULL;
	size_t n = 0, base = 0;
	unsigned flags = 0;
	int opt, ret, err;

	optind = 0;	/* glibc: start afresh, whatever parsed argv before */
	while ((opt = getopt_long(argc, argv, "f:b:v", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (parse_format(optarg, &fmt)) {
				mmab_err("compare: unknown format '%s' (text, md, csv, json, html)",
					 optarg);
				return MMAB_EXIT_USAGE;
			}
			break;
		case 'b':
			baseline = optarg;
			break;
		case 'v':
			flags |= CMP_VERBOSE;
			break;
		default:
			fputs(cmd_compare_help, stderr);
			return MMAB_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		mmab_err("compare: no result set given");
		fprintf(stderr, "usage: mmab compare [-v] [-f text|md|csv|json|html] [-b BASELINE] "
			"RESULT_SET..\n");
		return MMAB_EXIT_USAGE;
	}
	ret = cmd_load_sets(argc - optind, argv + optind, baseline, &sets, &n, &base);
	if (ret)
		return ret;
	if ((flags & CMP_VERBOSE) && want_color(fmt))
		flags |= CMP_COLOR;
	err = compare_write(stdout, fmt, sets, n, base, flags);
	if (err) {
		mmab_err("compare: cannot write the comparison: %s", strerror(-err));
		ret = MMAB_EXIT_FAIL;
	} else {
		ret = cmd_sets_problems(sets, n, "compared") ? MMAB_EXIT_USAGE : MMAB_EXIT_OK;
	}
	cmd_free_sets(sets, n);
	return ret;
}

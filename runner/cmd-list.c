/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `mmab list [workloads|collectors|suites] [-v]`: what this build can run
 * and whether it can run it here.  Each workload's supported() hook is asked
 * with its default options and each collector's available() hook, so the
 * reason a run would skip something is visible before the run.  One entry
 * per line, name first, columns aligned: `mmab list workloads | grep '^frag'`
 * and awk work.  Nothing on the machine is touched.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "lib/options.h"
#include "runner/cmds.h"
#include "runner/suite.h"
#include "workloads/workload.h"

const char cmd_list_help[] =
	"usage: mmab list [workloads|collectors|suites] [-v]\n"
	"\n"
	"List what this build of mmab can run; without an argument, all three.\n"
	"\n"
	"  workloads    name, whether it can run on this machine with its default\n"
	"               options (and why not), and a summary.  With -v: its flags\n"
	"               and every option (type and unit, default, limits or choices),\n"
	"               as a suite's [WORKLOAD] section takes them\n"
	"  collectors   name, whether it can run here (and why not), its default\n"
	"               sample interval (async: it reads events as they come),\n"
	"               'default' when a suite without `collectors =` uses it\n"
	"  suites       the built-in suites (`mmab run -s NAME`) and their\n"
	"               descriptions.  With -v: iterations, scale, workloads,\n"
	"               variants with their knobs, and the workloads' own time\n"
	"               estimate (settling and the ballast come on top)\n"
	"\n"
	"  -v, --verbose  the details above\n"
	"\n"
	"Whether a workload can run is asked as the user running `mmab list`:\n"
	"most need root, so run it as root to see what a run would skip.\n";

enum list_what {
	LIST_WORKLOADS = 1 << 0,
	LIST_COLLECTORS = 1 << 1,
	LIST_SUITES = 1 << 2,
};

static const char *flag_names(unsigned flags, char *buf, size_t len)
{
	static const struct {
		unsigned flag;
		const char *name;
	} names[] = {
		{ WL_NEEDS_ROOT, "needs root" },
		{ WL_NEEDS_HUGETLB, "needs hugetlb" },
		{ WL_NEEDS_THP, "needs THP" },
		{ WL_MAY_OOM, "may OOM" },
		{ WL_NO_BALLAST, "whole machine (no ballast)" },
	};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(names) && n < len; i++)
		if (flags & names[i].flag)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
					      names[i].name);
	if (!n)
		snprintf(buf, len, "none");
	return buf;
}

/* supported() with the workload's default options; 0 or the hook's error, why filled. */
static int workload_here(const struct workload *wl, char *why, size_t whylen)
{
	void *priv = xcalloc(1, wl->priv_size ? wl->priv_size : 1);
	int ret = 0;

	why[0] = '\0';
	if (opts_defaults(wl->opts, priv, why, whylen))
		ret = -EINVAL;
	else if (wl->supported)
		ret = wl->supported(priv, why, whylen);
	if (ret && !why[0])
		snprintf(why, whylen, "%s", strerror(ret < 0 ? -ret : ret));
	opts_free(wl->opts, priv);
	free(priv);
	return ret;
}

static void list_workloads(const char *indent, bool verbose)
{
	int w = 4;
	char why[256], flags[256];

	for (size_t i = 0; workloads[i]; i++) {
		int n = (int)strlen(workloads[i]->name);

		w = n > w ? n : w;
	}
	for (size_t i = 0; workloads[i]; i++) {
		const struct workload *wl = workloads[i];
		int ret = workload_here(wl, why, sizeof(why));

		printf("%s%-*s  %-3s  %s", indent, w, wl->name, ret ? "no" : "yes", wl->summary);
		if (ret)
			printf(" [cannot run here: %s]", why);
		putchar('\n');
		if (!verbose)
			continue;
		printf("%s    flags: %s\n", indent, flag_names(wl->flags, flags, sizeof(flags)));
		if (wl->opts && wl->opts->name) {
			char *ind = xasprintf("%s      ", indent);

			printf("%s    options (name, type and unit, default, help [limits] "
			       "{choices}):\n", indent);
			opts_help(stdout, wl->opts, ind);
			free(ind);
		} else {
			printf("%s    options: none\n", indent);
		}
	}
}

static void list_collectors(const char *indent, bool verbose)
{
	int w = 4;
	char why[256], interval[32];

	for (size_t i = 0; collectors[i]; i++) {
		int n = (int)strlen(collectors[i]->name);

		w = n > w ? n : w;
	}
	if (!collectors[0])
		printf("%s(no collector in this build)\n", indent);
	for (size_t i = 0; collectors[i]; i++) {
		const struct collector *c = collectors[i];
		int ret = 0;

		why[0] = '\0';
		if (c->available)
			ret = c->available(why, sizeof(why));
		if (ret && !why[0])
			snprintf(why, sizeof(why), "%s", strerror(ret < 0 ? -ret : ret));
		if (c->flags & COL_ASYNC)
			snprintf(interval, sizeof(interval), "async");
		else
			snprintf(interval, sizeof(interval), "%u ms", c->default_interval_ms);
		printf("%s%-*s  %-3s  %-9s  %-7s  %s", indent, w, c->name, ret ? "no" : "yes",
		       interval, c->flags & COL_DEFAULT ? "default" : "-", c->summary);
		if (ret)
			printf(" [cannot run here: %s]", why);
		putchar('\n');
		if (verbose)
			printf("%s    %s%s\n", indent,
			       c->flags & COL_PERIODIC ? "sampled periodically" :
			       "reads events between start and stop",
			       c->flags & COL_NEEDS_ROOT ? "; needs root" : "");
	}
}

/* Seconds the workloads themselves expect to take over the whole suite. */
static double suite_estimate(const struct suite *s)
{
	uint64_t total = mem_total();
	double sum = 0;

	for (size_t i = 0; i < s->nworkloads; i++) {
		const struct suite_workload *w = &s->workloads[i];
		const char *scale = w->scale ? w->scale : s->scale;
		uint64_t mem = total;

		if (!(w->wl->flags & WL_NO_BALLAST) && scale &&
		    mmab_parse_size(scale, total, &mem) == 0 && mem > total)
			mem = total;
		if (w->wl->estimate)
			sum += w->wl->estimate(w->opts, mem);
	}
	return sum * s->iterations * (double)(s->nvariants ? s->nvariants : 1);
}

static void suite_details(const char *indent, const struct suite *s)
{
	printf("%s    iterations %d, scale %s, settle %s, timeout %gs, order %s\n", indent,
	       s->iterations, s->scale, s->settle ? "yes" : "no", s->timeout_s,
	       s->order == ORDER_SHUFFLED ? "shuffled" : "interleaved");
	printf("%s    workloads:", indent);
	for (size_t i = 0; i < s->nworkloads; i++) {
		const struct suite_workload *w = &s->workloads[i];

		if (strcmp(w->id, w->wl->name))
			printf(" %s (%s)", w->id, w->wl->name);
		else
			printf(" %s", w->id);
	}
	putchar('\n');
	printf("%s    collectors:", indent);
	if (!s->ncollectors)
		printf(" none");
	for (size_t i = 0; i < s->ncollectors; i++)
		printf(" %s", s->collectors[i].c->name);
	putchar('\n');
	for (size_t i = 0; i < s->nvariants; i++) {
		const struct suite_variant *v = &s->variants[i];

		printf("%s    variant %s:", indent, v->name);
		if (!v->nknobs)
			printf(" (knobs as found)");
		for (size_t k = 0; k < v->nknobs; k++)
			printf(" %s=%s", v->knobs[k].name, v->knobs[k].value);
		putchar('\n');
	}
	printf("%s    workload estimate: %.0f s (settling and the ballast come on top)\n",
	       indent, suite_estimate(s));
}

static int list_suites(const char *indent, bool verbose)
{
	const char *const *names = suite_builtin_names();
	int w = 4, ret = 0;

	for (size_t i = 0; names[i]; i++) {
		int n = (int)strlen(names[i]);

		w = n > w ? n : w;
	}
	for (size_t i = 0; names[i]; i++) {
		struct suite s;

		if (suite_load(names[i], &s, 0)) {
			/* a built-in suite that does not load is a bug: say so */
			printf("%s%-*s  (does not load here: see the errors above)\n", indent, w,
			       names[i]);
			ret = -EINVAL;
			continue;
		}
		printf("%s%-*s  %s\n", indent, w, names[i], s.description);
		if (verbose)
			suite_details(indent, &s);
		suite_free(&s);
	}
	return ret;
}

static int parse_what(const char *arg, unsigned *what)
{
	static const struct {
		const char *name;
		unsigned what;
	} kinds[] = {
		{ "workloads", LIST_WORKLOADS }, { "workload", LIST_WORKLOADS },
		{ "collectors", LIST_COLLECTORS }, { "collector", LIST_COLLECTORS },
		{ "suites", LIST_SUITES }, { "suite", LIST_SUITES },
	};

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (!strcmp(arg, kinds[i].name)) {
			*what |= kinds[i].what;
			return 0;
		}
	}
	return -EINVAL;
}

int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned what = 0;
	bool verbose = false, all;
	int c, ret = 0;
	const char *indent;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+v", longopts, NULL)) != -1) {
		if (c != 'v') {
			mmab_err("list: unknown option '%s'", argv[optind - 1]);
			fputs(cmd_list_help, stderr);
			return MMAB_EXIT_USAGE;
		}
		verbose = true;
	}
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else if (parse_what(argv[i], &what)) {
			mmab_err("list: unknown kind '%s' (workloads, collectors or suites)",
				 argv[i]);
			return MMAB_EXIT_USAGE;
		}
	}
	all = !what;
	if (all)
		what = LIST_WORKLOADS | LIST_COLLECTORS | LIST_SUITES;
	/* one kind: bare lines for scripts; all three: headed, indented blocks */
	indent = all ? "  " : "";
	if (what & LIST_WORKLOADS) {
		if (all)
			printf("workloads:\n");
		list_workloads(indent, verbose);
	}
	if (what & LIST_COLLECTORS) {
		if (all)
			printf("\ncollectors:\n");
		list_collectors(indent, verbose);
	}
	if (what & LIST_SUITES) {
		if (all)
			printf("\nsuites:\n");
		ret = list_suites(indent, verbose);
	}
	return ret ? MMAB_EXIT_FAIL : MMAB_EXIT_OK;
}

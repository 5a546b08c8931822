/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-repeat: how repeatable the workloads are on an unchanged machine,
 * and so what an A/B of five iterations a side can prove.  Runs the
 * headline workloads of the built-in suites (frag, hugetlb, thp,
 * dirty-mmap, slab, as quick.ini and nightly.ini configure them; at the
 * quick scale the whole suite, so every workload's OOM kills are counted)
 * through ./mmab, N iterations each, and for every headline metric reports the
 * mean, the standard deviation, the coefficient of variation and the
 * minimum detectable effect of a two-sided comparison of 5 against 5 at
 * alpha 0.05 and power 0.8:
 *
 *     MDE = (t(0.975, 8) + t(0.8, 8)) * CoV * sqrt(2 / 5)  (about 2.02 CoV)
 *
 * The goal (issue 11): CoV at most 10% at the quick scale and 5% at the
 * nightly scale for every metric with a non-zero mean and at least 100
 * events per iteration (faults, pages asked for, ...); the others are
 * reported with their standard deviation.  At the quick scale the effective
 * size is made both ways, memory blocks offline and an mlock ballast, to
 * show what each costs and whether the metrics differ between them (Welch's
 * p).  OOM kills and failed iterations are counted: the goal is none.
 *
 * Needs root (SKIPs otherwise); run it under the machine lock.  The full
 * bench takes about an hour and a half on a 2-CPU, 24 GiB VM (README);
 * MMAB_BENCH_QUICK=1 runs 3 iterations at the quick scale with the
 * default method only, for development.  On a shared machine it can be
 * run a part at a time: MMAB_BENCH_REPEAT=quick-hotplug,quick-mlock,
 * nightly-auto (any of them) picks the configurations, MMAB_BENCH_ITERS=N
 * sets their iterations.
 *
 * Usage: bench-repeat OUTDIR  (writes OUTDIR/bench-repeat.csv,
 * OUTDIR/bench-repeat-cost.csv; the runs go to OUTDIR/repeat/)
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <jansson.h>

#include "analysis/stats.h"
#include "lib/csv.h"
#include "lib/mmab.h"
#include "lib/resultset.h"
#include "runner/hotplug.h"

#define MDE_N 5
#define MAX_ITERS 64
#define MIN_EVENTS 100

/* A headline metric: WORKLOAD's METRIC, the events behind it ("=": itself, NULL: none). */
struct headline {
	const char *workload, *metric, *events;
};

static const struct headline heads[] = {
	{ "frag", "unusable_index_order9", NULL },
	{ "frag", "fill_seconds", NULL },
	{ "hugetlb", "success_pct", "pages_possible" },
	{ "hugetlb", "alloc_latency_us_p50", "pages_obtained" },
	{ "hugetlb", "alloc_latency_us_p99", "pages_obtained" },
	{ "thp", "huge_fault_pct", "faults" },
	{ "thp", "fault_latency_us_p50", "faults" },
	{ "thp", "fault_latency_us_p99", "faults" },
	{ "dirty-mmap", "write_mb_per_s", NULL },
	{ "dirty-mmap", "fault_latency_us_p99", "faults" },
	{ "dirty-mmap", "reclaim_writes", "=" },
	{ "dirty-mmap", "direct_reclaim_stalls", "=" },
	{ "slab", "occupancy_pct_after", "files_created" },
	{ "slab", "slab_pages_freed", "=" },
};
static const char *const headline_workloads[] = { "frag", "hugetlb", "thp", "dirty-mmap", "slab" };

/* One configuration: a built-in suite at its scale, one way of making the effective size. */
struct config {
	const char *scale;	/* "quick" or "nightly": the suite */
	const char *variant;	/* the suite's variant to run, NULL: none */
	const char *method;	/* effective_method */
	double goal_pct;	/* CoV goal */
	int iterations;
	bool all;		/* every workload of the suite, not only the headline ones */
	/* filled by the run */
	char *set_dir;
	double wall_s;
};

/* Values of one metric over the iterations of one configuration. */
struct series {
	double v[MAX_ITERS], ev[MAX_ITERS];
	size_t n;
};

struct cost {
	int steps, failed, oom, ballast_oom, made;
	double make_s, adjust_s;	/* sums: new ballasts, kept ones adjusted */
	int adjusted;
	char method_seen[32];
};

static const char *outdir;

static bool headline_id(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(headline_workloads); i++)
		if (!strcmp(id, headline_workloads[i]))
			return true;
	return false;
}

/*
 * The suite SRC (runner/suites/NAME.ini) with only the headline workloads'
 * sections, and effective_method = METHOD in [suite].  Malloc'd.
 */
static char *derive_suite(const char *src, const char *method, bool all)
{
	size_t cap = strlen(src) + 256, n = 0;
	char *out = xmalloc(cap);
	bool keep = true;

	for (const char *line = src; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);

		if (line[0] == '[') {
			char name[64] = "", alias[64] = "";

			sscanf(line + 1, "%63[^] ] %63[^]]", name, alias);
			keep = all || !strcmp(name, "suite") || !strcmp(name, "variant") ||
			       !strcmp(name, "collector") || headline_id(*alias ? alias : name);
		}
		if (keep) {
			memcpy(out + n, line, len);
			n += len;
			if (!strncmp(line, "[suite]", 7))
				n += (size_t)snprintf(out + n, cap - n, "effective_method = %s\n",
						      method);
		}
		line += len;
	}
	out[n] = '\0';
	return out;
}

/* C's suite, derived from the built-in one, written to *INI (malloc'd).  0 or -errno. */
static int write_suite(const struct config *c, char **ini)
{
	char *src, *suite, *path = xasprintf("runner/suites/%s.ini", c->scale);
	int ret = mmab_read_file(path, &src, NULL);

	free(path);
	if (ret)
		return ret;
	suite = derive_suite(src, c->method, c->all);
	free(src);
	*ini = xasprintf("%s/repeat-%s-%s.ini", outdir, c->scale, c->method);
	ret = mmab_write_file_atomic(*ini, suite, strlen(suite));
	free(suite);
	if (ret) {
		free(*ini);
		*ini = NULL;
	}
	return ret;
}

/* Run ./mmab on C; C->set_dir gets the result set.  0 or -errno. */
static int run_config(struct config *c)
{
	char *ini, *log, *out, *label, *runs, iters[16], *last, *p;
	const char *argv[16];
	int ret, st, k = 0;
	double t0;

	ret = write_suite(c, &ini);
	if (ret)
		return ret;
	label = xasprintf("repeat-%s-%s", c->scale, c->method);
	runs = xasprintf("%s/repeat", outdir);
	out = xasprintf("%s/%s.out", outdir, label);
	log = xasprintf("%s/%s.log", outdir, label);
	snprintf(iters, sizeof(iters), "%d", c->iterations);
	argv[k++] = "./mmab";
	argv[k++] = "run";
	argv[k++] = "-s";
	argv[k++] = ini;
	argv[k++] = "-n";
	argv[k++] = iters;
	argv[k++] = "-l";
	argv[k++] = label;
	argv[k++] = "-o";
	argv[k++] = runs;
	if (c->variant) {
		argv[k++] = "--variant";
		argv[k++] = c->variant;
	}
	argv[k] = NULL;
	printf("# %s scale, %s: %d iterations (log: %s)\n", c->scale, c->method, c->iterations,
	       log);
	fflush(stdout);
	t0 = mmab_now();
	ret = mmab_spawn_wait((char *const *)argv, out, log, &st);
	c->wall_s = mmab_now() - t0;
	if (!ret && (!WIFEXITED(st) || WEXITSTATUS(st)))
		ret = -EIO;
	if (!ret)
		ret = mmab_read_file(out, &last, NULL);
	if (!ret) {
		/* the run directory is the last line on stdout */
		while ((p = strrchr(last, '\n')) && !p[1])
			*p = '\0';
		p = strrchr(last, '\n');
		c->set_dir = c->variant ? xasprintf("%s/%s-%s", p ? p + 1 : last, label, c->variant)
					: xasprintf("%s/%s", p ? p + 1 : last, label);
		free(last);
	}
	free(ini);
	free(label);
	free(runs);
	free(out);
	free(log);
	return ret;
}

/* METRIC's value in ITER_DIR/metrics.csv, NaN when absent. */
static double metric_of(const char *iter_dir, const char *metric)
{
	char *path = xasprintf("%s/metrics.csv", iter_dir);
	struct csv c;
	double v = NAN;

	if (csv_load(path, &c) == 0) {
		int cm = csv_col(&c, "metric"), cv = csv_col(&c, "value");

		for (size_t r = 0; cm >= 0 && cv >= 0 && r < c.nrows; r++)
			if (!strcmp(csv_str(&c, r, cm), metric))
				v = csv_num(&c, r, cv);
		csv_free(&c);
	}
	free(path);
	return v;
}

/* What iteration.json in ITER_DIR says about the step, added to CO. */
static void account(const char *iter_dir, struct cost *co)
{
	char *path = xasprintf("%s/iteration.json", iter_dir), err[256];
	json_t *j, *b;
	const char *status, *reason, *m;

	if (rset_json_read(path, &j, err, sizeof(err))) {
		free(path);
		return;
	}
	free(path);
	co->steps++;
	status = json_string_value(json_object_get(j, "status"));
	reason = json_string_value(json_object_get(j, "reason"));
	if (status && strcmp(status, "ok"))
		co->failed++;
	if (reason && !strcmp(reason, "ballast-oom"))
		co->ballast_oom++;
	if (json_integer_value(json_object_get(j, "oom_kills")) > 0 ||
	    (reason && !strcmp(reason, "oom")))
		co->oom++;
	m = json_string_value(json_object_get(j, "effective_size_method"));
	if (m)
		snprintf(co->method_seen, sizeof(co->method_seen), "%s", m);
	b = json_object_get(j, "ballast");
	if (json_is_object(b)) {
		double s = json_number_value(json_object_get(b, "seconds"));

		if (json_is_true(json_object_get(b, "reused"))) {
			co->adjust_s += s;
			co->adjusted += json_is_true(json_object_get(b, "adjusted"));
		} else {
			co->make_s += s;
			co->made++;
		}
	}
	json_decref(j);
}

/* The series of headline H over C's iterations. */
static void collect(const struct config *c, const struct headline *h, struct series *s)
{
	s->n = 0;
	for (int i = 1; i <= c->iterations && s->n < MAX_ITERS; i++) {
		char *d = xasprintf("%s/%s/%d", c->set_dir, h->workload, i);

		s->v[s->n] = metric_of(d, h->metric);
		s->ev[s->n] = !h->events ? NAN : !strcmp(h->events, "=") ? s->v[s->n] :
			      metric_of(d, h->events);
		s->n++;
		free(d);
	}
}

/* Minimum detectable effect (%) of MDE_N against MDE_N at COV (%): alpha 0.05, power 0.8. */
static double mde_pct(double cov)
{
	double df = 2.0 * MDE_N - 2;

	return (gsl_cdf_tdist_Pinv(0.975, df) + gsl_cdf_tdist_Pinv(0.8, df)) * cov *
	       sqrt(2.0 / MDE_N);
}

static double mean_of(const double *v, size_t n)
{
	struct stats_summary s;

	stats_summarise(v, n, AGG_MEAN, &s);
	return s.mean;
}

/* One row of the table and the CSV for headline H in configuration C. */
static void report(FILE *csv, const struct config *c, const struct headline *h,
		   const struct series *s)
{
	struct stats_summary sm;
	double events = mean_of(s->ev, s->n), cov, mde;
	bool judged;
	const char *verdict;

	stats_summarise(s->v, s->n, AGG_MEAN, &sm);
	cov = sm.mean != 0 ? 100.0 * sm.cov : NAN;
	mde = mde_pct(cov);
	judged = sm.n >= 2 && sm.mean != 0 && isfinite(cov) &&
		 (!h->events || (isfinite(events) && events >= MIN_EVENTS));
	verdict = sm.n < 2 ? "too few" : !judged ? "sd only" :
		  cov <= c->goal_pct ? "met" : "missed";
	printf("%-8s %-8s %-10s %-22s %3zu %12.4g %10.3g %7.1f %7.1f %9.4g  %s\n", c->scale,
	       c->method, h->workload, h->metric, sm.n, sm.mean, sm.stddev,
	       judged ? cov : NAN, judged ? mde : NAN, events, verdict);
	fprintf(csv, "%s,%s,%s,%s,%zu,%.6g,%.6g,%.6g,%.6g,%.6g,%g,%s\n", c->scale, c->method,
		h->workload, h->metric, sm.n, sm.mean, sm.stddev, cov, mde, events, c->goal_pct,
		verdict);
}

/* What each way of making the effective size cost, and what failed: every step of C's run. */
static void report_cost(FILE *csv, const struct config *c)
{
	struct cost co = { 0 };
	struct dirent *de;
	DIR *d = opendir(c->set_dir);

	while (d && (de = readdir(d))) {
		for (int i = 1; de->d_name[0] != '.' && i <= c->iterations; i++) {
			char *it = xasprintf("%s/%s/%d", c->set_dir, de->d_name, i);

			account(it, &co);
			free(it);
		}
	}
	if (d)
		closedir(d);
	printf("%-8s %-8s %-8s %5d %6d %5d %5d %6d %9.2f %6d %9.2f %8.0f\n", c->scale, c->method,
	       co.method_seen[0] ? co.method_seen : "-", co.steps, co.failed, co.oom,
	       co.ballast_oom, co.made, co.made ? co.make_s / co.made : NAN, co.steps - co.made,
	       co.steps > co.made ? co.adjust_s / (co.steps - co.made) : NAN, c->wall_s);
	fprintf(csv, "%s,%s,%s,%d,%d,%d,%d,%d,%.3f,%d,%.3f,%.1f\n", c->scale, c->method,
		co.method_seen, co.steps, co.failed, co.oom, co.ballast_oom, co.made,
		co.made ? co.make_s / co.made : NAN, co.steps - co.made,
		co.steps > co.made ? co.adjust_s / (co.steps - co.made) : NAN, c->wall_s);
}

/* Do the headline metrics differ between configurations A and B (the two methods)? */
static void report_methods(const struct config *a, const struct config *b)
{
	printf("\n%s scale: %s against %s (Welch's p; a difference is a bias of one method)\n",
	       a->scale, b->method, a->method);
	printf("%-10s %-22s %12s %12s %8s %8s\n", "workload", "metric", a->method, b->method,
	       "change%", "p");
	for (size_t i = 0; i < ARRAY_SIZE(heads); i++) {
		struct series sa, sb;
		struct stats_test t;

		collect(a, &heads[i], &sa);
		collect(b, &heads[i], &sb);
		stats_compare(sa.v, sa.n, sb.v, sb.n, &t);
		printf("%-10s %-22s %12.4g %12.4g %8.1f %8.3g\n", heads[i].workload, heads[i].metric,
		       mean_of(sa.v, sa.n), mean_of(sb.v, sb.n), t.change_pct, t.p_welch);
	}
}

static FILE *open_csv(const char *name, const char *header)
{
	char *path = xasprintf("%s/%s", outdir, name);
	FILE *f = fopen(path, "w");

	if (!f) {
		mmab_err("cannot create '%s': %s", path, strerror(errno));
		exit(1);
	}
	free(path);
	fputs(header, f);
	return f;
}

/*
 * Keep the configurations of CS (N) that MMAB_BENCH_REPEAT names as
 * SCALE-METHOD (all when unset), moved to the front, with
 * MMAB_BENCH_ITERS iterations when set.  Their count.
 */
static size_t pick_configs(struct config *cs, size_t n)
{
	const char *want = getenv("MMAB_BENCH_REPEAT"), *iters = getenv("MMAB_BENCH_ITERS");
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char *name = xasprintf("%s-%s", cs[i].scale, cs[i].method);
		const char *p = want ? strstr(want, name) : NULL;
		bool keep = !want || !*want ||
			    (p && (p == want || p[-1] == ',') && (!p[strlen(name)] ||
								  p[strlen(name)] == ','));

		free(name);
		if (!keep)
			continue;
		cs[k] = cs[i];
		if (iters && atoi(iters) > 0 && atoi(iters) <= MAX_ITERS)
			cs[k].iterations = atoi(iters);
		k++;
	}
	return k;
}

int main(int argc, char **argv)
{
	bool quick = getenv("MMAB_BENCH_QUICK") && *getenv("MMAB_BENCH_QUICK") &&
		     strcmp(getenv("MMAB_BENCH_QUICK"), "0");
	struct config full[] = {
		{ "quick", "madvise", "hotplug", 10, 10, true, NULL, 0 },
		{ "quick", "madvise", "mlock", 10, 10, true, NULL, 0 },
		{ "nightly", NULL, "auto", 5, 10, false, NULL, 0 },
	}, dev[] = {
		{ "quick", "madvise", "auto", 10, 3, true, NULL, 0 },
	};
	struct config *cs = quick ? dev : full;
	size_t nc = quick ? ARRAY_SIZE(dev) : ARRAY_SIZE(full);
	char why[128];
	FILE *csv, *cost;
	int failed = 0, ret;

	outdir = argc > 1 ? argv[1] : "build/bench-results";
	if (!mmab_is_root()) {
		printf("bench-repeat: SKIP: not root (runs the workloads for real)\n");
		return 0;
	}
	if (!quick && hotplug_supported(why, sizeof(why))) {
		printf("# no memory hotplug here (%s): the mlock ballast only\n", why);
		cs = full + 1;
		nc = 2;
	}
	nc = pick_configs(cs, nc);
	ret = mmab_mkdir_p(outdir, 0755);
	if (ret) {
		fprintf(stderr, "bench-repeat: cannot create '%s': %s\n", outdir, strerror(-ret));
		return 2;
	}
	for (size_t i = 0; i < nc; i++)
		if (run_config(&cs[i])) {
			printf("# %s scale, %s: the run failed (see its log)\n", cs[i].scale,
			       cs[i].method);
			failed = 1;
		}
	csv = open_csv("bench-repeat.csv", "scale,method,workload,metric,n,mean,sd,cov_pct,"
		       "mde5_pct,events,goal_pct,verdict\n");
	printf("\nRepeatability: %d iterations; MDE: 5 against 5, alpha 0.05, power 0.8\n",
	       nc ? cs[0].iterations : 0);
	printf("%-8s %-8s %-10s %-22s %3s %12s %10s %7s %7s %9s  %s\n", "scale", "method",
	       "workload", "metric", "n", "mean", "sd", "CoV%", "MDE5%", "events", "goal");
	for (size_t i = 0; i < nc; i++)
		for (size_t h = 0; cs[i].set_dir && h < ARRAY_SIZE(heads); h++) {
			struct series s;

			collect(&cs[i], &heads[h], &s);
			report(csv, &cs[i], &heads[h], &s);
		}
	fclose(csv);
	cost = open_csv("bench-repeat-cost.csv", "scale,method,method_seen,steps,failed,oom,"
			"ballast_oom,made,make_s,kept,adjust_s,wall_s\n");
	printf("\nEffective size: what it cost, what failed\n");
	printf("%-8s %-8s %-8s %5s %6s %5s %5s %6s %9s %6s %9s %8s\n", "scale", "asked", "got",
	       "steps", "failed", "oom", "b-oom", "made", "make_s", "kept", "adjust_s", "wall_s");
	for (size_t i = 0; i < nc; i++)
		if (cs[i].set_dir)
			report_cost(cost, &cs[i]);
	fclose(cost);
	if (nc >= 2 && !strcmp(cs[0].scale, "quick") && !strcmp(cs[1].scale, "quick") &&
	    cs[0].set_dir && cs[1].set_dir)
		report_methods(&cs[1], &cs[0]);
	return failed;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-collectors OUTDIR: what sampling /proc costs with mmab's collectors,
 * measured in one run on this machine, printed as a table and written to
 * OUTDIR/collectors.csv.
 *
 * 1. Per-sample CPU (user+sys of this thread, CLOCK_THREAD_CPUTIME_ID) of
 *    each collector's sample() in a tight loop, next to pread()ing the same
 *    file(s) to EOF in a tight loop: the ratio is what parsing and writing
 *    CSV add to what the kernel costs anyway (target <= 1.5x).  The two
 *    loops alternate over several rounds; medians are reported.
 * 2. The default collector set at its default intervals for 30 s through
 *    the real sampler: process CPU (RUSAGE_SELF; the main thread sleeps) as
 *    a share of one CPU (target <= 0.5%).  Then the floor: the same files
 *    only pread() on the same schedule for as long.
 * 3. The same files sampled the way shell monitors do (mmtests: `cat FILE
 *    >> log` per file per sample, a fork and exec each): CPU of parent and
 *    children per sample, scaled to the same set and intervals; the ratio to
 *    2 (target >= 100x).  The shell's own fork per command and the `sleep`
 *    of its loop are not counted: the shell is flattered.
 * 4. Sample-time jitter with every CPU busy (one spinning process per CPU):
 *    the default set at a tenth of its default intervals for 10 s, each
 *    sample's t (the CSV column) against its scheduled k * interval: p50,
 *    p99, max (target p99 <= 1 ms); ticks skipped are counted.
 *
 * Collectors that cannot run here (not root) are skipped with the reason.
 * For trying the program (the figures that count come from a full run):
 * MMAB_BENCH_SECONDS shortens part 2, MMAB_BENCH_PARTS=13 runs only parts
 * 1 and 3 (3 then compares with a part 2 it did not measure: n/a).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "collectors/sampler.h"
#include "lib/mmab.h"

#define ROUNDS 5
#define LOOP_S 0.2		/* CPU seconds per loop and round */
#define CAT_SAMPLES 40		/* cat runs per file */
#define JITTER_S 10.0

/* The files each /proc collector reads per sample. */
static const struct {
	const char *collector;
	const char *files[4];
} sources[] = {
	{ "vmstat", { "/proc/vmstat" } },
	{ "meminfo", { "/proc/meminfo" } },
	{ "buddyinfo", { "/proc/buddyinfo" } },
	{ "pagetypeinfo", { "/proc/pagetypeinfo" } },
	{ "slabinfo", { "/proc/slabinfo" } },
	{ "psi", { "/proc/pressure/memory", "/proc/pressure/io", "/proc/pressure/cpu" } },
};

struct result {
	const struct collector *c;
	const char *const *files;
	double raw_us, sample_us, cat_us;
	bool ok;
};

static struct result res[ARRAY_SIZE(sources)];
static size_t nres;
static FILE *csv;
static char *tmp;

/*
 * CPU time (user + sys) of this thread, to the nanosecond: getrusage's
 * per-thread figure is rescaled from tick samples and can stand still for
 * milliseconds, too coarse for loops of a few microseconds an iteration.
 */
static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double quantile(const double *sorted, size_t n, double q)
{
	double h = (double)(n - 1) * q;
	size_t i = (size_t)h;

	return i + 1 < n ? sorted[i] + (h - (double)i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

static void out(const char *section, const char *who, const char *metric, double v,
		const char *unit, const char *target, int met)
{
	fprintf(csv, "%s,%s,%s,%.6g,%s,%s,%s\n", section, who, metric, v, unit, target,
		met < 0 ? "" : met ? "yes" : "no");
}

/* ---- 1: per-sample cost against raw pread ---- */

static int open_inst(struct collector_inst *ci, const struct collector *c, char **iobuf)
{
	char *path = xasprintf("%s/%s.csv", tmp, c->name);
	int r;

	memset(ci, 0, sizeof(*ci));
	ci->c = c;
	ci->interval_ms = c->default_interval_ms;
	ci->dir = tmp;
	ci->t0 = mmab_now();
	ci->out = fopen(path, "w");
	free(path);
	if (!ci->out)
		return -errno;
	/* as the sampler sets it up */
	*iobuf = xmalloc(256 * 1024);
	setvbuf(ci->out, *iobuf, _IOFBF, 256 * 1024);
	r = c->open(ci);
	if (r) {
		fclose(ci->out);
		free(*iobuf);
	}
	return r;
}

static void close_inst(struct collector_inst *ci, char *iobuf)
{
	ci->c->close(ci, mmab_now() - ci->t0);
	fclose(ci->out);
	free(iobuf);
}

/* CPU seconds per iteration of N raw reads of FDS. */
static double raw_loop(const int *fds, size_t nfd, long n, char **buf, size_t *cap)
{
	double c0 = thread_cpu_s();

	for (long i = 0; i < n; i++)
		for (size_t f = 0; f < nfd; f++)
			if (mmab_pread_all(fds[f], buf, cap) < 0)
				abort();
	return (thread_cpu_s() - c0) / (double)n;
}

static double sample_loop(struct collector_inst *ci, long n)
{
	double c0 = thread_cpu_s();

	for (long i = 0; i < n; i++) {
		int r = ci->c->sample(ci, mmab_now() - ci->t0);

		if (r) {
			mmab_err("%s: %s", ci->c->name, ci->err);
			exit(MMAB_EXIT_FAIL);
		}
	}
	c0 = (thread_cpu_s() - c0) / (double)n;
	/* the rows were written (that is part of the cost); the disk need not fill up */
	fflush(ci->out);
	if (ftruncate(fileno(ci->out), 0) == 0)
		rewind(ci->out);
	return c0;
}

static void part1(void)
{
	printf("1. CPU per sample: collector vs pread() of the same file(s) in a tight loop\n");
	printf("   %-13s %12s %12s %8s  %s\n", "collector", "pread us", "sample us", "ratio",
	       "target <=1.5x");
	for (size_t s = 0; s < ARRAY_SIZE(sources); s++) {
		const struct collector *c = collector_find(sources[s].collector);
		struct result *r = &res[nres];
		struct collector_inst ci = { 0 };
		char why[256] = "", *iobuf = NULL, *buf = NULL;
		double raw[ROUNDS], smp[ROUNDS];
		int fds[4];
		size_t nfd = 0, cap = 0;
		long n;

		if (!c)
			continue;
		r->c = c;
		r->files = sources[s].files;
		nres++;
		if (c->available(why, sizeof(why)) || open_inst(&ci, c, &iobuf)) {
			printf("   %-13s skipped: %s\n", c->name, why[0] ? why : ci.err);
			continue;
		}
		for (size_t f = 0; f < 4 && sources[s].files[f]; f++) {
			int fd = open(sources[s].files[f], O_RDONLY | O_CLOEXEC);

			if (fd >= 0)
				fds[nfd++] = fd;
		}
		/* warm up, then size the loops to about LOOP_S of CPU each */
		sample_loop(&ci, 20);
		n = (long)(LOOP_S / fmax(raw_loop(fds, nfd, 100, &buf, &cap), 1e-6));
		n = n < 20 ? 20 : n > 100000 ? 100000 : n;
		for (int k = 0; k < ROUNDS; k++) {
			raw[k] = raw_loop(fds, nfd, n, &buf, &cap);
			smp[k] = sample_loop(&ci, n);
		}
		r->raw_us = median(raw, ROUNDS) * 1e6;
		r->sample_us = median(smp, ROUNDS) * 1e6;
		r->ok = true;
		printf("   %-13s %12.2f %12.2f %7.2fx  %s\n", c->name, r->raw_us, r->sample_us,
		       r->sample_us / r->raw_us, r->sample_us / r->raw_us <= 1.5 ? "met" : "MISSED");
		out("1", c->name, "pread_cpu_per_read", r->raw_us, "us", "", -1);
		out("1", c->name, "sample_cpu_per_sample", r->sample_us, "us", "", -1);
		out("1", c->name, "sample_to_pread_ratio", r->sample_us / r->raw_us, "x", "<=1.5",
		    r->sample_us / r->raw_us <= 1.5);
		for (size_t f = 0; f < nfd; f++)
			close(fds[f]);
		free(buf);
		close_inst(&ci, iobuf);
	}
}

/* ---- 2: the default set through the sampler ---- */

/* The default /proc collectors that can run here, at their intervals / DIVIDE. */
static size_t default_cfgs(struct collector_cfg *cfgs, size_t max, unsigned divide)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sources) && n < max; i++) {
		const struct collector *c = collector_find(sources[i].collector);
		char why[256];

		if (!c || !(c->flags & COL_DEFAULT) || c->available(why, sizeof(why)))
			continue;
		cfgs[n++] = (struct collector_cfg){ .c = c,
						    .interval_ms = c->default_interval_ms / divide };
	}
	return n;
}

/* Distinct sample times in DIR/NAME.csv into *ts (malloc'd); returns the count. */
static size_t read_times(const char *dir, const char *name, double **ts)
{
	char *path = xasprintf("%s/%s.csv", dir, name), *text, *p;
	size_t n = 0, cap = 1024;

	*ts = xmalloc(cap * sizeof(double));
	if (mmab_read_file(path, &text, NULL)) {
		free(path);
		return 0;
	}
	p = strchr(text, '\n');
	while (p && p[1]) {
		double t = strtod(p + 1, NULL);

		if (!n || t != (*ts)[n - 1]) {
			if (n == cap)
				*ts = xrealloc(*ts, (cap *= 2) * sizeof(double));
			(*ts)[n++] = t;
		}
		p = strchr(p + 1, '\n');
	}
	free(text);
	free(path);
	return n;
}

static double part2(double seconds)
{
	struct collector_cfg cfgs[16];
	size_t n = default_cfgs(cfgs, ARRAY_SIZE(cfgs), 1), samples = 0;
	char *dir = xasprintf("%s/default", tmp);
	struct sampler *s;
	double c0, w0, cpu, wall, pct;

	mkdir(dir, 0755);
	printf("\n2. Default set (");
	for (size_t i = 0; i < n; i++)
		printf("%s%s %u ms", i ? ", " : "", cfgs[i].c->name, cfgs[i].c->default_interval_ms);
	printf(") through the sampler for %.0f s\n", seconds);
	c0 = cpu_s(RUSAGE_SELF);
	w0 = mmab_now();
	if (sampler_start(&s, dir, cfgs, n))
		exit(MMAB_EXIT_FAIL);
	sleep_s(seconds);
	if (sampler_stop(s))
		exit(MMAB_EXIT_FAIL);
	cpu = cpu_s(RUSAGE_SELF) - c0;
	wall = mmab_now() - w0;
	for (size_t i = 0; i < n; i++) {
		double *ts;

		samples += read_times(dir, cfgs[i].c->name, &ts);
		free(ts);
	}
	pct = 100 * cpu / wall;
	printf("   CPU %.1f ms in %.1f s = %.4f%% of one CPU (target <=0.5%%: %s); "
	       "%zu samples, %.1f us each\n", cpu * 1e3, wall, pct, pct <= 0.5 ? "met" : "MISSED",
	       samples, cpu / (double)samples * 1e6);
	out("2", "default", "cpu_pct_of_one_cpu", pct, "%", "<=0.5", pct <= 0.5);
	out("2", "default", "cpu_per_sample_in_sampler", cpu / (double)samples * 1e6, "us", "",
	    -1);
	out("2", "default", "seconds", wall, "s", "", -1);
	mmab_rm_rf(dir);
	free(dir);
	return pct;
}

/*
 * The floor under part 2: the same files pread() on the same absolute
 * schedule for as long, with nothing parsed or written.  What the kernel
 * takes to produce the files after 100 ms away (cold caches), plus waking
 * up: no sampler of these files can cost less, and part 2 minus this is
 * mmab's own share.
 */
static double part2_floor(double seconds)
{
	struct collector_cfg cfgs[16];
	size_t n = default_cfgs(cfgs, ARRAY_SIZE(cfgs), 1), nfd = 0;
	struct { int fd; unsigned every; } f[32];
	uint64_t ticks = (uint64_t)(seconds * 10);
	double c0, w0, pct, cpu, wall;
	struct timespec next;
	char *buf = NULL;
	size_t cap = 0;

	for (size_t i = 0; i < n; i++) {
		for (size_t s = 0; s < ARRAY_SIZE(sources); s++) {
			if (strcmp(sources[s].collector, cfgs[i].c->name))
				continue;
			for (size_t k = 0; k < 4 && sources[s].files[k] && nfd < 32; k++) {
				f[nfd].fd = open(sources[s].files[k], O_RDONLY | O_CLOEXEC);
				f[nfd].every = cfgs[i].interval_ms / 100;
				nfd += f[nfd].fd >= 0;
			}
		}
	}
	c0 = cpu_s(RUSAGE_SELF);
	w0 = mmab_now();
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (uint64_t t = 0; t <= ticks; t++) {
		for (size_t i = 0; i < nfd; i++)
			if (t % (f[i].every ? f[i].every : 1) == 0 &&
			    mmab_pread_all(f[i].fd, &buf, &cap) < 0)
				abort();
		next.tv_nsec += 100000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	cpu = cpu_s(RUSAGE_SELF) - c0;
	wall = mmab_now() - w0;
	pct = 100 * cpu / wall;
	printf("   the floor: the same files pread() on the same schedule, nothing parsed or "
	       "written: %.4f%% of one CPU\n", pct);
	out("2", "default", "pread_only_cpu_pct_of_one_cpu", pct, "%", "", -1);
	for (size_t i = 0; i < nfd; i++)
		close(f[i].fd);
	free(buf);
	return pct;
}

/* ---- 3: the shell way ---- */

static void part3(double mmab_pct, double floor_pct)
{
	char *log = xasprintf("%s/cat.log", tmp);
	double shell_pct = 0;

	printf("\n3. The shell way: fork+exec `cat FILE >> log` per file per sample "
	       "(%d runs per file)\n", CAT_SAMPLES);
	printf("   %-13s %12s %12s %10s\n", "collector", "cat us", "mmab us", "ratio");
	for (size_t i = 0; i < nres; i++) {
		struct result *r = &res[i];
		double c0;

		if (!r->ok)
			continue;
		c0 = cpu_s(RUSAGE_SELF) + cpu_s(RUSAGE_CHILDREN);
		for (int k = 0; k < CAT_SAMPLES; k++) {
			for (size_t f = 0; f < 4 && r->files[f]; f++) {
				char cat[] = "cat", *argv[] = { cat, (char *)r->files[f], NULL };
				int st;

				if (access(r->files[f], R_OK))
					continue;
				if (mmab_spawn_wait(argv, log, "/dev/null", &st) || st) {
					mmab_err("cannot run 'cat %s'", r->files[f]);
					exit(MMAB_EXIT_FAIL);
				}
			}
		}
		r->cat_us = (cpu_s(RUSAGE_SELF) + cpu_s(RUSAGE_CHILDREN) - c0) / CAT_SAMPLES * 1e6;
		unlink(log);
		printf("   %-13s %12.0f %12.2f %9.0fx\n", r->c->name, r->cat_us, r->sample_us,
		       r->cat_us / r->sample_us);
		out("3", r->c->name, "cat_cpu_per_sample", r->cat_us, "us", "", -1);
		out("3", r->c->name, "cat_to_sample_ratio", r->cat_us / r->sample_us, "x", "", -1);
		if (r->c->flags & COL_DEFAULT)
			shell_pct += r->cat_us / 1e6 * (1000.0 / r->c->default_interval_ms) * 100;
	}
	printf("   default set at default intervals the shell way: %.2f%% of one CPU, "
	       "%.0fx mmab's %.4f%% (target >=100x: %s)\n", shell_pct, shell_pct / mmab_pct,
	       mmab_pct, shell_pct / mmab_pct >= 100 ? "met" : "MISSED");
	printf("   (pread alone on that schedule costs %.4f%%: no sampler of these files could "
	       "be more than %.0fx cheaper here)\n", floor_pct, shell_pct / floor_pct);
	out("3", "default", "shell_cpu_pct_of_one_cpu", shell_pct, "%", "", -1);
	out("3", "default", "shell_to_pread_floor_ratio", shell_pct / floor_pct, "x", "", -1);
	out("3", "default", "shell_to_mmab_ratio", shell_pct / mmab_pct, "x", ">=100",
	    shell_pct / mmab_pct >= 100);
	free(log);
}

/* ---- 4: jitter with every CPU busy ---- */

static void part4(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct collector_cfg cfgs[16];
	size_t n = default_cfgs(cfgs, ARRAY_SIZE(cfgs), 10), nall = 0, missed = 0;
	char *dir = xasprintf("%s/jitter", tmp);
	double *all = NULL;
	pid_t spin[256];
	struct sampler *s;

	mkdir(dir, 0755);
	for (long i = 0; i < ncpu && i < 256; i++) {
		spin[i] = fork();
		if (spin[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (volatile unsigned long x = 0;; x++)
				;
		}
	}
	printf("\n4. Jitter with %ld CPU(s) busy (one spinning process each): default set at "
	       "a tenth of its intervals for %.0f s\n", ncpu, JITTER_S);
	if (sampler_start(&s, dir, cfgs, n))
		exit(MMAB_EXIT_FAIL);
	sleep_s(JITTER_S);
	sampler_stop(s);
	for (long i = 0; i < ncpu && i < 256; i++) {
		kill(spin[i], SIGKILL);
		waitpid(spin[i], NULL, 0);
	}
	for (size_t i = 0; i < n; i++) {
		double *ts, iv = cfgs[i].interval_ms / 1000.0;
		size_t k = read_times(dir, cfgs[i].c->name, &ts), expected;

		if (k < 3) {
			free(ts);
			continue;
		}
		all = xrealloc(all, (nall + k) * sizeof(double));
		/* without the t=0 and end samples, taken outside the schedule */
		for (size_t j = 1; j + 1 < k; j++)
			all[nall++] = fmod(ts[j], iv);
		expected = (size_t)(ts[k - 1] / iv);
		missed += expected > k - 2 ? expected - (k - 2) : 0;
		free(ts);
	}
	qsort(all, nall, sizeof(double), cmp_double);
	{
		double p50 = quantile(all, nall, 0.5) * 1e6, p99 = quantile(all, nall, 0.99) * 1e6;
		double max = all[nall - 1] * 1e6;

		printf("   %zu samples: p50 %.0f us, p99 %.0f us, max %.0f us late; %zu ticks "
		       "skipped (target p99 <=1 ms: %s)\n", nall, p50, p99, max, missed,
		       p99 <= 1000 ? "met" : "MISSED");
		out("4", "default", "jitter_p50", p50, "us", "", -1);
		out("4", "default", "jitter_p99", p99, "us", "<=1000", p99 <= 1000);
		out("4", "default", "jitter_max", max, "us", "", -1);
		out("4", "default", "ticks_skipped", (double)missed, "", "", -1);
	}
	free(all);
	mmab_rm_rf(dir);
	free(dir);
}

int main(int argc, char **argv)
{
	const char *env = getenv("MMAB_BENCH_SECONDS"), *parts = getenv("MMAB_BENCH_PARTS");
	double seconds = env ? atof(env) : 30, pct = NAN, floor_pct = NAN;
	char *path, host[256] = "";

	if (!parts || !*parts)
		parts = "1234";
	if (argc != 2) {
		fprintf(stderr, "usage: bench-collectors OUTDIR\n");
		return MMAB_EXIT_USAGE;
	}
	if (mmab_mkdir_p(argv[1], 0755)) {
		mmab_err("cannot create '%s': %s", argv[1], strerror(errno));
		return MMAB_EXIT_FAIL;
	}
	path = xasprintf("%s/collectors.csv", argv[1]);
	csv = fopen(path, "w");
	if (!csv) {
		mmab_err("cannot create '%s': %s", path, strerror(errno));
		return MMAB_EXIT_FAIL;
	}
	tmp = xasprintf("%s/collectors-tmp.XXXXXX", argv[1]);
	if (!mkdtemp(tmp)) {
		mmab_err("cannot create a directory in '%s': %s", argv[1], strerror(errno));
		return MMAB_EXIT_FAIL;
	}
	gethostname(host, sizeof(host) - 1);
	printf("bench-collectors on %s, %ld CPUs%s\n\n", host, sysconf(_SC_NPROCESSORS_ONLN),
	       mmab_is_root() ? "" : " (not root: slabinfo and pagetypeinfo skipped)");
	fprintf(csv, "section,collector,metric,value,unit,target,met\n");
	if (strchr(parts, '1'))
		part1();
	if (strchr(parts, '2')) {
		pct = part2(seconds > 0 ? seconds : 30);
		floor_pct = part2_floor(seconds > 0 ? seconds : 30);
	}
	if (strchr(parts, '3'))
		part3(pct, floor_pct);
	if (strchr(parts, '4'))
		part4();
	mmab_rm_rf(tmp);
	if (fclose(csv)) {
		mmab_err("cannot write '%s': %s", path, strerror(errno));
		return MMAB_EXIT_FAIL;
	}
	printf("\nCSV: %s\n", path);
	free(path);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Trend plots of the history site (site.h): for one series, its data file
 * and gnuplot script, filled from history/plots/trend.gp and the shared
 * style of `mmab plot` (analysis/plots/style.gp), both embedded; then
 * gnuplot run on every script, a batch of scripts per process (one
 * process per plot would cost more than the plots: a year of a nightly
 * suite is ~900 of them), a process per CPU.  Each script runs on its own
 * too (`cd DIR && gnuplot NAME.gp` redraws NAME.png and NAME.svg).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/gnuplot.h"
#include "history/trend.h"
#include "lib/embed.h"
#include "lib/metric.h"
#include "lib/mmab.h"

#define WIDTH 800
#define HEIGHT 380

/*
 * Write a plot's file: no fsync (a site is made again in full each time,
 * and a year of plots would spend most of its time waiting on the disk),
 * O_NOFOLLOW so a link planted in the directory is not written through.
 */
static int write_plot_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644), err;

	if (fd < 0)
		return -errno;
	err = mmab_write_full(fd, data, strlen(data));
	if (close(fd) && !err)
		err = -errno;
	return err;
}

static char *embedded(const char *path)
{
	const char *t = embed_find(path, NULL);

	return t ? xstrdup(t) : NULL;
}

/* The mean of each point's segment between the change points CPS (in time order). */
static double *segment_means(const struct history_series *s, const struct history_cp *const *cps,
			     size_t ncps)
{
	double *m = xcalloc(s->n + 1, sizeof(*m));
	size_t from = 0;

	for (size_t k = 0; k <= ncps; k++) {
		size_t to = k < ncps ? cps[k]->point : s->n, n = 0;
		double sum = 0;

		for (size_t i = from; i < to; i++)
			if (isfinite(s->pts[i].value)) {
				sum += s->pts[i].value;
				n++;
			}
		for (size_t i = from; i < to; i++)
			m[i] = n ? sum / (double)n : NAN;
		from = to;
	}
	return m;
}

static void num(FILE *f, double v)
{
	char b[40];

	metric_format_value(b, sizeof(b), v);
	fputs(*b ? b : "NaN", f);
}

/* The data file: run, start, value, min, max, segment mean, kernel release. */
static char *trend_data(const struct history_data *d, const struct history_series *s,
			const struct history_cp *const *cps, size_t ncps)
{
	double *seg = segment_means(s, cps, ncps);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fputs("run,start,value,min,max,segment_mean,kernel_release\n", f);
	for (size_t i = 0; i < s->n; i++) {
		const struct history_point *p = &s->pts[i];
		double lo = INFINITY, hi = -INFINITY;
		char *rel = xstrdup(d->sets[p->set].release);

		for (size_t k = 0; k < p->n_iters; k++)
			if (isfinite(p->iters[k])) {
				lo = p->iters[k] < lo ? p->iters[k] : lo;
				hi = p->iters[k] > hi ? p->iters[k] : hi;
			}
		for (char *c = rel; *c; c++)	/* a CSV cell of its own */
			if (*c == ',' || *c == '"' || (unsigned char)*c < 0x20)
				*c = '_';
		fprintf(f, "%zu,%.19s,", i + 1, d->sets[p->set].start);
		num(f, p->value);
		fputc(',', f);
		num(f, isfinite(lo) ? lo : NAN);
		fputc(',', f);
		num(f, isfinite(hi) ? hi : NAN);
		fputc(',', f);
		num(f, seg[i]);
		fprintf(f, ",%s\n", rel);
		free(rel);
	}
	if (fclose(f))
		abort();
	free(seg);
	return buf;
}

/* xtics: the date of about eight runs, evenly spaced. */
static char *xtics(const struct history_data *d, const struct history_series *s)
{
	char *t = xstrdup("");
	size_t every = s->n > 8 ? (s->n + 7) / 8 : 1;

	for (size_t i = 0; i < s->n; i += every) {
		char date[16], *q, *n;

		snprintf(date, sizeof(date), "%.10s", d->sets[s->pts[i].set].start);
		q = gp_quote(date);
		n = xasprintf("%s%s%s %zu", t, *t ? ", " : "", q, i + 1);
		free(q);
		free(t);
		t = n;
	}
	return t;
}

static void append(char **s, char *add)
{
	char *n = xasprintf("%s%s", *s, add);

	free(*s);
	free(add);
	*s = n;
}

/*
 * The change points as labelled vertical lines, and the kernel releases
 * under the axis where they changed (no closer to each other than a
 * twelfth of the axis, so they stay readable).
 */
static char *marks(const struct history_data *d, const struct history_series *s,
		   const struct history_cp *const *cps, size_t ncps, bool *kernels)
{
	char *m = xstrdup("");
	double last = -1e9, gap = (double)s->n / 12;

	*kernels = false;
	for (size_t k = 0; k < ncps; k++) {
		const struct history_cp *c = cps[k];
		const char *colour = c->kind == HK_REGRESSION ? "#b3261e"
				     : c->kind == HK_IMPROVEMENT ? "#0a7d36" : "#555555";
		char pct[32], *text, *q;
		double x = (double)c->point + 0.5;

		snprintf(pct, sizeof(pct), isfinite(c->change_pct) ? "%+.1f%%" : "change",
			 c->change_pct);
		text = xasprintf("%s %.10s", pct, d->sets[s->pts[c->point].set].start);
		q = gp_quote(text);
		append(&m, xasprintf("set arrow from %g, graph 0 to %g, graph 1 nohead lc rgb '%s' "
				     "lw 1.5 dt 2 front\nset label %s at %g, graph 1 offset 0,0.7 "
				     "center font ',8' tc rgb '%s' front\n", x, x, colour, q, x, colour));
		free(q);
		free(text);
	}
	for (size_t i = 0; i < s->n; i++) {
		const char *rel = d->sets[s->pts[i].set].release;
		char *q;

		/* the first one too: which kernel the series started on */
		if ((i && !strcmp(rel, d->sets[s->pts[i - 1].set].release)) || (double)i - last < gap)
			continue;
		last = (double)i;
		*kernels = true;
		q = gp_quote(rel);
		append(&m, xasprintf("set label %s at %zu, graph 0 offset 0,-2.4 %s rotate by 10 "
				     "font ',8' tc rgb '#444444'\n", q, i + 1, i ? "center" : "left"));
		free(q);
	}
	return m;
}

int trend_write(const char *dir, const char *base, const struct history_data *d,
		const struct history_series *s, const struct history_cp *const *cps, size_t ncps,
		const char *title)
{
	char *tpl = embedded("history/plots/trend.gp"), *style = embedded("analysis/plots/style.gp");
	char *data = trend_data(d, s, cps, ncps), *file = xasprintf("%s.csv", base), *script = NULL;
	char *png = xasprintf("%s.png", base), *svg = xasprintf("%s.svg", base), *path;
	bool kernels;
	char *mk = marks(d, s, cps, ncps, &kernels);
	char xmax[32];
	struct gp_var vars[] = {
		{ "TERMINAL", xasprintf("set terminal pngcairo size %d,%d font 'DejaVu Sans,10' "
					"noenhanced", WIDTH, HEIGHT) },
		{ "STYLE", style ? style : xstrdup("") },
		{ "OUTPUT", gp_quote(png) },
		{ "TITLE", gp_quote(title) },
		{ "YLABEL", gp_quote(*s->unit ? s->unit : "value") },
		{ "KOFFSET", xstrdup(kernels ? "1.2" : "0") },
		{ "BMARGIN", xstrdup(kernels ? "7" : "5") },
		{ "XMIN", xstrdup("0.5") },
		{ "XMAX", (snprintf(xmax, sizeof(xmax), "%zu.5", s->n), xstrdup(xmax)) },
		{ "XTICS", xtics(d, s) },
		{ "MARKS", mk },
		{ "DATA", gp_quote(file) },
		{ "SVG", NULL },
	};
	int err = tpl ? 0 : -ENOENT;

	{
		char *q = gp_quote(svg);

		vars[ARRAY_SIZE(vars) - 1].value = xasprintf(
			"set terminal svg size %d,%d font 'DejaVu Sans,10' noenhanced background "
			"'#ffffff'\nset output %s\nreplot\nunset output", WIDTH, HEIGHT, q);
		free(q);
	}
	if (!err)
		err = gp_fill(tpl, vars, ARRAY_SIZE(vars), &script);
	path = xasprintf("%s/%s", dir, file);
	if (!err)
		err = write_plot_file(path, data);
	free(path);
	path = xasprintf("%s/%s.gp", dir, base);
	if (!err)
		err = write_plot_file(path, script);
	if (err)
		mmab_err("cannot write '%s': %s", path, strerror(-err));
	free(path);
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
		free((char *)vars[i].value);
	free(tpl);
	free(data);
	free(file);
	free(script);
	free(png);
	free(svg);
	return err;
}

/* ---- running gnuplot ---- */

static bool drawn(const char *dir, const char *base)
{
	char *png = xasprintf("%s/%s.png", dir, base), *svg = xasprintf("%s/%s.svg", dir, base);
	struct stat a, b;
	bool ok = !stat(png, &a) && a.st_size > 0 && !stat(svg, &b) && b.st_size > 0;

	free(png);
	free(svg);
	return ok;
}

/* gnuplot on the scripts BASES[0..n) in DIR, one process; its pid or -errno. */
static pid_t spawn_batch(const char *gp, const char *dir, char *const *bases, size_t n,
			 const char *log)
{
	char **argv = xcalloc(n + 5, sizeof(*argv)), *cd, *q = gp_quote(dir);
	pid_t pid;

	cd = xasprintf("cd %s", q);
	free(q);
	argv[0] = (char *)gp;
	argv[1] = (char *)"-e";
	argv[2] = cd;
	for (size_t i = 0; i < n; i++)
		argv[3 + i] = xasprintf("%s.gp", bases[i]);
	pid = mmab_spawn(argv, "/dev/null", log);
	for (size_t i = 0; i < n; i++)
		free(argv[3 + i]);
	free(cd);
	free(argv);
	return pid;
}

static int wait_all(pid_t *pids, size_t n)
{
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		int status;

		if (pids[i] <= 0)
			continue;
		while (waitpid(pids[i], &status, 0) < 0)
			if (errno != EINTR) {
				ret = -errno;
				break;
			}
	}
	return ret;
}

int trend_render(const char *dir, char *const *bases, size_t n, bool *ok)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t width = cpus < 1 ? 1 : cpus > 8 ? 8 : (size_t)cpus, per, failed = 0;
	pid_t pids[8] = { 0 };
	char *log = xasprintf("%s/gnuplot.log", dir);
	int ret = 0;

	unlink(log);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s.png", dir, bases[i]);

		unlink(path);	/* never pass an old image off as new */
		free(path);
	}
	per = (n + width - 1) / (width ? width : 1);
	for (size_t w = 0; w < width && w * per < n; w++) {
		size_t cnt = n - w * per < per ? n - w * per : per;

		pids[w] = spawn_batch("gnuplot", dir, bases + w * per, cnt, log);
		if (pids[w] < 0) {
			mmab_err("cannot run gnuplot: %s%s", strerror((int)-pids[w]),
				 pids[w] == -ENOENT ? " (Debian: apt-get install gnuplot-nox); the "
				 "data files and scripts are written" : "");
			ret = (int)pids[w];
			break;
		}
	}
	wait_all(pids, width);
	/* a script that failed stopped its batch: the rest run one by one */
	for (size_t i = 0; i < n && !ret; i++) {
		pid_t pid;

		if (drawn(dir, bases[i]))
			continue;
		pid = spawn_batch("gnuplot", dir, bases + i, 1, log);
		if (pid > 0)
			wait_all(&pid, 1);
	}
	for (size_t i = 0; i < n; i++) {
		ok[i] = drawn(dir, bases[i]);
		failed += !ok[i];
	}
	if (failed && !ret) {
		mmab_err("gnuplot could not draw %zu of %zu plots; its messages are in '%s'", failed,
			 n, log);
		ret = -EIO;
	} else if (!ret) {
		unlink(log);
	}
	free(log);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Progress on stderr (runner/progress.h).  On a terminal a ticker thread
 * redraws the bar once a second, because the runner itself sits blocked in
 * child_run() for the whole of a step; off a terminal there is no thread,
 * only a line when a step starts and one when it ends.
 */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "lib/mmab.h"
#include "runner/progress.h"

struct progress {
	size_t n;
	double *est;		/* estimate per step */
	double *took;		/* measured seconds, NAN until the step ends here */
	char **key;
	bool *done;
	size_t ndone;
	FILE *out;
	bool tty;
	/* the step running now, for the ticker */
	size_t cur;
	double cur_start;
	char what[160];
	bool drawn;
	bool stopping;
	pthread_t ticker;
	bool have_ticker;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

void progress_format_duration(char *buf, size_t len, double s)
{
	long t = isfinite(s) && s > 0 ? lround(s) : 0;

	if (t < 60)
		snprintf(buf, len, "%lds", t);
	else if (t < 3600)
		snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, len, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
}

/* What step J should take, judging from the steps finished so far. */
static double predict(const struct progress *p, size_t j)
{
	double key_sum = 0, all_took = 0, all_est = 0;
	size_t key_n = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (isnan(p->took[i]))
			continue;
		all_took += p->took[i];
		all_est += p->est[i];
		if (!strcmp(p->key[i], p->key[j])) {
			key_sum += p->took[i];
			key_n++;
		}
	}
	if (key_n)
		return key_sum / (double)key_n;
	if (all_est > 0)
		return p->est[j] * all_took / all_est;
	return p->est[j];
}

double progress_eta(const struct progress *p, size_t current, double elapsed)
{
	double left = 0;

	for (size_t j = 0; j < p->n; j++) {
		if (p->done[j])
			continue;
		if (j == current)
			left += fmax(0, predict(p, j) - elapsed);
		else
			left += predict(p, j);
	}
	return left;
}

static int term_width(void)
{
	struct winsize ws;

	if (!ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/* Draw the bar; the caller holds the lock. */
static void draw(struct progress *p)
{
	char eta[32], line[512], bar[32];
	int width = term_width(), fill, n;
	double elapsed = p->cur < p->n ? mmab_now() - p->cur_start : 0;

	progress_format_duration(eta, sizeof(eta), progress_eta(p, p->cur, elapsed));
	fill = (int)(20 * p->ndone / (p->n ? p->n : 1));
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(20 - fill));
	bar[20] = '\0';
	n = snprintf(line, sizeof(line), "[%s] %zu/%zu %s  ETA %s", bar,
		     p->ndone + (p->cur < p->n), p->n, p->what, eta);
	if (n >= width)
		line[width - 1] = '\0';
	fprintf(p->out, "\r\033[K%s", line);
	fflush(p->out);
	p->drawn = true;
}

static void clear(struct progress *p)
{
	if (p->tty && p->drawn) {
		fputs("\r\033[K", p->out);
		fflush(p->out);
		p->drawn = false;
	}
}

static void *tick(void *arg)
{
	struct progress *p = arg;
	struct timespec ts;

	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
		if (!p->stopping && p->cur < p->n)
			draw(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/*
 * The bar on a terminal is one line redrawn in place: any other message
 * (mmab_err, mmab_warn, mmab_info: a collector's note, a warning) clears
 * it first, or both end up on one line.  Only in the process that drew
 * it: a forked workload child writes to its own log.
 */
static struct progress *on_screen;
static pid_t on_screen_pid;

static void message_hook(const char *line)
{
	struct progress *p = on_screen;

	if (!p || getpid() != on_screen_pid) {
		fputs(line, stderr);
		return;
	}
	pthread_mutex_lock(&p->lock);
	clear(p);
	fputs(line, p->out);
	fflush(p->out);
	pthread_mutex_unlock(&p->lock);
}

struct progress *progress_new(size_t nsteps, const double *estimate, const char *const *key,
			      bool tty, FILE *out)
{
	struct progress *p = xcalloc(1, sizeof(*p));

	p->n = nsteps;
	p->est = xcalloc(nsteps, sizeof(*p->est));
	p->took = xcalloc(nsteps, sizeof(*p->took));
	p->key = xcalloc(nsteps, sizeof(*p->key));
	p->done = xcalloc(nsteps, sizeof(*p->done));
	for (size_t i = 0; i < nsteps; i++) {
		p->est[i] = estimate[i] > 0 && isfinite(estimate[i]) ? estimate[i] : 0;
		p->took[i] = NAN;
		p->key[i] = xstrdup(key[i]);
	}
	p->out = out;
	p->tty = tty;
	p->cur = SIZE_MAX;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (tty) {
		sigset_t all, old;

		on_screen = p;
		on_screen_pid = getpid();
		mmab_message_hook = message_hook;

		/* signals are the runner's (the journal, child_run): never the ticker's */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		p->have_ticker = !pthread_create(&p->ticker, NULL, tick, p);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	return p;
}

void progress_done_before(struct progress *p, size_t i)
{
	pthread_mutex_lock(&p->lock);
	if (i < p->n && !p->done[i]) {
		p->done[i] = true;
		p->ndone++;
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_begin(struct progress *p, size_t i, const char *what)
{
	char eta[32];

	pthread_mutex_lock(&p->lock);
	p->cur = i;
	p->cur_start = mmab_now();
	snprintf(p->what, sizeof(p->what), "%s", what);
	if (p->tty) {
		draw(p);
	} else {
		progress_format_duration(eta, sizeof(eta), progress_eta(p, i, 0));
		fprintf(p->out, "mmab: [%zu/%zu] %s (ETA %s)\n", p->ndone + 1, p->n, what, eta);
		fflush(p->out);
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_end(struct progress *p, size_t i, double seconds, const char *outcome)
{
	char took[32];
	bool ok = !strcmp(outcome, "ok");

	pthread_mutex_lock(&p->lock);
	if (i < p->n && !p->done[i]) {
		p->done[i] = true;
		p->ndone++;
		p->took[i] = seconds;
	}
	p->cur = SIZE_MAX;
	progress_format_duration(took, sizeof(took), seconds);
	/* on a terminal only what needs attention scrolls up; a log gets every step */
	if (!p->tty || !ok) {
		clear(p);
		fprintf(p->out, "mmab: [%zu/%zu] %s: %s (%s)\n", p->ndone, p->n, p->what, outcome,
			took);
		fflush(p->out);
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_note(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&p->lock);
	clear(p);
	fputs("mmab: ", p->out);
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->out);
	fflush(p->out);
	pthread_mutex_unlock(&p->lock);
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	if (on_screen == p) {
		mmab_message_hook = NULL;
		on_screen = NULL;
	}
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	if (p->have_ticker)
		pthread_join(p->ticker, NULL);
	clear(p);
	for (size_t i = 0; i < p->n; i++)
		free(p->key[i]);
	free(p->key);
	free(p->est);
	free(p->took);
	free(p->done);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The perf collector's reading of perf's output (API in perf.h): one line
 * of `perf stat -I -j` (or -x,) into a reading, the readings into a series
 * of intervals, and the series onto mmab's clock as perf.csv rows.  Pure:
 * unit tests feed it output captured from a real perf.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/perf.h"
#include "collectors/tracing.h"
#include "lib/csv.h"
#include "lib/mmab.h"

/* ---- parsing ---- */

/* a count as perf prints it: a number, "<not counted>" or "<not supported>" */
static int parse_count(const char *s, struct perf_reading *r)
{
	r->count = NAN;
	r->supported = true;
	r->counted = false;
	if (!strcmp(s, "<not supported>")) {
		r->supported = false;
		return 0;
	}
	if (!strcmp(s, "<not counted>"))
		return 0;
	if (mmab_parse_double(s, &r->count) || r->count < 0)
		return -EINVAL;
	r->counted = true;
	return 0;
}

static int parse_json(const char *line, struct perf_reading *r)
{
	json_t *o = json_loads(line, 0, NULL);
	json_t *iv, *cv, *ev, *rt;
	int ret = -EINVAL;

	if (!o)
		return -EINVAL;
	iv = json_object_get(o, "interval");
	cv = json_object_get(o, "counter-value");
	ev = json_object_get(o, "event");
	rt = json_object_get(o, "event-runtime");
	if (!json_is_number(iv) || !json_is_string(ev) || !cv ||
	    json_string_length(ev) >= sizeof(r->event) || !json_string_length(ev))
		goto out;
	r->ts = json_number_value(iv);
	snprintf(r->event, sizeof(r->event), "%s", json_string_value(ev));
	if (json_is_string(cv))
		ret = parse_count(json_string_value(cv), r);
	else if (json_is_number(cv)) {
		r->count = json_number_value(cv);
		r->supported = r->counted = true;
		ret = r->count >= 0 ? 0 : -EINVAL;
	}
	r->runtime_ns = json_is_number(rt) ? json_number_value(rt) : 0;
	if (!ret && (!isfinite(r->ts) || r->ts < 0 || r->runtime_ns < 0))
		ret = -EINVAL;
out:
	json_decref(o);
	return ret;
}

static bool in_list(char *const *list, const char *s)
{
	for (size_t i = 0; list && list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

static int parse_csv(const char *line, char *const *events, struct perf_reading *r)
{
	char *copy = xstrdup(line), *f[64];
	size_t n = 0, k;
	double rt = 0;
	int ret = -EINVAL;

	/* strtok_r would merge empty fields: split by hand */
	for (char *p = copy; n < ARRAY_SIZE(f); ) {
		f[n++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = '\0';
	}
	while (*f[0] == ' ')
		f[0]++;
	if (mmab_parse_double(f[0], &r->ts)) {
		/* no leading timestamp: one of perf's messages */
		ret = 0;
		goto out;
	}
	for (k = 1; k < n && !in_list(events, f[k]); k++)
		;
	if (k >= n || k < 3 || strlen(f[k]) >= sizeof(r->event))
		goto out;
	snprintf(r->event, sizeof(r->event), "%s", f[k]);
	if (parse_count(f[k - 2], r))
		goto out;
	if (k + 1 < n && *f[k + 1] && mmab_parse_double(f[k + 1], &rt))
		goto out;
	r->runtime_ns = rt;
	ret = (r->ts >= 0 && rt >= 0) ? 1 : -EINVAL;
out:
	free(copy);
	return ret;
}

int perf_parse_line(const char *line, char *const *events, struct perf_reading *r)
{
	const char *p = line;
	int ret;

	memset(r, 0, sizeof(*r));
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '\n' || *p == '#')
		return 0;
	if (*p == '{') {
		ret = parse_json(p, r);
		return ret ? ret : 1;
	}
	return parse_csv(line, events, r);
}

/* ---- the series and its alignment ---- */

struct perf_group {
	double ts;		/* perf's timestamp of the interval */
	double recv;		/* first of its lines received (monotonic) */
	size_t first, n;	/* its readings */
};

struct perf_series {
	struct perf_reading *r;
	size_t nr, cap;
	struct perf_group *g;
	size_t ng, gcap;
	char **unsupported;
};

struct perf_series *perf_series_new(void)
{
	struct perf_series *s = xcalloc(1, sizeof(*s));

	s->unsupported = xcalloc(1, sizeof(*s->unsupported));
	return s;
}

void perf_series_free(struct perf_series *s)
{
	if (!s)
		return;
	free(s->r);
	free(s->g);
	col_events_free(s->unsupported);
	free(s);
}

char *const *perf_series_unsupported(const struct perf_series *s)
{
	return s->unsupported;
}

int perf_series_add(struct perf_series *s, const struct perf_reading *r, double recv)
{
	struct perf_group *last = s->ng ? &s->g[s->ng - 1] : NULL;

	if (last && r->ts < last->ts)
		return -EINVAL;
	if (!last || r->ts != last->ts) {
		if (s->ng == s->gcap) {
			s->gcap = s->gcap ? 2 * s->gcap : 64;
			s->g = xrealloc(s->g, s->gcap * sizeof(*s->g));
		}
		last = &s->g[s->ng++];
		last->ts = r->ts;
		last->recv = recv;
		last->first = s->nr;
		last->n = 0;
	}
	if (s->nr == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->r = xrealloc(s->r, s->cap * sizeof(*s->r));
	}
	s->r[s->nr++] = *r;
	last->n++;
	if (recv < last->recv)
		last->recv = recv;
	if (!r->supported && !in_list(s->unsupported, r->event)) {
		size_t n = col_events_count(s->unsupported);

		s->unsupported = xrealloc(s->unsupported, (n + 2) * sizeof(*s->unsupported));
		s->unsupported[n] = xstrdup(r->event);
		s->unsupported[n + 1] = NULL;
	}
	return 0;
}

/* the longest and shortest run time among the group's counted readings (ns) */
static bool group_runtime(const struct perf_series *s, const struct perf_group *g, double *max,
			  double *min)
{
	bool any = false;

	for (size_t i = g->first; i < g->first + g->n; i++) {
		const struct perf_reading *r = &s->r[i];

		if (!r->counted || r->runtime_ns <= 0)
			continue;
		if (!any || r->runtime_ns > *max)
			*max = r->runtime_ns;
		if (!any || r->runtime_ns < *min)
			*min = r->runtime_ns;
		any = true;
	}
	return any;
}

/* How many CPUs each run time sums: from the interval after G1 when it is long enough. */
static double series_ncpu(const struct perf_series *s, size_t g1, const struct perf_timing *tm)
{
	double ncpu = tm->ncpu;

	/* the read skew (tens of µs) must not matter next to the interval */
	if (g1 + 1 < s->ng) {
		double mx = 0, mn = 0, dts = s->g[g1 + 1].ts - s->g[g1].ts, n;

		if (dts >= tm->interval_s / 2 && group_runtime(s, &s->g[g1 + 1], &mx, &mn)) {
			n = mx / 1e9 / dts;
			if (n >= 0.9 && fabs(n - round(n)) < 0.1)
				ncpu = round(n);
		}
	}
	return ncpu < 1 ? 1 : ncpu;
}

/*
 * Place perf's reference time on mmab's clock from G1, the first interval
 * that counted: *REF (perf's time 0) and *ENABLE (the counting start), and
 * RS's start_t, align_err_s and from_bound.
 */
static void series_align(const struct perf_series *s, size_t g1, const struct perf_timing *tm,
			 double *ref, double *enable, struct perf_result *rs)
{
	double rt_max = 0, rt_min = 0, a, A, B, stagger, bound = INFINITY;
	double ncpu = series_ncpu(s, g1, tm);

	group_runtime(s, &s->g[g1], &rt_max, &rt_min);
	/* perf read its clock before printing: ref + ts <= reception, always */
	for (size_t k = g1; k < s->ng; k++)
		if (s->g[k].recv - s->g[k].ts < bound)
			bound = s->g[k].recv - s->g[k].ts;
	/*
	 * The events counted from the enable E until perf read them, a delay
	 * d >= 0 after its timestamp ts: ref + ts + d = E + run time (the
	 * earliest-enabled event has the longest).  With E in [enable_lo,
	 * enable_hi] and d about 0, ref lies in [A, hi + a]; it is also no
	 * later than the reception bound.  When the bound cuts below A, perf
	 * read its counters late (a busy machine): ref is at the bound, as
	 * uncertain as the cut shows.
	 */
	a = rt_max / ncpu / 1e9 - s->g[g1].ts;
	A = tm->enable_lo + a;
	B = fmin(tm->enable_hi + a, bound);
	stagger = (rt_max - rt_min) / ncpu / 1e9;
	if (B >= A) {
		*ref = (A + B) / 2;
		rs->align_err_s = (B - A) / 2 + stagger;
	} else {
		*ref = B;
		rs->from_bound = true;
		rs->align_err_s = A - B + stagger;
	}
	*enable = fmax(tm->enable_lo, fmin(tm->enable_hi, *ref - a));
	rs->start_t = *enable - tm->t0;
}

int perf_series_write(struct perf_series *s, FILE *out, const struct perf_timing *tm,
		      struct perf_result *res)
{
	struct perf_result rs = { .start_t = NAN, .align_err_s = NAN };
	double rt_max, rt_min, ref, enable;
	size_t g1;

	/* the first interval that counted: earlier ones ran before "enable" */
	for (g1 = 0; g1 < s->ng; g1++)
		if (group_runtime(s, &s->g[g1], &rt_max, &rt_min))
			break;
	if (g1 == s->ng)
		goto out;
	series_align(s, g1, tm, &ref, &enable, &rs);
	for (size_t k = g1; k < s->ng; k++) {
		const struct perf_group *g = &s->g[k];
		double prev = k ? s->g[k - 1].ts : 0;
		double t = ref + g->ts - tm->t0;
		double len = k == g1 ? ref + g->ts - enable : g->ts - prev;
		/* perf's timer never fires early: a short last interval was cut by SIGINT */
		int partial = k == s->ng - 1 && g->ts - prev < 0.99 * tm->interval_s;

		rs.partial = partial;
		rs.intervals++;
		for (size_t i = g->first; i < g->first + g->n; i++) {
			const struct perf_reading *r = &s->r[i];

			if (!r->supported)
				continue;
			fprintf(out, "%.6f,", t);
			csv_write_str(out, r->event);
			if (r->counted)
				fprintf(out, ",%.17g,%.6f,%d\n", r->count, len, partial);
			else
				fprintf(out, ",,%.6f,%d\n", len, partial);
			rs.rows++;
		}
	}
out:
	if (res)
		*res = rs;
	return ferror(out) ? -EIO : 0;
}


/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fio's JSON output (--output-format=json) into mmab metrics, with jansson.
 * Every figure is fio's own, converted only in unit: bw_bytes (bytes/s) to
 * MiB/s, nanoseconds to microseconds, percent-of-runtime CPU to seconds.
 *
 * Several jobs[] entries (several jobs without group_reporting, or several
 * reporting groups) are combined per direction as a kernel developer reads
 * a concurrent run: bandwidth, IOPS, bytes and faults are summed; the mean
 * completion latency is the mean over every I/O (each entry's mean weighted
 * by its sample count N, which is exact); a percentile cannot be combined
 * from per-entry percentiles, so with more than one entry the largest is
 * reported, an upper bound of the combined one (no entry has more than 1%
 * of its I/Os above its own p99, so at most 1% of all lie above the
 * largest).  With group_reporting, which the fio workload turns on by
 * default, fio merges the latency histograms of a group itself and a
 * one-group job file has exact percentiles.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/mmab.h"
#include "workloads/engine.h"

const char *const fio_ddir_names[] = { "read", "write", "trim", NULL };

#define MIB 1048576.0

static void fail(char *err, size_t errlen, const char *fmt, ...) MMAB_PRINTF(3, 4);

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A number member of OBJ: 0, -ENOENT when absent, -EINVAL when not a number. */
static int get_num(const json_t *obj, const char *key, double *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return -ENOENT;
	if (!json_is_number(v))
		return -EINVAL;
	*out = json_number_value(v);
	return 0;
}

/* The value fio lists for percentile Q ("99.000000" : ns), NaN when absent. */
static double percentile(const json_t *clat, double q)
{
	json_t *pct = json_object_get(clat, "percentile");
	const char *key;
	json_t *v;

	if (!json_is_object(pct))
		return NAN;
	json_object_foreach(pct, key, v) {
		char *end;
		double k = strtod(key, &end);

		if (end != key && !*end && fabs(k - q) < 1e-9 && json_is_number(v))
			return json_number_value(v);
	}
	return NAN;
}

struct ctx {
	const char *name;
	char *err;
	size_t errlen;
	size_t job;
	const char *jobname;
};

static int need(struct ctx *c, const json_t *obj, const char *where, const char *key, double *out)
{
	int ret = get_num(obj, key, out);

	if (ret)
		fail(c->err, c->errlen, "%s: jobs[%zu] (%s)%s%s: %s '%s'", c->name, c->job,
		     c->jobname, *where ? "." : "", where,
		     ret == -ENOENT ? "no" : "not a number:", key);
	return ret ? -EINVAL : 0;
}

/* The largest of the entries' percentiles; one missing makes it n/a. */
static double worst(double acc, double v, int seen)
{
	if (!seen)
		return v;
	if (isnan(acc) || isnan(v))
		return NAN;
	return fmax(acc, v);
}

static int add_ddir(struct ctx *c, const json_t *job, enum fio_ddir d, struct fio_ddir_stats *st)
{
	const char *dn = fio_ddir_names[d];
	json_t *o = json_object_get(job, dn), *clat;
	double io, bw, iops, rt, n, mean, p50, p99;

	if (!o && d == FIO_TRIM)	/* older versions wrote no trim */
		return 0;
	if (!json_is_object(o)) {
		fail(c->err, c->errlen, "%s: jobs[%zu] (%s): no '%s' object", c->name, c->job,
		     c->jobname, dn);
		return -EINVAL;
	}
	if (need(c, o, dn, "io_bytes", &io))
		return -EINVAL;
	if (io <= 0)
		return 0;
	if (need(c, o, dn, "bw_bytes", &bw) || need(c, o, dn, "iops", &iops) ||
	    need(c, o, dn, "runtime", &rt))
		return -EINVAL;
	clat = json_object_get(o, "clat_ns");
	if (!json_is_object(clat)) {
		fail(c->err, c->errlen, "%s: jobs[%zu] (%s).%s: no 'clat_ns' object", c->name,
		     c->job, c->jobname, dn);
		return -EINVAL;
	}
	if (need(c, clat, dn, "N", &n) || need(c, clat, dn, "mean", &mean))
		return -EINVAL;
	p50 = percentile(clat, 50.0);
	p99 = percentile(clat, 99.0);

	st->io_bytes += io;
	st->bw_bytes += bw;
	st->iops += iops;
	st->runtime_ms = fmax(st->runtime_ms, rt);
	/* running N-weighted mean: exact whatever the order */
	if (n > 0)
		st->clat_mean_ns = st->clat_n > 0 ?
			(st->clat_mean_ns * st->clat_n + mean * n) / (st->clat_n + n) : mean;
	st->clat_n += n;
	st->clat_p50_ns = worst(st->clat_p50_ns, p50, st->entries);
	st->clat_p99_ns = worst(st->clat_p99_ns, p99, st->entries);
	st->entries++;
	return 0;
}

/* One entry of "jobs": its directions and its job-wide figures, added to S.  0 or -EINVAL. */
static int add_job(struct ctx *c, const json_t *job, struct fio_summary *s)
{
	double jr, usr, sys, majf, minf, e = 0;

	if (!json_is_object(job)) {
		fail(c->err, c->errlen, "%s: jobs[%zu] is not an object", c->name, c->job);
		return -EINVAL;
	}
	c->jobname = json_string_value(json_object_get(job, "jobname"));
	if (!c->jobname)
		c->jobname = "?";
	for (enum fio_ddir d = 0; d < FIO_NDIRS; d++)
		if (add_ddir(c, job, d, &s->d[d]))
			return -EINVAL;
	if (need(c, job, "", "job_runtime", &jr) || need(c, job, "", "usr_cpu", &usr) ||
	    need(c, job, "", "sys_cpu", &sys) || need(c, job, "", "majf", &majf) ||
	    need(c, job, "", "minf", &minf))
		return -EINVAL;
	/* usr_cpu is a percentage of the entry's job_runtime (summed over a group) */
	s->usr_cpu_s += usr / 100.0 * jr / 1000.0;
	s->sys_cpu_s += sys / 100.0 * jr / 1000.0;
	s->majf += majf;
	s->minf += minf;
	get_num(job, "error", &e);
	if (e != 0 && !s->error) {
		s->error = (int)e;
		snprintf(s->error_job, sizeof(s->error_job), "%s", c->jobname);
	}
	s->entries++;
	return 0;
}

/* fio's JSON object, after the messages it may print first; NULL with ERR filled. */
static json_t *fio_load(const char *buf, size_t len, const char *name, char *err,
			size_t errlen)
{
	const char *p = buf, *end = buf + len;
	json_error_t je;
	int skipped = 0;
	json_t *root;

	/* fio puts messages ("fio: terminating on signal 15") before the object */
	while (p < end && *p != '{') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		p = nl ? nl + 1 : end;
		skipped++;
	}
	if (p == end) {
		fail(err, errlen, "%s: no JSON object in fio's output", name);
		return NULL;
	}
	root = json_loadb(p, (size_t)(end - p), 0, &je);
	if (!root)
		fail(err, errlen, "%s:%d: %s", name, je.line + skipped, je.text);
	return root;
}

int fio_parse(const char *buf, size_t len, const char *name, struct fio_summary *s,
	      char *err, size_t errlen)
{
	struct ctx c = { .name = name, .err = err, .errlen = errlen };
	json_t *root, *jobs;
	int ret = -EINVAL;

	memset(s, 0, sizeof(*s));
	for (enum fio_ddir d = 0; d < FIO_NDIRS; d++)
		s->d[d].clat_mean_ns = NAN;
	s->runtime_s = NAN;
	root = fio_load(buf, len, name, err, errlen);
	if (!root)
		return -EINVAL;
	jobs = json_object_get(root, "jobs");
	if (!json_is_array(jobs) || !json_array_size(jobs)) {
		fail(err, errlen, "%s: no 'jobs' in fio's output", name);
		goto out;
	}
	for (c.job = 0; c.job < json_array_size(jobs); c.job++)
		if (add_job(&c, json_array_get(jobs, c.job), s))
			goto out;
	for (enum fio_ddir d = 0; d < FIO_NDIRS; d++)
		if (s->d[d].entries)
			s->runtime_s = fmax(isnan(s->runtime_s) ? 0 : s->runtime_s,
					    s->d[d].runtime_ms / 1000.0);
	ret = 0;
out:
	json_decref(root);
	return ret;
}

void fio_map(const struct fio_summary *s, struct engine_metrics *ms)
{
	for (enum fio_ddir d = 0; d < FIO_NDIRS; d++) {
		const struct fio_ddir_stats *st = &s->d[d];
		const char *dn = fio_ddir_names[d];

		if (!st->entries)
			continue;
		engine_metrics_add(ms, st->bw_bytes / MIB, "MiB/s", METRIC_HIGHER, AGG_HMEAN,
				   "%s_bw_mib_per_s", dn);
		engine_metrics_add(ms, st->iops, "ops/s", METRIC_HIGHER, AGG_HMEAN, "%s_iops", dn);
		engine_metrics_add(ms, st->clat_p50_ns / 1000.0, "us", METRIC_LOWER, AGG_MEAN,
				   "%s_clat_us_p50", dn);
		engine_metrics_add(ms, st->clat_p99_ns / 1000.0, "us", METRIC_LOWER, AGG_MEAN,
				   "%s_clat_us_p99", dn);
		engine_metrics_add(ms, st->clat_mean_ns / 1000.0, "us", METRIC_LOWER, AGG_MEAN,
				   "%s_clat_us_mean", dn);
		engine_metrics_add(ms, st->io_bytes / MIB, "MiB", METRIC_NONE, AGG_MEAN,
				   "%s_io_mib", dn);
	}
	engine_metrics_add(ms, s->runtime_s, "s", METRIC_NONE, AGG_MEAN, "runtime_s");
	engine_metrics_add(ms, s->usr_cpu_s, "s", METRIC_NONE, AGG_MEAN, "usr_cpu_s");
	engine_metrics_add(ms, s->sys_cpu_s, "s", METRIC_NONE, AGG_MEAN, "sys_cpu_s");
	engine_metrics_add(ms, s->majf, "faults", METRIC_NONE, AGG_MEAN, "major_faults");
	engine_metrics_add(ms, s->minf, "faults", METRIC_NONE, AGG_MEAN, "minor_faults");
}

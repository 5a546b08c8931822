/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading the whole history back (history.h, history_load): four plain
 * queries (sets, series, points, iterations) and the joins and ordering
 * done here, so that a year of nightly runs loads in a fraction of a second
 * and SQLite and PostgreSQL, whose collations differ, order it the same.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "history/history.h"
#include "lib/mmab.h"

static char *dup_col(const struct hrow *r, int col)
{
	const char *s = hrow_text(r, col);

	return xstrdup(s ? s : "");
}

/* ---- sets ---- */

static int set_row(void *arg, const struct hrow *r)
{
	struct history_data *d = arg;
	struct history_set *s;

	d->sets = xrealloc(d->sets, (d->nsets + 1) * sizeof(*d->sets));
	s = &d->sets[d->nsets++];
	memset(s, 0, sizeof(*s));
	s->id = hrow_int(r, 0);
	s->host = dup_col(r, 1);
	s->run_id = dup_col(r, 2);
	s->name = dup_col(r, 3);
	s->label = dup_col(r, 4);
	s->kernel = dup_col(r, 5);
	s->release = dup_col(r, 6);
	s->variant = dup_col(r, 7);
	s->start = dup_col(r, 8);
	s->end = hrow_text(r, 9) ? xstrdup(hrow_text(r, 9)) : NULL;
	return 0;
}

static int cmp_set(const void *a, const void *b)
{
	const struct history_set *x = a, *y = b;
	int c = strcmp(x->start, y->start);

	if (!c)
		c = strcmp(x->host, y->host);
	if (!c)
		c = strcmp(x->run_id, y->run_id);
	return c ? c : strcmp(x->name, y->name);
}

/* Mark the sets of each host's newest run; count the hosts, find their newest runs. */
static void mark_newest(struct history_data *d)
{
	for (size_t i = d->nsets; i-- > 0;) {
		bool seen = false;

		/* the last set of a host in time order is in its newest run */
		for (size_t j = i + 1; j < d->nsets && !seen; j++)
			seen = !strcmp(d->sets[j].host, d->sets[i].host);
		if (seen)
			continue;
		d->newest_of_host = xrealloc(d->newest_of_host,
					     (d->nhosts + 1) * sizeof(*d->newest_of_host));
		d->newest_of_host[d->nhosts] = i;
		for (size_t j = 0; j <= i; j++)
			if (!strcmp(d->sets[j].host, d->sets[i].host) &&
			    !strcmp(d->sets[j].run_id, d->sets[i].run_id)) {
				d->sets[j].newest = true;
				if (j < d->newest_of_host[d->nhosts])
					d->newest_of_host[d->nhosts] = j;
			}
		d->nhosts++;
	}
}

/* ---- series ---- */

static int series_row(void *arg, const struct hrow *r)
{
	struct history_data *d = arg;
	struct history_series *s;

	d->series = xrealloc(d->series, (d->nseries + 1) * sizeof(*d->series));
	s = &d->series[d->nseries++];
	memset(s, 0, sizeof(*s));
	/* the id is parked in n until the points come */
	s->n = (size_t)hrow_int(r, 0);
	s->host = dup_col(r, 1);
	s->label = dup_col(r, 2);
	s->kernel = dup_col(r, 3);
	s->variant = dup_col(r, 4);
	s->workload = dup_col(r, 5);
	s->metric = dup_col(r, 6);
	s->section = dup_col(r, 7);
	s->unit = dup_col(r, 8);
	if (metric_dir_parse(hrow_text(r, 9) ? hrow_text(r, 9) : "", &s->dir))
		s->dir = METRIC_NONE;
	if (metric_agg_parse(hrow_text(r, 10) ? hrow_text(r, 10) : "", &s->agg))
		s->agg = AGG_MEAN;
	s->key = xasprintf("%s/%s/%s/%s/%s/%s", s->host, s->label, s->kernel, s->variant,
			   s->workload, s->metric);
	return 0;
}

static int cmp_series(const void *a, const void *b)
{
	const struct history_series *x = a, *y = b;
	const char *const fx[] = { x->host, x->label, x->kernel, x->variant, x->workload, x->metric };
	const char *const fy[] = { y->host, y->label, y->kernel, y->variant, y->workload, y->metric };

	for (size_t i = 0; i < ARRAY_SIZE(fx); i++) {
		int c = strcmp(fx[i], fy[i]);

		if (c)
			return c;
	}
	return 0;
}

/* ---- points and iterations ---- */

/* An id and the index it maps to, sorted by id for bsearch. */
struct idx {
	long long id;
	size_t i;
};

static int cmp_idx(const void *a, const void *b)
{
	const struct idx *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static bool lookup(const struct idx *map, size_t n, long long id, size_t *out)
{
	struct idx key = { id, 0 }, *hit = bsearch(&key, map, n, sizeof(*map), cmp_idx);

	if (hit)
		*out = hit->i;
	return hit != NULL;
}

struct flat_point {
	long long id;
	size_t series, set;
	double value;
	size_t first, n;	/* its iterations in the flat arrays */
};

struct flat_iter {
	size_t point;
	int no;
	double value;
};

struct loading {
	struct history_data *d;
	struct idx *series_map, *set_map;
	struct flat_point *p;
	size_t np;
	struct flat_iter *it;
	size_t nit, cap_it, cap_p;
	size_t last;		/* the point of the previous iteration row */
	size_t orphans;
};

static int point_row(void *arg, const struct hrow *r)
{
	struct loading *l = arg;
	struct flat_point fp = { .id = hrow_int(r, 0), .value = hrow_real(r, 3) };

	if (!lookup(l->series_map, l->d->nseries, hrow_int(r, 1), &fp.series) ||
	    !lookup(l->set_map, l->d->nsets, hrow_int(r, 2), &fp.set)) {
		l->orphans++;
		return 0;
	}
	if (l->np == l->cap_p) {
		l->cap_p = l->cap_p ? 2 * l->cap_p : 4096;
		l->p = xrealloc(l->p, l->cap_p * sizeof(*l->p));
	}
	l->p[l->np++] = fp;
	return 0;
}

static int cmp_flat_point(const void *a, const void *b)
{
	const struct flat_point *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int iter_row(void *arg, const struct hrow *r)
{
	struct loading *l = arg;
	struct flat_point key = { .id = hrow_int(r, 0) }, *hit = NULL;

	/* rows come point after point, as they were written: look next door first */
	if (l->last < l->np && l->p[l->last].id == key.id)
		hit = &l->p[l->last];
	else if (l->last + 1 < l->np && l->p[l->last + 1].id == key.id)
		hit = &l->p[l->last + 1];
	else
		hit = bsearch(&key, l->p, l->np, sizeof(*l->p), cmp_flat_point);
	if (!hit) {
		l->orphans++;
		return 0;
	}
	l->last = (size_t)(hit - l->p);
	if (l->nit == l->cap_it) {
		l->cap_it = l->cap_it ? 2 * l->cap_it : 16384;
		l->it = xrealloc(l->it, l->cap_it * sizeof(*l->it));
	}
	l->it[l->nit++] = (struct flat_iter){ (size_t)(hit - l->p), (int)hrow_int(r, 1),
					      hrow_real(r, 2) };
	return 0;
}

/* qsort, unless the array is in order already (the usual case: the order of writing). */
static void sort_once(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	for (size_t i = 1; i < n; i++)
		if (cmp((char *)base + (i - 1) * size, (char *)base + i * size) > 0) {
			qsort(base, n, size, cmp);
			return;
		}
}

static int cmp_flat_iter(const void *a, const void *b)
{
	const struct flat_iter *x = a, *y = b;

	if (x->point != y->point)
		return x->point < y->point ? -1 : 1;
	return (x->no > y->no) - (x->no < y->no);
}

/* Points of a series in time order. */
static int cmp_point_time(const void *a, const void *b)
{
	const struct history_point *x = a, *y = b;

	return (x->set > y->set) - (x->set < y->set);
}

/* Hand the flat points and iterations out to their series. */
static void distribute(struct loading *l)
{
	struct history_data *d = l->d;
	size_t *fill = xcalloc(d->nseries + 1, sizeof(*fill));

	sort_once(l->it, l->nit, sizeof(*l->it), cmp_flat_iter);
	d->ivals = xcalloc(l->nit + 1, sizeof(*d->ivals));
	d->inos = xcalloc(l->nit + 1, sizeof(*d->inos));
	for (size_t i = 0; i < l->nit; i++) {
		struct flat_point *fp = &l->p[l->it[i].point];

		if (!fp->n)
			fp->first = i;
		fp->n++;
		d->ivals[i] = l->it[i].value;
		d->inos[i] = l->it[i].no;
	}
	for (size_t i = 0; i < d->nseries; i++)
		d->series[i].n = 0;
	for (size_t i = 0; i < l->np; i++)
		d->series[l->p[i].series].n++;
	for (size_t i = 0; i < d->nseries; i++)
		d->series[i].pts = xcalloc(d->series[i].n + 1, sizeof(struct history_point));
	for (size_t i = 0; i < l->np; i++) {
		const struct flat_point *fp = &l->p[i];
		struct history_point *pt = &d->series[fp->series].pts[fill[fp->series]++];

		pt->set = fp->set;
		pt->value = fp->value;
		pt->iters = d->ivals + fp->first;
		pt->iter_no = d->inos + fp->first;
		pt->n_iters = fp->n;
	}
	for (size_t i = 0; i < d->nseries; i++)
		sort_once(d->series[i].pts, d->series[i].n, sizeof(struct history_point), cmp_point_time);
	free(fill);
}

static struct idx *id_map(size_t n, long long (*id)(const struct history_data *, size_t),
			  const struct history_data *d)
{
	struct idx *m = xcalloc(n + 1, sizeof(*m));

	for (size_t i = 0; i < n; i++)
		m[i] = (struct idx){ id(d, i), i };
	qsort(m, n, sizeof(*m), cmp_idx);
	return m;
}

static long long set_id(const struct history_data *d, size_t i)
{
	return d->sets[i].id;
}

static long long series_id(const struct history_data *d, size_t i)
{
	return (long long)d->series[i].n;
}

int history_load(struct hstore *h, bool points, struct history_data *d)
{
	struct loading l = { .d = d };
	int ret;

	memset(d, 0, sizeof(*d));
	ret = hstore_exec(h, "SELECT s.id, r.host, r.run_id, s.name, s.label, s.kernel, "
			  "s.kernel_release, s.variant, r.start_time, r.end_time FROM mmab_sets s "
			  "JOIN mmab_runs r ON r.id = s.run", NULL, 0, set_row, d);
	if (!ret && points)
		ret = hstore_exec(h, "SELECT id, host, label, kernel, variant, workload, metric, "
				  "section, unit, direction, aggregate FROM mmab_series", NULL, 0,
				  series_row, d);
	if (ret)
		goto out;
	qsort(d->sets, d->nsets, sizeof(*d->sets), cmp_set);
	qsort(d->series, d->nseries, sizeof(*d->series), cmp_series);
	mark_newest(d);
	if (!points)
		goto out;
	l.set_map = id_map(d->nsets, set_id, d);
	l.series_map = id_map(d->nseries, series_id, d);
	ret = hstore_exec(h, "SELECT id, series, set_id, value FROM mmab_points", NULL, 0,
			  point_row, &l);
	if (ret)
		goto out;
	sort_once(l.p, l.np, sizeof(*l.p), cmp_flat_point);
	ret = hstore_exec(h, "SELECT point, iteration, value FROM mmab_iterations", NULL, 0,
			  iter_row, &l);
	if (ret)
		goto out;
	distribute(&l);
	if (l.orphans)
		mmab_warn("history '%s': %zu rows refer to nothing: ignored", hstore_name(h),
			  l.orphans);
out:
	free(l.set_map);
	free(l.series_map);
	free(l.p);
	free(l.it);
	if (ret)
		history_data_free(d);
	return ret;
}

void history_data_free(struct history_data *d)
{
	for (size_t i = 0; i < d->nsets; i++) {
		struct history_set *s = &d->sets[i];
		char *f[] = { s->host, s->run_id, s->name, s->label, s->kernel, s->release,
			      s->variant, s->start, s->end };

		for (size_t k = 0; k < ARRAY_SIZE(f); k++)
			free(f[k]);
	}
	for (size_t i = 0; i < d->nseries; i++) {
		struct history_series *s = &d->series[i];
		char *f[] = { s->host, s->label, s->kernel, s->variant, s->workload, s->metric,
			      s->section, s->unit, s->key };

		for (size_t k = 0; k < ARRAY_SIZE(f); k++)
			free(f[k]);
		free(s->pts);
	}
	free(d->sets);
	free(d->newest_of_host);
	free(d->series);
	free(d->ivals);
	free(d->inos);
	memset(d, 0, sizeof(*d));
}

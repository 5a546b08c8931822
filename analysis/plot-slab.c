/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Slab occupancy over time (plot-data.h): per set, the caches that grew
 * most during the workload (the ones compare lists), the mean of the
 * set's iterations.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/derived.h"
#include "analysis/gnuplot.h"
#include "analysis/plot-data.h"
#include "lib/csv.h"
#include "lib/mmab.h"

/* Every cache's growth and occupancy in each iteration of one set. */
struct slab_set {
	struct derived_slab_iter *it;	/* per iteration; have: with a slabinfo.csv */
	size_t iters;			/* iterations with a slabinfo.csv */
};

static void slab_load(const struct pd_set *ps, struct slab_set *s)
{
	s->it = xcalloc(ps->n + 1, sizeof(*s->it));
	s->iters = 0;
	for (size_t i = 0; i < ps->n; i++) {
		struct derived_slab *sl = NULL;

		if (!ps->its[i].have[PD_SLABINFO])
			continue;
		s->it[i].n = derived_slabs(&ps->its[i].f[PD_SLABINFO], &sl);
		s->it[i].sl = sl;
		s->it[i].have = true;
		s->iters++;
	}
}

static void slab_unload(const struct pd_set *ps, struct slab_set *s)
{
	for (size_t i = 0; i < ps->n; i++)
		derived_slabs_free((struct derived_slab *)s->it[i].sl, s->it[i].n);
	free(s->it);
}

/* Occupancy (%) of CACHE in each sample of one slabinfo.csv. */
static void slab_series(const struct csv *c, const char *cache, struct pd_series *s)
{
	int ct = csv_col(c, "t"), cc = csv_col(c, "cache"), ca = csv_col(c, "active_objs");
	int co = csv_col(c, "num_objs");

	pd_series_init(s, c->nrows);
	if (ct < 0 || cc < 0 || ca < 0 || co < 0)
		return;
	for (size_t r = 0; r < c->nrows; r++) {
		const char *name = csv_str(c, r, cc);
		double t = csv_num(c, r, ct), a = csv_num(c, r, ca), o = csv_num(c, r, co);

		if (name && !strcmp(name, cache) && isfinite(t) && o > 0 && a >= 0)
			pd_series_push(s, t, 100 * a / o);
	}
	pd_series_sort(s);
}

/* The data file: t, then each cache's occupancy, the mean of the iterations S. */
static char *slab_data(struct pd_series *s, size_t n, struct pd_series *const *all, size_t nall,
		       const char *const *top, size_t ntop)
{
	struct pd_grid g;
	char *buf;
	size_t len;
	FILE *f = pd_text_open(&buf, &len);

	pd_grid_make(all, nall, &g);
	fputs("t", f);
	for (size_t c = 0; c < ntop; c++) {
		fputc(',', f);
		csv_write_str(f, top[c]);
	}
	fputc('\n', f);
	for (size_t k = 0; k < g.n; k++) {
		double t = pd_grid_t(&g, k), mean[PD_SLAB_TOP], lo, hi;
		size_t got = 0;

		for (size_t c = 0; c < ntop; c++)
			got += pd_across_at(&s[c * n], n, t, g.dt, &mean[c], &lo, &hi) > 0;
		if (!got)
			continue;
		pd_put_num(f, t);
		for (size_t c = 0; c < ntop; c++) {
			fputc(',', f);
			pd_put_num(f, mean[c]);
		}
		fputc('\n', f);
	}
	return pd_text_close(f, &buf);
}

/* The legend: each cache with its mean growth in this set. */
static char *slab_caches(const struct pd_set *ps, const struct slab_set *sl,
			 const char *const *top, size_t ntop)
{
	char *buf;
	size_t len;
	FILE *f = pd_text_open(&buf, &len);

	fprintf(f, "NCACHES = %zu\narray CACHE[%zu] = [", ntop, ntop);
	for (size_t c = 0; c < ntop; c++) {
		double gr = derived_slab_growth(sl->it, ps->n, top[c]);
		char *k = isfinite(gr) ? xasprintf("%s (%+.3g pages)", top[c], gr) : xstrdup(top[c]);
		char *q = gp_quote(k);

		fprintf(f, "%s%s", c ? ", " : "", q);
		free(q);
		free(k);
	}
	fputs("]", f);
	return pd_text_close(f, &buf);
}

static void slab_plot(struct pd_set *ps, const struct slab_set *sl, size_t set, const char *w,
		      const char *const *top, size_t ntop, struct pd_out *out)
{
	struct pd_series *s = xcalloc((ps->n + 1) * ntop, sizeof(*s)), **all = NULL;
	size_t nall = 0;
	char *id = xasprintf("slab-%zu-%s", set + 1, ps->rs->label);
	struct pd_plot *p;

	if (!sl->iters) {
		pd_skip(out, PK_SLAB, "slab", (int)set, id,
			xasprintf("%s: slab occupancy (%s)", ps->rs->label, w),
			pd_no_data(ps, w, "slabinfo.csv"));
		goto out;
	}
	for (size_t i = 0; i < ps->n; i++) {
		if (!ps->its[i].have[PD_SLABINFO])
			continue;
		for (size_t c = 0; c < ntop; c++) {
			slab_series(&ps->its[i].f[PD_SLABINFO], top[c], &s[c * ps->n + i]);
			all = xrealloc(all, (nall + 1) * sizeof(*all));
			all[nall++] = &s[c * ps->n + i];
		}
	}
	p = pd_new(out, PK_SLAB, "slab", (int)set, id,
		   xasprintf("%s: occupancy of the slab caches that grew most (%s, mean of %zu "
			     "iteration%s)", ps->rs->label, w, sl->iters, sl->iters == 1 ? "" : "s"));
	pd_add_set(p, set, xstrdup(ps->rs->label));
	p->data = slab_data(s, ps->n, all, nall, top, ntop);
	pd_var(p, "CACHES", slab_caches(ps, sl, top, ntop));
out:
	for (size_t i = 0; i < (ps->n + 1) * ntop; i++)
		pd_series_free(&s[i]);
	free(s);
	free(all);
}

void pd_slabs(struct pd_set *ss, size_t n, const char *w, struct pd_out *out)
{
	struct slab_set *sl = xcalloc(n, sizeof(*sl));
	struct derived_slab_iter **its = xcalloc(n, sizeof(*its));
	size_t *nits = xcalloc(n, sizeof(*nits)), ntop = 0;
	const char **top = NULL;
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		slab_load(&ss[i], &sl[i]);
		its[i] = sl[i].it;
		nits[i] = ss[i].n;
		any |= sl[i].iters > 0;
	}
	if (!any) {
		pd_skip(out, PK_SLAB, "slab", -1, xstrdup("slab"), xasprintf("%s: slab occupancy", w),
			xstrdup("no slabinfo.csv in any set (the slabinfo collector did not run)"));
		goto out;
	}
	ntop = derived_slab_top(its, nits, n, PD_SLAB_TOP, &top);
	if (!ntop)
		pd_skip(out, PK_SLAB, "slab", -1, xstrdup("slab"), xasprintf("%s: slab occupancy", w),
			xstrdup("no slab cache grew during the workload in any set"));
	for (size_t i = 0; ntop && i < n; i++)
		if (pd_ran(&ss[i], w))
			slab_plot(&ss[i], &sl[i], i, w, top, ntop, out);
out:
	free(top);
	for (size_t i = 0; i < n; i++)
		slab_unload(&ss[i], &sl[i]);
	free(sl);
	free(its);
	free(nits);
}

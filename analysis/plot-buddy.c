/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The buddyinfo heatmap (plot-data.h): per set, free blocks per buddy
 * order over time, every zone summed, the mean of the set's iterations.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/derived.h"
#include "analysis/plot-data.h"
#include "lib/mmab.h"

struct orders {
	struct pd_series s[DERIVED_BUDDY_ORDERS];
	int norders;
};

static void orders_sample(double t, const double *blocks, int norders, void *arg)
{
	struct orders *o = arg;

	for (int k = 0; k < norders; k++)
		pd_series_push(&o->s[k], t, blocks[k]);
	if (norders > o->norders)
		o->norders = norders;
}

/*
 * The data file of a heatmap: for every point of the grid of ALL (at most
 * PD_HEAT_COLS of them), each order's mean over the iterations O[0..n).
 * *dt: the grid step.
 */
static char *heat_data(struct orders *o, size_t n, int norders, struct pd_series *const *all,
		       size_t nall, double *dt)
{
	struct pd_series *per = xcalloc(n + 1, sizeof(*per));
	struct pd_grid g;
	char *buf;
	size_t len;
	FILE *f = pd_text_open(&buf, &len);

	pd_grid_make(all, nall, &g);
	if (g.n > PD_HEAT_COLS) {
		g.dt *= (double)(g.n - 1) / (PD_HEAT_COLS - 1);
		g.n = PD_HEAT_COLS;
	}
	fputs("t,order,free_blocks\n", f);
	for (size_t k = 0; k < g.n; k++) {
		double t = pd_grid_t(&g, k), mean, lo, hi;

		/* every grid point, with or without data: an image needs the whole grid */
		for (int ord = 0; ord < norders; ord++) {
			for (size_t i = 0; i < n; i++)
				per[i] = o[i].s[ord];
			pd_across_at(per, n, t, g.dt, &mean, &lo, &hi);
			pd_put_num(f, t);
			fprintf(f, ",%d,", ord);
			/* no free block: NaN, so the cell stays white on the log scale */
			pd_put_num(f, mean > 0 ? mean : NAN);
			fputc('\n', f);
		}
	}
	free(per);
	*dt = g.dt;
	return pd_text_close(f, &buf);
}

static void heatmap_set(struct pd_set *ps, size_t set, const char *w, struct pd_out *out)
{
	struct orders *o = xcalloc(ps->n + 1, sizeof(*o));
	struct pd_series **all = NULL;
	size_t nall = 0, used = 0;
	int norders = 0;
	struct pd_plot *p;
	char *id = xasprintf("heatmap-%zu-%s", set + 1, ps->rs->label);
	double dt;

	for (size_t i = 0; i < ps->n; i++) {
		const struct pd_iter *d = &ps->its[i];

		for (int k = 0; k < DERIVED_BUDDY_ORDERS; k++)
			pd_series_init(&o[i].s[k], d->have[PD_BUDDYINFO] ? d->f[PD_BUDDYINFO].nrows : 0);
		if (!d->have[PD_BUDDYINFO])
			continue;
		derived_buddy_samples(&d->f[PD_BUDDYINFO], orders_sample, &o[i]);
		if (!o[i].norders)
			continue;
		used++;
		if (o[i].norders > norders)
			norders = o[i].norders;
		for (int k = 0; k < o[i].norders; k++) {
			pd_series_sort(&o[i].s[k]);
			all = xrealloc(all, (nall + 1) * sizeof(*all));
			all[nall++] = &o[i].s[k];
		}
	}
	if (!used) {
		pd_skip(out, PK_HEATMAP, "heatmap", (int)set, id,
			xasprintf("%s: free blocks per buddy order over time (%s, zones summed)",
				  ps->rs->label, w),
			pd_no_data(ps, w, "buddyinfo.csv samples"));
	} else {
		p = pd_new(out, PK_HEATMAP, "heatmap", (int)set, id,
			   xasprintf("%s: free blocks per buddy order (%s, zones summed, mean of %zu "
				     "iteration%s)", ps->rs->label, w, used, used == 1 ? "" : "s"));
		pd_add_set(p, set, xstrdup(ps->rs->label));
		p->data = heat_data(o, ps->n, norders, all, nall, &dt);
		pd_var(p, "ZONE", xstrdup("all zones summed"));
		pd_var(p, "YMIN", xstrdup("-0.5"));
		pd_var(p, "YMAX", xasprintf("%d.5", norders - 1));
		pd_var(p, "DT", xasprintf("%.10g", dt));
	}
	for (size_t i = 0; i < ps->n; i++)
		for (int k = 0; k < DERIVED_BUDDY_ORDERS; k++)
			pd_series_free(&o[i].s[k]);
	free(o);
	free(all);
}

void pd_heatmaps(struct pd_set *ss, size_t n, const char *w, struct pd_out *out)
{
	bool any = false;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < ss[i].n; k++)
			any |= ss[i].its[k].have[PD_BUDDYINFO];
	if (!any) {
		pd_skip(out, PK_HEATMAP, "heatmap", -1, xstrdup("heatmap"),
			  xasprintf("%s: free blocks per buddy order", w),
			  xstrdup("no buddyinfo.csv in any set (the buddyinfo collector did not run)"));
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (pd_ran(&ss[i], w))
			heatmap_set(&ss[i], i, w, out);
}

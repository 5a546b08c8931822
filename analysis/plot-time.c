/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plots of collector metrics over time (plot-data.h): free, dirty and
 * writeback memory, THP and compaction event rates, PSI memory pressure
 * and the order-9 unusable index, one line per set (the mean across its
 * iterations) with the min-max band.  Counters are drawn as rates between
 * consecutive samples.  A plot whose data is missing everywhere, or is 0
 * throughout, is skipped with a note that says so.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/derived.h"
#include "analysis/gnuplot.h"
#include "analysis/plot-data.h"
#include "lib/mmab.h"

enum ts_src { TS_MEMINFO, TS_VMSTAT_RATE, TS_PSI, TS_UNUSABLE };

struct ts_def {
	const char *id;
	enum ts_src src;
	const char *key, *key2;	/* column; TS_PSI: resource and kind */
	double scale;
	const char *title;	/* with its unit */
	const char *ylabel;
	const char *yrange;
};

#define KB_TO_MIB (1.0 / 1024)
#define US_PER_S_TO_PCT 1e-4	/* stalled us per second -> % of wall time */

static const struct ts_def ts_defs[] = {
	{ "free", TS_MEMINFO, "MemFree", NULL, KB_TO_MIB,
	  "free memory in MiB (meminfo MemFree)", "MiB", "[*:*]" },
	{ "dirty", TS_MEMINFO, "Dirty", NULL, KB_TO_MIB,
	  "dirty page cache in MiB (meminfo Dirty)", "MiB", "[0:*]" },
	{ "writeback", TS_MEMINFO, "Writeback", NULL, KB_TO_MIB,
	  "memory under writeback in MiB (meminfo Writeback)", "MiB", "[0:*]" },
	{ "sreclaimable", TS_MEMINFO, "SReclaimable", NULL, KB_TO_MIB,
	  "reclaimable slab in MiB (meminfo SReclaimable)", "MiB", "[0:*]" },
	{ "thp_fault_alloc", TS_VMSTAT_RATE, "thp_fault_alloc", NULL, 1,
	  "THP faults allocated per second (vmstat thp_fault_alloc)", "faults per second",
	  "[0:*]" },
	{ "thp_fault_fallback", TS_VMSTAT_RATE, "thp_fault_fallback", NULL, 1,
	  "THP fault fallbacks per second (vmstat thp_fault_fallback)", "faults per second",
	  "[0:*]" },
	{ "compact_stall", TS_VMSTAT_RATE, "compact_stall", NULL, 1,
	  "direct compaction stalls per second (vmstat compact_stall)", "stalls per second",
	  "[0:*]" },
	{ "compact_success", TS_VMSTAT_RATE, "compact_success", NULL, 1,
	  "compaction successes per second (vmstat compact_success)", "events per second",
	  "[0:*]" },
	{ "compact_fail", TS_VMSTAT_RATE, "compact_fail", NULL, 1,
	  "compaction failures per second (vmstat compact_fail)", "events per second",
	  "[0:*]" },
	{ "psi_some", TS_PSI, "memory", "some", US_PER_S_TO_PCT,
	  "memory pressure: % of time some task stalled (PSI memory some)", "% of wall time",
	  "[0:*]" },
	{ "psi_full", TS_PSI, "memory", "full", US_PER_S_TO_PCT,
	  "memory pressure: % of time all tasks stalled (PSI memory full)", "% of wall time",
	  "[0:*]" },
	{ "unusable9", TS_UNUSABLE, NULL, NULL, 1,
	  "unusable free space index at order 9 (buddyinfo, zones summed)",
	  "unusable index (0 to 1)", "[0:*]" },
};

static enum pd_file ts_file(const struct ts_def *def)
{
	switch (def->src) {
	case TS_MEMINFO: return PD_MEMINFO;
	case TS_VMSTAT_RATE: return PD_VMSTAT;
	case TS_PSI: return PD_PSI;
	case TS_UNUSABLE: return PD_BUDDYINFO;
	}
	return PD_MEMINFO;
}

static void unusable_sample(double t, const double *blocks, int norders, void *arg)
{
	pd_series_push(arg, t, derived_unusable_index(blocks, norders, 9));
}

/* DEF's quantity over one iteration; false when its file or column is missing. */
static bool ts_series(const struct pd_iter *d, const struct ts_def *def, struct pd_series *s)
{
	const struct csv *c = &d->f[ts_file(def)];
	double pt = NAN, pv = NAN;
	int ct, cv, cr, ck;

	pd_series_init(s, d->have[ts_file(def)] ? c->nrows : 0);
	if (!d->have[ts_file(def)])
		return false;
	ct = csv_col(c, "t");
	switch (def->src) {
	case TS_MEMINFO:
	case TS_VMSTAT_RATE:
		cv = csv_col(c, def->key);
		if (ct < 0 || cv < 0)
			return false;
		for (size_t r = 0; r < c->nrows; r++) {
			double t = csv_num(c, r, ct), v = csv_num(c, r, cv);

			if (isnan(t) || isnan(v))
				continue;
			if (def->src == TS_MEMINFO)
				pd_series_push(s, t, v * def->scale);
			else
				pd_rate_push(s, &pt, &pv, t, v, def->scale);
		}
		break;
	case TS_PSI:
		cr = csv_col(c, "resource");
		ck = csv_col(c, "kind");
		cv = csv_col(c, "total_us");
		if (ct < 0 || cr < 0 || ck < 0 || cv < 0)
			return false;
		for (size_t r = 0; r < c->nrows; r++) {
			const char *res = csv_str(c, r, cr), *kind = csv_str(c, r, ck);
			double t = csv_num(c, r, ct), v = csv_num(c, r, cv);

			if (!res || !kind || strcmp(res, def->key) || strcmp(kind, def->key2) ||
			    isnan(t) || isnan(v))
				continue;
			pd_rate_push(s, &pt, &pv, t, v, def->scale);
		}
		break;
	case TS_UNUSABLE:
		if (ct < 0 || csv_col(c, "order") < 0 || csv_col(c, "free_blocks") < 0)
			return false;
		derived_buddy_samples(c, unusable_sample, s);
		break;
	}
	pd_series_sort(s);
	return true;
}

/* One set's series of one quantity, one per iteration. */
struct set_series {
	struct pd_series *s;
	size_t n;
	bool have;		/* some iteration has samples */
};

static void set_series_free(struct set_series *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < v[i].n; k++)
			pd_series_free(&v[i].s[k]);
		free(v[i].s);
	}
	free(v);
}

/* The grid of every series of the sets V[0..n). */
static void grid_of_sets(const struct set_series *v, size_t n, struct pd_grid *g)
{
	struct pd_series **all = NULL;
	size_t nall = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < v[i].n; k++) {
			all = xrealloc(all, (nall + 1) * sizeof(*all));
			all[nall++] = &v[i].s[k];
		}
	pd_grid_make(all, nall, g);
	free(all);
}

/* The data file of P: t, then mean, min and max of each set that has samples. */
static char *ts_data(struct pd_set *ss, size_t n, const struct set_series *v, struct pd_plot *p)
{
	static const char *const col[] = { "mean", "min", "max" };
	double *mean = xcalloc(3 * n, sizeof(*mean)), *min = mean + n, *max = mean + 2 * n;
	struct pd_grid g;
	char *buf;
	size_t len;
	FILE *f = pd_text_open(&buf, &len);

	grid_of_sets(v, n, &g);
	fputs("t", f);
	for (size_t i = 0; i < n; i++) {
		if (!v[i].have)
			continue;
		pd_add_set(p, i, xstrdup(ss[i].rs->label));
		for (int c = 0; c < 3; c++) {
			char *h = xasprintf("%s %s", ss[i].rs->label, col[c]);

			fputc(',', f);
			csv_write_str(f, h);
			free(h);
		}
	}
	fputc('\n', f);
	for (size_t k = 0; k < g.n; k++) {
		double t = pd_grid_t(&g, k);
		size_t got = 0;

		for (size_t i = 0; i < n; i++)
			if (v[i].have)
				got += pd_across_at(v[i].s, v[i].n, t, g.dt, &mean[i], &min[i], &max[i]) > 0;
		if (!got)
			continue;
		pd_put_num(f, t);
		for (size_t i = 0; i < n; i++) {
			if (!v[i].have)
				continue;
			for (int c = 0; c < 3; c++) {
				fputc(',', f);
				pd_put_num(f, mean[c * n + i]);
			}
		}
		fputc('\n', f);
	}
	free(mean);
	return pd_text_close(f, &buf);
}

/* Why DEF has nothing to draw in any set: no file, no column, or no usable row. */
static char *ts_none(const struct ts_def *def, bool file)
{
	const char *name = pd_file_names[ts_file(def)];

	if (!file)
		return xasprintf("no %s in any set (the collector did not run)", name);
	if (def->key && def->src != TS_PSI)
		return xasprintf("no %s column in %s in any set", def->key, name);
	return xasprintf("no usable rows in %s in any set", name);
}

static void timeseries_one(struct pd_set *ss, size_t n, const char *w, const struct ts_def *def,
			   struct pd_out *out)
{
	struct set_series *v = xcalloc(n, sizeof(*v));
	char *id = xstrdup(def->id), *title = xasprintf("%s: %s", w, def->title);
	bool any = false, file = false, nonzero = false, *missing = xcalloc(n, sizeof(*missing));
	struct pd_plot *p;

	for (size_t i = 0; i < n; i++) {
		v[i].s = xcalloc(ss[i].n + 1, sizeof(*v[i].s));
		v[i].n = ss[i].n;
		for (size_t k = 0; k < ss[i].n; k++) {
			ts_series(&ss[i].its[k], def, &v[i].s[k]);
			file |= ss[i].its[k].have[ts_file(def)];
			v[i].have |= v[i].s[k].n > 0;
			for (size_t j = 0; j < v[i].s[k].n; j++)
				nonzero |= v[i].s[k].v[j] != 0;
		}
		any |= v[i].have;
		missing[i] = !v[i].have;
	}
	if (!any) {
		pd_skip(out, PK_TIMESERIES, "timeseries", -1, id, title, ts_none(def, file));
	} else if (!nonzero) {
		pd_skip(out, PK_TIMESERIES, "timeseries", -1, id, title,
			xstrdup("0 throughout, in every set"));
	} else {
		p = pd_new(out, PK_TIMESERIES, "timeseries", -1, id, title);
		p->note = pd_missing_note(ss, n, missing, "no data");
		p->data = ts_data(ss, n, v, p);
		pd_var(p, "YLABEL", gp_quote(def->ylabel));
		pd_var(p, "YRANGE", xstrdup(def->yrange));
	}
	set_series_free(v, n);
	free(missing);
}

void pd_timeseries(struct pd_set *ss, size_t n, const char *w, struct pd_out *out)
{
	for (size_t d = 0; d < ARRAY_SIZE(ts_defs); d++)
		timeseries_one(ss, n, w, &ts_defs[d], out);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rows of a comparison (compare.h): one per metric, one cell per set,
 * holding the values of the iterations that ended ok.  Per workload, in
 * this order: the workload's own metrics (metrics.csv), the vmstat
 * figures, fragmentation, the slab caches that grew most, stall latencies
 * (derived.c computes each iteration's figures from the collector CSVs).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare-int.h"
#include "analysis/derived.h"
#include "lib/csv.h"
#include "lib/mmab.h"

/* Slab caches shown per workload: the ones that grew most in any set. */
#define SLAB_TOP 5

static const char *const section_names[] = {
	[SEC_METRICS] = "metrics",
	[SEC_VMSTAT] = "vmstat",
	[SEC_FRAG] = "frag",
	[SEC_SLAB] = "slab",
	[SEC_STALLS] = "stalls",
};

const char *cmp_section_name(enum cmp_section s)
{
	return (unsigned)s < ARRAY_SIZE(section_names) ? section_names[s] : "metrics";
}


/* ---- what each used iteration's collector CSVs say ---- */

struct iter_data {
	const struct rset_iter *it;
	bool have_vm, have_frag, have_slab, have_stalls;
	double vm[VM_N], frag[FRAG_N];
	struct derived_slab *slab;
	size_t n_slab;
	struct derived_stall *stalls;
	size_t n_stalls;
};

struct set_data {
	struct iter_data *its;
	size_t n;
};

static void load_iter(struct rset *rs, struct iter_data *d)
{
	struct csv c;

	if (rset_csv(rs, d->it->dir, "vmstat.csv", true, NULL, &c)) {
		d->have_vm = true;
		derived_vmstat(&c, d->vm);
		csv_free(&c);
	}
	if (rset_csv(rs, d->it->dir, "buddyinfo.csv", true, NULL, &c)) {
		d->have_frag = true;
		derived_frag(&c, d->frag);
		csv_free(&c);
	}
	if (rset_csv(rs, d->it->dir, "slabinfo.csv", true, NULL, &c)) {
		d->have_slab = true;
		d->n_slab = derived_slabs(&c, &d->slab);
		csv_free(&c);
	}
	if (rset_csv(rs, d->it->dir, "stalls.csv", true, NULL, &c)) {
		d->have_stalls = true;
		d->n_stalls = derived_stalls(&c, &d->stalls);
		csv_free(&c);
	}
}

static void load_set(struct rset *rs, struct set_data *sd)
{
	sd->its = xcalloc(rs->n_iters ? rs->n_iters : 1, sizeof(*sd->its));
	sd->n = 0;
	for (size_t i = 0; i < rs->n_iters; i++) {
		if (!rset_iter_used(&rs->iters[i]))
			continue;
		sd->its[sd->n].it = &rs->iters[i];
		load_iter(rs, &sd->its[sd->n++]);
	}
}

static void free_set(struct set_data *sd)
{
	for (size_t i = 0; i < sd->n; i++) {
		derived_slabs_free(sd->its[i].slab, sd->its[i].n_slab);
		derived_stalls_free(sd->its[i].stalls, sd->its[i].n_stalls);
	}
	free(sd->its);
}

/* ---- rows ---- */

static struct cmp_row *add_row(struct cmp_table *t, enum cmp_section sec, const char *w,
			       char *metric, const char *unit, enum metric_dir dir,
			       enum metric_agg agg)
{
	struct cmp_row *r;

	t->rows = xrealloc(t->rows, (t->n_rows + 1) * sizeof(*t->rows));
	r = &t->rows[t->n_rows++];
	r->section = sec;
	r->workload = xstrdup(w);
	r->metric = metric;
	r->unit = xstrdup(unit ? unit : "");
	r->dir = dir;
	r->agg = agg;
	r->cells = xcalloc(t->n_sets, sizeof(*r->cells));
	return r;
}

/* V from iteration IT (NULL: unknown, for a metric without its status row). */
static void cell_push(struct cmp_cell *c, double v, int iteration, const struct rset_iter *it)
{
	size_t n = c->n_values + 1;

	c->values = xrealloc(c->values, n * sizeof(*c->values));
	c->iterations = xrealloc(c->iterations, n * sizeof(*c->iterations));
	c->seeds = xrealloc(c->seeds, n * sizeof(*c->seeds));
	c->values[c->n_values] = v;
	c->iterations[c->n_values] = iteration;
	c->seeds[c->n_values++] = it ? it->seed : RSET_NO_SEED;
}

static bool has_row(const struct cmp_table *t, const char *w, const char *metric)
{
	for (size_t i = 0; i < t->n_rows; i++)
		if (!strcmp(t->rows[i].workload, w) && !strcmp(t->rows[i].metric, metric))
			return true;
	return false;
}

/* The workload's own metrics: baseline's order first, then what others add. */
static void rows_metrics(struct cmp_table *t, const char *w)
{
	for (size_t k = 0; k < t->n_sets; k++) {
		size_t s0 = k == 0 ? t->baseline : (k <= t->baseline ? k - 1 : k);
		const struct rset *rs = &t->sets[s0];

		for (size_t m = 0; m < rs->n_metrics; m++) {
			const struct rset_metric *rm = &rs->metrics[m];
			struct cmp_row *r;

			if (strcmp(rm->workload, w) || has_row(t, w, rm->name))
				continue;
			r = add_row(t, SEC_METRICS, w, xstrdup(rm->name), rm->unit, rm->dir, rm->agg);
			for (size_t s = 0; s < t->n_sets; s++) {
				for (size_t j = 0; j < t->sets[s].n_metrics; j++) {
					const struct rset_metric *o = &t->sets[s].metrics[j];

					if (strcmp(o->workload, w) || strcmp(o->name, rm->name))
						continue;
					if (o->dir != rm->dir || o->agg != rm->agg)
						mmab_warn("%s: metric '%s' of %s has another direction or "
							  "aggregate than in %s: %s's is used",
							  t->sets[s].label, o->name, w, rs->label,
							  rs->label);
					for (size_t v = 0; v < o->n; v++)
						cell_push(&r->cells[s], o->values[v], o->iterations[v],
							  rset_iter_find(&t->sets[s], w, o->iterations[v]));
				}
			}
		}
	}
}

/* Does any set have an iteration of W with the file section SEC is made from? */
static bool any_iter(const struct set_data *sd, size_t n, const char *w, enum cmp_section sec)
{
	for (size_t s = 0; s < n; s++)
		for (size_t i = 0; i < sd[s].n; i++) {
			const struct iter_data *d = &sd[s].its[i];

			if (!strcmp(d->it->workload, w) &&
			    (sec == SEC_VMSTAT ? d->have_vm : d->have_frag))
				return true;
		}
	return false;
}

static void rows_fixed(struct cmp_table *t, const struct set_data *sd, const char *w,
		       enum cmp_section sec, const struct derived_def *defs, size_t ndefs)
{
	for (size_t k = 0; k < ndefs; k++) {
		struct cmp_row *r = add_row(t, sec, w,
					    xasprintf("%s.%s", cmp_section_name(sec), defs[k].name),
					    defs[k].unit, defs[k].dir, AGG_MEAN);

		for (size_t s = 0; s < t->n_sets; s++) {
			for (size_t i = 0; i < sd[s].n; i++) {
				const struct iter_data *d = &sd[s].its[i];

				if (strcmp(d->it->workload, w))
					continue;
				if (sec == SEC_VMSTAT && d->have_vm)
					cell_push(&r->cells[s], d->vm[k], d->it->iteration, d->it);
				else if (sec == SEC_FRAG && d->have_frag)
					cell_push(&r->cells[s], d->frag[k], d->it->iteration, d->it);
			}
		}
	}
}

static const struct derived_slab *find_slab(const struct iter_data *d, const char *cache)
{
	for (size_t i = 0; i < d->n_slab; i++)
		if (!strcmp(d->slab[i].cache, cache))
			return &d->slab[i];
	return NULL;
}

/* The slab rows of CACHE: growth and occupancy in every iteration of W. */
static void rows_slab_cache(struct cmp_table *t, const struct set_data *sd, const char *w,
			    const char *cache)
{
	for (int f = 0; f < 2; f++) {
		struct cmp_row *r = add_row(t, SEC_SLAB, w,
					    xasprintf("slab.%s.%s", cache, derived_slab_defs[f].name),
					    derived_slab_defs[f].unit, derived_slab_defs[f].dir,
					    AGG_MEAN);

		for (size_t s = 0; s < t->n_sets; s++)
			for (size_t i = 0; i < sd[s].n; i++) {
				const struct iter_data *d = &sd[s].its[i];
				const struct derived_slab *sl;

				if (strcmp(d->it->workload, w) || !d->have_slab)
					continue;
				sl = find_slab(d, cache);
				/* absent from this iteration: it had no pages */
				cell_push(&r->cells[s], !sl ? (f ? NAN : 0)
						  : f ? sl->occupancy_pct : sl->growth_pages,
					  d->it->iteration, d->it);
			}
	}
}

/* The SLAB_TOP caches that grew most in any set, growth and occupancy each. */
static void rows_slab(struct cmp_table *t, const struct set_data *sd, const char *w)
{
	struct derived_slab_iter **its = xcalloc(t->n_sets, sizeof(*its));
	size_t *nits = xcalloc(t->n_sets, sizeof(*nits)), ntop;
	const char **top;

	for (size_t s = 0; s < t->n_sets; s++) {
		its[s] = xcalloc(sd[s].n + 1, sizeof(**its));
		for (size_t i = 0; i < sd[s].n; i++) {
			const struct iter_data *d = &sd[s].its[i];

			if (!strcmp(d->it->workload, w))
				its[s][nits[s]++] = (struct derived_slab_iter){ d->slab, d->n_slab,
										d->have_slab };
		}
	}
	ntop = derived_slab_top(its, nits, t->n_sets, SLAB_TOP, &top);
	for (size_t k = 0; k < ntop; k++)
		rows_slab_cache(t, sd, w, top[k]);
	free(top);
	for (size_t s = 0; s < t->n_sets; s++)
		free(its[s]);
	free(its);
	free(nits);
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Field F (STALL_*) of stall event EV in every iteration of W. */
static void rows_stall(struct cmp_table *t, const struct set_data *sd, const char *w,
		       const char *ev, int f)
{
	struct cmp_row *r = add_row(t, SEC_STALLS, w,
				    xasprintf("stalls.%s.%s", ev, derived_stall_defs[f].name),
				    derived_stall_defs[f].unit, derived_stall_defs[f].dir, AGG_MEAN);

	for (size_t s = 0; s < t->n_sets; s++)
		for (size_t i = 0; i < sd[s].n; i++) {
			const struct iter_data *d = &sd[s].its[i];
			const struct derived_stall *hit = NULL;
			double v;

			if (strcmp(d->it->workload, w) || !d->have_stalls)
				continue;
			for (size_t e = 0; e < d->n_stalls && !hit; e++)
				if (!strcmp(d->stalls[e].event, ev))
					hit = &d->stalls[e];
			/* no row of the event: none happened, no latency to show */
			v = hit ? derived_stall_value(hit, f)
				: f == STALL_COUNT || f == STALL_TOTAL ? 0 : NAN;
			cell_push(&r->cells[s], v, d->it->iteration, d->it);
		}
}

/* Every stall event of W in any set (sorted by name), each field a row. */
static void rows_stalls(struct cmp_table *t, const struct set_data *sd, const char *w)
{
	const char **ev = NULL;
	size_t nev = 0;

	for (size_t s = 0; s < t->n_sets; s++)
		for (size_t i = 0; i < sd[s].n; i++) {
			const struct iter_data *d = &sd[s].its[i];

			if (strcmp(d->it->workload, w))
				continue;
			for (size_t e = 0; e < d->n_stalls; e++) {
				bool seen = false;

				for (size_t k = 0; k < nev && !seen; k++)
					seen = !strcmp(ev[k], d->stalls[e].event);
				if (!seen) {
					ev = xrealloc(ev, (nev + 1) * sizeof(*ev));
					ev[nev++] = d->stalls[e].event;
				}
			}
		}
	if (nev)
		qsort(ev, nev, sizeof(*ev), cmp_cstr);
	for (size_t k = 0; k < nev; k++)
		for (int f = 0; f < STALL_N; f++)
			rows_stall(t, sd, w, ev[k], f);
	free(ev);
}

/* ---- the table ---- */

static void add_workload(char ***v, size_t *n, const char *w)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], w))
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = (char *)w;
}

/* Every row of every workload, the baseline's workloads first. */
void cmp_rows_build(struct cmp_table *t)
{
	struct set_data *sd = xcalloc(t->n_sets, sizeof(*sd));
	char **ws = NULL;
	size_t nw = 0;

	for (size_t s = 0; s < t->n_sets; s++)
		load_set(&t->sets[s], &sd[s]);
	for (size_t i = 0; i < t->sets[t->baseline].n_workloads; i++)
		add_workload(&ws, &nw, t->sets[t->baseline].workloads[i]);
	for (size_t s = 0; s < t->n_sets; s++)
		for (size_t i = 0; i < t->sets[s].n_workloads; i++)
			add_workload(&ws, &nw, t->sets[s].workloads[i]);
	for (size_t i = 0; i < nw; i++) {
		rows_metrics(t, ws[i]);
		if (any_iter(sd, t->n_sets, ws[i], SEC_VMSTAT))
			rows_fixed(t, sd, ws[i], SEC_VMSTAT, derived_vm_defs, VM_N);
		if (any_iter(sd, t->n_sets, ws[i], SEC_FRAG))
			rows_fixed(t, sd, ws[i], SEC_FRAG, derived_frag_defs, FRAG_N);
		rows_slab(t, sd, ws[i]);
		rows_stalls(t, sd, ws[i]);
	}
	free(ws);
	for (size_t s = 0; s < t->n_sets; s++)
		free_set(&sd[s]);
	free(sd);
}

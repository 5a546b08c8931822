/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plot of a verdict (plot-data.h): one row of a comparison, each
 * set's values iteration by iteration with its mean, so a reader sees
 * what the test saw.  Sets compared pair by pair get a line joining
 * iteration k of each set.  Latencies spanning more than a decade are
 * drawn on a log scale.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/gnuplot.h"
#include "analysis/plot-data.h"
#include "lib/mmab.h"

/* Whether some set of R was compared with the baseline pair by pair. */
static bool row_paired(const struct cmp_table *t, const struct cmp_row *r)
{
	for (size_t s = 0; s < t->n_sets; s++)
		if (r->cells[s].test == CMP_TEST_PAIRED)
			return true;
	return false;
}

/* The highest iteration number of R in any set. */
static int max_iteration(const struct cmp_table *t, const struct cmp_row *r)
{
	int m = 0;

	for (size_t s = 0; s < t->n_sets; s++)
		for (size_t i = 0; i < r->cells[s].n_values; i++)
			if (r->cells[s].iterations[i] > m)
				m = r->cells[s].iterations[i];
	return m;
}

/*
 * One row per value, iteration by iteration (a blank line between
 * iterations, so lines join iteration k across the sets): set, x (the
 * set's position, nudged by the iteration so equal values stay apart),
 * iteration, value, the set's mean.  *low: the smallest value above 0.
 */
static char *values_data(const struct cmp_table *t, const struct cmp_row *r, double *low)
{
	int top = max_iteration(t, r);
	char *buf;
	size_t len;
	FILE *f = pd_text_open(&buf, &len);

	*low = INFINITY;
	fputs("set,x,iteration,value,mean\n", f);
	for (int k = 1; k <= top; k++) {
		bool any = false;

		for (size_t s = 0; s < t->n_sets; s++) {
			const struct cmp_cell *c = &r->cells[s];

			for (size_t i = 0; i < c->n_values; i++) {
				if (c->iterations[i] != k || !isfinite(c->values[i]))
					continue;
				fprintf(f, "%zu,", s + 1);
				pd_put_num(f, (double)(s + 1) + 0.3 * ((k - 0.5) / top - 0.5));
				fprintf(f, ",%d,", k);
				pd_put_num(f, c->values[i]);
				fputc(',', f);
				pd_put_num(f, c->s.mean);
				fputc('\n', f);
				any = true;
				if (c->values[i] > 0)
					*low = fmin(*low, c->values[i]);
			}
		}
		if (any && k < top)
			fputc('\n', f);
	}
	return pd_text_close(f, &buf);
}

void pd_values(const struct cmp_table *t, const struct cmp_row *r, struct pd_out *out)
{
	bool log = pd_is_latency(r->metric, r->unit), neg = false;
	struct pd_plot *p;
	double low, high = 0;
	char *unit;

	p = pd_new(out, PK_VALUES, "values", -1, xasprintf("values-%s", r->metric),
		   xasprintf("%s: %s, each iteration", r->workload, r->metric));
	p->width = 560;
	p->height = 360;
	for (size_t s = 0; s < t->n_sets; s++) {
		pd_add_set(p, s, xstrdup(t->sets[s].label));
		neg |= r->cells[s].s.min < 0;
		log &= !(r->cells[s].s.min <= 0);
	}
	p->data = values_data(t, r, &low);
	for (size_t s = 0; s < t->n_sets; s++)
		high = fmax(high, r->cells[s].s.n ? r->cells[s].s.max : 0);
	log &= isfinite(low) && high >= PD_LOG_SPAN * low;	/* more than a decade */
	unit = xasprintf("%s%s%s", *r->unit ? r->unit : "value", log ? ", log scale" : "",
			 r->dir == METRIC_HIGHER ? " (higher is better)"
			 : r->dir == METRIC_LOWER ? " (lower is better)" : "");
	pd_var(p, "YLABEL", gp_quote(unit));
	free(unit);
	pd_var(p, "LOG", xasprintf("%d", log));
	pd_var(p, "YMIN", log ? xasprintf("%.10g", pd_log_floor(isfinite(low) ? low : 1))
			      : xstrdup(neg ? "*" : "0"));
	pd_var(p, "PAIRED", xasprintf("%d", row_paired(t, r)));
}

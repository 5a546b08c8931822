/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building the comparison (compare.h): one row per metric, one cell per
 * set, each cell summarised and tested against the baseline; the false
 * discovery rate controlled over the whole table; and the environment
 * diff that says whether the sets differ in anything but the thing
 * compared.  The output formats are in compare-fmt.c.
 *
 * Rows per workload, in this order: the workload's own metrics
 * (metrics.csv, pooled over the iterations that ended ok), the vmstat
 * figures, fragmentation, the slab caches that grew most, stall latencies
 * (derived.c computes each iteration's figures from the collector CSVs).
 */
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "lib/csv.h"
#include "analysis/derived.h"
#include "lib/mmab.h"

/* Slab caches shown per workload: the ones that grew most in any set. */
#define SLAB_TOP 5

static const char *const verdict_names[] = {
	[CMP_BASELINE] = "baseline",
	[CMP_NA] = "n/a",
	[CMP_CANNOT_JUDGE] = "cannot judge",
	[CMP_NO_DIFF] = "no difference proven",
	[CMP_BETTER] = "better",
	[CMP_WORSE] = "worse",
	[CMP_DIFFERS] = "differs",
};

const char *cmp_verdict_name(enum cmp_verdict v)
{
	return (unsigned)v < ARRAY_SIZE(verdict_names) ? verdict_names[v] : "n/a";
}

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

static void cell_push(struct cmp_cell *c, double v)
{
	c->values = xrealloc(c->values, (c->n_values + 1) * sizeof(*c->values));
	c->values[c->n_values++] = v;
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
						cell_push(&r->cells[s], o->values[v]);
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
					cell_push(&r->cells[s], d->vm[k]);
				else if (sec == SEC_FRAG && d->have_frag)
					cell_push(&r->cells[s], d->frag[k]);
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

struct cache_score {
	const char *cache;
	double score;
};

static int cmp_score(const void *a, const void *b)
{
	const struct cache_score *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return strcmp(x->cache, y->cache);
}

/* Mean growth of CACHE over set S's iterations of W with a slabinfo.csv. */
static double mean_growth(const struct set_data *sd, const char *w, const char *cache)
{
	double sum = 0;
	size_t n = 0;

	for (size_t i = 0; i < sd->n; i++) {
		const struct iter_data *d = &sd->its[i];
		const struct derived_slab *sl;

		if (strcmp(d->it->workload, w) || !d->have_slab)
			continue;
		sl = find_slab(d, cache);
		if (sl && isfinite(sl->growth_pages))
			sum += sl->growth_pages;
		n++;
	}
	return n ? sum / (double)n : 0;
}

/* The SLAB_TOP caches that grew most in any set, growth and occupancy each. */
static void rows_slab(struct cmp_table *t, const struct set_data *sd, const char *w)
{
	struct cache_score *cs = NULL;
	size_t ncs = 0;

	for (size_t s = 0; s < t->n_sets; s++)
		for (size_t i = 0; i < sd[s].n; i++) {
			const struct iter_data *d = &sd[s].its[i];

			if (strcmp(d->it->workload, w))
				continue;
			for (size_t c = 0; c < d->n_slab; c++) {
				bool seen = false;

				for (size_t k = 0; k < ncs && !seen; k++)
					seen = !strcmp(cs[k].cache, d->slab[c].cache);
				if (seen)
					continue;
				cs = xrealloc(cs, (ncs + 1) * sizeof(*cs));
				cs[ncs++] = (struct cache_score){ d->slab[c].cache, -INFINITY };
			}
		}
	for (size_t k = 0; k < ncs; k++)
		for (size_t s = 0; s < t->n_sets; s++) {
			double g = mean_growth(&sd[s], w, cs[k].cache);

			if (g > cs[k].score)
				cs[k].score = g;
		}
	if (ncs)
		qsort(cs, ncs, sizeof(*cs), cmp_score);
	for (size_t k = 0; k < ncs && k < SLAB_TOP && cs[k].score > 0; k++) {
		for (int f = 0; f < 2; f++) {
			struct cmp_row *r = add_row(t, SEC_SLAB, w,
						    xasprintf("slab.%s.%s", cs[k].cache,
							      derived_slab_defs[f].name),
						    derived_slab_defs[f].unit,
						    derived_slab_defs[f].dir, AGG_MEAN);

			for (size_t s = 0; s < t->n_sets; s++)
				for (size_t i = 0; i < sd[s].n; i++) {
					const struct iter_data *d = &sd[s].its[i];
					const struct derived_slab *sl;

					if (strcmp(d->it->workload, w) || !d->have_slab)
						continue;
					sl = find_slab(d, cs[k].cache);
					/* absent from this iteration: it had no pages */
					cell_push(&r->cells[s], !sl ? (f ? NAN : 0)
							  : f ? sl->occupancy_pct : sl->growth_pages);
				}
		}
	}
	free(cs);
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

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
		for (int f = 0; f < STALL_N; f++) {
			struct cmp_row *r = add_row(t, SEC_STALLS, w,
						    xasprintf("stalls.%s.%s", ev[k],
							      derived_stall_defs[f].name),
						    derived_stall_defs[f].unit,
						    derived_stall_defs[f].dir, AGG_MEAN);

			for (size_t s = 0; s < t->n_sets; s++)
				for (size_t i = 0; i < sd[s].n; i++) {
					const struct iter_data *d = &sd[s].its[i];
					const struct derived_stall *hit = NULL;

					if (strcmp(d->it->workload, w) || !d->have_stalls)
						continue;
					for (size_t e = 0; e < d->n_stalls && !hit; e++)
						if (!strcmp(d->stalls[e].event, ev[k]))
							hit = &d->stalls[e];
					/* no row of the event: none happened, no latency to show */
					if (hit)
						cell_push(&r->cells[s], derived_stall_value(hit, f));
					else
						cell_push(&r->cells[s],
							  f == STALL_COUNT || f == STALL_TOTAL ? 0 : NAN);
				}
		}
	free(ev);
}

/* ---- statistics and verdicts ---- */

static void judge(struct cmp_table *t)
{
	double *p = NULL;
	struct cmp_cell **fam = NULL;
	const struct cmp_row **fam_row = NULL;
	size_t nfam = 0;

	for (size_t r = 0; r < t->n_rows; r++) {
		struct cmp_row *row = &t->rows[r];
		struct cmp_cell *base = &row->cells[t->baseline];

		for (size_t s = 0; s < t->n_sets; s++) {
			struct cmp_cell *c = &row->cells[s];

			stats_summarise(c->values, c->n_values, row->agg, &c->s);
			c->q = NAN;
		}
		for (size_t s = 0; s < t->n_sets; s++) {
			struct cmp_cell *c = &row->cells[s];

			if (s == t->baseline) {
				c->t.diff = c->t.ci_low = c->t.ci_high = c->t.p_welch = NAN;
				c->t.p_mwu = c->t.change_pct = c->change_pct = NAN;
				c->verdict = CMP_BASELINE;
				continue;
			}
			stats_compare(base->values, base->n_values, c->values, c->n_values, &c->t);
			/* of the means shown: harmonic ones for rates */
			c->change_pct = base->s.n && c->s.n && base->s.mean != 0
				? 100 * (c->s.mean - base->s.mean) / fabs(base->s.mean) : NAN;
			if (!base->s.n || !c->s.n) {
				c->verdict = CMP_NA;
			} else if (base->s.n < CMP_MIN_N || c->s.n < CMP_MIN_N) {
				c->verdict = CMP_CANNOT_JUDGE;
			} else if (isnan(c->t.p_welch)) {
				c->verdict = CMP_NO_DIFF;	/* every value the same */
			} else {
				p = xrealloc(p, (nfam + 1) * sizeof(*p));
				fam = xrealloc(fam, (nfam + 1) * sizeof(*fam));
				fam_row = xrealloc(fam_row, (nfam + 1) * sizeof(*fam_row));
				p[nfam] = c->t.p_welch;
				fam[nfam] = c;
				fam_row[nfam++] = row;
				c->verdict = CMP_NO_DIFF;
			}
		}
	}
	stats_bh_adjust(p, nfam);
	t->n_tests = nfam;
	for (size_t i = 0; i < nfam; i++) {
		struct cmp_cell *c = fam[i];

		c->q = p[i];
		if (!(c->q < CMP_ALPHA))
			continue;
		if (fam_row[i]->dir == METRIC_NONE)
			c->verdict = CMP_DIFFERS;
		else if ((c->t.diff > 0) == (fam_row[i]->dir == METRIC_HIGHER))
			c->verdict = CMP_BETTER;
		else
			c->verdict = CMP_WORSE;
	}
	free(p);
	free(fam);
	free(fam_row);
}

/* ---- the environment diff ---- */

/* Metadata keys compared, and the JSON type results/README.md gives them. */
static const struct {
	const char *key;
	char type;		/* s string, n number, S string or null, N number or null, * scalar */
} env_keys[] = {
	{ "mmab_version", 's' }, { "suite.name", 's' }, { "suite.file", 's' },
	{ "suite.iterations", 'n' }, { "suite.scale", '*' }, { "suite.settle", '*' },
	{ "suite.order", 's' }, { "uname.sysname", 's' }, { "uname.release", 's' },
	{ "uname.version", 's' }, { "uname.machine", 's' }, { "kernel_config_sha256", 'S' },
	{ "cmdline", 's' }, { "hostname", 's' }, { "cpu_model", 's' }, { "cpus", 'n' },
	{ "mem_total_kb", 'n' }, { "effective_memory_bytes", 'N' }, { "cgroup", 's' },
	{ "thp.enabled", 's' }, { "thp.defrag", 's' }, { "thp.khugepaged/defrag", 's' },
	{ "thp.shmem_enabled", 's' },
	/* where the page-cache workloads wrote: read-ahead alone moves dirty-mmap 20x */
	{ "storage.fs_type", 'S' }, { "storage.read_ahead_kb", 'N' },
};

/* The kernel is what a kernel A/B compares. */
static bool kernel_key(const char *key)
{
	return !strcmp(key, "uname.release") || !strcmp(key, "uname.version") ||
	       !strcmp(key, "kernel_config_sha256");
}

static bool type_ok(const json_t *v, char type)
{
	switch (type) {
	case 's': return json_is_string(v);
	case 'n': return json_is_number(v);
	case 'S': return json_is_string(v) || json_is_null(v);
	case 'N': return json_is_number(v) || json_is_null(v);
	default: return v && !json_is_object(v) && !json_is_array(v);
	}
}

/* A JSON value as text: strings as they are, the rest as compact JSON. */
static char *json_text(const json_t *v)
{
	if (!v)
		return NULL;
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static void add_env(struct cmp_table *t, const char *key, size_t set, const json_t *base,
		    const json_t *value, bool compared)
{
	struct cmp_env *e;

	t->env = xrealloc(t->env, (t->n_env + 1) * sizeof(*t->env));
	e = &t->env[t->n_env++];
	e->key = xstrdup(key);
	e->set = set;
	e->base = json_text(base);
	e->value = json_text(value);
	e->compared = compared;
}

static void add_env_text(struct cmp_table *t, const char *key, size_t set, char *base,
			 char *value)
{
	json_t *a = base ? json_string(base) : NULL, *b = value ? json_string(value) : NULL;

	add_env(t, key, set, a, b, false);
	json_decref(a);
	json_decref(b);
	free(base);
	free(value);
}

/* The command line without BOOT_IMAGE=, which names the kernel image. */
static char *cmdline_sans_image(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;

	while (*s) {
		const char *end = strchr(s, ' ');
		size_t len = end ? (size_t)(end - s) : strlen(s);

		if (len && strncmp(s, "BOOT_IMAGE=", 11)) {
			if (o != out)
				*o++ = ' ';
			memcpy(o, s, len);
			o += len;
		}
		s += len;
		while (*s == ' ')
			s++;
	}
	*o = '\0';
	return out;
}

struct variant_keys {
	const char *section;	/* "variant NAME" */
	char **keys;
	size_t n;
};

static int ini_variant(void *user, const char *section, const char *name, const char *value)
{
	struct variant_keys *vk = user;

	(void)value;
	if (!strcmp(section, vk->section)) {
		vk->keys = xrealloc(vk->keys, (vk->n + 1) * sizeof(*vk->keys));
		vk->keys[vk->n++] = xstrdup(name);
	}
	return 1;
}

/* Does set RS's variant section in its suite.ini set KNOB? */
static bool variant_sets(const struct rset *rs, const char *knob)
{
	const char *variant = rset_meta_str(rs, "variant");
	char *path, *sec;
	struct variant_keys vk = { 0 };
	bool found = false;

	if (!variant)
		return false;
	path = xasprintf("%s/suite.ini", rs->path);
	sec = xasprintf("variant %s", variant);
	vk.section = sec;
	ini_parse(path, ini_variant, &vk);
	for (size_t i = 0; i < vk.n; i++) {
		found |= !strcmp(vk.keys[i], knob);
		free(vk.keys[i]);
	}
	free(vk.keys);
	free(sec);
	free(path);
	return found;
}

/* Every key of A's and B's objects at KEY, compared one by one. */
static void env_object(struct cmp_table *t, size_t s, const char *key, bool knobs)
{
	const struct rset *a = &t->sets[t->baseline], *b = &t->sets[s];
	json_t *oa = rset_meta(a, key), *ob = rset_meta(b, key), *v;
	bool variants = knobs && rset_meta_str(a, "variant") && rset_meta_str(b, "variant") &&
			strcmp(rset_meta_str(a, "variant"), rset_meta_str(b, "variant"));
	const char *k;

	if (!json_is_object(oa) && !json_is_object(ob))
		return;
	if (!json_is_object(oa) || !json_is_object(ob)) {
		/* one side has none: one line, not one per knob */
		add_env(t, key, s, json_is_object(oa) ? oa : NULL, json_is_object(ob) ? ob : NULL,
			false);
		return;
	}
	json_object_foreach(oa, k, v) {
		json_t *other = json_object_get(ob, k);
		char *full;

		if (other && json_equal(v, other))
			continue;
		full = xasprintf("%s.%s", key, k);
		add_env(t, full, s, v, other, variants && (variant_sets(a, k) || variant_sets(b, k)));
		free(full);
	}
	json_object_foreach(ob, k, v) {
		char *full;

		if (json_object_get(oa, k))
			continue;
		full = xasprintf("%s.%s", key, k);
		add_env(t, full, s, NULL, v,
			variants && (variant_sets(a, k) || variant_sets(b, k)));
		free(full);
	}
}

/* suite.ini: the first line that differs. */
static void env_suite_text(struct cmp_table *t, size_t s)
{
	char *pa = xasprintf("%s/suite.ini", t->sets[t->baseline].path);
	char *pb = xasprintf("%s/suite.ini", t->sets[s].path);
	char *ta = NULL, *tb = NULL;
	bool ha = !mmab_read_file(pa, &ta, NULL), hb = !mmab_read_file(pb, &tb, NULL);

	if (ha && hb && strcmp(ta, tb)) {
		const char *x = ta, *y = tb;
		size_t line = 1;

		while (*x && *x == *y) {
			if (*x == '\n')
				line++;
			x++;
			y++;
		}
		while (x > ta && x[-1] != '\n')
			x--, y--;
		add_env_text(t, "suite.ini", s,
			     xasprintf("line %zu: %.*s", line, (int)strcspn(x, "\n"), x),
			     xasprintf("line %zu: %.*s", line, (int)strcspn(y, "\n"), y));
	} else if (ha != hb) {
		add_env_text(t, "suite.ini", s, ha ? xstrdup("present") : NULL,
			     hb ? xstrdup("present") : NULL);
	}
	free(ta);
	free(tb);
	free(pa);
	free(pb);
}

/* Report once per set the compared keys its metadata.json lacks. */
static void report_missing(struct rset *rs)
{
	char *list = NULL;

	for (size_t k = 0; k < ARRAY_SIZE(env_keys); k++) {
		json_t *v = rset_meta(rs, env_keys[k].key);
		char *n;

		if (type_ok(v, env_keys[k].type))
			continue;
		n = xasprintf("%s%s%s%s", list ? list : "", list ? ", " : "", env_keys[k].key,
			      v ? " (another type)" : "");
		free(list);
		list = n;
	}
	if (list) {
		char *path = xasprintf("%s/metadata.json", rs->path);

		csv_problem(path, 0, "no %s: shown as n/a", list);
		free(path);
		free(list);
	}
}

static void env_diff(struct cmp_table *t)
{
	for (size_t s = 0; s < t->n_sets; s++)
		report_missing(&t->sets[s]);
	for (size_t s = 0; s < t->n_sets; s++) {
		const struct rset *a = &t->sets[t->baseline], *b = &t->sets[s];
		bool kernel = false;
		json_t *wa, *wb;

		if (s == t->baseline)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(env_keys); k++) {
			const char *key = env_keys[k].key;
			json_t *va = rset_meta(a, key), *vb = rset_meta(b, key);

			if (!type_ok(va, env_keys[k].type))
				va = NULL;
			if (!type_ok(vb, env_keys[k].type))
				vb = NULL;
			if ((!va && !vb) || (va && vb && json_equal(va, vb)))
				continue;
			if (kernel_key(key)) {
				kernel = true;
				add_env(t, key, s, va, vb, true);
				continue;
			}
			if (!strcmp(key, "cmdline") && kernel && va && vb) {
				char *ca = cmdline_sans_image(json_string_value(va));
				char *cb = cmdline_sans_image(json_string_value(vb));

				if (strcmp(ca, cb))
					add_env(t, key, s, va, vb, false);
				free(ca);
				free(cb);
				continue;
			}
			add_env(t, key, s, va, vb, false);
		}
		if (rset_meta_str(a, "variant") && rset_meta_str(b, "variant") &&
		    strcmp(rset_meta_str(a, "variant"), rset_meta_str(b, "variant")))
			add_env(t, "variant", s, rset_meta(a, "variant"), rset_meta(b, "variant"),
				true);
		env_object(t, s, "knobs.before", false);
		env_object(t, s, "knobs.as_run", true);
		wa = rset_meta(a, "collectors");
		wb = rset_meta(b, "collectors");
		if ((wa || wb) && !(wa && wb && json_equal(wa, wb)))
			add_env(t, "collectors", s, wa, wb, false);
		/* workload options, by id */
		wa = rset_meta(a, "workloads");
		wb = rset_meta(b, "workloads");
		if (json_is_array(wa) || json_is_array(wb)) {
			json_t *ia = json_object(), *ib = json_object(), *e;
			size_t i;

			json_array_foreach(wa, i, e)
				if (json_string_value(json_object_get(e, "id")))
					json_object_set(ia, json_string_value(json_object_get(e, "id")),
							e);
			json_array_foreach(wb, i, e)
				if (json_string_value(json_object_get(e, "id")))
					json_object_set(ib, json_string_value(json_object_get(e, "id")),
							e);
			if (!json_equal(ia, ib)) {
				const char *k;
				json_t *v;

				json_object_foreach(ia, k, v) {
					json_t *o = json_object_get(ib, k);

					if (!o || !json_equal(v, o)) {
						char *key = xasprintf("workloads.%s", k);

						add_env(t, key, s, v, o, false);
						free(key);
					}
				}
				json_object_foreach(ib, k, v) {
					if (!json_object_get(ia, k)) {
						char *key = xasprintf("workloads.%s", k);

						add_env(t, key, s, NULL, v, false);
						free(key);
					}
				}
			}
			json_decref(ia);
			json_decref(ib);
		}
		env_suite_text(t, s);
	}
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

int compare_build(struct rset *sets, size_t n, size_t baseline, struct cmp_table *t)
{
	struct set_data *sd;
	char **ws = NULL;
	size_t nw = 0;

	memset(t, 0, sizeof(*t));
	if (!n || baseline >= n)
		return -EINVAL;
	t->sets = sets;
	t->n_sets = n;
	t->baseline = baseline;
	sd = xcalloc(n, sizeof(*sd));
	for (size_t s = 0; s < n; s++)
		load_set(&sets[s], &sd[s]);
	for (size_t i = 0; i < sets[baseline].n_workloads; i++)
		add_workload(&ws, &nw, sets[baseline].workloads[i]);
	for (size_t s = 0; s < n; s++)
		for (size_t i = 0; i < sets[s].n_workloads; i++)
			add_workload(&ws, &nw, sets[s].workloads[i]);
	for (size_t i = 0; i < nw; i++) {
		rows_metrics(t, ws[i]);
		if (any_iter(sd, n, ws[i], SEC_VMSTAT))
			rows_fixed(t, sd, ws[i], SEC_VMSTAT, derived_vm_defs, VM_N);
		if (any_iter(sd, n, ws[i], SEC_FRAG))
			rows_fixed(t, sd, ws[i], SEC_FRAG, derived_frag_defs, FRAG_N);
		rows_slab(t, sd, ws[i]);
		rows_stalls(t, sd, ws[i]);
	}
	free(ws);
	for (size_t s = 0; s < n; s++)
		free_set(&sd[s]);
	free(sd);
	judge(t);
	env_diff(t);
	return 0;
}

void compare_free(struct cmp_table *t)
{
	for (size_t r = 0; r < t->n_rows; r++) {
		struct cmp_row *row = &t->rows[r];

		for (size_t s = 0; s < t->n_sets; s++)
			free(row->cells[s].values);
		free(row->cells);
		free(row->workload);
		free(row->metric);
		free(row->unit);
	}
	free(t->rows);
	for (size_t i = 0; i < t->n_env; i++) {
		free(t->env[i].key);
		free(t->env[i].base);
		free(t->env[i].value);
	}
	free(t->env);
	memset(t, 0, sizeof(*t));
}

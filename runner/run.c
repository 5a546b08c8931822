/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resolving a run against this machine before anything is touched
 * (effective sizes, support, collectors, knob names), and the questions
 * the other run files ask about the plan: a step's variant, name, estimate,
 * and which steps a resumed run already did.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "lib/machine.h"
#include "lib/mmab.h"
#include "boot/qemu.h"
#include "lib/resultset.h"
#include "runner/run.h"
#include "workloads/workload.h"

/* ---- validation: everything is checked before anything is touched ---- */

/* Where a scale came from, for the message. */
static void scale_origin(const struct run *r, const struct suite_workload *w, char *buf,
			 size_t len)
{
	if (w->scale)
		snprintf(buf, len, "%s:%d: [%s] scale", r->suite.file, w->line, w->id);
	else if (r->plan.scale)
		snprintf(buf, len, "--scale");
	else
		snprintf(buf, len, "%s: [suite] scale", r->suite.file);
}
static int resolve_scales(struct run *r)
{
	r->eff = xcalloc(r->suite.nworkloads, sizeof(*r->eff));
	for (size_t k = 0; k < r->plan.nworkloads; k++) {
		size_t i = r->plan.workloads[k];
		const struct suite_workload *w = &r->suite.workloads[i];
		const char *scale = plan_effective_scale(&r->plan, &r->suite, w);
		char where[512], have[32];
		uint64_t bytes;

		scale_origin(r, w, where, sizeof(where));
		if (mmab_parse_size(scale, r->mem_total, &bytes)) {
			mmab_err("%s '%s': expected a size (2G, 512M) or a percentage of MemTotal",
				 where, scale);
			return -EINVAL;
		}
		if (bytes > r->mem_total) {
			mmab_format_size(have, sizeof(have), r->mem_total);
			mmab_err("%s '%s' is more than this machine's memory (%s)", where, scale,
				 have);
			return -EINVAL;
		}
		if (bytes < SCALE_MIN) {
			mmab_err("%s '%s' is below 128M: too little to leave the rest of the "
				 "system alive", where, scale);
			return -EINVAL;
		}
		/* the whole machine (or a workload that must see it) needs no ballast */
		r->eff[i] = bytes >= r->mem_total || (w->wl->flags & WL_NO_BALLAST) ? 0 : bytes;
	}
	return 0;
}
bool run_boots_here(const struct run *r)
{
	/* a kexec run boots this machine: its steps run here, after each kexec */
	return r->plan.nkernels && !r->o.guest &&
	       !(r->plan.backend && !strcmp(r->plan.backend, "kexec"));
}
static void check_supported(struct run *r)
{
	r->skip_why = xcalloc(r->suite.nworkloads, sizeof(*r->skip_why));
	/* a booted kernel says what it supports */
	for (size_t k = 0; k < r->plan.nworkloads && !run_boots_here(r); k++) {
		size_t i = r->plan.workloads[k];
		const struct suite_workload *w = &r->suite.workloads[i];
		char why[256] = "";

		if (w->wl->supported && w->wl->supported(w->opts, why, sizeof(why)))
			r->skip_why[i] = xstrdup(why[0] ? why : "not supported here");
	}
}
/*
 * The collectors to run: the suite's (the parser put the default set there
 * when the suite names none) that can run here.
 */
static void resolve_collectors(struct run *r)
{
	r->col_meta = json_array();
	r->cols = xcalloc(r->suite.ncollectors, sizeof(*r->cols));
	for (size_t i = 0; i < r->suite.ncollectors; i++) {
		struct collector_cfg cfg = r->suite.collectors[i];
		char why[256] = "";
		bool ok;

		if (!cfg.interval_ms)
			cfg.interval_ms = cfg.c->default_interval_ms;
		/* a booted kernel says which can run there */
		ok = run_boots_here(r) || !cfg.c->available || !cfg.c->available(why, sizeof(why));
		json_array_append_new(r->col_meta, json_pack("{s:s, s:I, s:s}",
			"name", cfg.c->name, "interval_ms", (json_int_t)cfg.interval_ms,
			"status", ok ? "ok" : (why[0] ? why : "unavailable")));
		if (ok)
			r->cols[r->ncols++] = cfg;
		else if (!r->o.dry_run)
			mmab_warn("collector %s cannot run here: %s", cfg.c->name, why);
	}
}
static void add_name(const char ***list, size_t *n, size_t *cap, const char *name)
{
	for (size_t j = 0; j < *n; j++)
		if (!strcmp((*list)[j], name))
			return;
	if (*n + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*list = xrealloc(*list, *cap * sizeof(**list));
	}
	(*list)[(*n)++] = name;
	(*list)[*n] = NULL;
}
/*
 * The knobs metadata.json records (the standard set plus the variants'),
 * and those watched around each workload child to see what it changed
 * (those plus the THP settings).
 */
static void collect_knob_names(struct run *r)
{
	size_t n = 0, cap = 0, nw = 0, capw = 0;

	for (size_t i = 0; machine_standard_knobs[i]; i++)
		add_name(&r->knob_names, &n, &cap, machine_standard_knobs[i]);
	for (size_t v = 0; v < r->suite.nvariants; v++)
		for (size_t k = 0; k < r->suite.variants[v].nknobs; k++)
			add_name(&r->knob_names, &n, &cap, r->suite.variants[v].knobs[k].name);
	for (size_t i = 0; i < n; i++)
		add_name(&r->watch_names, &nw, &capw, r->knob_names[i]);
	for (size_t i = 0; machine_thp_knobs[i]; i++)
		add_name(&r->watch_names, &nw, &capw, machine_thp_knobs[i]);
}
const struct suite_variant *run_set_variant(const struct run *r, size_t set)
{
	int v = r->plan.sets[set].variant_idx;

	return v < 0 ? NULL : &r->suite.variants[v];
}
/*
 * Seconds step I should take (0: skipped).  The ballast is made anew only
 * where the effective size changes from the step run before; otherwise the
 * one kept is adjusted.
 */
double run_step_estimate(const struct run *r, size_t i)
{
	size_t w = r->plan.steps[i].workload, j = i;
	bool new_ballast = true;

	if (r->skip_why[w])
		return 0;
	while (j-- > 0) {
		size_t pw = r->plan.steps[j].workload;

		if (!r->skip_why[pw]) {
			new_ballast = r->eff[pw] != r->eff[w];
			break;
		}
	}
	return step_estimate(&r->suite, &r->suite.workloads[w], r->eff[w], r->mem_total,
			     new_ballast);
}
void run_step_name(const struct run *r, size_t i, char *buf, size_t len)
{
	const struct plan_step *st = &r->plan.steps[i];
	const struct plan_set *set = &r->plan.sets[st->set];
	const char *variant = set->variant;
	const char *kernel = set->kernel >= 0 ? r->plan.kernels[set->kernel].name : NULL;

	snprintf(buf, len, "%s #%d%s%s%s%s%s", r->suite.workloads[st->workload].id, st->iteration,
		 variant || kernel ? " [" : "", kernel ? kernel : "", kernel && variant ? ", " : "",
		 variant ? variant : "", variant || kernel ? "]" : "");
}
/* ---- dry run ---- */

/* Steps a previous session completed: they have a row in their set's status.csv. */
void run_mark_done(struct run *r, bool *done)
{
	for (size_t s = 0; s < r->plan.nsets; s++) {
		char *path = xasprintf("%s/status.csv", r->set_dirs[s]), *text = NULL;

		if (!mmab_read_file(path, &text, NULL))
			for (size_t i = 0; i < r->plan.nsteps; i++) {
				const struct plan_step *st = &r->plan.steps[i];

				if (st->set == s &&
				    rset_status_has(text, r->suite.workloads[st->workload].id,
						  st->iteration))
					done[i] = true;
			}
		free(text);
		free(path);
	}
}

int run_resolve(struct run *r)
{
	/* sizes are the booted kernels': the smallest guest's memory bounds them */
	for (size_t k = 0; run_boots_here(r) && k < r->plan.nkernels; k++) {
		uint64_t m = r->plan.kernels[k].memory ? r->plan.kernels[k].memory :
			     QEMU_MEMORY_DEFAULT;

		if (!k || m < r->mem_total)
			r->mem_total = m;
	}
	if (resolve_scales(r))
		return -EINVAL;
	check_supported(r);
	resolve_collectors(r);
	collect_knob_names(r);
	return 0;
}

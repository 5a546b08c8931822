/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `mmab run --dry-run`: the plan (order of iterations, effective sizes,
 * what would be skipped and why), the knobs each variant would change with
 * their current values, and the estimated time.  Reads the machine, changes
 * nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/kernel.h"
#include "boot/qemu.h"
#include "lib/knob.h"
#include "lib/mmab.h"
#include "runner/progress.h"
#include "runner/run.h"

static void print_size_or_machine(FILE *f, uint64_t eff)
{
	char b[32];

	if (!eff) {
		fputs("whole machine", f);
		return;
	}
	mmab_format_size(b, sizeof(b), eff);
	fputs(b, f);
}
/* What runs where: the suite, the run directory, sets, cgroups and collectors. */
static void dry_header(struct run *r, bool *done, FILE *f)
{
	fprintf(f, "suite %s (%s), %d iteration%s, order %s, seed %llu\n", r->suite.name,
		r->suite.file, r->plan.iterations, r->plan.iterations == 1 ? "" : "s",
		r->plan.order == ORDER_SHUFFLED ? "shuffled" : "interleaved",
		(unsigned long long)r->plan.seed);
	if (r->o.resume) {
		run_mark_done(r, done);
		fprintf(f, "run directory: %s (resumed)\n", r->run_dir);
	} else {
		fprintf(f, "run directory: %s/%s\n", r->o.outdir ? r->o.outdir : "results",
			r->plan.run_id);
	}
	fprintf(f, "result sets:");
	for (size_t s = 0; s < r->plan.nsets; s++) {
		const char *v = r->plan.sets[s].variant;

		fprintf(f, " %s%s%s%s", r->plan.sets[s].label, v ? " (variant " : "", v ? v : "",
			v ? ")" : "");
	}
	fprintf(f, "\nmemory cgroups: %s; settle before each iteration: %s\n",
		run_boots_here(r) ? "cgroup2 in the booted kernels" : r->cgroup ? r->cgroup : "none",
		r->suite.settle ? "yes" : "no");
	fprintf(f, "collectors:");
	for (size_t i = 0; i < json_array_size(r->col_meta); i++) {
		json_t *c = json_array_get(r->col_meta, i);
		const char *st = json_string_value(json_object_get(c, "status"));

		fprintf(f, "%s %s (%lld ms%s%s)", i ? "," : "",
			json_string_value(json_object_get(c, "name")),
			(long long)json_integer_value(json_object_get(c, "interval_ms")),
			strcmp(st, "ok") ? ", cannot run here: " : "", strcmp(st, "ok") ? st : "");
	}
	if (!json_array_size(r->col_meta))
		fprintf(f, " none");
	fputc('\n', f);
}

/* The kernels and their boots, in order. */
static void dry_kernels(const struct run *r, FILE *f)
{
	const struct plan *p = &r->plan;

	fprintf(f, "\nkernels (booted by %s, %d time%s each, alternating):\n", p->backend,
		p->boots_per_kernel, p->boots_per_kernel == 1 ? "" : "s");
	for (size_t k = 0; k < p->nkernels; k++) {
		const struct kernel *kn = &p->kernels[k];

		fprintf(f, "  %-12s %-9s %s\n", kn->name, kernel_kind_name(kn->kind), kn->release);
		fprintf(f, "  %-12s %s\n", "", kn->path);
		if (kn->modules)
			fprintf(f, "  %-12s modules %s\n", "", kn->modules);
		if (kn->append)
			fprintf(f, "  %-12s append %s\n", "", kn->append);
	}
	fprintf(f, "boots:");
	for (size_t b = 0; b < p->nboots; b++) {
		char *d = plan_boot_dir(p, b);
		size_t n = 0;

		for (size_t i = 0; i < p->nsteps; i++)
			n += p->steps[i].boot == (int)b;
		fprintf(f, "%s %s (%zu step%s)", b ? "," : "", d, n, n == 1 ? "" : "s");
		free(d);
	}
	fputc('\n', f);
}

/* Each variant's knobs: current -> new. */
static void dry_knobs(struct run *r, FILE *f)
{
	char cur[4096];

	if (run_boots_here(r)) {
		fprintf(f, "\nknobs each booted kernel would set (checked there):\n");
		for (size_t v = 0; v < r->suite.nvariants; v++) {
			const struct suite_variant *sv = &r->suite.variants[v];

			fprintf(f, "  variant %s:%s\n", sv->name, sv->nknobs ? "" : " none");
			for (size_t k = 0; k < sv->nknobs; k++)
				fprintf(f, "    %-44s %s\n", sv->knobs[k].name, sv->knobs[k].value);
		}
		return;
	}
	fprintf(f, "\nknobs that would change (current -> new):\n");
	for (size_t s = 0; s < r->plan.nsets; s++) {
		const struct suite_variant *v = run_set_variant(r, s);

		if (!v)
			continue;
		fprintf(f, "  variant %s:%s\n", v->name, v->nknobs ? "" : " none");
		for (size_t k = 0; k < v->nknobs; k++) {
			const struct suite_knob *kn = &v->knobs[k];

			if (knob_read(kn->path, cur, sizeof(cur)))
				snprintf(cur, sizeof(cur), "?");
			fprintf(f, "    %-44s %s -> %s%s\n", kn->name, cur, kn->value,
				strcmp(cur, kn->value) ? "" : " (unchanged)");
		}
	}
}

/* Each workload's effective memory, or why it is skipped. */
static void dry_workloads(struct run *r, FILE *f)
{
	char cur[4096], path[512];
	bool ballast = false;

	fprintf(f, "\nworkloads:\n");
	for (size_t k = 0; k < r->plan.nworkloads; k++) {
		size_t i = r->plan.workloads[k];

		ballast |= r->eff[i] && !r->skip_why[i];
		fprintf(f, "  %-16s ", r->suite.workloads[i].id);
		if (r->skip_why[i]) {
			fprintf(f, "skipped: %s\n", r->skip_why[i]);
			continue;
		}
		fputs("effective memory ", f);
		print_size_or_machine(f, r->eff[i]);
		fputc('\n', f);
	}
	if (ballast && !knob_resolve("vm.compact_unevictable_allowed", path, sizeof(path)) &&
	    !knob_read(path, cur, sizeof(cur)))
		fprintf(f, "  (with a ballast: vm.compact_unevictable_allowed %s -> 0 during "
			"those iterations)\n", cur);
}

/* The steps in order with their estimates, and the total. */
static void dry_plan(struct run *r, const bool *done, FILE *f)
{
	char buf[256], est[32];
	double total = 0;

	fprintf(f, "\nplan (%zu steps):\n", r->plan.nsteps);
	for (size_t i = 0; i < r->plan.nsteps; i++) {
		double e = done[i] ? 0 : run_step_estimate(r, i);
		int b = r->plan.steps[i].boot;

		if (b >= 0 && (!i || r->plan.steps[i - 1].boot != b)) {
			char *d = plan_boot_dir(&r->plan, (size_t)b);

			fprintf(f, "  boot %s:\n", d);
			free(d);
		}
		run_step_name(r, i, buf, sizeof(buf));
		progress_format_duration(est, sizeof(est), e);
		total += e;
		fprintf(f, "  %4zu  %-40s %s\n", i + 1, buf, done[i] ? "done" :
			r->skip_why[r->plan.steps[i].workload] ? "skip" : est);
	}
	if (run_boots_here(r)) {
		double factor = qemu_kvm() ? 1 : QEMU_TCG_FACTOR;

		progress_format_duration(est, sizeof(est), total);
		fprintf(f, "\nestimated time: %s of steps as here", est);
		total = (total + QEMU_BOOT_S * (double)r->plan.nboots) * factor;
		progress_format_duration(est, sizeof(est), total);
		fprintf(f, ", %s with %zu boots%s\n", est, r->plan.nboots,
			factor > 1 ? " and emulation (TCG)" : "");
		return;
	}
	progress_format_duration(est, sizeof(est), total);
	fprintf(f, "\nestimated time: %s\n", est);
}

void run_dry(struct run *r)
{
	bool *done = xcalloc(r->plan.nsteps, sizeof(*done));

	dry_header(r, done, stdout);
	if (run_boots_here(r)) {
		dry_kernels(r, stdout);
		run_boots_dry(r, stdout);
	}
	dry_knobs(r, stdout);
	dry_workloads(r, stdout);
	dry_plan(r, done, stdout);
	printf("dry run: nothing was changed\n");
	free(done);
}

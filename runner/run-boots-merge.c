/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A boot's results into the run's sets (runner/run-boots.h).  The guest's
 * runner wrote ordinary sets (same labels, same schema) on its data disk;
 * here each step of the boot gets the guest's iteration directory, moved,
 * with `boot` and `kernel_warnings` added to its iteration.json, and the
 * guest's status.csv row; a step the guest did not finish gets a failed
 * row with the boot's fault as its reason (boot-panic, ...) and an
 * iteration.json saying what was seen.  A set's metadata.json takes its
 * environment from its kernel's first boot that wrote one (the guest's:
 * uname, cmdline, MemTotal, THP, knobs ...), and every boot is added to
 * its `boots`.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/csv.h"
#include "lib/mmab.h"
#include "lib/resultset.h"
#include "runner/progress.h"
#include "runner/run-boots.h"

/* metadata.json keys that describe where a set ran: the guest's, once it booted. */
static const char *const env_keys[] = {
	"uname", "cmdline", "kernel_config_sha256", "hostname", "cpu_model", "cpus",
	"mem_total_kb", "thp", "knobs", "storage", "cgroup", "effective_memory_bytes",
	"collectors", "workloads", NULL
};

json_t *boots_vm_json(const struct run *r, size_t k)
{
	const struct kernel *kn = &r->plan.kernels[k];
	json_t *host = r->machine;

	return json_pack("{s:s, s:s, s:I, s:i, s:O?, s:O?, s:O?}",
		"accel", r->boots->kvm ? "kvm" : "tcg", "qemu_version", r->boots->qemu_version,
		"memory_bytes", (json_int_t)(kn->memory ? kn->memory : QEMU_MEMORY_DEFAULT),
		"cpus", kn->cpus ? kn->cpus : QEMU_CPUS_DEFAULT,
		"hostname", json_object_get(host, "hostname"),
		"release", json_object_get(json_object_get(host, "uname"), "release"),
		"thp", json_object_get(host, "thp"));
}

static json_t *kernel_json(const struct run *r, size_t k, const char *release)
{
	const struct kernel *kn = &r->plan.kernels[k];
	const char *sha = r->boots ? r->boots->config_sha[k] : NULL;

	return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?, s:s?}", "name", kn->name,
		"spec", kn->spec, "kind", kernel_kind_name(kn->kind), "release", release,
		"backend", r->plan.backend, "append", kn->append, "config_sha256", sha);
}

void run_boots_set_meta(struct run *r, size_t s, json_t *m)
{
	size_t k = (size_t)r->plan.sets[s].kernel;

	/* where it ran is not known until its kernel has booted */
	for (size_t i = 0; env_keys[i]; i++)
		if (strcmp(env_keys[i], "workloads") && strcmp(env_keys[i], "collectors"))
			json_object_set_new(m, env_keys[i], json_null());
	json_object_set_new(m, "kernel", kernel_json(r, k, r->plan.kernels[k].release));
	if (r->boots)
		json_object_set_new(m, "vm", boots_vm_json(r, k));
	json_object_set_new(m, "boots", json_array());
}

/* The guest's environment (GUEST: its set's metadata.json) into set S's. */
static void take_env(struct boot_run *br, size_t s, const json_t *guest)
{
	struct run *r = br->r;
	size_t k = (size_t)r->plan.sets[s].kernel;
	json_t *m = r->meta[s];
	const char *rel = json_string_value(json_object_get(json_object_get(guest, "uname"),
							   "release"));

	for (size_t i = 0; env_keys[i]; i++) {
		json_t *v = json_object_get(guest, env_keys[i]);

		json_object_set(m, env_keys[i], v ? v : json_null());
	}
	/* a kernel without /proc/config.gz: the config it was built with, as known here */
	if (json_is_null(json_object_get(m, "kernel_config_sha256")) && r->boots->config_sha[k])
		json_object_set_new(m, "kernel_config_sha256",
				    json_string(r->boots->config_sha[k]));
	json_object_set_new(m, "kernel", kernel_json(r, k, rel ? rel :
						     r->plan.kernels[k].release));
	r->boots->env[s] = true;
}

/* A workload's knobs from a later boot, when the first did not run it. */
static void take_workload_knobs(json_t *m, const json_t *guest)
{
	json_t *mine = json_object_get(m, "workloads"), *theirs = json_object_get(guest, "workloads");

	for (size_t i = 0; i < json_array_size(mine); i++) {
		json_t *w = json_array_get(mine, i);

		for (size_t j = 0; j < json_array_size(theirs) && !json_object_get(w, "knobs"); j++) {
			json_t *t = json_array_get(theirs, j);

			if (json_equal(json_object_get(w, "id"), json_object_get(t, "id")) &&
			    json_object_get(t, "knobs"))
				json_object_set(w, "knobs", json_object_get(t, "knobs"));
		}
	}
}

/* This boot in set S's `boots`. */
static void add_boot(struct boot_run *br, size_t s)
{
	struct run *r = br->r;
	json_t *arr = json_object_get(r->meta[s], "boots"), *uname, *e;
	char start[32], end[32], *name = plan_boot_dir(&r->plan, br->b), *con;

	if (!json_is_array(arr)) {
		arr = json_array();
		json_object_set_new(r->meta[s], "boots", arr);
	}
	mmab_iso_time(start, sizeof(start), br->res.start);
	mmab_iso_time(end, sizeof(end), br->res.end);
	uname = json_object_get(br->hello, "uname");
	con = xasprintf("boots/%s/console.log", name);
	e = json_pack("{s:i, s:s, s:s, s:f, s:s, s:s?, s:O?, s:O?, s:O?, s:s}",
		"number", r->plan.boots[br->b].number, "start", start, "end", end,
		"seconds", br->res.seconds,
		"outcome", br->error[0] ? "failed" : "ok", "reason", br->error[0] ?
		(br->res.outcome == QEMU_DONE ? "boot-failed" : qemu_reason(br->res.outcome)) : NULL,
		"release", json_object_get(uname, "release"), "uname", uname,
		"cmdline", json_object_get(br->hello, "cmdline"), "console", con);
	if (br->error[0])
		json_object_set_new(e, "error", json_string(br->error));
	json_array_append_new(arr, e);
	free(con);
	free(name);
}

/* ---- steps ---- */

/* Count a status row in the run's totals. */
static void count(struct run *r, const char *status)
{
	if (!strcmp(status, "ok"))
		r->n_ok++;
	else if (!strcmp(status, "failed"))
		r->n_failed++;
	else
		r->n_skipped++;
}

/* `boot` and `kernel_warnings` into DIR/iteration.json (when there is one). */
static void annotate(const char *dir, int boot, int warnings)
{
	char *path = xasprintf("%s/iteration.json", dir), err[512];
	json_t *o = NULL;

	if (!rset_json_read(path, &o, err, sizeof(err)) && json_is_object(o)) {
		json_object_set_new(o, "boot", json_integer(boot));
		json_object_set_new(o, "kernel_warnings", json_integer(warnings));
		rset_json_write(path, o);
	}
	json_decref(o);
	free(path);
}

/* Step I as the guest did it: row ROW of its status.csv ST, its directory in GSET. */
static int take_step(struct boot_run *br, size_t i, const struct csv *st, size_t row,
		     const char *gset)
{
	struct run *r = br->r;
	const struct plan_step *step = &r->plan.steps[i];
	const char *id = r->suite.workloads[step->workload].id;
	char *src = xasprintf("%s/%s/%d", gset, id, step->iteration);
	char *dst = xasprintf("%s/%s/%d", r->set_dirs[step->set], id, step->iteration);
	char *parent = xasprintf("%s/%s", r->set_dirs[step->set], id);
	struct rset_status_row sr = {
		.workload = id, .iteration = step->iteration,
		.status = csv_str(st, row, csv_col(st, "status")) ?: "failed",
		.reason = csv_str(st, row, csv_col(st, "reason")) ?: "",
		.exit_code = -1, .duration_s = csv_num(st, row, csv_col(st, "duration_s")),
	};
	double v = csv_num(st, row, csv_col(st, "exit_code"));
	int ret;

	sr.exit_code = isnan(v) ? -1 : (int)v;
	v = csv_num(st, row, csv_col(st, "signal"));
	sr.signal = isnan(v) ? 0 : (int)v;
	if (!access(src, F_OK) && !mmab_rm_rf(dst) && !mmab_mkdir_p(parent, 0755) &&
	    !rename(src, dst))
		annotate(dst, r->plan.boots[br->b].number, br->warnings[i]);
	ret = rset_status_append(r->status_fd[step->set], &sr);
	if (!ret)
		count(r, sr.status);
	free(src);
	free(dst);
	free(parent);
	return ret;
}

/* Step I, which the guest did not finish: failed with the boot's REASON. */
static int fail_step(struct boot_run *br, size_t i, const char *reason)
{
	struct run *r = br->r;
	const struct plan_step *step = &r->plan.steps[i];
	const char *id = r->suite.workloads[step->workload].id;
	struct rset_status_row sr = { .workload = id, .iteration = step->iteration,
				      .status = "failed", .reason = reason, .exit_code = -1,
				      .duration_s = NAN };
	int err = 0, ret;
	char *dir = rset_iter_dir(r->set_dirs[step->set], id, step->iteration, &err), *path;
	char name[256], outcome[64];

	if (dir) {
		path = xasprintf("%s/iteration.json", dir);
		json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:i}", "workload", id,
				      "iteration", step->iteration, "status", "failed",
				      "reason", reason, "error", br->error,
				      "boot", r->plan.boots[br->b].number,
				      "kernel_warnings", br->warnings[i]);

		rset_json_write(path, o);
		json_decref(o);
		free(path);
		free(dir);
	}
	ret = rset_status_append(r->status_fd[step->set], &sr);
	if (!ret)
		count(r, "failed");
	if ((ssize_t)i != br->current) {
		run_step_name(r, i, name, sizeof(name));
		progress_begin(r->progress, i, name);
	}
	snprintf(outcome, sizeof(outcome), "failed: %s", reason);
	progress_end(r->progress, i, (ssize_t)i == br->current ? mmab_now() - br->current_t0 : 0,
		     outcome);
	br->current = -1;
	return ret;
}

/* The reason the steps the guest did not finish get, with br->error set; NULL: none failed. */
static const char *boot_reason(struct boot_run *br)
{
	const struct qemu_result *res = &br->res;

	if (res->outcome != QEMU_DONE) {
		if (!br->error[0])
			snprintf(br->error, sizeof(br->error), "%s", res->why);
		return qemu_reason(res->outcome);
	}
	/* -1: its done was lost; the steps without a status row fail below */
	if (!br->error[0] && res->guest_rc > 0)
		snprintf(br->error, sizeof(br->error), "the guest's runner exited %d (see the "
			 "boot's console.log)", res->guest_rc);
	return br->error[0] ? "boot-failed" : NULL;
}

/* Set S's steps of this boot, and its metadata.json.  0 or MMAB_EXIT_FAIL. */
static int merge_set(struct boot_run *br, size_t s, const char *out, const char *reason)
{
	struct run *r = br->r;
	const char *label = r->plan.sets[s].label;
	char *gset = out ? xasprintf("%s/%s", out, label) : NULL, *path, err[1024];
	struct csv st = { 0 };
	json_t *guest = NULL;
	bool have_rows = false;
	int ret = 0;

	if (gset) {
		path = xasprintf("%s/status.csv", gset);
		have_rows = !csv_load(path, &st);
		free(path);
		path = xasprintf("%s/metadata.json", gset);
		if (rset_json_read(path, &guest, err, sizeof(err)) || !json_is_object(guest)) {
			json_decref(guest);
			guest = NULL;
		}
		free(path);
	}
	for (size_t i = 0; i < r->plan.nsteps && !ret; i++) {
		const struct plan_step *step = &r->plan.steps[i];
		size_t row = SIZE_MAX;

		if (step->boot != (int)br->b || step->set != s || r->boots->done[i])
			continue;
		for (size_t j = 0; have_rows && j < st.nrows && row == SIZE_MAX; j++)
			if (!strcmp(csv_str(&st, j, csv_col(&st, "workload")) ?: "",
				    r->suite.workloads[step->workload].id) &&
			    csv_num(&st, j, csv_col(&st, "iteration")) == step->iteration)
				row = j;
		if (row != SIZE_MAX)
			ret = take_step(br, i, &st, row, gset);
		else
			ret = fail_step(br, i, reason ? reason : "boot-failed");
		if (ret)
			mmab_err("cannot write '%s/status.csv': %s", r->set_dirs[s], strerror(-ret));
		r->boots->done[i] = !ret;
	}
	if (guest && !r->boots->env[s])
		take_env(br, s, guest);
	else if (guest)
		take_workload_knobs(r->meta[s], guest);
	add_boot(br, s);
	run_write_meta(r, s);
	json_decref(guest);
	csv_free(&st);
	free(gset);
	return ret ? MMAB_EXIT_FAIL : 0;
}

int boots_merge(struct boot_run *br, const char *out)
{
	struct run *r = br->r;
	size_t k = r->plan.boots[br->b].kernel;
	const char *reason;
	char *name = plan_boot_dir(&r->plan, br->b);
	int ret = 0;

	if (!out && !br->error[0] && br->res.outcome == QEMU_DONE)
		snprintf(br->error, sizeof(br->error), "no results on the data disk");
	reason = boot_reason(br);
	if (reason)
		progress_note(r->progress, "boot %s: %s: %s (its console: %s/boots/%s/console.log)",
			      name, reason, br->error, r->run_dir, name);
	for (size_t s = 0; s < r->plan.nsets && !ret; s++)
		if (r->plan.sets[s].kernel == (int)k)
			ret = merge_set(br, s, out, reason);
	free(name);
	return ret;
}

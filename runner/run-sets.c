/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The run directory and its result sets (results/README.md): run.json (the
 * plan, for --resume), and per set its directory, a copy of the suite,
 * metadata.json (written at the start, rewritten with what the steps
 * learn and the end time) and status.csv.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "boot/kernel.h"
#include "lib/machine.h"
#include "lib/mmab.h"
#include "lib/resultset.h"
#include "runner/run.h"
#include "workloads/workload.h"

/* ---- the result sets ---- */

static json_t *workloads_meta(const struct run *r)
{
	json_t *arr = json_array();

	for (size_t k = 0; k < r->plan.nworkloads; k++) {
		size_t i = r->plan.workloads[k];
		const struct suite_workload *w = &r->suite.workloads[i];
		json_t *opts = json_object();
		char val[1024];

		for (const struct opt_spec *o = w->wl->opts; o && o->name; o++) {
			opts_format(o, w->opts, val, sizeof(val));
			json_object_set_new(opts, o->name, json_string(val));
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:s, s:o, s:f, s:I, s:o}",
			"id", w->id, "workload", w->wl->name, "options", opts,
			"scale", plan_effective_scale(&r->plan, &r->suite, w),
			"effective_memory_bytes", r->eff[i] ? json_integer((json_int_t)r->eff[i])
							    : json_null(),
			"timeout_s", w->timeout_s > 0 ? w->timeout_s : r->suite.timeout_s,
			"memcg_limit", (json_int_t)w->memcg_limit,
			"skipped", r->skip_why[i] ? json_string(r->skip_why[i]) : json_null()));
	}
	return arr;
}
static json_t *argv_json(int argc, char **argv)
{
	json_t *a = json_array();

	json_array_append_new(a, json_string("mmab"));
	for (int i = 0; i < argc; i++)
		json_array_append_new(a, json_string(argv[i]));
	return a;
}
/* The machine facts metadata.json records: the booted kernel's, with kernels. */
static const char *const env_keys[] = { "uname", "cmdline", "kernel_config_sha256", "hostname",
					"cpu_model", "cpus", "mem_total_kb", "thp", NULL };

/*
 * A kernel's set: `kernel` and `boots` (results/README.md).  Made before
 * the kernel booted, the environment is null until its first boot fills it.
 */
static void kernel_meta(struct run *r, const struct plan_set *set, json_t *m)
{
	const struct kernel *k = &r->plan.kernels[set->kernel];
	bool booted = r->one_boot && r->plan.boots[r->boot].kernel == (size_t)set->kernel;
	json_t *uname = json_object_get(r->machine, "uname");

	/* the build config's hash is the booted kernel's kernel_config_sha256 */
	json_object_set_new(m, "kernel", json_pack("{s:s, s:s, s:s, s:o, s:s, s:s?, s:n}", "name",
		k->name, "spec", k->spec, "kind", kernel_kind_name(k->kind), "release",
		booted && json_object_get(uname, "release") ?
			json_copy(json_object_get(uname, "release")) : json_null(),
		"backend", r->plan.backend ? r->plan.backend : "qemu", "append", k->append,
		"config_sha256"));
	json_object_set_new(m, "boots", json_array());
	for (size_t i = 0; !booted && env_keys[i]; i++)
		json_object_set_new(m, env_keys[i], json_null());
}

/* metadata.json of set S as results/README.md lists it, keys in that order. */
json_t *run_set_metadata(struct run *r, size_t s)
{
	const struct plan_set *set = &r->plan.sets[s];
	json_t *m = json_object(), *suite;
	uint64_t eff;
	const char *const *keys = env_keys;

	suite = json_pack("{s:s, s:s, s:i, s:s, s:b, s:s}", "name", r->suite.name,
			  "file", r->suite.file, "iterations", r->plan.iterations,
			  "scale", r->plan.scale ? r->plan.scale : r->suite.scale ? r->suite.scale : "100%",
			  "settle", r->suite.settle,
			  "order", r->plan.order == ORDER_SHUFFLED ? "shuffled" : "interleaved");
	json_object_set_new(m, "mmab_version", json_string(MMAB_VERSION));
	json_object_set_new(m, "label", json_string(set->label));
	json_object_set_new(m, "variant", set->variant ? json_string(set->variant) : json_null());
	json_object_set_new(m, "run_id", json_string(r->plan.run_id));
	json_object_set_new(m, "suite", suite);
	json_object_set_new(m, "start", json_string(r->start_iso));
	json_object_set_new(m, "end", json_null());
	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(r->machine, keys[i]);

		json_object_set(m, keys[i], v ? v : json_null());
	}
	json_object_set_new(m, "knobs", json_pack("{s:O?, s:O?}", "before", r->before,
						  "as_run", r->as_run[s]));
	/* the scratch files of the page-cache workloads live here too */
	json_object_set_new(m, "storage", machine_storage_info(r->run_dir));
	json_object_set_new(m, "cgroup", json_string(r->cgroup ? r->cgroup : "none"));
	/* the suite-wide effective size; workloads list their own */
	if (!mmab_parse_size(plan_effective_scale(&r->plan, &r->suite, NULL), r->mem_total,
			     &eff) && eff < r->mem_total)
		json_object_set_new(m, "effective_memory_bytes", json_integer((json_int_t)eff));
	else
		json_object_set_new(m, "effective_memory_bytes", json_null());
	json_object_set(m, "collectors", r->col_meta);
	json_object_set_new(m, "workloads", workloads_meta(r));
	json_object_set_new(m, "seed", json_integer((json_int_t)r->plan.seed));
	json_object_set_new(m, "argv", argv_json(r->argc, r->argv));
	/* the qemu backend's sets get theirs from run_boots_set_meta */
	if (set->kernel >= 0 && r->plan.backend && !strcmp(r->plan.backend, "kexec"))
		kernel_meta(r, set, m);
	return m;
}
int run_write_meta(struct run *r, size_t s)
{
	char *path = xasprintf("%s/metadata.json", r->set_dirs[s]);
	int ret = rset_json_write(path, r->meta[s]);

	if (ret)
		mmab_err("cannot write '%s': %s", path, strerror(-ret));
	free(path);
	return ret;
}
/* A unique run directory: LABEL-YYYYmmdd-HHMMSS, -2, -3 ... if two runs share a second. */
int run_make_dir(struct run *r)
{
	const char *out = r->o.outdir ? r->o.outdir : "results";
	int ret = mmab_mkdir_p(out, 0755);

	if (ret) {
		mmab_err("cannot create '%s': %s", out, strerror(-ret));
		return ret;
	}
	for (int n = 1; n < 100; n++) {
		char *id = n == 1 ? xstrdup(r->plan.run_id) : xasprintf("%s-%d", r->plan.run_id, n);
		char *dir = xasprintf("%s/%s", out, id);

		if (!mkdir(dir, 0755)) {
			free(r->plan.run_id);
			r->plan.run_id = id;
			r->run_dir = dir;
			return 0;
		}
		ret = -errno;
		free(id);
		free(dir);
		if (ret != -EEXIST)
			break;
	}
	mmab_err("cannot create the run directory in '%s': %s", out, strerror(-ret));
	return ret;
}
int run_create_sets(struct run *r)
{
	json_t *argv = argv_json(r->argc, r->argv), *plan;
	char *path;
	int ret;

	plan = plan_to_json(&r->plan, &r->suite, argv);
	json_decref(argv);
	path = xasprintf("%s/run.json", r->run_dir);
	ret = rset_json_write(path, plan);
	json_decref(plan);
	if (ret) {
		mmab_err("cannot write '%s': %s", path, strerror(-ret));
		free(path);
		return ret;
	}
	free(path);
	for (size_t s = 0; s < r->plan.nsets; s++) {
		r->set_dirs[s] = xasprintf("%s/%s", r->run_dir, r->plan.sets[s].label);
		path = xasprintf("%s/suite.ini", r->set_dirs[s]);
		ret = mmab_mkdir_p(r->set_dirs[s], 0755);
		if (!ret)
			ret = mmab_write_file_atomic(path, r->suite.text, strlen(r->suite.text));
		if (ret)
			mmab_err("cannot write '%s': %s", path, strerror(-ret));
		free(path);
		if (ret)
			return ret;
		r->meta[s] = run_set_metadata(r, s);
		ret = run_write_meta(r, s);
		if (ret)
			return ret;
	}
	return 0;
}
int run_open_status(struct run *r)
{
	for (size_t s = 0; s < r->plan.nsets; s++) {
		char *path = xasprintf("%s/status.csv", r->set_dirs[s]);
		int fd = rset_status_open(path);

		if (fd < 0) {
			mmab_err("cannot open '%s': %s", path,
				 fd == -EINVAL ? "not a status.csv" : strerror(-fd));
			free(path);
			return fd;
		}
		r->status_fd[s] = fd;
		free(path);
	}
	return 0;
}
/*
 * Set S at the start of boot r->boot (one_boot): when the boot is its
 * kernel's, the first boot of the kernel fills the environment and the
 * knobs (metadata made before any boot has the stock kernel's), and every
 * boot adds its `boots` entry.
 */
static void boot_begins(struct run *r, size_t s)
{
	const struct plan_boot *b = &r->plan.boots[r->boot];
	json_t *boots = json_object_get(r->meta[s], "boots"), *fresh;

	bool booted = false;

	if (r->plan.sets[s].kernel != (int)b->kernel)
		return;
	for (size_t i = 0; i < json_array_size(boots); i++)
		booted |= !json_is_null(json_object_get(json_array_get(boots, i), "uname"));
	if (!booted) {
		/* the boots that failed before this one stay listed */
		fresh = run_set_metadata(r, s);
		json_object_set(fresh, "start", json_object_get(r->meta[s], "start"));
		json_object_set(fresh, "boots", boots ? boots : json_object_get(fresh, "boots"));
		json_decref(r->meta[s]);
		r->meta[s] = fresh;
		boots = json_object_get(fresh, "boots");
	}
	r->boot_t0 = mmab_now();
	json_array_append_new(boots, json_pack("{s:i, s:s, s:n, s:n, s:s, s:n, s:n, s:O?, s:O?, "
		"s:O?, s:n}", "number", b->number, "start", r->start_iso, "end", "seconds",
		"outcome", "ok", "reason", "error", "release",
		json_object_get(json_object_get(r->machine, "uname"), "release"),
		"uname", json_object_get(r->machine, "uname"),
		"cmdline", json_object_get(r->machine, "cmdline"), "console"));
}

/* run_end_boot - the end time of this boot into its sets' `boots` entries. */
void run_end_boot(struct run *r)
{
	char end[32];

	mmab_iso_time(end, sizeof(end), (double)time(NULL));
	for (size_t s = 0; s < r->plan.nsets; s++) {
		json_t *boots = json_object_get(r->meta[s], "boots");
		json_t *last = json_array_get(boots, json_array_size(boots) - 1);

		if (!r->meta[s] || r->plan.sets[s].kernel != (int)r->plan.boots[r->boot].kernel ||
		    !last)
			continue;
		json_object_set_new(last, "end", json_string(end));
		json_object_set_new(last, "seconds", json_real(mmab_now() - r->boot_t0));
		run_write_meta(r, s);
	}
}

/* Reopen the sets of an interrupted run: their metadata gains a resume entry. */
int run_reopen_sets(struct run *r)
{
	char err[1024];

	for (size_t s = 0; s < r->plan.nsets; s++) {
		char *path;
		json_t *res;

		if (mmab_mkdir_p(r->set_dirs[s], 0755))
			return -EIO;
		path = xasprintf("%s/metadata.json", r->set_dirs[s]);
		if (rset_json_read(path, &r->meta[s], err, sizeof(err)) ||
		    !json_is_object(r->meta[s])) {
			mmab_warn("%s; writing a new one", err);
			json_decref(r->meta[s]);
			r->meta[s] = run_set_metadata(r, s);
		}
		free(path);
		if (r->one_boot)
			boot_begins(r, s);
		res = json_object_get(r->meta[s], "resumed");
		if (!json_is_array(res)) {
			res = json_array();
			json_object_set_new(r->meta[s], "resumed", res);
		}
		/* one boot of a multi-boot run is no resume: its `boots` entry says it */
		if (!r->one_boot)
			json_array_append_new(res, json_pack("{s:s, s:o}", "start", r->start_iso,
							     "argv", argv_json(r->argc, r->argv)));
		if (!json_array_size(res))
			json_object_del(r->meta[s], "resumed");
		if (run_write_meta(r, s))
			return -EIO;
	}
	return 0;
}
void run_finish_sets(struct run *r)
{
	char end[32];

	mmab_iso_time(end, sizeof(end), (double)time(NULL));
	for (size_t s = 0; s < r->plan.nsets; s++) {
		if (!r->meta[s])
			continue;
		json_object_set_new(r->meta[s], "end", json_string(end));
		run_write_meta(r, s);
	}
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plan of a run (runner/plan.h): result sets, workloads and the
 * interleaved order of steps, and its run.json form for --resume.  Pure
 * data and arithmetic; nothing here touches the machine.
 */
#include <errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "lib/mmab.h"
#include "runner/plan.h"

#define SEED_MASK ((UINT64_C(1) << 53) - 1)

static int fail(char *err, size_t errlen, const char *fmt, ...) MMAB_PRINTF(3, 4);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t mix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

uint64_t plan_step_seed(uint64_t run_seed, const char *workload_id, int iteration)
{
	uint64_t h = mix64(run_seed);

	/* FNV-1a over the id, folded through the mixer */
	for (const unsigned char *p = (const unsigned char *)workload_id; *p; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	h = mix64(h ^ (uint64_t)(unsigned)iteration);
	return h & SEED_MASK;
}

uint64_t plan_random_seed(void)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), 0) != (ssize_t)sizeof(s))
		s = mix64((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	return s & SEED_MASK;
}

char *plan_run_id(const char *label, time_t t)
{
	char stamp[32];
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	return xasprintf("%s-%s", label, stamp);
}

/* Is NAME in the comma-separated LIST? */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		const char *e = strchrnul(p, ',');

		if ((size_t)(e - p) == n && !strncmp(p, name, n))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

/* Every entry of LIST must match something; the message lists VALID. */
static int check_list(const char *list, const char *what, bool (*known)(const struct suite *,
	const char *), const struct suite *s, const char *valid, char *err, size_t errlen)
{
	char *copy = xstrdup(list), *save = NULL;
	int ret = 0;

	if (!*list)
		ret = fail(err, errlen, "empty %s list; valid: %s", what, valid);
	for (char *t = strtok_r(copy, ",", &save); t && !ret; t = strtok_r(NULL, ",", &save))
		if (!known(s, t))
			ret = fail(err, errlen, "unknown %s '%s'; valid: %s", what, t, valid);
	free(copy);
	return ret;
}

static bool workload_selected(const struct suite_workload *w, const char *only)
{
	return !only || in_list(only, w->id) || in_list(only, w->wl->name);
}

static bool known_workload(const struct suite *s, const char *name)
{
	for (size_t i = 0; i < s->nworkloads; i++)
		if (!strcmp(s->workloads[i].id, name) || !strcmp(s->workloads[i].wl->name, name))
			return true;
	return false;
}

static bool known_variant(const struct suite *s, const char *name)
{
	for (size_t i = 0; i < s->nvariants; i++)
		if (!strcmp(s->variants[i].name, name))
			return true;
	return false;
}

/* "a, b, c" of the suite's workload ids or variant names, malloc'd. */
static char *names_of(const struct suite *s, bool variants)
{
	size_t n = variants ? s->nvariants : s->nworkloads;
	char *out = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		const char *name = variants ? s->variants[i].name : s->workloads[i].id;
		char *next = xasprintf("%s%s%s", out, i ? ", " : "", name);

		free(out);
		out = next;
	}
	if (!n) {
		free(out);
		out = xstrdup(variants ? "(the suite has no variants)" : "(none)");
	}
	return out;
}

/* "variant 'b'", "kernel 'old'", "kernel 'old', variant 'b'": what set I is, for messages. */
static char *set_origin(const struct plan *p, size_t i)
{
	const struct plan_set *set = &p->sets[i];
	const char *k = set->kernel >= 0 ? p->kernels[set->kernel].name : NULL;

	if (k && set->variant)
		return xasprintf("kernel '%s', variant '%s'", k, set->variant);
	return k ? xasprintf("kernel '%s'", k) : xasprintf("variant '%s'", set->variant);
}

/* Append set LABEL (variant V of the suite, or none; kernel K or -1), checked. */
static int add_set(struct plan *p, char *label, const struct suite_variant *v, int vidx, int k,
		   char *err, size_t errlen)
{
	char *a, *b;
	int ret = 0;

	p->sets[p->nsets++] = (struct plan_set){ .label = label,
		.variant = v ? xstrdup(v->name) : NULL, .variant_idx = vidx, .kernel = k };
	if (!mmab_label_valid(label)) {
		a = v ? xasprintf(" or name the set with label = in [variant %s]", v->name)
		      : xstrdup(k >= 0 ? " or a shorter kernel NAME" : "");
		b = v || k >= 0 ? set_origin(p, p->nsets - 1) : xstrdup("");
		ret = fail(err, errlen, "result-set label '%s'%s%s is not a plain name "
			   "([A-Za-z0-9._+-], at most 64 characters); use a shorter -l%s", label,
			   *b ? " of " : "", b, a);
		free(a);
		free(b);
		return ret;
	}
	for (size_t i = 0; i + 1 < p->nsets && !ret; i++) {
		if (strcmp(p->sets[i].label, label))
			continue;
		a = set_origin(p, i);
		b = set_origin(p, p->nsets - 1);
		ret = fail(err, errlen, "%s and %s both write set '%s'", a, b, label);
		free(a);
		free(b);
	}
	return ret;
}

/*
 * One set per variant (or one), per kernel when there are kernels: LABEL,
 * LABEL-VARIANT or the variant's own label; with kernels, LABEL-NAME,
 * LABEL-NAME-VARIANT, or VARIANT_LABEL-NAME.
 */
static int add_sets(struct plan *p, const struct suite *s, const struct plan_args *a, char *err,
		    size_t errlen)
{
	size_t nk = p->nkernels ? p->nkernels : 1, nv = s->nvariants ? s->nvariants : 1;
	int ret = 0;

	p->sets = xcalloc(nk * nv, sizeof(*p->sets));
	for (size_t k = 0; k < nk && !ret; k++) {
		const char *kname = p->nkernels ? p->kernels[k].name : NULL;
		int ki = p->nkernels ? (int)k : -1;
		char *base = kname ? xasprintf("%s-%s", a->label, kname) : xstrdup(a->label);

		if (!s->nvariants)
			ret = add_set(p, xstrdup(base), NULL, -1, ki, err, errlen);
		for (size_t i = 0; i < s->nvariants && !ret; i++) {
			const struct suite_variant *v = &s->variants[i];
			char *label;

			if (a->variants && !in_list(a->variants, v->name))
				continue;
			if (v->label)
				label = kname ? xasprintf("%s-%s", v->label, kname) : xstrdup(v->label);
			else
				label = xasprintf("%s-%s", base, v->name);
			ret = add_set(p, label, v, (int)i, ki, err, errlen);
		}
		free(base);
	}
	return ret;
}

/* The kernels of A, copied, and how often each boots. */
static int add_kernels(struct plan *p, const struct plan_args *a, char *err, size_t errlen)
{
	if (!a->nkernels)
		return 0;
	p->backend = xstrdup(a->backend ? a->backend : "qemu");
	p->boots_per_kernel = a->boots > 0 ? a->boots : PLAN_BOOTS_DEFAULT;
	p->kernels = xcalloc(a->nkernels, sizeof(*p->kernels));
	for (size_t k = 0; k < a->nkernels; k++) {
		if (!a->kernels[k].name || !mmab_label_valid(a->kernels[k].name))
			return fail(err, errlen, "kernel %zu has no plain name", k + 1);
		kernel_copy(&p->kernels[p->nkernels++], &a->kernels[k]);
	}
	if (p->iterations < p->boots_per_kernel)
		return fail(err, errlen, "%d iteration%s cannot fill %d boots of each kernel: "
			    "ask for at least as many iterations (-n) as boots (--boots)",
			    p->iterations, p->iterations == 1 ? "" : "s", p->boots_per_kernel);
	return 0;
}

int plan_build(struct plan *p, const struct suite *s, const struct plan_args *a, char *err,
	       size_t errlen)
{
	char *valid;
	int ret;

	memset(p, 0, sizeof(*p));
	if (!mmab_label_valid(a->label))
		return fail(err, errlen,
			    "label '%s' is not a plain name ([A-Za-z0-9._+-], at most 64 characters)",
			    a->label);
	if (a->only) {
		valid = names_of(s, false);
		ret = check_list(a->only, "workload", known_workload, s, valid, err, errlen);
		free(valid);
		if (ret)
			return ret;
	}
	if (a->variants) {
		valid = names_of(s, true);
		ret = check_list(a->variants, "variant", known_variant, s, valid, err, errlen);
		free(valid);
		if (ret)
			return ret;
	}
	p->label = xstrdup(a->label);
	p->run_id = plan_run_id(a->label, a->start);
	p->seed = a->seed;
	p->order = s->order;
	p->iterations = a->iterations > 0 ? a->iterations : s->iterations;
	p->scale = a->scale ? xstrdup(a->scale) : NULL;
	if (p->iterations < 1)
		return fail(err, errlen, "iterations must be at least 1");
	ret = add_kernels(p, a, err, errlen);
	if (!ret)
		ret = add_sets(p, s, a, err, errlen);
	if (ret)
		return ret;
	p->workloads = xcalloc(s->nworkloads, sizeof(*p->workloads));
	for (size_t i = 0; i < s->nworkloads; i++) {
		if (!workload_selected(&s->workloads[i], a->only))
			continue;
		if (!mmab_label_valid(s->workloads[i].id))
			return fail(err, errlen, "workload id '%s' is not a plain name",
				    s->workloads[i].id);
		p->workloads[p->nworkloads++] = i;
	}
	if (!p->nworkloads)
		return fail(err, errlen, "the suite has no workload to run");
	plan_order(p);
	return 0;
}

/* The steps of iterations FIRST, FIRST+STEP, ... of the sets of kernel K (-1: all), boot B. */
static void order_rounds(struct plan *p, gsl_rng *rng, int first, int step, int k, int b,
			 size_t *perm)
{
	size_t m = 0;

	for (size_t i = 0; i < p->nsets; i++)
		if (k < 0 || p->sets[i].kernel == k)
			m++;
	for (int it = first; it <= p->iterations; it += step) {
		for (size_t w = 0; w < p->nworkloads; w++) {
			size_t n = 0;

			for (size_t i = 0; i < p->nsets; i++)
				if (k < 0 || p->sets[i].kernel == k)
					perm[n++] = i;
			if (rng && m > 1)
				gsl_ran_shuffle(rng, perm, m, sizeof(*perm));
			for (size_t i = 0; i < m; i++)
				p->steps[p->nsteps++] = (struct plan_step){
					.set = perm[i], .workload = p->workloads[w], .iteration = it,
					.boot = b };
		}
	}
}

void plan_order(struct plan *p)
{
	size_t *perm = xcalloc(p->nsets ? p->nsets : 1, sizeof(*perm));
	gsl_rng *rng = NULL;

	if (p->order == ORDER_SHUFFLED) {
		rng = gsl_rng_alloc(gsl_rng_mt19937);
		if (!rng) {
			fputs("mmab: out of memory\n", stderr);
			abort();
		}
		gsl_rng_set(rng, (unsigned long)p->seed);
	}
	free(p->steps);
	free(p->boots);
	p->boots = NULL;
	p->nboots = 0;
	p->nsteps = 0;
	p->steps = xcalloc((size_t)p->iterations * p->nworkloads * p->nsets + 1, sizeof(*p->steps));
	if (!p->nkernels)
		order_rounds(p, rng, 1, 1, -1, -1, perm);
	else
		p->boots = xcalloc((size_t)p->boots_per_kernel * p->nkernels, sizeof(*p->boots));
	for (int b = 1; p->nkernels && b <= p->boots_per_kernel; b++) {
		for (size_t k = 0; k < p->nkernels; k++) {
			p->boots[p->nboots] = (struct plan_boot){ .kernel = k, .number = b };
			order_rounds(p, rng, b, p->boots_per_kernel, (int)k, (int)p->nboots, perm);
			p->nboots++;
		}
	}
	if (rng)
		gsl_rng_free(rng);
	free(perm);
}

int plan_boot_of(const struct plan *p, size_t kernel, int iteration)
{
	int number;

	if (!p->boots_per_kernel || iteration < 1)
		return -1;
	number = (iteration - 1) % p->boots_per_kernel + 1;
	for (size_t b = 0; b < p->nboots; b++)
		if (p->boots[b].kernel == kernel && p->boots[b].number == number)
			return (int)b;
	return -1;
}

char *plan_boot_dir(const struct plan *p, size_t b)
{
	return xasprintf("%d-%s", p->boots[b].number, p->kernels[p->boots[b].kernel].name);
}

size_t plan_boot_share(const struct plan *p, size_t b, const bool *done, struct plan *out)
{
	size_t k = p->boots[b].kernel, *map = xcalloc(p->nsets, sizeof(*map));

	*out = (struct plan){
		.run_id = xstrdup(p->run_id), .label = xstrdup(p->label), .seed = p->seed,
		.order = p->order, .iterations = p->iterations,
		.scale = p->scale ? xstrdup(p->scale) : NULL, .backend = xstrdup(p->backend),
		.kernels = xcalloc(1, sizeof(*out->kernels)), .nkernels = 1,
		.boots_per_kernel = p->boots_per_kernel, .boots = xcalloc(1, sizeof(*out->boots)),
		.nboots = 1, .sets = xcalloc(p->nsets, sizeof(*out->sets)),
		.workloads = xcalloc(p->nworkloads + 1, sizeof(*out->workloads)),
		.nworkloads = p->nworkloads, .steps = xcalloc(p->nsteps + 1, sizeof(*out->steps)),
	};
	kernel_copy(&out->kernels[0], &p->kernels[k]);
	out->boots[0] = (struct plan_boot){ .kernel = 0, .number = p->boots[b].number };
	memcpy(out->workloads, p->workloads, p->nworkloads * sizeof(*p->workloads));
	for (size_t s = 0; s < p->nsets; s++) {
		if (p->sets[s].kernel != (int)k)
			continue;
		map[s] = out->nsets;
		out->sets[out->nsets++] = (struct plan_set){ .label = xstrdup(p->sets[s].label),
			.variant = p->sets[s].variant ? xstrdup(p->sets[s].variant) : NULL,
			.variant_idx = p->sets[s].variant_idx, .kernel = 0 };
	}
	for (size_t i = 0; i < p->nsteps; i++) {
		if (p->steps[i].boot != (int)b || (done && done[i]))
			continue;
		out->steps[out->nsteps] = p->steps[i];
		out->steps[out->nsteps].set = map[p->steps[i].set];
		out->steps[out->nsteps++].boot = 0;
	}
	free(map);
	return out->nsteps;
}

const char *plan_effective_scale(const struct plan *p, const struct suite *s,
				 const struct suite_workload *w)
{
	if (w && w->scale)
		return w->scale;
	if (p && p->scale)
		return p->scale;
	return s->scale ? s->scale : "100%";
}

/* run.json's backend, boots, kernels and boot_order. */
static json_t *kernels_to_json(const struct plan *p)
{
	json_t *ks = json_array(), *order = json_array();

	for (size_t k = 0; k < p->nkernels; k++)
		json_array_append_new(ks, kernel_to_json(&p->kernels[k]));
	for (size_t b = 0; b < p->nboots; b++)
		json_array_append_new(order, json_pack("{s:s, s:i}",
			"kernel", p->kernels[p->boots[b].kernel].name, "number", p->boots[b].number));
	return json_pack("{s:s, s:i, s:o, s:o}", "backend", p->backend,
			 "boots", p->boots_per_kernel, "kernels", ks, "boot_order", order);
}

json_t *plan_to_json(const struct plan *p, const struct suite *s, json_t *argv)
{
	json_t *root = json_object(), *sets = json_array(), *steps = json_array();

	for (size_t i = 0; i < p->nsets; i++) {
		const struct plan_set *set = &p->sets[i];

		json_t *o = json_pack("{s:o, s:s, s:s}",
			"variant", set->variant ? json_string(set->variant) : json_null(),
			"label", set->label, "dir", set->label);

		if (set->kernel >= 0)
			json_object_set_new(o, "kernel", json_string(p->kernels[set->kernel].name));
		json_array_append_new(sets, o);
	}
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct plan_step *st = &p->steps[i];
		json_t *o = json_pack("{s:s, s:s, s:i}",
			"set", p->sets[st->set].label, "workload", s->workloads[st->workload].id,
			"iteration", st->iteration);

		if (st->boot >= 0)
			json_object_set_new(o, "boot", json_integer(p->boots[st->boot].number));
		json_array_append_new(steps, o);
	}
	json_object_set_new(root, "mmab_version", json_string(MMAB_VERSION));
	json_object_set_new(root, "run_id", json_string(p->run_id));
	json_object_set_new(root, "label", json_string(p->label));
	json_object_set_new(root, "seed", json_integer((json_int_t)p->seed));
	json_object_set_new(root, "order",
			    json_string(p->order == ORDER_SHUFFLED ? "shuffled" : "interleaved"));
	json_object_set_new(root, "iterations", json_integer(p->iterations));
	json_object_set_new(root, "scale", p->scale ? json_string(p->scale) : json_null());
	json_object_set_new(root, "suite", json_string(s->file));
	json_object_set_new(root, "sets", sets);
	json_object_set_new(root, "plan", steps);
	json_object_set_new(root, "argv", argv ? json_incref(argv) : json_array());
	if (p->nkernels)
		json_object_update_new(root, kernels_to_json(p));
	return root;
}

static const char *get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int find_set(const struct plan *p, const char *label)
{
	for (size_t i = 0; i < p->nsets; i++)
		if (!strcmp(p->sets[i].label, label))
			return (int)i;
	return -1;
}

static int find_workload(const struct suite *s, const char *id)
{
	for (size_t i = 0; i < s->nworkloads; i++)
		if (!strcmp(s->workloads[i].id, id))
			return (int)i;
	return -1;
}

static int find_kernel(const struct plan *p, const char *name)
{
	for (size_t k = 0; name && k < p->nkernels; k++)
		if (!strcmp(p->kernels[k].name, name))
			return (int)k;
	return -1;
}

/* A set's "kernel": required with kernels, refused without. */
static int set_kernel_from_json(struct plan *p, struct plan_set *set, const json_t *o, char *err,
				size_t errlen)
{
	const json_t *k = json_object_get(o, "kernel");

	if (!p->nkernels && k && !json_is_null(k))
		return fail(err, errlen, "set '%s' names a kernel, and the run boots none",
			    set->label);
	if (!p->nkernels)
		return 0;
	set->kernel = find_kernel(p, json_string_value(k));
	if (set->kernel < 0)
		return fail(err, errlen, "set '%s': missing or unknown kernel", set->label);
	return 0;
}

/* The kernels, boots per kernel and boot order of run.json, when it has them. */
static int kernels_from_json(struct plan *p, const json_t *root, char *err, size_t errlen)
{
	const json_t *ks = json_object_get(root, "kernels"), *order = json_object_get(root,
										"boot_order");
	json_int_t n = json_integer_value(json_object_get(root, "boots"));
	const char *backend = get_str(root, "backend");

	if (!ks || json_is_null(ks))
		return 0;
	if (!json_array_size(ks) || !backend || n < 1 || n > 10000 || !json_array_size(order))
		return fail(err, errlen, "kernels without a backend, boots or boot_order");
	p->backend = xstrdup(backend);
	p->boots_per_kernel = (int)n;
	p->kernels = xcalloc(json_array_size(ks), sizeof(*p->kernels));
	for (size_t k = 0; k < json_array_size(ks); k++) {
		int ret = kernel_from_json(&p->kernels[p->nkernels], json_array_get(ks, k), err,
					   errlen);

		p->nkernels++;
		if (ret)
			return ret;
		if (find_kernel(p, p->kernels[k].name) != (int)k)
			return fail(err, errlen, "kernel '%s' listed twice", p->kernels[k].name);
	}
	p->boots = xcalloc(json_array_size(order), sizeof(*p->boots));
	for (size_t b = 0; b < json_array_size(order); b++) {
		const json_t *o = json_array_get(order, b);
		int k = find_kernel(p, get_str(o, "kernel"));
		json_int_t num = json_integer_value(json_object_get(o, "number"));

		if (k < 0 || num < 1 || num > n)
			return fail(err, errlen, "boot_order %zu: unknown kernel or bad number", b + 1);
		p->boots[p->nboots++] = (struct plan_boot){ .kernel = (size_t)k, .number = (int)num };
		if (plan_boot_of(p, (size_t)k, (int)num) != (int)b)
			return fail(err, errlen, "boot %d of kernel '%s' listed twice", (int)num,
				    p->kernels[k].name);
	}
	return 0;
}

static int sets_from_json(struct plan *p, const json_t *sets, const struct suite *s, char *err,
			  size_t errlen)
{
	size_t n = json_array_size(sets);

	if (!n)
		return fail(err, errlen, "no result sets in 'sets'");
	p->sets = xcalloc(n, sizeof(*p->sets));
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(sets, i);
		const char *label = get_str(o, "label"), *dir = get_str(o, "dir");
		const char *variant = get_str(o, "variant");
		struct plan_set *set = &p->sets[p->nsets];

		if (!label || !mmab_label_valid(label) || (dir && strcmp(dir, label)))
			return fail(err, errlen, "set %zu: bad or missing label/dir", i + 1);
		if (find_set(p, label) >= 0)
			return fail(err, errlen, "set '%s' listed twice", label);
		set->label = xstrdup(label);
		set->variant_idx = -1;
		set->kernel = -1;
		p->nsets++;
		if (set_kernel_from_json(p, set, o, err, errlen))
			return -EINVAL;
		if (!variant)
			continue;
		set->variant = xstrdup(variant);
		for (size_t v = 0; v < s->nvariants; v++)
			if (!strcmp(s->variants[v].name, variant))
				set->variant_idx = (int)v;
		if (set->variant_idx < 0)
			return fail(err, errlen, "set '%s': variant '%s' is not in the suite",
				    label, variant);
	}
	return 0;
}

/* A step's "boot": its set's kernel's boot that runs its iteration. */
static int step_boot_from_json(const struct plan *p, struct plan_step *st, const json_t *o,
			       char *err, size_t errlen)
{
	const json_t *b = json_object_get(o, "boot");
	int k = p->sets[st->set].kernel;

	if (k < 0)
		return b && !json_is_null(b) ? fail(err, errlen, "a boot, and no kernel") : 0;
	st->boot = plan_boot_of(p, (size_t)k, st->iteration);
	if (st->boot < 0 || !json_is_integer(b) ||
	    json_integer_value(b) != p->boots[st->boot].number)
		return fail(err, errlen, "its boot is not the one iteration %d of kernel '%s' "
			    "runs in", st->iteration, p->kernels[k].name);
	return 0;
}

static int steps_from_json(struct plan *p, const json_t *steps, const struct suite *s,
			   char *err, size_t errlen)
{
	size_t n = json_array_size(steps);

	if (!n)
		return fail(err, errlen, "the plan has no steps");
	p->steps = xcalloc(n, sizeof(*p->steps));
	p->workloads = xcalloc(s->nworkloads, sizeof(*p->workloads));
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(steps, i);
		const char *set = get_str(o, "set"), *wl = get_str(o, "workload");
		json_int_t it = json_integer_value(json_object_get(o, "iteration"));
		int si = set ? find_set(p, set) : -1, wi = wl ? find_workload(s, wl) : -1;
		bool seen = false;
		char why[512];

		if (si < 0 || wi < 0 || it < 1 || it > 1000000 || !mmab_label_valid(wl))
			return fail(err, errlen, "plan step %zu: unknown set or workload, or bad "
				    "iteration", i + 1);
		p->steps[i] = (struct plan_step){ .set = (size_t)si, .workload = (size_t)wi,
						  .iteration = (int)it, .boot = -1 };
		if (step_boot_from_json(p, &p->steps[i], o, why, sizeof(why)))
			return fail(err, errlen, "plan step %zu: %s", i + 1, why);
		if (it > p->iterations)
			p->iterations = (int)it;
		for (size_t k = 0; k < p->nworkloads; k++)
			seen |= p->workloads[k] == (size_t)wi;
		if (!seen)
			p->workloads[p->nworkloads++] = (size_t)wi;
	}
	p->nsteps = n;
	return 0;
}

int plan_from_json(struct plan *p, const json_t *root, const struct suite *s, char *err,
		   size_t errlen)
{
	const char *run_id = get_str(root, "run_id"), *label = get_str(root, "label");
	const char *order = get_str(root, "order"), *scale = get_str(root, "scale");
	const json_t *seed = json_object_get(root, "seed");
	int ret;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(root))
		return fail(err, errlen, "not a JSON object");
	if (!run_id || !label || !mmab_label_valid(label) || !json_is_integer(seed))
		return fail(err, errlen, "missing or bad run_id, label or seed");
	p->run_id = xstrdup(run_id);
	p->label = xstrdup(label);
	p->seed = (uint64_t)json_integer_value(seed);
	p->order = order && !strcmp(order, "shuffled") ? ORDER_SHUFFLED : ORDER_INTERLEAVED;
	p->scale = scale ? xstrdup(scale) : NULL;
	ret = kernels_from_json(p, root, err, errlen);
	if (!ret)
		ret = sets_from_json(p, json_object_get(root, "sets"), s, err, errlen);
	if (!ret)
		ret = steps_from_json(p, json_object_get(root, "plan"), s, err, errlen);
	return ret;
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->nsets; i++) {
		free(p->sets[i].label);
		free(p->sets[i].variant);
	}
	free(p->sets);
	for (size_t k = 0; k < p->nkernels; k++)
		kernel_free(&p->kernels[k]);
	free(p->kernels);
	free(p->boots);
	free(p->backend);
	free(p->workloads);
	free(p->steps);
	free(p->run_id);
	free(p->label);
	free(p->scale);
	memset(p, 0, sizeof(*p));
}

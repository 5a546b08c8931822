/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The environment diff of a comparison (compare.h): every metadata.json
 * key where a set differs from the baseline, each marked as the thing
 * compared (the kernel, the knobs the variants set) or as a difference
 * that deserves a warning.  The kernel command line is compared without
 * BOOT_IMAGE= when the kernels differ; suite.ini by its first differing
 * line.
 */
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare-int.h"
#include "lib/csv.h"
#include "lib/mmab.h"

/*
 * Metadata keys compared, and the JSON type results/README.md gives them.
 * Lower-case types are keys every set has; upper-case ones may be null;
 * 'o' keys are optional (absent from sets that did not boot a kernel) and
 * their absence is no problem.
 */
static const struct {
	const char *key;
	char type;		/* s string, n number, S string or null, N number or null, * scalar,
				   o optional scalar */
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
	/* a kernel A/B that booted the kernels (issue 9): the kernel, and the VM it ran in */
	{ "kernel.name", 'o' }, { "kernel.spec", 'o' }, { "kernel.release", 'o' },
	{ "kernel.backend", 'o' }, { "vm.accel", 'o' }, { "vm.qemu_version", 'o' },
	{ "vm.memory_bytes", 'o' }, { "vm.cpus", 'o' }, { "vm.hostname", 'o' },
	{ "vm.release", 'o' },
};

/* The kernel is what a kernel A/B compares: its name, image, release, build, config. */
static bool kernel_key(const char *key)
{
	return !strcmp(key, "uname.release") || !strcmp(key, "uname.version") ||
	       !strcmp(key, "kernel_config_sha256") || !strcmp(key, "kernel.name") ||
	       !strcmp(key, "kernel.spec") || !strcmp(key, "kernel.release");
}

static bool type_ok(const json_t *v, char type)
{
	switch (type) {
	case 's': return json_is_string(v);
	case 'n': return json_is_number(v);
	case 'S': return json_is_string(v) || json_is_null(v);
	case 'N': return json_is_number(v) || json_is_null(v);
	case 'o': return !v || (!json_is_object(v) && !json_is_array(v));
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

/* Workload options, by id: one difference per workload whose entry differs. */
static void env_workloads(struct cmp_table *t, size_t s)
{
	json_t *wa = rset_meta(&t->sets[t->baseline], "workloads");
	json_t *wb = rset_meta(&t->sets[s], "workloads");
	json_t *ia, *ib, *e, *v;
	const char *k;
	size_t i;

	if (!json_is_array(wa) && !json_is_array(wb))
		return;
	ia = json_object();
	ib = json_object();
	json_array_foreach(wa, i, e)
		if (json_string_value(json_object_get(e, "id")))
			json_object_set(ia, json_string_value(json_object_get(e, "id")), e);
	json_array_foreach(wb, i, e)
		if (json_string_value(json_object_get(e, "id")))
			json_object_set(ib, json_string_value(json_object_get(e, "id")), e);
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
	json_decref(ia);
	json_decref(ib);
}

/* The scalar keys of env_keys where set S differs from the baseline. */
static void env_scalars(struct cmp_table *t, size_t s)
{
	const struct rset *a = &t->sets[t->baseline], *b = &t->sets[s];
	bool kernel = false;

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
}

void cmp_env_build(struct cmp_table *t)
{
	for (size_t s = 0; s < t->n_sets; s++)
		report_missing(&t->sets[s]);
	for (size_t s = 0; s < t->n_sets; s++) {
		const struct rset *a = &t->sets[t->baseline], *b = &t->sets[s];
		json_t *wa, *wb;

		if (s == t->baseline)
			continue;
		env_scalars(t, s);
		if (rset_meta_str(a, "variant") && rset_meta_str(b, "variant") &&
		    strcmp(rset_meta_str(a, "variant"), rset_meta_str(b, "variant")))
			add_env(t, "variant", s, rset_meta(a, "variant"), rset_meta(b, "variant"),
				true);
		env_object(t, s, "knobs.before", false);
		env_object(t, s, "knobs.as_run", true);
		env_object(t, s, "vm.thp", false);
		wa = rset_meta(a, "collectors");
		wb = rset_meta(b, "collectors");
		if ((wa || wb) && !(wa && wb && json_equal(wa, wb)))
			add_env(t, "collectors", s, wa, wb, false);
		env_workloads(t, s);
		env_suite_text(t, s);
	}
}

/* ---- alerts ---- */

static void add_alert(struct cmp_table *t, enum cmp_alert_kind kind, size_t set, long count,
		      char *where)
{
	t->alerts = xrealloc(t->alerts, (t->n_alerts + 1) * sizeof(*t->alerts));
	t->alerts[t->n_alerts++] = (struct cmp_alert){ kind, set, count, where };
}

void cmp_alerts_build(struct cmp_table *t)
{
	for (size_t s = 0; s < t->n_sets; s++) {
		const struct rset *rs = &t->sets[s];
		const char *accel = rset_meta_str(rs, "vm.accel");
		char *where = NULL, *x;
		long count = 0;

		if (accel && !strcmp(accel, "tcg"))
			add_alert(t, CMP_ALERT_TCG, s, 0, NULL);
		for (size_t i = 0; i < rs->n_iters; i++) {
			const struct rset_iter *it = &rs->iters[i];

			if (it->kernel_warnings <= 0)
				continue;
			count += it->kernel_warnings;
			x = xasprintf("%s%s%s/%d", where ? where : "", where ? ", " : "", it->workload,
				      it->iteration);
			free(where);
			where = x;
		}
		if (count)
			add_alert(t, CMP_ALERT_KWARN, s, count, where);
	}
}

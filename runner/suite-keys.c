/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sections and keys of a suite: [suite], [collector NAME], [WORKLOAD [ID]],
 * [variant NAME] and [kernel NAME] are opened here, and each key is checked against what
 * its section takes (option tables with units and limits, collector
 * events, knob names, paths and values read from the running kernel),
 * every mistake reported as FILE:LINE.  Touches nothing on the machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collectors/collector.h"
#include "lib/journal.h"
#include "lib/knob.h"
#include "runner/suite-parser.h"
#include "workloads/workload.h"

static const char *const order_names[] = { "interleaved", "shuffled", NULL };
/* in the order of enum ballast_method (runner/ballast.h) */
static const char *const effective_names[] = { "auto", "hotplug", "mlock", NULL };
static const char *const reporting_names[] = { "off", "keep", NULL };
const struct opt_spec sp_suite_specs[] = {
	{ "name", OPT_STRING, offsetof(struct suite_sect, name), NULL, 0, 0, NULL,
	  "the suite's name ([A-Za-z0-9._+-])", NULL },
	{ "description", OPT_STRING, offsetof(struct suite_sect, description), NULL, 0, 0, NULL,
	  "one line shown by mmab list suites", NULL },
	{ "iterations", OPT_LONG, offsetof(struct suite_sect, iterations), "3", 1, 10000,
	  "iterations", "iterations of every workload in every variant", NULL },
	{ "scale", OPT_SIZE, offsetof(struct suite_sect, scale), "100%", 0, 0, "bytes",
	  "effective memory size: absolute, or % of MemTotal (100%: no ballast)", NULL },
	{ "interval_ms", OPT_LONG, offsetof(struct suite_sect, interval_ms), "0", 0, 3600000,
	  "ms", "collector sample interval (0: each collector's default)", NULL },
	{ "settle", OPT_BOOL, offsetof(struct suite_sect, settle), "1", 0, 0, NULL,
	  "sync, drop caches, compact and wait for quiet before each iteration", NULL },
	{ "timeout", OPT_SECONDS, offsetof(struct suite_sect, timeout_s), "600", 0.1, 604800,
	  "s", "per iteration; the workload is killed after it", NULL },
	{ "order", OPT_CHOICE, offsetof(struct suite_sect, order), "interleaved", 0, 0, NULL,
	  "variant order in each round (shuffled: seeded by seed)", order_names },
	{ "effective_method", OPT_CHOICE, offsetof(struct suite_sect, effective_method), "auto",
	  0, 0, NULL, "how memory beyond the effective size is taken out of play: hotplug "
	  "(memory blocks offline, a smaller machine), mlock (a locked ballast), auto "
	  "(hotplug where the kernel allows it)", effective_names },
	{ "page_reporting", OPT_CHOICE, offsetof(struct suite_sect, page_reporting), "off", 0, 0,
	  NULL, "free page reporting (a VM handing free memory back to its host) during the "
	  "run: off (journaled, restored after), keep", reporting_names },
	{ "boot_timeout", OPT_SECONDS, offsetof(struct suite_sect, boot_timeout_s), "0", 0, 604800,
	  "s", "a booted kernel (--kernel) is stopped after this long (0: from the estimates)",
	  NULL },
	{ "heartbeat_timeout", OPT_SECONDS, offsetof(struct suite_sect, heartbeat_timeout_s), "0",
	  0, 86400, "s", "a booted kernel silent this long is hung (0: 60 s, twice that emulated)",
	  NULL },
	OPT_END
};
/* [suite] keys that are not in sp_suite_specs, for the list of valid keys. */
static const char *const suite_extra_keys[] = { "collectors", "seed", NULL };
static const struct opt_spec runner_specs[] = {
	{ "timeout", OPT_SECONDS, offsetof(struct runner_keys, timeout_s), NULL, 0.1, 604800,
	  "s", "per iteration of this workload (default: the suite's)", NULL },
	{ "scale", OPT_SIZE, offsetof(struct runner_keys, scale), NULL, 0, 0, "bytes",
	  "effective memory size for this workload (default: the suite's)", NULL },
	{ "memcg_limit", OPT_SIZE, offsetof(struct runner_keys, memcg_limit), NULL, 1 << 20,
	  1ULL << 50, "bytes", "memory cgroup limit of the workload's child", NULL },
	OPT_END
};
/* What a [kernel NAME] section's keys fill, through kernel_specs. */
struct kernel_keys {
	char *image;
	char *append;
	struct opt_size memory;
	long cpus;
};
static const struct opt_spec kernel_specs[] = {
	{ "image", OPT_STRING, offsetof(struct kernel_keys, image), NULL, 0, 0, NULL,
	  "the kernel: a .deb, a bzImage (,modules=DIR), a build tree or an installed release",
	  NULL },
	{ "append", OPT_STRING, offsetof(struct kernel_keys, append), NULL, 0, 0, NULL,
	  "more kernel command line", NULL },
	{ "memory", OPT_SIZE, offsetof(struct kernel_keys, memory), NULL, 128 << 20, 1ULL << 42,
	  "bytes", "guest RAM", NULL },
	{ "cpus", OPT_LONG, offsetof(struct kernel_keys, cpus), NULL, 1, 1024, "CPUs",
	  "guest CPUs", NULL },
	OPT_END
};
/* ---- sections ---- */

static void open_suite(struct parser *p)
{
	if (p->suite_line) {
		sp_err(p, p->line, "[suite] appears twice (first at line %d)", p->suite_line);
		p->kind = SECT_IGNORE;
		return;
	}
	p->suite_line = p->line;
	p->kind = SECT_SUITE;
}
static void open_collector(struct parser *p, const char *name)
{
	const struct collector *c = collector_find(name);

	if (!c) {
		sp_unknown_collector(p, p->line, name);
		p->kind = SECT_IGNORE;
		return;
	}
	for (size_t i = 0; i < p->ncolsects; i++) {
		if (p->colsects[i].c == c) {
			sp_err(p, p->line, "[collector %s] appears twice (first at line %d)", name,
			     p->colsects[i].line);
			p->kind = SECT_IGNORE;
			return;
		}
	}
	p->colsects = xrealloc(p->colsects, (p->ncolsects + 1) * sizeof(*p->colsects));
	p->colsects[p->ncolsects] = (struct col_sect){ .c = c, .interval_ms = -1,
						       .line = p->line };
	p->idx = p->ncolsects++;
	p->kind = SECT_COLLECTOR;
}
/*
 * NAME for a [WHAT NAME] section: a plain name not taken by an earlier one,
 * which opened at line FIRST (0: none did).  False when not (reported; the
 * section is ignored).
 */
static bool section_name_ok(struct parser *p, const char *what, const char *name, int first)
{
	char *desc = xasprintf("%s name", what);
	bool ok = sp_plain_name(p, desc, name);

	free(desc);
	if (ok && first) {
		sp_err(p, p->line, "[%s %s] appears twice (first at line %d)", what, name, first);
		ok = false;
	}
	if (!ok)
		p->kind = SECT_IGNORE;
	return ok;
}
static void open_variant(struct parser *p, const char *name)
{
	struct suite *s = p->s;
	int first = 0;

	for (size_t i = 0; i < s->nvariants && !first; i++)
		if (!strcmp(s->variants[i].name, name))
			first = s->variants[i].line;
	if (!section_name_ok(p, "variant", name, first))
		return;
	s->variants = xrealloc(s->variants, (s->nvariants + 1) * sizeof(*s->variants));
	s->variants[s->nvariants] = (struct suite_variant){ .name = xstrdup(name),
							    .line = p->line };
	p->idx = s->nvariants++;
	p->kind = SECT_VARIANT;
}
static void open_kernel(struct parser *p, const char *name)
{
	struct suite *s = p->s;
	int first = 0;

	for (size_t i = 0; i < s->nkernels && !first; i++)
		if (!strcmp(s->kernels[i].name, name))
			first = s->kernels[i].line;
	if (!section_name_ok(p, "kernel", name, first))
		return;
	s->kernels = xrealloc(s->kernels, (s->nkernels + 1) * sizeof(*s->kernels));
	s->kernels[s->nkernels] = (struct suite_kernel){ .name = xstrdup(name), .line = p->line };
	p->idx = s->nkernels++;
	p->kind = SECT_KERNEL;
}
static void open_workload(struct parser *p, const char *name, const char *alias)
{
	const struct workload *wl = workload_find(name);
	const char *id = alias ? alias : name;
	struct suite *s = p->s;
	struct suite_workload *w;
	char err[512];

	if (!wl) {
		char *valid = sp_join_workloads();

		sp_err(p, p->line, "unknown section [%s%s%s]: not suite, collector NAME, "
		     "variant NAME or a workload (valid workloads: %s)", name,
		     alias ? " " : "", alias ? alias : "", valid);
		free(valid);
		p->kind = SECT_IGNORE;
		return;
	}
	if (!sp_plain_name(p, "workload id", id)) {
		p->kind = SECT_IGNORE;
		return;
	}
	for (size_t i = 0; i < s->nworkloads; i++) {
		if (!strcmp(s->workloads[i].id, id)) {
			sp_err(p, p->line, "workload id '%s' is used twice (first at line %d); "
			     "name the second one: [%s ALIAS]", id, s->workloads[i].line, name);
			p->kind = SECT_IGNORE;
			return;
		}
	}
	s->workloads = xrealloc(s->workloads, (s->nworkloads + 1) * sizeof(*s->workloads));
	w = &s->workloads[s->nworkloads];
	*w = (struct suite_workload){ .wl = wl, .id = xstrdup(id), .line = p->line };
	w->opts = xcalloc(1, wl->priv_size ? wl->priv_size : 1);
	p->idx = s->nworkloads++;
	p->kind = SECT_WORKLOAD;
	if (opts_defaults(wl->opts, w->opts, err, sizeof(err)))
		sp_err(p, p->line, "workload '%s': %s", wl->name, err);
}
/* Open the section named by the text between the brackets. */
void sp_open_section(struct parser *p, const char *header)
{
	char *copy = xstrdup(header), *save = NULL;
	char *w1 = strtok_r(copy, " \t", &save);
	char *w2 = w1 ? strtok_r(NULL, " \t", &save) : NULL;
	char *w3 = w2 ? strtok_r(NULL, " \t", &save) : NULL;

	free(p->sect);
	p->sect = xstrdup(header);
	sp_reset_seen(p);
	p->kind = SECT_IGNORE;
	if (!w1) {
		sp_err(p, p->line, "empty section header []");
	} else if (w3) {
		sp_err(p, p->line, "section header [%s] has more than two words", header);
	} else if (!strcmp(w1, "suite")) {
		if (w2)
			sp_err(p, p->line, "[suite] takes no name");
		else
			open_suite(p);
	} else if (!strcmp(w1, "collector") || !strcmp(w1, "variant") || !strcmp(w1, "kernel")) {
		if (!w2)
			sp_err(p, p->line, "[%s] needs a name: [%s NAME]", w1, w1);
		else if (w1[0] == 'c')
			open_collector(p, w2);
		else if (w1[0] == 'k')
			open_kernel(p, w2);
		else
			open_variant(p, w2);
	} else {
		p->wl_tried = true;
		open_workload(p, w1, w2);
	}
	free(copy);
}
/* ---- keys ---- */

/* A size that can serve as an effective memory size: > 0, at most 100%. */
static bool scale_ok(struct parser *p, const char *key, const struct opt_size *sz)
{
	if (sz->pct > 100) {
		sp_err(p, p->line, "%s: %g%% is more memory than the machine has (at most 100%%)",
		     key, sz->pct);
		return false;
	}
	if (sz->pct == 0 && sz->bytes == 0) {
		sp_err(p, p->line, "%s must be above 0", key);
		return false;
	}
	return true;
}
static void add_collector_names(struct parser *p, const char *value)
{
	char *copy = xstrdup(value), *save = NULL;

	p->collectors_set = true;
	for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		const struct collector *c;

		if (!strcmp(tok, "none"))
			continue;
		c = collector_find(tok);
		if (!c) {
			sp_unknown_collector(p, p->line, tok);
			continue;
		}
		for (size_t i = 0; i < p->ncolnames; i++) {
			if (p->colnames[i].c == c) {
				sp_err(p, p->line, "collector '%s' is listed twice (first at line %d)",
				     tok, p->colnames[i].line);
				c = NULL;
				break;
			}
		}
		if (!c)
			continue;
		p->colnames = xrealloc(p->colnames, (p->ncolnames + 1) * sizeof(*p->colnames));
		p->colnames[p->ncolnames++] = (struct col_name){ c, p->line };
	}
	free(copy);
}
void sp_suite_key(struct parser *p, const char *key, const char *value)
{
	char err[1024];
	int ret;

	if (!strcmp(key, "collectors")) {
		add_collector_names(p, value);
		return;
	}
	if (!sp_first_time(p, key, key))
		return;
	if (!strcmp(key, "seed")) {
		if (mmab_parse_u64(value, &p->seed))
			sp_err(p, p->line, "seed: '%s' is not an unsigned 64-bit integer", value);
		else
			p->seed_set = true;
		return;
	}
	ret = opts_set(sp_suite_specs, &p->ss, key, value, err, sizeof(err));
	if (ret == -ENOENT) {
		char *valid = sp_join_specs(sp_suite_specs, NULL, suite_extra_keys);

		sp_err(p, p->line, "unknown key '%s' in [suite] (valid keys: %s)", key, valid);
		free(valid);
		return;
	}
	if (ret) {
		sp_err(p, p->line, "%s", err);
		return;
	}
	if (!strcmp(key, "name"))
		sp_plain_name(p, "name", value);
	else if (!strcmp(key, "scale"))
		scale_ok(p, key, &p->ss.scale);
	else if (!strcmp(key, "interval_ms") && p->ss.interval_ms && p->ss.interval_ms < 10) {
		sp_err(p, p->line, "interval_ms must be 0 (the default) or at least 10");
		p->ss.interval_ms = 0;	/* said once: the collectors' checks need not */
	}
}
/* "+a:b, -c, d": comma-separated event names, each optionally prefixed + or -. */
static bool events_ok(const char *value, char *bad, size_t badlen)
{
	char *copy = xstrdup(value), *save = NULL;
	bool ok = true;

	for (char *tok = strtok_r(copy, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
		char *t = tok, *e;

		while (*t == ' ' || *t == '\t')
			t++;
		e = t + strlen(t);
		while (e > t && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*t == '+' || *t == '-')
			t++;
		ok = *t != '\0';
		for (const char *c = t; *c && ok; c++)
			ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			     (*c >= '0' && *c <= '9') || strchr("_:.-/=", *c);
		if (!ok)
			snprintf(bad, badlen, "%s", tok);
	}
	free(copy);
	return ok;
}
/*
 * The collector's own check of its events (check_cfg), line by line: the
 * list as it stands after each `events =` line must make sense, so an
 * unknown name, or a removal of one that is not in the list, is reported
 * at the line that brought it in.  Its warnings wait for sp_check_collectors().
 */
static bool events_check(struct parser *p, const struct col_sect *cs, const char *events)
{
	struct collector_cfg cfg = { .c = cs->c, .events = events };
	char why[512] = "";

	if (!cs->c->check_cfg(&cfg, why, sizeof(why)))
		return true;
	sp_err(p, p->line, "events: %s", why[0] ? why : "not accepted by this collector");
	return false;
}
void sp_collector_key(struct parser *p, const char *key, const char *value)
{
	struct col_sect *cs = &p->colsects[p->idx];
	char bad[256];

	if (!strcmp(key, "events") && cs->c->check_cfg) {
		char *n;

		if (!events_ok(value, bad, sizeof(bad))) {
			sp_err(p, p->line, "events: '%s' is not an event name "
			     "(NAME, +NAME to add, -NAME to remove)", bad);
			return;
		}
		/* repeated lines accumulate, for long lists */
		n = cs->events ? xasprintf("%s,%s", cs->events, value) : xstrdup(value);
		if (!events_check(p, cs, n)) {
			free(n);
			return;
		}
		free(cs->events);
		cs->events = n;
		if (!cs->events_line)
			cs->events_line = p->line;
		return;
	}
	if (!sp_first_time(p, key, key))
		return;
	if (!strcmp(key, "interval_ms")) {
		long v;

		if (mmab_parse_long(value, &v) || v < 10 || v > 3600000)
			sp_err(p, p->line, "interval_ms: '%s' is not a number of milliseconds "
			     "between 10 and 3600000", value);
		else
			cs->interval_ms = v;
		return;
	}
	/* only collectors that check their events take any (perf, stalls) */
	sp_err(p, p->line, "unknown key '%s' in [%s] (valid keys: interval_ms%s)", key, p->sect,
	     cs->c->check_cfg ? ", events" : "");
}
void sp_workload_key(struct parser *p, const char *key, const char *value)
{
	struct suite_workload *w = &p->s->workloads[p->idx];
	struct runner_keys rk = { 0 };
	char err[1024];
	int ret;

	if (!sp_first_time(p, key, key))
		return;
	ret = opts_set(runner_specs, &rk, key, value, err, sizeof(err));
	if (!ret) {
		if (!strcmp(key, "timeout")) {
			w->timeout_s = rk.timeout_s;
		} else if (!strcmp(key, "scale")) {
			if (scale_ok(p, key, &rk.scale)) {
				free(w->scale);
				w->scale = xstrdup(value);
			}
		} else if (rk.memcg_limit.pct > 0) {
			sp_err(p, p->line, "memcg_limit takes an absolute size (512M, 2G), not %s",
			     value);
		} else {
			w->memcg_limit = rk.memcg_limit.bytes;
		}
		return;
	}
	if (ret != -ENOENT) {
		sp_err(p, p->line, "%s", err);
		return;
	}
	ret = opts_set(w->wl->opts, w->opts, key, value, err, sizeof(err));
	if (ret == -ENOENT) {
		char *valid = sp_join_specs(w->wl->opts, runner_specs, NULL);

		sp_err(p, p->line, "unknown key '%s' for workload %s (valid keys: %s)", key,
		     w->wl->name, valid);
		free(valid);
	} else if (ret) {
		sp_err(p, p->line, "%s", err);
	}
}
/*
 * The knob's current state, read (never written) to refuse at load time a
 * value the kernel would reject at run time: a selector file ("always
 * [madvise] never") takes one of its words, an integer takes an integer.
 */
static void knob_value_check(struct parser *p, const char *name, const char *path,
			     const char *value)
{
	char *raw, cur[256];
	long l;

	if (mmab_read_file(path, &raw, NULL))
		return;
	if (strchr(raw, '[') && strchr(raw, ']')) {
		char *save = NULL, *choices = xstrdup("");
		bool found = false;

		for (char *tok = strtok_r(raw, " \t\n[]", &save); tok;
		     tok = strtok_r(NULL, " \t\n[]", &save)) {
			found = found || !strcmp(tok, value);
			sp_append_name(&choices, tok);
		}
		if (!found)
			sp_err(p, p->line, "%s: '%s' is not one of: %s", name, value, choices);
		free(choices);
	} else if (!knob_read(path, cur, sizeof(cur)) && *cur && !mmab_parse_long(cur, &l) &&
		   mmab_parse_long(value, &l)) {
		sp_err(p, p->line, "%s: '%s' is not an integer (it is now %s)", name, value, cur);
	}
	free(raw);
}
/*
 * The knob at PATH as this machine has it: a regular file inside /proc/sys
 * or /sys/kernel/mm (symlinks followed), readable and writable, taking
 * VALUE.  False when not (reported).
 */
static bool knob_here_ok(struct parser *p, const char *key, const char *path, const char *value)
{
	char real[4096], resolved[4096];
	int errors = p->errors;
	struct stat st;

	if (stat(path, &st)) {
		sp_err(p, p->line, "knob '%s' does not exist on this machine (%s: %s)", key, path,
		     strerror(errno));
		return false;
	}
	/* a symlink must not lead the knob out of /proc/sys or /sys/kernel/mm */
	if (!realpath(path, real) || knob_resolve(real, resolved, sizeof(resolved))) {
		sp_err(p, p->line, "knob '%s' leads outside /proc/sys and /sys/kernel/mm", key);
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		sp_err(p, p->line, "'%s' is not a knob: %s is not a file", key, resolved);
		return false;
	}
	if (!(st.st_mode & S_IWUSR)) {
		sp_err(p, p->line, "knob '%s' is read-only", key);
		return false;
	}
	if (!(st.st_mode & S_IRUSR)) {
		sp_err(p, p->line, "knob '%s' is write-only (an action, not a setting): "
		     "there is no value to restore", key);
		return false;
	}
	knob_value_check(p, key, path, value);
	return p->errors == errors;
}
static void variant_knob(struct parser *p, struct suite_variant *v, const char *key,
			 const char *value)
{
	struct suite_knob *k;
	char path[4096];

	if (knob_resolve(key, path, sizeof(path))) {
		sp_err(p, p->line, "'%s' is not a knob: use a sysctl name (vm.dirty_ratio) or a "
		     "path under /proc/sys or /sys/kernel/mm", key);
		return;
	}
	if (!sp_first_time(p, path, key))
		return;
	if (!*value) {
		sp_err(p, p->line, "knob '%s' has no value", key);
		return;
	}
	/* a run that boots kernels sets the knob there: each of them checks it */
	if (p->knobs_here && !knob_here_ok(p, key, path, value))
		return;
	v->knobs = xrealloc(v->knobs, (v->nknobs + 1) * sizeof(*v->knobs));
	k = &v->knobs[v->nknobs++];
	*k = (struct suite_knob){ .name = xstrdup(key), .path = xstrdup(path),
				  .value = xstrdup(value), .line = p->line };
}
void sp_variant_key(struct parser *p, const char *key, const char *value)
{
	struct suite_variant *v = &p->s->variants[p->idx];

	if (strcmp(key, "label")) {
		variant_knob(p, v, key, value);
		return;
	}
	if (!sp_first_time(p, key, key))
		return;
	if (!sp_plain_name(p, "label", value))
		return;
	for (size_t i = 0; i < p->s->nvariants; i++) {
		if (i != p->idx && p->s->variants[i].label &&
		    !strcmp(p->s->variants[i].label, value)) {
			sp_err(p, p->line, "label '%s' is already the label of [variant %s]", value,
			     p->s->variants[i].name);
			return;
		}
	}
	v->label = xstrdup(value);
}
void sp_kernel_key(struct parser *p, const char *key, const char *value)
{
	struct suite_kernel *k = &p->s->kernels[p->idx];
	struct kernel_keys kk = { 0 };
	char err[1024];
	int ret;

	if (!sp_first_time(p, key, key))
		return;
	ret = opts_set(kernel_specs, &kk, key, value, err, sizeof(err));
	if (ret == -ENOENT) {
		char *valid = sp_join_specs(kernel_specs, NULL, NULL);

		sp_err(p, p->line, "unknown key '%s' in [%s] (valid keys: %s)", key, p->sect, valid);
		free(valid);
	} else if (ret) {
		sp_err(p, p->line, "%s", err);
	} else if (!strcmp(key, "image")) {
		if (!*kk.image)
			sp_err(p, p->line, "image: expected a .deb, a bzImage, a build tree or an "
			     "installed release");
		else
			k->image = xstrdup(kk.image);
	} else if (!strcmp(key, "append")) {
		k->append = xstrdup(kk.append);
	} else if (!strcmp(key, "memory")) {
		if (kk.memory.pct > 0)
			sp_err(p, p->line, "memory takes an absolute size (1G, 2048M), not %s", value);
		else
			k->memory = kk.memory.bytes;
	} else {
		k->cpus = (int)kk.cpus;
	}
	opts_free(kernel_specs, &kk);
}
/* Every [kernel] section names its image. */
void sp_finish_kernels(struct parser *p)
{
	for (size_t i = 0; i < p->s->nkernels; i++)
		if (!p->s->kernels[i].image)
			sp_err(p, p->s->kernels[i].line, "[kernel %s] needs image = KERNEL",
			     p->s->kernels[i].name);
}
/* ---- the whole suite ---- */

void sp_merge_collectors(struct parser *p)
{
	struct suite *s = p->s;
	size_t n = 0, max = p->ncolnames + p->ncolsects;

	if (!p->collectors_set)
		for (size_t i = 0; collectors[i]; i++)
			max++;
	s->collectors = xcalloc(max ? max : 1, sizeof(*s->collectors));
	if (p->collectors_set) {
		for (size_t i = 0; i < p->ncolnames; i++)
			s->collectors[n++].c = p->colnames[i].c;
	} else {
		for (size_t i = 0; collectors[i]; i++)
			if (collectors[i]->flags & COL_DEFAULT)
				s->collectors[n++].c = collectors[i];
	}
	/* a [collector NAME] section enables the collector it configures */
	for (size_t i = 0; i < p->ncolsects; i++) {
		size_t k;

		for (k = 0; k < n && s->collectors[k].c != p->colsects[i].c; k++)
			;
		if (k == n)
			s->collectors[n++].c = p->colsects[i].c;
		if (p->colsects[i].interval_ms > 0)
			s->collectors[k].interval_ms = (unsigned)p->colsects[i].interval_ms;
		s->collectors[k].events = p->colsects[i].events;
		p->colsects[i].events = NULL;
	}
	/* the suite's interval is each collector's default unless its section says */
	for (size_t k = 0; k < n; k++)
		if (!s->collectors[k].interval_ms)
			s->collectors[k].interval_ms = s->interval_ms;
	s->ncollectors = n;
}
/* The line that configured collector C: its events, its section, its listing. */
static int collector_line(const struct parser *p, const struct collector *c)
{
	for (size_t i = 0; i < p->ncolsects; i++)
		if (p->colsects[i].c == c)
			return p->colsects[i].events_line ?: p->colsects[i].line;
	for (size_t i = 0; i < p->ncolnames; i++)
		if (p->colnames[i].c == c)
			return p->colnames[i].line;
	return p->suite_line ?: 1;
}
/*
 * Each collector's check of its whole configuration, intervals resolved:
 * what it refuses is an error, what it warns about (an event this kernel
 * lacks, which it will skip) is said here, with the line, before anything
 * runs.
 */
void sp_check_collectors(struct parser *p)
{
	const struct suite *s = p->s;

	for (size_t k = 0; k < s->ncollectors; k++) {
		const struct collector_cfg *cfg = &s->collectors[k];
		int line = collector_line(p, cfg->c);
		char why[512] = "";

		if (!cfg->c->check_cfg)
			continue;
		if (cfg->c->check_cfg(cfg, why, sizeof(why)))
			sp_err(p, line, "[collector %s]: %s", cfg->c->name,
			     why[0] ? why : "not accepted by this collector");
		else if (why[0])
			fprintf(stderr, "%s:%d: warning: %s\n", p->file, line, why);
	}
}

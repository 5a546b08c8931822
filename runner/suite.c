/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Suites (runner/suite.h): libinih splits each line into section, key and
 * value; everything that gives an error its FILE:LINE is done here.  Debian's
 * libinih is built without INI_HANDLER_LINENO and never calls back for a
 * section without keys, so inih reads through our own line reader: it
 * counts lines, opens sections as their headers go past (an empty `[frag]`
 * is a workload with its defaults) and checks each line's shape, so every
 * malformed line is reported, not only the first one inih would return.
 * The reader also hands inih each line without its leading blanks:
 * indentation carries no meaning here, where inih would otherwise take an
 * indented line for the continuation of the previous value.  Long lists
 * (collectors, events) may instead be split over several lines with the
 * same key: their values accumulate.
 *
 * Loading validates everything a run will need (workload and collector
 * names, option values and limits, knob names, paths and values) and
 * touches nothing on the machine: knobs are only stat()ed and read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#include "lib/embed.h"
#include "lib/journal.h"
#include "lib/knob.h"
#include "lib/mmab.h"
#include "lib/options.h"
#include "runner/suite.h"

#define SUITE_DIR "runner/suites/"
#define BUILTIN_PREFIX "builtin:"

enum sect_kind {
	SECT_NONE,		/* before the first header */
	SECT_IGNORE,		/* a bad header: its keys are not checked */
	SECT_SUITE,
	SECT_COLLECTOR,
	SECT_WORKLOAD,
	SECT_VARIANT,
};

/* A [collector NAME] section, merged into the collector list at the end. */
struct col_sect {
	const struct collector *c;
	long interval_ms;
	char *events;
	int events_line;	/* the first `events =` line, 0 when none */
	int line;
};

/* A name listed by `collectors =`, with the line that listed it. */
struct col_name {
	const struct collector *c;
	int line;
};

struct seen_key {
	char *key;		/* knobs: the resolved path */
	int line;
};

/* What the [suite] section's keys fill, through suite_specs. */
struct suite_sect {
	char *name;
	char *description;
	long iterations;
	struct opt_size scale;
	long interval_ms;
	bool settle;
	double timeout_s;
	int order;
};

/* The runner's own keys in a workload section, through runner_specs. */
struct runner_keys {
	double timeout_s;
	struct opt_size scale;
	struct opt_size memcg_limit;
};

static const char *const order_names[] = { "interleaved", "shuffled", NULL };

static const struct opt_spec suite_specs[] = {
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
	OPT_END
};

/* [suite] keys that are not in suite_specs, for the list of valid keys. */
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

struct parser {
	const char *file;		/* for messages */
	const char *pos;		/* the reader's position in the text */
	int line;			/* the line inih is working on */
	int errors;
	struct suite *s;

	enum sect_kind kind;
	size_t idx;			/* index of the current workload/variant/col_sect */
	char *sect;			/* the current header as written, for messages */
	struct seen_key *seen;		/* keys of the current section */
	size_t nseen;

	int suite_line;			/* line of [suite], 0 when absent */
	bool wl_tried;			/* a workload section was there, good or bad */
	struct suite_sect ss;
	bool seed_set;
	uint64_t seed;
	bool collectors_set;		/* `collectors =` given: no default set */
	struct col_name *colnames;
	size_t ncolnames;
	struct col_sect *colsects;
	size_t ncolsects;
};

static void perr(struct parser *p, int line, const char *fmt, ...) MMAB_PRINTF(3, 4);

static void perr(struct parser *p, int line, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:%d: %s\n", p->file, line, msg);
	p->errors++;
}

/* Append NAME to the ", "-separated list *LIST (malloc'd). */
static void append_name(char **list, const char *name)
{
	char *n = xasprintf("%s%s%s", *list ? *list : "", *list && **list ? ", " : "", name);

	free(*list);
	*list = n;
}

static char *join_workloads(void)
{
	char *out = xstrdup("");

	for (size_t i = 0; workloads[i]; i++)
		append_name(&out, workloads[i]->name);
	return out;
}

static char *join_collectors(void)
{
	char *out = xstrdup("");

	for (size_t i = 0; collectors[i]; i++)
		append_name(&out, collectors[i]->name);
	if (!*out) {
		free(out);
		out = xstrdup("none are registered in this build");
	}
	return out;
}

/* The keys of option tables A and B and the names in EXTRA, as one list. */
static char *join_specs(const struct opt_spec *a, const struct opt_spec *b,
			const char *const *extra)
{
	const struct opt_spec *tables[] = { a, b };
	char *out = xstrdup("");

	for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
		for (const struct opt_spec *o = tables[t]; o && o->name; o++)
			append_name(&out, o->name);
	for (size_t i = 0; extra && extra[i]; i++)
		append_name(&out, extra[i]);
	return out;
}

static void unknown_collector(struct parser *p, int line, const char *name)
{
	char *valid = join_collectors();

	perr(p, line, "unknown collector '%s' (valid collectors: %s)", name, valid);
	free(valid);
}

static void reset_seen(struct parser *p)
{
	for (size_t i = 0; i < p->nseen; i++)
		free(p->seen[i].key);
	free(p->seen);
	p->seen = NULL;
	p->nseen = 0;
}

/*
 * Record KEY in the current section; false (reported, naming it SHOWN) when
 * it was set before.
 */
static bool first_time(struct parser *p, const char *key, const char *shown)
{
	for (size_t i = 0; i < p->nseen; i++) {
		if (!strcmp(p->seen[i].key, key)) {
			perr(p, p->line, "%s is set twice in [%s] (first at line %d)", shown,
			     p->sect, p->seen[i].line);
			return false;
		}
	}
	p->seen = xrealloc(p->seen, (p->nseen + 1) * sizeof(*p->seen));
	p->seen[p->nseen++] = (struct seen_key){ xstrdup(key), p->line };
	return true;
}

/* Is VALUE a plain name (a label, a directory)?  Reported as WHAT when not. */
static bool plain_name(struct parser *p, const char *what, const char *value)
{
	if (mmab_label_valid(value))
		return true;
	perr(p, p->line, "%s '%s' is not a plain name ([A-Za-z0-9._+-], at most 64 "
	     "characters, not starting with '.' or '-')", what, value);
	return false;
}

/* ---- sections ---- */

static void open_suite(struct parser *p)
{
	if (p->suite_line) {
		perr(p, p->line, "[suite] appears twice (first at line %d)", p->suite_line);
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
		unknown_collector(p, p->line, name);
		p->kind = SECT_IGNORE;
		return;
	}
	for (size_t i = 0; i < p->ncolsects; i++) {
		if (p->colsects[i].c == c) {
			perr(p, p->line, "[collector %s] appears twice (first at line %d)", name,
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

static void open_variant(struct parser *p, const char *name)
{
	struct suite *s = p->s;

	if (!plain_name(p, "variant name", name)) {
		p->kind = SECT_IGNORE;
		return;
	}
	for (size_t i = 0; i < s->nvariants; i++) {
		if (!strcmp(s->variants[i].name, name)) {
			perr(p, p->line, "[variant %s] appears twice (first at line %d)", name,
			     s->variants[i].line);
			p->kind = SECT_IGNORE;
			return;
		}
	}
	s->variants = xrealloc(s->variants, (s->nvariants + 1) * sizeof(*s->variants));
	s->variants[s->nvariants] = (struct suite_variant){ .name = xstrdup(name),
							    .line = p->line };
	p->idx = s->nvariants++;
	p->kind = SECT_VARIANT;
}

static void open_workload(struct parser *p, const char *name, const char *alias)
{
	const struct workload *wl = workload_find(name);
	const char *id = alias ? alias : name;
	struct suite *s = p->s;
	struct suite_workload *w;
	char err[512];

	if (!wl) {
		char *valid = join_workloads();

		perr(p, p->line, "unknown section [%s%s%s]: not suite, collector NAME, "
		     "variant NAME or a workload (valid workloads: %s)", name,
		     alias ? " " : "", alias ? alias : "", valid);
		free(valid);
		p->kind = SECT_IGNORE;
		return;
	}
	if (!plain_name(p, "workload id", id)) {
		p->kind = SECT_IGNORE;
		return;
	}
	for (size_t i = 0; i < s->nworkloads; i++) {
		if (!strcmp(s->workloads[i].id, id)) {
			perr(p, p->line, "workload id '%s' is used twice (first at line %d); "
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
		perr(p, p->line, "workload '%s': %s", wl->name, err);
}

/* Open the section named by the text between the brackets. */
static void open_section(struct parser *p, const char *header)
{
	char *copy = xstrdup(header), *save = NULL;
	char *w1 = strtok_r(copy, " \t", &save);
	char *w2 = w1 ? strtok_r(NULL, " \t", &save) : NULL;
	char *w3 = w2 ? strtok_r(NULL, " \t", &save) : NULL;

	free(p->sect);
	p->sect = xstrdup(header);
	reset_seen(p);
	p->kind = SECT_IGNORE;
	if (!w1) {
		perr(p, p->line, "empty section header []");
	} else if (w3) {
		perr(p, p->line, "section header [%s] has more than two words", header);
	} else if (!strcmp(w1, "suite")) {
		if (w2)
			perr(p, p->line, "[suite] takes no name");
		else
			open_suite(p);
	} else if (!strcmp(w1, "collector") || !strcmp(w1, "variant")) {
		if (!w2)
			perr(p, p->line, "[%s] needs a name: [%s NAME]", w1, w1);
		else if (w1[0] == 'c')
			open_collector(p, w2);
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
		perr(p, p->line, "%s: %g%% is more memory than the machine has (at most 100%%)",
		     key, sz->pct);
		return false;
	}
	if (sz->pct == 0 && sz->bytes == 0) {
		perr(p, p->line, "%s must be above 0", key);
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
			unknown_collector(p, p->line, tok);
			continue;
		}
		for (size_t i = 0; i < p->ncolnames; i++) {
			if (p->colnames[i].c == c) {
				perr(p, p->line, "collector '%s' is listed twice (first at line %d)",
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

static void suite_key(struct parser *p, const char *key, const char *value)
{
	char err[1024];
	int ret;

	if (!strcmp(key, "collectors")) {
		add_collector_names(p, value);
		return;
	}
	if (!first_time(p, key, key))
		return;
	if (!strcmp(key, "seed")) {
		if (mmab_parse_u64(value, &p->seed))
			perr(p, p->line, "seed: '%s' is not an unsigned 64-bit integer", value);
		else
			p->seed_set = true;
		return;
	}
	ret = opts_set(suite_specs, &p->ss, key, value, err, sizeof(err));
	if (ret == -ENOENT) {
		char *valid = join_specs(suite_specs, NULL, suite_extra_keys);

		perr(p, p->line, "unknown key '%s' in [suite] (valid keys: %s)", key, valid);
		free(valid);
		return;
	}
	if (ret) {
		perr(p, p->line, "%s", err);
		return;
	}
	if (!strcmp(key, "name"))
		plain_name(p, "name", value);
	else if (!strcmp(key, "scale"))
		scale_ok(p, key, &p->ss.scale);
	else if (!strcmp(key, "interval_ms") && p->ss.interval_ms && p->ss.interval_ms < 10) {
		perr(p, p->line, "interval_ms must be 0 (the default) or at least 10");
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
 * at the line that brought it in.  Its warnings wait for check_collectors().
 */
static bool events_check(struct parser *p, const struct col_sect *cs, const char *events)
{
	struct collector_cfg cfg = { .c = cs->c, .events = events };
	char why[512] = "";

	if (!cs->c->check_cfg(&cfg, why, sizeof(why)))
		return true;
	perr(p, p->line, "events: %s", why[0] ? why : "not accepted by this collector");
	return false;
}

static void collector_key(struct parser *p, const char *key, const char *value)
{
	struct col_sect *cs = &p->colsects[p->idx];
	char bad[256];

	if (!strcmp(key, "events") && cs->c->check_cfg) {
		char *n;

		if (!events_ok(value, bad, sizeof(bad))) {
			perr(p, p->line, "events: '%s' is not an event name "
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
	if (!first_time(p, key, key))
		return;
	if (!strcmp(key, "interval_ms")) {
		long v;

		if (mmab_parse_long(value, &v) || v < 10 || v > 3600000)
			perr(p, p->line, "interval_ms: '%s' is not a number of milliseconds "
			     "between 10 and 3600000", value);
		else
			cs->interval_ms = v;
		return;
	}
	/* only collectors that check their events take any (perf, stalls) */
	perr(p, p->line, "unknown key '%s' in [%s] (valid keys: interval_ms%s)", key, p->sect,
	     cs->c->check_cfg ? ", events" : "");
}

static void workload_key(struct parser *p, const char *key, const char *value)
{
	struct suite_workload *w = &p->s->workloads[p->idx];
	struct runner_keys rk = { 0 };
	char err[1024];
	int ret;

	if (!first_time(p, key, key))
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
			perr(p, p->line, "memcg_limit takes an absolute size (512M, 2G), not %s",
			     value);
		} else {
			w->memcg_limit = rk.memcg_limit.bytes;
		}
		return;
	}
	if (ret != -ENOENT) {
		perr(p, p->line, "%s", err);
		return;
	}
	ret = opts_set(w->wl->opts, w->opts, key, value, err, sizeof(err));
	if (ret == -ENOENT) {
		char *valid = join_specs(w->wl->opts, runner_specs, NULL);

		perr(p, p->line, "unknown key '%s' for workload %s (valid keys: %s)", key,
		     w->wl->name, valid);
		free(valid);
	} else if (ret) {
		perr(p, p->line, "%s", err);
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
			append_name(&choices, tok);
		}
		if (!found)
			perr(p, p->line, "%s: '%s' is not one of: %s", name, value, choices);
		free(choices);
	} else if (!knob_read(path, cur, sizeof(cur)) && *cur && !mmab_parse_long(cur, &l) &&
		   mmab_parse_long(value, &l)) {
		perr(p, p->line, "%s: '%s' is not an integer (it is now %s)", name, value, cur);
	}
	free(raw);
}

static void variant_knob(struct parser *p, struct suite_variant *v, const char *key,
			 const char *value)
{
	char path[4096], real[4096];
	struct suite_knob *k;
	struct stat st;

	if (knob_resolve(key, path, sizeof(path))) {
		perr(p, p->line, "'%s' is not a knob: use a sysctl name (vm.dirty_ratio) or a "
		     "path under /proc/sys or /sys/kernel/mm", key);
		return;
	}
	if (!first_time(p, path, key))
		return;
	if (stat(path, &st)) {
		perr(p, p->line, "knob '%s' does not exist on this machine (%s: %s)", key, path,
		     strerror(errno));
		return;
	}
	/* a symlink must not lead the knob out of /proc/sys or /sys/kernel/mm */
	if (!realpath(path, real) || knob_resolve(real, path, sizeof(path))) {
		perr(p, p->line, "knob '%s' leads outside /proc/sys and /sys/kernel/mm", key);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		perr(p, p->line, "'%s' is not a knob: %s is not a file", key, path);
		return;
	}
	if (!(st.st_mode & S_IWUSR)) {
		perr(p, p->line, "knob '%s' is read-only", key);
		return;
	}
	if (!(st.st_mode & S_IRUSR)) {
		perr(p, p->line, "knob '%s' is write-only (an action, not a setting): "
		     "there is no value to restore", key);
		return;
	}
	if (!*value) {
		perr(p, p->line, "knob '%s' has no value", key);
		return;
	}
	knob_value_check(p, key, path, value);
	v->knobs = xrealloc(v->knobs, (v->nknobs + 1) * sizeof(*v->knobs));
	k = &v->knobs[v->nknobs++];
	*k = (struct suite_knob){ .name = xstrdup(key), .path = xstrdup(path),
				  .value = xstrdup(value), .line = p->line };
}

static void variant_key(struct parser *p, const char *key, const char *value)
{
	struct suite_variant *v = &p->s->variants[p->idx];

	if (strcmp(key, "label")) {
		variant_knob(p, v, key, value);
		return;
	}
	if (!first_time(p, key, key))
		return;
	if (!plain_name(p, "label", value))
		return;
	for (size_t i = 0; i < p->s->nvariants; i++) {
		if (i != p->idx && p->s->variants[i].label &&
		    !strcmp(p->s->variants[i].label, value)) {
			perr(p, p->line, "label '%s' is already the label of [variant %s]", value,
			     p->s->variants[i].name);
			return;
		}
	}
	v->label = xstrdup(value);
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct parser *p = user;

	(void)section;		/* the reader opened it, with its line */
	switch (p->kind) {
	case SECT_NONE:
		perr(p, p->line, "'%s' before any [section]", key);
		break;
	case SECT_IGNORE:
		break;
	case SECT_SUITE:
		suite_key(p, key, value);
		break;
	case SECT_COLLECTOR:
		collector_key(p, key, value);
		break;
	case SECT_WORKLOAD:
		workload_key(p, key, value);
		break;
	case SECT_VARIANT:
		variant_key(p, key, value);
		break;
	}
	return 1;
}

/* ---- the line reader ---- */

/* Where an inline comment starts (';' after a blank, as inih has it), or NULL. */
static const char *inline_comment(const char *s)
{
	for (const char *c = s; *c; c++)
		if (*c == ';' && c > s && (c[-1] == ' ' || c[-1] == '\t'))
			return c;
	return NULL;
}

/*
 * Check one line (blanks already skipped, no newline) and open the section
 * it heads.  Returns false when inih should not see it (reported).
 */
static bool check_line(struct parser *p, char *l)
{
	const char *sep, *cmt;
	char *e = l + strlen(l), *close;

	while (e > l && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	if (!*l || *l == ';' || *l == '#')
		return true;
	if (*l == '[') {
		close = strchr(l, ']');
		if (!close) {
			perr(p, p->line, "section header without ']'");
			p->kind = SECT_IGNORE;
			return false;
		}
		*close = '\0';
		for (e = close + 1; *e == ' ' || *e == '\t'; e++)
			;
		if (*e && *e != ';' && *e != '#') {
			perr(p, p->line, "unexpected '%s' after [%s]", e, l + 1);
			p->kind = SECT_IGNORE;
			return false;
		}
		for (e = l + 1; *e == ' ' || *e == '\t'; e++)
			;
		open_section(p, e);
		return true;
	}
	sep = strpbrk(l, "=:");
	cmt = inline_comment(l);
	if (!sep || (cmt && cmt < sep)) {
		perr(p, p->line, "expected KEY = VALUE, found '%s'", l);
		return false;
	}
	if (sep == l) {
		perr(p, p->line, "no key before '%c'", *sep);
		return false;
	}
	return true;
}

static char *reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *line = p->pos, *eol, *s;
	size_t len;
	char *copy;

	if (!*line)
		return NULL;
	eol = strchr(line, '\n');
	p->pos = eol ? eol + 1 : line + strlen(line);
	p->line++;
	s = line;
	if (p->line == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (*s == ' ' || *s == '\t')
		s++;
	len = (size_t)(p->pos - s);
	copy = xmalloc(len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	if (len && copy[len - 1] == '\n')
		copy[len - 1] = '\0';
	/* inih needs room for "\r\n\0" beyond the text */
	if (len + 3 > (size_t)num) {
		perr(p, p->line, "line too long (at most %d characters; split a long list "
		     "over several lines with the same key)", num - 3);
		strcpy(str, "\n");
	} else if (!check_line(p, copy)) {
		strcpy(str, "\n");
	} else {
		memcpy(str, s, len);
		str[len] = '\0';
	}
	free(copy);
	return str;
}

/* ---- the whole suite ---- */

static void merge_collectors(struct parser *p)
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
static void check_collectors(struct parser *p)
{
	const struct suite *s = p->s;

	for (size_t k = 0; k < s->ncollectors; k++) {
		const struct collector_cfg *cfg = &s->collectors[k];
		int line = collector_line(p, cfg->c);
		char why[512] = "";

		if (!cfg->c->check_cfg)
			continue;
		if (cfg->c->check_cfg(cfg, why, sizeof(why)))
			perr(p, line, "[collector %s]: %s", cfg->c->name,
			     why[0] ? why : "not accepted by this collector");
		else if (why[0])
			fprintf(stderr, "%s:%d: warning: %s\n", p->file, line, why);
	}
}

/* The name a suite without `name =` gets: its file's, without directory and .ini. */
static char *name_from_file(const char *file)
{
	const char *b = strrchr(file, '/');
	size_t n;

	b = b ? b + 1 : file;
	if (!strncmp(b, BUILTIN_PREFIX, strlen(BUILTIN_PREFIX)))
		b += strlen(BUILTIN_PREFIX);
	n = strlen(b);
	if (n > 4 && !strcmp(b + n - 4, ".ini"))
		n -= 4;
	return strndup(b, n) ?: xstrdup("suite");
}

static void finish(struct parser *p)
{
	struct suite *s = p->s;
	int line = p->suite_line ? p->suite_line : 1;

	s->name = p->ss.name ? p->ss.name : name_from_file(s->file);
	p->ss.name = NULL;
	s->description = p->ss.description ? p->ss.description : xstrdup("");
	p->ss.description = NULL;
	s->iterations = (int)p->ss.iterations;
	s->interval_ms = (unsigned)p->ss.interval_ms;
	s->settle = p->ss.settle;
	s->timeout_s = p->ss.timeout_s;
	s->order = p->ss.order == 1 ? ORDER_SHUFFLED : ORDER_INTERLEAVED;
	s->seed = p->seed;
	s->seed_set = p->seed_set;
	merge_collectors(p);
	check_collectors(p);
	/* a bad workload section was reported already: no pile-on */
	if (!s->nworkloads && !p->wl_tried) {
		char *valid = join_workloads();

		perr(p, line, "the suite runs no workload: add a section per workload "
		     "(valid workloads: %s)", valid);
		free(valid);
	}
}

static void parser_free(struct parser *p)
{
	reset_seen(p);
	free(p->sect);
	opts_free(suite_specs, &p->ss);
	free(p->colnames);
	for (size_t i = 0; i < p->ncolsects; i++)
		free(p->colsects[i].events);
	free(p->colsects);
}

/* FILE is recorded in s->file and names the errors. */
int suite_parse(const char *file, const char *text, struct suite *s)
{
	struct parser p = { .file = file, .pos = text, .s = s };
	char scale[64], err[256];
	int r;

	memset(s, 0, sizeof(*s));
	s->file = xstrdup(file);
	s->text = xstrdup(text);
	if (opts_defaults(suite_specs, &p.ss, err, sizeof(err))) {
		/* a bug in suite_specs, not in the file */
		perr(&p, 0, "%s", err);
		goto out;
	}
	r = ini_parse_stream(reader, &p, handler, &p);
	if (r == -2) {
		fputs("mmab: out of memory\n", stderr);
		abort();
	}
	if (r > 0 && !p.errors)
		perr(&p, r, "syntax error");
	finish(&p);
	opts_format(opts_find(suite_specs, "scale"), &p.ss, scale, sizeof(scale));
	s->scale = xstrdup(scale);
out:
	parser_free(&p);
	if (p.errors) {
		suite_free(s);
		return -EINVAL;
	}
	return 0;
}

const char *const *suite_builtin_names(void)
{
	static const char **names;
	size_t n = 0, plen = strlen(SUITE_DIR);

	if (names)
		return names;
	for (const struct embedded_file *f = embedded_files; f->path; f++)
		n++;
	names = xcalloc(n + 1, sizeof(*names));
	n = 0;
	for (const struct embedded_file *f = embedded_files; f->path; f++) {
		size_t len = strlen(f->path);

		if (strncmp(f->path, SUITE_DIR, plen) || len <= plen + 4 ||
		    strcmp(f->path + len - 4, ".ini") || strchr(f->path + plen, '/'))
			continue;
		names[n++] = strndup(f->path + plen, len - plen - 4);
	}
	return names;
}

static char *builtin_list(void)
{
	const char *const *names = suite_builtin_names();
	char *out = xstrdup("");

	for (size_t i = 0; names[i]; i++)
		append_name(&out, names[i]);
	return out;
}

int suite_load(const char *name_or_path, struct suite *s)
{
	char *text = NULL, *file;
	const char *data;
	size_t len;
	int ret;

	memset(s, 0, sizeof(*s));
	if (!strchr(name_or_path, '/')) {
		char *key = xasprintf(SUITE_DIR "%s.ini", name_or_path);

		data = embed_find(key, NULL);
		free(key);
		if (data) {
			file = xasprintf(BUILTIN_PREFIX "%s", name_or_path);
			ret = suite_parse(file, data, s);
			free(file);
			return ret;
		}
	}
	ret = mmab_read_file(name_or_path, &text, &len);
	if (ret == -ENOENT && !strchr(name_or_path, '/')) {
		char *list = builtin_list();

		mmab_err("no suite '%s': neither a built-in suite (%s) nor a file", name_or_path,
			 list);
		free(list);
		return -ENOENT;
	}
	if (ret) {
		mmab_err("cannot read suite '%s': %s", name_or_path, strerror(-ret));
		return ret;
	}
	if (strlen(text) != len) {
		int line = 1;

		for (const char *c = text; *c; c++)
			line += *c == '\n';
		fprintf(stderr, "%s:%d: NUL byte: not a text file\n", name_or_path, line);
		free(text);
		return -EINVAL;
	}
	ret = suite_parse(name_or_path, text, s);
	free(text);
	return ret;
}

void suite_free(struct suite *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nworkloads; i++) {
		struct suite_workload *w = &s->workloads[i];

		if (w->opts)
			opts_free(w->wl->opts, w->opts);
		free(w->opts);
		free(w->id);
		free(w->scale);
	}
	free(s->workloads);
	for (size_t i = 0; i < s->nvariants; i++) {
		struct suite_variant *v = &s->variants[i];

		for (size_t k = 0; k < v->nknobs; k++) {
			free(v->knobs[k].name);
			free(v->knobs[k].path);
			free(v->knobs[k].value);
		}
		free(v->knobs);
		free(v->name);
		free(v->label);
	}
	free(s->variants);
	for (size_t i = 0; i < s->ncollectors; i++)
		free((char *)s->collectors[i].events);
	free(s->collectors);
	free(s->file);
	free(s->text);
	free(s->name);
	free(s->description);
	free(s->scale);
	memset(s, 0, sizeof(*s));
}

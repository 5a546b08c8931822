/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stress-ng's --metrics --yaml output into mmab metrics, with libyaml.
 *
 * The file is one YAML document: a "system-info" mapping (ignored: mmab
 * records the machine itself) and a "metrics" sequence with one mapping
 * per stressor:
 *
 *     metrics:
 *         - stressor: vm
 *           bogo-ops: 6338
 *           bogo-ops-per-second-usr-sys-time: 3157.692304
 *           bogo-ops-per-second-real-time: 3149.241332
 *           wall-clock-time: 2.012548
 *           ...
 *           nanosecs-per-page-fault: 5809.341068     (a stressor's extra)
 *     ...
 *
 * It is read with libyaml's event parser rather than by hand so that any
 * valid YAML stress-ng may write (quoting, flow style, comments) reads the
 * same; the parser's own line numbers go into messages.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "lib/mmab.h"
#include "workloads/engine.h"

/* What every entry must carry, and the names they take in mmab. */
static const struct {
	const char *key;
	const char *metric;
	const char *unit;
	enum metric_dir dir;
	enum metric_agg agg;
	bool required;
} std_keys[] = {
	{ "bogo-ops-per-second-real-time", "bogo_ops_per_s", "ops/s", METRIC_HIGHER, AGG_HMEAN, true },
	{ "bogo-ops-per-second-usr-sys-time", "bogo_ops_per_s_usr_sys", "ops/s", METRIC_HIGHER,
	  AGG_HMEAN, true },
	{ "bogo-ops", "bogo_ops", "ops", METRIC_NONE, AGG_MEAN, true },
	{ "wall-clock-time", "wall_clock_s", "s", METRIC_NONE, AGG_MEAN, true },
	{ "user-time", "user_s", "s", METRIC_NONE, AGG_MEAN, true },
	{ "system-time", "system_s", "s", METRIC_NONE, AGG_MEAN, true },
	{ "cpu-usage-per-instance", "cpu_usage_pct", "%", METRIC_NONE, AGG_MEAN, false },
	{ "max-rss", "max_rss_kib", "KiB", METRIC_NONE, AGG_MEAN, false },
};

struct yp {
	yaml_parser_t p;
	yaml_event_t ev;
	bool have;		/* ev holds an event to delete */
	const char *name;
	char *err;
	size_t errlen;
};

static void yfail(struct yp *y, size_t line, const char *fmt, ...) MMAB_PRINTF(3, 4);

static void yfail(struct yp *y, size_t line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(y->err, y->errlen, "%s:%zu: %s", y->name, line, msg);
}

static size_t ev_line(const struct yp *y)
{
	return y->ev.start_mark.line + 1;
}

static int next(struct yp *y)
{
	if (y->have)
		yaml_event_delete(&y->ev);
	y->have = false;
	if (!yaml_parser_parse(&y->p, &y->ev)) {
		yfail(y, y->p.problem_mark.line + 1, "%s%s%s",
		      y->p.context ? y->p.context : "", y->p.context ? ": " : "",
		      y->p.problem ? y->p.problem : "invalid YAML");
		return -EINVAL;
	}
	y->have = true;
	return 0;
}

static int expect(struct yp *y, yaml_event_type_t t, const char *what)
{
	int ret = next(y);

	if (!ret && y->ev.type != t) {
		yfail(y, ev_line(y), "expected %s", what);
		ret = -EINVAL;
	}
	return ret;
}

/* Skip the node whose first event is the current one. */
static int skip_node(struct yp *y)
{
	int depth = 0;

	do {
		switch (y->ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
			break;
		default:
			yfail(y, ev_line(y), "unexpected end of a collection");
			return -EINVAL;
		}
		if (depth && next(y))
			return -EINVAL;
	} while (depth);
	return 0;
}

static const char *scalar(const struct yp *y)
{
	return (const char *)y->ev.data.scalar.value;
}

static bool to_double(const char *s, double *out)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return !*end && !errno && isfinite(*out);
}

static void add_kv(struct stressng_stressor *s, const char *key, double v)
{
	s->keys = xrealloc(s->keys, (s->n + 1) * sizeof(*s->keys));
	s->values = xrealloc(s->values, (s->n + 1) * sizeof(*s->values));
	s->keys[s->n] = xstrdup(key);
	s->values[s->n++] = v;
}

static bool is_std_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(std_keys); i++)
		if (!strcmp(std_keys[i].key, key))
			return true;
	return false;
}

/* One "- stressor: NAME ..." mapping; the current event is its MAPPING_START. */
static int parse_entry(struct yp *y, struct stressng_result *r)
{
	struct stressng_stressor *s;
	size_t line = ev_line(y);

	r->s = xrealloc(r->s, (r->n + 1) * sizeof(*r->s));
	s = &r->s[r->n++];
	memset(s, 0, sizeof(*s));
	for (;;) {
		char *key;
		double v;

		if (next(y))
			return -EINVAL;
		if (y->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (y->ev.type != YAML_SCALAR_EVENT) {
			yfail(y, ev_line(y), "expected a key");
			return -EINVAL;
		}
		key = xstrdup(scalar(y));
		if (next(y)) {
			free(key);
			return -EINVAL;
		}
		if (y->ev.type != YAML_SCALAR_EVENT) {
			free(key);
			if (skip_node(y))	/* a nested value: not a metric */
				return -EINVAL;
			continue;
		}
		if (!strcmp(key, "stressor")) {
			free(s->name);
			s->name = xstrdup(scalar(y));
		} else if (to_double(scalar(y), &v)) {
			add_kv(s, key, v);
		} else if (is_std_key(key)) {
			yfail(y, ev_line(y), "'%s' is not a number: '%s'", key, scalar(y));
			free(key);
			return -EINVAL;
		}
		/* other text values are not metrics */
		free(key);
	}
	if (!s->name || !*s->name) {
		yfail(y, line, "a metrics entry without 'stressor'");
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(std_keys); i++)
		if (std_keys[i].required && isnan(stressng_value(s, std_keys[i].key))) {
			yfail(y, line, "stressor %s: no numeric '%s'", s->name, std_keys[i].key);
			return -EINVAL;
		}
	return 0;
}

static int parse_metrics(struct yp *y, struct stressng_result *r)
{
	if (expect(y, YAML_SEQUENCE_START_EVENT, "a list under 'metrics'"))
		return -EINVAL;
	for (;;) {
		if (next(y))
			return -EINVAL;
		if (y->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (y->ev.type != YAML_MAPPING_START_EVENT) {
			yfail(y, ev_line(y), "expected a '- stressor:' entry");
			return -EINVAL;
		}
		if (parse_entry(y, r))
			return -EINVAL;
	}
}

int stressng_parse(const char *buf, size_t len, const char *name, struct stressng_result *r,
		   char *err, size_t errlen)
{
	struct yp y = { .name = name, .err = err, .errlen = errlen };
	bool seen = false;
	int ret = -EINVAL;

	memset(r, 0, sizeof(*r));
	if (!yaml_parser_initialize(&y.p)) {
		snprintf(err, errlen, "%s: cannot initialise the YAML parser", name);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&y.p, (const unsigned char *)buf, len);
	if (expect(&y, YAML_STREAM_START_EVENT, "a YAML stream"))
		goto out;
	if (next(&y))
		goto out;
	if (y.ev.type != YAML_DOCUMENT_START_EVENT) {
		yfail(&y, ev_line(&y), "empty: no YAML document");
		goto out;
	}
	if (expect(&y, YAML_MAPPING_START_EVENT, "a mapping (system-info, metrics)"))
		goto out;
	for (;;) {
		bool is_metrics;

		if (next(&y))
			goto out;
		if (y.ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (y.ev.type != YAML_SCALAR_EVENT) {
			yfail(&y, ev_line(&y), "expected a key");
			goto out;
		}
		is_metrics = !strcmp(scalar(&y), "metrics");
		if (is_metrics) {
			if (parse_metrics(&y, r))
				goto out;
			seen = true;
		} else if (next(&y) || skip_node(&y)) {
			goto out;
		}
	}
	if (next(&y))
		goto out;
	/* stress-ng ends its document with "...": without it the file was cut short */
	if (y.ev.type != YAML_DOCUMENT_END_EVENT || y.ev.data.document_end.implicit) {
		yfail(&y, ev_line(&y), "truncated: the document does not end with '...'");
		goto out;
	}
	if (!seen || !r->n) {
		yfail(&y, ev_line(&y), "no stressor metrics (no 'metrics' list)");
		goto out;
	}
	ret = 0;
out:
	if (y.have)
		yaml_event_delete(&y.ev);
	yaml_parser_delete(&y.p);
	if (ret)
		stressng_result_free(r);
	return ret;
}

void stressng_result_free(struct stressng_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct stressng_stressor *s = &r->s[i];

		for (size_t k = 0; k < s->n; k++)
			free(s->keys[k]);
		free(s->keys);
		free(s->values);
		free(s->name);
	}
	free(r->s);
	memset(r, 0, sizeof(*r));
}

const struct stressng_stressor *stressng_find(const struct stressng_result *r,
					      const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->s[i].name, name))
			return &r->s[i];
	return NULL;
}

double stressng_value(const struct stressng_stressor *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->keys[i], key))
			return s->values[i];
	return NAN;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/*
 * An extra metric's unit, direction and aggregation from its name, which is
 * all stress-ng says about it: "...-per-sec" is a rate (harmonic mean),
 * "nanosecs-per-..." a cost per operation (lower is better); anything else
 * is informational.
 */
static void extra_kind(const char *key, const char **unit, enum metric_dir *dir,
		       enum metric_agg *agg)
{
	*unit = "";
	*dir = METRIC_NONE;
	*agg = AGG_MEAN;
	if (starts_with(key, "nanosecs-per-") || starts_with(key, "nanoseconds-per-")) {
		*unit = "ns";
		*dir = METRIC_LOWER;
	} else if (ends_with(key, "-per-sec") || ends_with(key, "-per-second")) {
		*unit = "/s";
		*agg = AGG_HMEAN;
	}
}

void stressng_map(const struct stressng_result *r, struct engine_metrics *ms)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct stressng_stressor *s = &r->s[i];

		for (size_t k = 0; k < ARRAY_SIZE(std_keys); k++)
			engine_metrics_add(ms, stressng_value(s, std_keys[k].key), std_keys[k].unit,
					   std_keys[k].dir, std_keys[k].agg, "%s.%s", s->name,
					   std_keys[k].metric);
		for (size_t k = 0; k < s->n; k++) {
			const char *unit;
			enum metric_dir dir;
			enum metric_agg agg;
			char *name;

			if (is_std_key(s->keys[k]))
				continue;
			extra_kind(s->keys[k], &unit, &dir, &agg);
			/* metric names stay plain words: dashes and anything odd become '_' */
			name = xstrdup(s->keys[k]);
			for (char *p = name; *p; p++)
				*p = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
			engine_metrics_add(ms, s->values[k], unit, dir, agg, "%s.%s", s->name, name);
			free(name);
		}
	}
}

int stressng_parse_list(const char *s, struct engine_argv *a, char *err, size_t errlen)
{
	size_t first = a->n;
	char *copy = xstrdup(s ? s : ""), *save = NULL;
	int ret = 0;

	for (char *w = strtok_r(copy, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save)) {
		bool ok = (*w >= 'a' && *w <= 'z') || (*w >= '0' && *w <= '9');

		for (const char *p = w; *p && ok; p++)
			ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-';
		if (!ok) {
			snprintf(err, errlen, "'%s' is not a stressor name (lower case letters, "
				 "digits and '-', as in `stress-ng --stressors`)", w);
			ret = -EINVAL;
			break;
		}
		for (size_t i = first; i < a->n; i++)
			if (!strcmp(a->v[i], w)) {
				snprintf(err, errlen, "stressor '%s' is listed twice", w);
				ret = -EINVAL;
			}
		if (ret)
			break;
		engine_argv_add(a, "%s", w);
	}
	if (!ret && a->n == first) {
		snprintf(err, errlen, "no stressor named");
		ret = -EINVAL;
	}
	free(copy);
	return ret;
}

const char *stressng_exit_desc(int code)
{
	/* stress-ng(1), EXIT STATUS */
	static const char *const desc[] = {
		[0] = "success",
		[1] = "error: bad options or a fatal resource issue in stress-ng itself",
		[2] = "one or more stressors failed",
		[3] = "one or more stressors failed to initialise for lack of resources",
		[4] = "one or more stressors are not implemented here",
		[5] = "a stressor was killed by an unexpected signal",
		[6] = "a stressor exited unexpectedly and its metrics were not gathered",
		[7] = "the bogo-ops metrics may be untrustworthy (a counter update was cut short, "
		      "for instance by the OOM killer)",
	};

	return code >= 0 && (size_t)code < ARRAY_SIZE(desc) ? desc[code] : "unknown exit status";
}

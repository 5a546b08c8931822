/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Option tables (lib/options.h): one struct opt_spec array per workload
 * or collector fills its private option struct through offsetof(), so the
 * same table gives the defaults, parses suite values with their limits and
 * choices, formats the resolved values for metadata.json and prints the
 * help of `mmab list workloads -v`.  Numbers go through the strict parsers of
 * lib/util.c; nothing here knows about files or lines: callers add them.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/metric.h"
#include "lib/mmab.h"
#include "lib/options.h"

static void *field_of(const struct opt_spec *o, void *priv)
{
	return (char *)priv + o->offset;
}

static const void *cfield_of(const struct opt_spec *o, const void *priv)
{
	return (const char *)priv + o->offset;
}

static bool has_limits(const struct opt_spec *o)
{
	return o->min != 0 || o->max != 0;
}

const struct opt_spec *opts_find(const struct opt_spec *spec, const char *key)
{
	for (const struct opt_spec *o = spec; o && o->name; o++)
		if (!strcmp(o->name, key))
			return o;
	return NULL;
}

/* Append "a, b, c" (the table's option names) to err after PREFIX. */
static void list_names(const struct opt_spec *spec, const char *prefix, char *err,
		       size_t errlen)
{
	size_t n = strlen(err);

	if (n < errlen)
		n += (size_t)snprintf(err + n, errlen - n, "%s", prefix);
	if (!spec || !spec->name) {
		if (n < errlen)
			snprintf(err + n, errlen - n, "none");
		return;
	}
	for (const struct opt_spec *o = spec; o->name && n < errlen; o++)
		n += (size_t)snprintf(err + n, errlen - n, "%s%s", o == spec ? "" : ", ", o->name);
}

static void list_choices(const char *const *choices, const char *sep, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; choices && choices[i] && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? sep : "", choices[i]);
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int opts_parse_seconds(const char *s, double *out)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{ "", 1 }, { "s", 1 }, { "sec", 1 }, { "ms", 1e-3 }, { "us", 1e-6 },
		{ "m", 60 }, { "min", 60 }, { "h", 3600 },
	};
	char num[64], *end;
	const char *p = s;
	double v;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	/* the number is everything up to the first letter */
	n = strcspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
	if (!n || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, p, n);
	num[n] = '\0';
	/* strtod would take "inf", "nan" and hex floats: those never reach here as letters */
	if (mmab_parse_double(num, &v) || v < 0)
		return -EINVAL;
	p += n;
	end = (char *)p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strlen(units[i].suffix) == (size_t)(end - p) &&
		    !strncasecmp(p, units[i].suffix, (size_t)(end - p))) {
			*out = v * units[i].mult;
			return 0;
		}
	}
	return -EINVAL;
}

/* "150%" of the effective memory, or an absolute size ("512M"). */
static int parse_size(const char *s, struct opt_size *out)
{
	const char *pct = strchr(s, '%');
	struct opt_size sz = { 0 };
	int ret;

	if (pct) {
		char num[64];
		size_t n = (size_t)(pct - s);

		/* nothing may follow the '%' but blanks */
		for (const char *p = pct + 1; *p; p++)
			if (*p != ' ' && *p != '\t')
				return -EINVAL;
		if (n >= sizeof(num))
			return -EINVAL;
		memcpy(num, s, n);
		num[n] = '\0';
		ret = mmab_parse_double(num, &sz.pct);
		if (ret)
			return ret;
		if (sz.pct < 0 || sz.pct > 100000)
			return -ERANGE;
	} else {
		ret = mmab_parse_size(s, 0, &sz.bytes);
		if (ret)
			return ret;
	}
	*out = sz;
	return 0;
}

/* The shortest text that reads back as V, without an exponent for whole numbers. */
static void format_double(char *buf, size_t len, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, len, "%.0f", v);
	else
		metric_format_value(buf, len, v);
}

/* A byte count written back exactly: the largest binary unit that divides it. */
static void format_bytes(char *buf, size_t len, uint64_t b)
{
	static const char units[] = "KMGTP";
	int u = -1;

	while (b && u < 4 && !(b & 1023)) {
		b >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)b);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)b, units[u]);
}

static void format_limit(const struct opt_spec *o, double v, char *buf, size_t len)
{
	if (o->type == OPT_SIZE && v >= 0 && v < 18446744073709551615.0 && v == floor(v))
		format_bytes(buf, len, (uint64_t)v);
	else
		format_double(buf, len, v);
}

static int check_range(const struct opt_spec *o, const char *value, double v, char *err,
		       size_t errlen)
{
	char lo[32], hi[32];

	if (!has_limits(o) || (v >= o->min && v <= o->max))
		return 0;
	format_limit(o, o->min, lo, sizeof(lo));
	format_limit(o, o->max, hi, sizeof(hi));
	snprintf(err, errlen, "%s: '%s' is not between %s and %s", o->name, value, lo, hi);
	return -ERANGE;
}

static const char *type_name(enum opt_type t)
{
	switch (t) {
	case OPT_LONG:
		return "integer";
	case OPT_DOUBLE:
		return "number";
	case OPT_BOOL:
		return "bool";
	case OPT_STRING:
		return "string";
	case OPT_CHOICE:
		return "choice";
	case OPT_SIZE:
		return "size";
	case OPT_SECONDS:
		return "seconds";
	}
	return "?";
}

/* What a value of this type looks like, for "expects ..." messages. */
static const char *type_example(enum opt_type t)
{
	switch (t) {
	case OPT_LONG:
		return "an integer";
	case OPT_DOUBLE:
		return "a number";
	case OPT_BOOL:
		return "1/0, yes/no, true/false or on/off";
	case OPT_SIZE:
		return "a size (4096, 512K, 2G) or a percentage of the effective memory (150%)";
	case OPT_SECONDS:
		return "a duration (30, 30s, 500ms, 2m, 1h)";
	default:
		return "a value";
	}
}

/* LONG, DOUBLE and SECONDS: parsed, checked against the limits, stored.  -EINVAL: not a number. */
static int set_number(const struct opt_spec *o, void *f, const char *value, char *err,
		      size_t errlen)
{
	double d;
	long l;
	int ret;

	if (o->type == OPT_LONG) {
		ret = mmab_parse_long(value, &l);
		if (ret == -ERANGE)
			snprintf(err, errlen, "%s: '%s' is out of range", o->name, value);
		if (ret)
			return ret;
		ret = check_range(o, value, (double)l, err, errlen);
		if (!ret)
			*(long *)f = l;
		return ret;
	}
	ret = o->type == OPT_SECONDS ? opts_parse_seconds(value, &d) : mmab_parse_double(value, &d);
	if (ret)
		return ret;
	ret = check_range(o, value, d, err, errlen);
	if (!ret)
		*(double *)f = d;
	return ret;
}

static int set_choice(const struct opt_spec *o, void *f, const char *value, char *err,
		      size_t errlen)
{
	char buf[512];

	for (int i = 0; o->choices && o->choices[i]; i++) {
		if (!strcmp(o->choices[i], value)) {
			*(int *)f = i;
			return 0;
		}
	}
	list_choices(o->choices, ", ", buf, sizeof(buf));
	snprintf(err, errlen, "%s: '%s' is not one of: %s", o->name, value, buf);
	return -EINVAL;
}

static int set_size(const struct opt_spec *o, void *f, const char *value, char *err,
		    size_t errlen)
{
	struct opt_size sz;
	int ret = parse_size(value, &sz);

	if (ret == -ERANGE)
		snprintf(err, errlen, "%s: '%s' is out of range", o->name, value);
	if (ret)
		return ret;
	/* limits are in bytes: a percentage is checked once the memory is known */
	if (sz.pct == 0) {
		ret = check_range(o, value, (double)sz.bytes, err, errlen);
		if (ret)
			return ret;
	}
	*(struct opt_size *)f = sz;
	return 0;
}

static int set_one(const struct opt_spec *o, void *priv, const char *value, char *err,
		   size_t errlen)
{
	void *f = field_of(o, priv);
	bool b;
	int ret = -EINVAL;

	switch (o->type) {
	case OPT_LONG:
	case OPT_DOUBLE:
	case OPT_SECONDS:
		ret = set_number(o, f, value, err, errlen);
		break;
	case OPT_SIZE:
		ret = set_size(o, f, value, err, errlen);
		break;
	case OPT_CHOICE:
		return set_choice(o, f, value, err, errlen);
	case OPT_BOOL:
		ret = parse_bool(value, &b);
		if (!ret)
			*(bool *)f = b;
		break;
	case OPT_STRING:
		free(*(char **)f);
		*(char **)f = xstrdup(value);
		return 0;
	}
	/* -ERANGE was said by the parser or check_range; -EINVAL is a malformed value */
	if (ret == -EINVAL)
		snprintf(err, errlen, "%s: '%s' is not %s", o->name, value, type_example(o->type));
	return ret;
}

int opts_set(const struct opt_spec *spec, void *priv, const char *key, const char *value,
	     char *err, size_t errlen)
{
	const struct opt_spec *o = opts_find(spec, key);

	if (errlen)
		err[0] = '\0';
	if (!o) {
		snprintf(err, errlen, "unknown option '%s'", key);
		list_names(spec, "; valid options: ", err, errlen);
		return -ENOENT;
	}
	return set_one(o, priv, value, err, errlen);
}

int opts_defaults(const struct opt_spec *spec, void *priv, char *err, size_t errlen)
{
	int ret;

	if (errlen)
		err[0] = '\0';
	for (const struct opt_spec *o = spec; o && o->name; o++) {
		void *f = field_of(o, priv);

		if (!o->def) {
			/* no default: the zero value (NULL string, first choice) */
			switch (o->type) {
			case OPT_LONG:
				*(long *)f = 0;
				break;
			case OPT_DOUBLE:
			case OPT_SECONDS:
				*(double *)f = 0;
				break;
			case OPT_BOOL:
				*(bool *)f = false;
				break;
			case OPT_STRING:
				*(char **)f = NULL;
				break;
			case OPT_CHOICE:
				*(int *)f = 0;
				break;
			case OPT_SIZE:
				*(struct opt_size *)f = (struct opt_size){ 0 };
				break;
			}
			continue;
		}
		if (o->type == OPT_STRING)
			*(char **)f = NULL;	/* set_one frees the old value */
		ret = set_one(o, priv, o->def, err, errlen);
		if (ret) {
			size_t n = strlen(err);

			if (n < errlen)
				snprintf(err + n, errlen - n, " (bad default of '%s')", o->name);
			return -EINVAL;
		}
	}
	return 0;
}

void opts_format(const struct opt_spec *o, const void *priv, char *buf, size_t len)
{
	const void *f = cfield_of(o, priv);
	const struct opt_size *sz;
	const char *s;
	int i;

	if (!len)
		return;
	buf[0] = '\0';
	switch (o->type) {
	case OPT_LONG:
		snprintf(buf, len, "%ld", *(const long *)f);
		break;
	case OPT_DOUBLE:
	case OPT_SECONDS:
		format_double(buf, len, *(const double *)f);
		break;
	case OPT_BOOL:
		snprintf(buf, len, "%d", *(const bool *)f ? 1 : 0);
		break;
	case OPT_STRING:
		s = *(char *const *)f;
		snprintf(buf, len, "%s", s ? s : "");
		break;
	case OPT_CHOICE:
		i = *(const int *)f;
		for (int k = 0; o->choices && o->choices[k]; k++) {
			if (k == i) {
				snprintf(buf, len, "%s", o->choices[k]);
				return;
			}
		}
		snprintf(buf, len, "%d", i);
		break;
	case OPT_SIZE:
		sz = f;
		if (sz->pct > 0) {
			format_double(buf, len, sz->pct);
			if (strlen(buf) + 1 < len)
				strcat(buf, "%");
		} else {
			format_bytes(buf, len, sz->bytes);
		}
		break;
	}
}

void opts_help(FILE *f, const struct opt_spec *spec, const char *indent)
{
	int wname = 4, wtype = 4, wdef = 7;
	char type[64], def[64], extra[512];

	if (!spec || !spec->name) {
		fprintf(f, "%s(no options)\n", indent);
		return;
	}
	/* column widths over the whole table, so the lines align */
	for (const struct opt_spec *o = spec; o->name; o++) {
		int n = (int)strlen(o->name);

		wname = n > wname ? n : wname;
		n = snprintf(type, sizeof(type), "%s%s%s", type_name(o->type),
			     o->unit ? ", " : "", o->unit ? o->unit : "");
		wtype = n > wtype ? n : wtype;
		n = (int)strlen(o->def ? o->def : "-");
		wdef = n > wdef ? n : wdef;
	}
	for (const struct opt_spec *o = spec; o->name; o++) {
		snprintf(type, sizeof(type), "%s%s%s", type_name(o->type), o->unit ? ", " : "",
			 o->unit ? o->unit : "");
		snprintf(def, sizeof(def), "%s", o->def && *o->def ? o->def : "-");
		extra[0] = '\0';
		if (o->type == OPT_CHOICE) {
			char c[400];

			list_choices(o->choices, "|", c, sizeof(c));
			snprintf(extra, sizeof(extra), " {%s}", c);
		} else if (has_limits(o)) {
			char lo[32], hi[32];

			format_limit(o, o->min, lo, sizeof(lo));
			format_limit(o, o->max, hi, sizeof(hi));
			snprintf(extra, sizeof(extra), " [%s..%s]", lo, hi);
		}
		fprintf(f, "%s%-*s  %-*s  %-*s  %s%s\n", indent, wname, o->name, wtype, type,
			wdef, def, o->help ? o->help : "", extra);
	}
}

void opts_free(const struct opt_spec *spec, void *priv)
{
	if (!priv)
		return;
	for (const struct opt_spec *o = spec; o && o->name; o++) {
		if (o->type != OPT_STRING)
			continue;
		free(*(char **)field_of(o, priv));
		*(char **)field_of(o, priv) = NULL;
	}
}

uint64_t opt_size_bytes(const struct opt_size *s, uint64_t effective_mem)
{
	double v;

	if (s->pct <= 0)
		return s->bytes;
	v = (double)effective_mem * s->pct / 100.0;
	if (v >= 18446744073709551615.0)
		return UINT64_MAX;
	return (uint64_t)v;
}

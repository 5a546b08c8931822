/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Option tables, fio style: a workload (or collector) describes its options
 * once, as an array of struct opt_spec ending in { NULL }, each filled into a
 * private struct through offsetof().  The same table drives defaults, suite
 * parsing and validation, `mmab help run` / `mmab list workloads` and the
 * dry-run plan.
 */
#ifndef MMAB_OPTIONS_H
#define MMAB_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum opt_type {
	OPT_LONG,	/* long; min/max apply */
	OPT_DOUBLE,	/* double; min/max apply */
	OPT_BOOL,	/* bool: 1/0, yes/no, true/false, on/off */
	OPT_STRING,	/* char *, malloc'd (freed by opts_free) */
	OPT_CHOICE,	/* int: index into choices[] */
	OPT_SIZE,	/* struct opt_size: bytes, or percent of effective memory; min/max in bytes */
	OPT_SECONDS,	/* double seconds: "30", "30s", "500ms", "2m"; min/max apply */
};

/* A size given absolutely ("512M") or relative to the effective memory ("150%"). */
struct opt_size {
	uint64_t bytes;		/* when pct == 0 */
	double pct;		/* > 0: percent of the effective memory size */
};

struct opt_spec {
	const char *name;
	enum opt_type type;
	size_t offset;			/* offsetof(private struct, field) */
	const char *def;		/* default, as it would be written in a suite */
	double min, max;		/* limits for numeric types (both 0: none) */
	const char *unit;		/* shown in help: "bytes", "s", "%", "files" */
	const char *help;
	const char *const *choices;	/* OPT_CHOICE: NULL-terminated */
};

#define OPT_END { .name = NULL }

/*
 * opts_defaults - fill PRIV from the table's defaults.
 * Returns 0, or -EINVAL with a message in err (a bad default is a bug).
 */
int opts_defaults(const struct opt_spec *spec, void *priv, char *err, size_t errlen);

/*
 * opts_set - parse VALUE for option KEY into PRIV, checking type and limits.
 * Returns 0; -ENOENT for an unknown key (err lists the valid ones); -EINVAL
 * or -ERANGE for a bad value (err says why, without file/line: the caller
 * adds them).
 */
int opts_set(const struct opt_spec *spec, void *priv, const char *key, const char *value,
	     char *err, size_t errlen);

/* opts_find - the spec entry named KEY, or NULL. */
const struct opt_spec *opts_find(const struct opt_spec *spec, const char *key);

/* opts_format - the current value of one option as it would be written in a suite. */
void opts_format(const struct opt_spec *o, const void *priv, char *buf, size_t len);

/* opts_help - one line per option: name, type/unit, default, limits, help. */
void opts_help(FILE *f, const struct opt_spec *spec, const char *indent);

/* opts_free - free OPT_STRING values held in PRIV. */
void opts_free(const struct opt_spec *spec, void *priv);

/* opt_size_bytes - resolve an opt_size against the effective memory size. */
uint64_t opt_size_bytes(const struct opt_size *s, uint64_t effective_mem);

/* opts_parse_seconds - "30", "30s", "500ms", "2m", "1h" into seconds; 0 or -EINVAL. */
int opts_parse_seconds(const char *s, double *out);

#endif

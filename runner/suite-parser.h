/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The suite parser's inside, shared by its three files: suite.c drives
 * libinih over our own line reader and finishes the suite;
 * suite-keys.c opens sections and checks every key of each kind of
 * section; suite-parser.c holds the messages (FILE:LINE) and the small
 * checks they share.  Not for use outside runner/suite*.c: the public
 * interface is suite.h.
 */
#ifndef MMAB_SUITE_PARSER_H
#define MMAB_SUITE_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	SECT_KERNEL,
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
	int effective_method;
	int page_reporting;
	double boot_timeout_s;
	double heartbeat_timeout_s;
};

/* The runner's own keys in a workload section, through runner_specs. */
struct runner_keys {
	double timeout_s;
	struct opt_size scale;
	struct opt_size memcg_limit;
};

struct parser {
	const char *file;		/* for messages */
	bool knobs_here;		/* check knobs against this machine (not a run that boots) */
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

/* ---- suite-parser.c ---- */

/* sp_err - "FILE:LINE: message" on stderr, counted in p->errors. */
void sp_err(struct parser *p, int line, const char *fmt, ...) MMAB_PRINTF(3, 4);
void sp_append_name(char **list, const char *name);
char *sp_join_workloads(void);
char *sp_join_specs(const struct opt_spec *a, const struct opt_spec *b,
			const char *const *extra);
void sp_unknown_collector(struct parser *p, int line, const char *name);
void sp_reset_seen(struct parser *p);
bool sp_first_time(struct parser *p, const char *key, const char *shown);
bool sp_plain_name(struct parser *p, const char *what, const char *value);
const char *sp_inline_comment(const char *s);
void sp_check_background(struct parser *p);

/* ---- suite-keys.c ---- */

extern const struct opt_spec sp_suite_specs[];
void sp_open_section(struct parser *p, const char *header);
void sp_suite_key(struct parser *p, const char *key, const char *value);
void sp_collector_key(struct parser *p, const char *key, const char *value);
void sp_workload_key(struct parser *p, const char *key, const char *value);
void sp_variant_key(struct parser *p, const char *key, const char *value);
void sp_kernel_key(struct parser *p, const char *key, const char *value);
void sp_finish_kernels(struct parser *p);
void sp_merge_collectors(struct parser *p);
void sp_check_collectors(struct parser *p);

#endif

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
 * touches nothing on the machine: knobs are only stat()ed and read.  This
 * file drives the reading and finishes the suite; sections and keys are
 * suite-keys.c's, messages suite-parser.c's.
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
#include "runner/suite-parser.h"
#include "runner/suite.h"

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct parser *p = user;

	(void)section;		/* the reader opened it, with its line */
	switch (p->kind) {
	case SECT_NONE:
		sp_err(p, p->line, "'%s' before any [section]", key);
		break;
	case SECT_IGNORE:
		break;
	case SECT_SUITE:
		sp_suite_key(p, key, value);
		break;
	case SECT_COLLECTOR:
		sp_collector_key(p, key, value);
		break;
	case SECT_WORKLOAD:
		sp_workload_key(p, key, value);
		break;
	case SECT_VARIANT:
		sp_variant_key(p, key, value);
		break;
	case SECT_KERNEL:
		sp_kernel_key(p, key, value);
		break;
	}
	return 1;
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
			sp_err(p, p->line, "section header without ']'");
			p->kind = SECT_IGNORE;
			return false;
		}
		*close = '\0';
		for (e = close + 1; *e == ' ' || *e == '\t'; e++)
			;
		if (*e && *e != ';' && *e != '#') {
			sp_err(p, p->line, "unexpected '%s' after [%s]", e, l + 1);
			p->kind = SECT_IGNORE;
			return false;
		}
		for (e = l + 1; *e == ' ' || *e == '\t'; e++)
			;
		sp_open_section(p, e);
		return true;
	}
	sep = strpbrk(l, "=:");
	cmt = sp_inline_comment(l);
	if (!sep || (cmt && cmt < sep)) {
		sp_err(p, p->line, "expected KEY = VALUE, found '%s'", l);
		return false;
	}
	if (sep == l) {
		sp_err(p, p->line, "no key before '%c'", *sep);
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
		sp_err(p, p->line, "line too long (at most %d characters; split a long list "
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
	s->boot_timeout_s = p->ss.boot_timeout_s;
	s->heartbeat_timeout_s = p->ss.heartbeat_timeout_s;
	s->order = p->ss.order == 1 ? ORDER_SHUFFLED : ORDER_INTERLEAVED;
	s->effective_method = p->ss.effective_method;
	s->page_reporting_keep = p->ss.page_reporting == 1;
	s->seed = p->seed;
	s->seed_set = p->seed_set;
	sp_merge_collectors(p);
	sp_check_collectors(p);
	sp_finish_kernels(p);
	sp_check_background(p);
	/* a bad workload section was reported already: no pile-on */
	if (!s->nworkloads && !p->wl_tried) {
		char *valid = sp_join_workloads();

		sp_err(p, line, "the suite runs no workload: add a section per workload "
		     "(valid workloads: %s)", valid);
		free(valid);
	}
}
static void parser_free(struct parser *p)
{
	sp_reset_seen(p);
	free(p->sect);
	opts_free(sp_suite_specs, &p->ss);
	free(p->colnames);
	for (size_t i = 0; i < p->ncolsects; i++)
		free(p->colsects[i].events);
	free(p->colsects);
}
/* Does TEXT have a [kernel ...] section?  Known before the first knob is read. */
static bool has_kernel_section(const char *text)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l++ != '[')
			continue;
		while (*l == ' ' || *l == '\t')
			l++;
		if (!strncmp(l, "kernel", 6) && (l[6] == ' ' || l[6] == '\t'))
			return true;
	}
	return false;
}
/* FILE is recorded in s->file and names the errors. */
int suite_parse(const char *file, const char *text, struct suite *s, unsigned flags)
{
	struct parser p = { .file = file, .pos = text, .s = s };
	char scale[64], err[256];
	int r;

	memset(s, 0, sizeof(*s));
	s->file = xstrdup(file);
	s->text = xstrdup(text);
	p.knobs_here = (flags & SUITE_GUEST) ||
		       (!(flags & SUITE_BOOTS) && !has_kernel_section(text));
	if (opts_defaults(sp_suite_specs, &p.ss, err, sizeof(err))) {
		/* a bug in sp_suite_specs, not in the file */
		sp_err(&p, 0, "%s", err);
		goto out;
	}
	r = ini_parse_stream(reader, &p, handler, &p);
	if (r == -2) {
		fputs("mmab: out of memory\n", stderr);
		abort();
	}
	if (r > 0 && !p.errors)
		sp_err(&p, r, "syntax error");
	finish(&p);
	opts_format(opts_find(sp_suite_specs, "scale"), &p.ss, scale, sizeof(scale));
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
		sp_append_name(&out, names[i]);
	return out;
}
int suite_load(const char *name_or_path, struct suite *s, unsigned flags)
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
			ret = suite_parse(file, data, s, flags);
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
	ret = suite_parse(name_or_path, text, s, flags);
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
	for (size_t i = 0; i < s->nkernels; i++) {
		free(s->kernels[i].name);
		free(s->kernels[i].image);
		free(s->kernels[i].append);
	}
	free(s->kernels);
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

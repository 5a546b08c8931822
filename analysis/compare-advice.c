/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What would settle a comparison (compare-out.h): the cells closest to a
 * verdict (fewest iterations needed to prove the change they show), and
 * the `mmab run` that would give them those iterations: the command that
 * produced the sets (metadata.json "argv"), for the workload alone, with
 * -n N and the variants compared.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare-out.h"
#include "lib/mmab.h"

/* Fewest iterations first; then the workload's own metrics; then the smallest q. */
static int cmp_near_order(const void *a, const void *b)
{
	const struct cmp_near *x = a, *y = b;
	double qx = x->row->cells[x->set].q, qy = y->row->cells[y->set].q;

	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	if ((x->row->section == SEC_METRICS) != (y->row->section == SEC_METRICS))
		return x->row->section == SEC_METRICS ? -1 : 1;
	if (qx != qy && !isnan(qx) && !isnan(qy))
		return qx < qy ? -1 : 1;
	return 0;
}

size_t cmp_closest(const struct cmp_table *t, struct cmp_near *out, size_t max)
{
	struct cmp_near *all = NULL;
	size_t n = 0;

	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t s = 0; s < t->n_sets; s++) {
			const struct cmp_cell *c = &t->rows[r].cells[s];

			if (isnan(c->n_needed) || (c->verdict != CMP_NO_DIFF &&
						   c->verdict != CMP_CANNOT_JUDGE))
				continue;
			all = xrealloc(all, (n + 1) * sizeof(*all));
			all[n++] = (struct cmp_near){ &t->rows[r], s, c->n_needed };
		}
	if (n)
		qsort(all, n, sizeof(*all), cmp_near_order);
	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof(*out));
	free(all);
	return n;
}

/* S as one shell word: as it is when plain, else in single quotes. */
static char *shell_word(const char *s)
{
	char *out, *o;

	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
			    "-_./=:,+@%") == strlen(s))
		return xstrdup(s);
	out = o = xmalloc(4 * strlen(s) + 3);
	*o++ = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *s;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

/* Append WORD (taken over) to the command line *line. */
static void add_word(char **line, char *word)
{
	char *l = xasprintf("%s %s", *line, word);

	free(*line);
	free(word);
	*line = l;
}

/* Options of `mmab run` the command replaces or that make no sense again. */
static bool dropped_option(const char *a, bool *takes_value)
{
	static const char *const with_value[] = { "-n", "--iterations", "--only", "--resume" };

	*takes_value = false;
	for (size_t i = 0; i < ARRAY_SIZE(with_value); i++) {
		size_t len = strlen(with_value[i]);

		if (!strcmp(a, with_value[i])) {
			*takes_value = true;
			return true;
		}
		if (!strncmp(a, with_value[i], len) && (a[len] == '=' || (len == 2 && a[len])))
			return true;
	}
	return !strcmp(a, "--dry-run");
}

/* The run that produced RS, without -n, --only, --resume; NULL when unknown. */
static char *run_of(const struct rset *rs, bool *has_variant)
{
	json_t *argv = rset_meta(rs, "argv");
	const char *verb = json_string_value(json_array_get(argv, 1));
	const char *file = rset_meta_str(rs, "suite.file");
	char *line;
	size_t i;

	*has_variant = false;
	if (json_array_size(argv) > 2 && verb && !strcmp(verb, "run")) {
		line = xstrdup("mmab run");
		for (i = 2; i < json_array_size(argv); i++) {
			const char *s = json_string_value(json_array_get(argv, i));
			bool value;

			if (!s)
				continue;
			if (dropped_option(s, &value)) {
				i += value;
				continue;
			}
			*has_variant |= !strncmp(s, "--variant", 9);
			add_word(&line, shell_word(s));
		}
		return line;
	}
	if (!file)
		return NULL;
	line = xstrdup("mmab run -s");
	add_word(&line, shell_word(strncmp(file, "builtin:", 8) ? file : file + 8));
	return line;
}

/* The command for workload W on the sets marked in USE, from set FROM's run. */
static char *command(const struct cmp_table *t, size_t from, const bool *use, const char *w,
		     double n)
{
	bool has_variant;
	char *line = run_of(&t->sets[from], &has_variant), *vs = NULL;

	if (!line)
		return NULL;
	for (size_t s = 0; s < t->n_sets && !has_variant; s++) {
		const char *v = rset_meta_str(&t->sets[s], "variant");
		bool seen = false;
		char *x;

		if (!use[s] || !v)
			continue;
		/* the kernels of a kernel A/B share their variants: each named once */
		for (size_t p = 0; p < s && !seen; p++) {
			const char *pv = use[p] ? rset_meta_str(&t->sets[p], "variant") : NULL;

			seen = pv && !strcmp(pv, v);
		}
		if (seen)
			continue;
		x = xasprintf("%s%s%s", vs ? vs : "", vs ? "," : "", v);
		free(vs);
		vs = x;
	}
	add_word(&line, xstrdup("--only"));
	add_word(&line, shell_word(w));
	add_word(&line, xasprintf("-n %.0f", n));
	if (vs) {
		add_word(&line, xstrdup("--variant"));
		add_word(&line, shell_word(vs));
		free(vs);
	}
	return line;
}

/* Whether the sets marked in USE were written by one run. */
static bool one_run(const struct cmp_table *t, const bool *use)
{
	const char *id = NULL;

	for (size_t s = 0; s < t->n_sets; s++) {
		const char *r = use[s] ? rset_meta_str(&t->sets[s], "run_id") : NULL;

		if (!use[s])
			continue;
		if (!r || (id && strcmp(id, r)))
			return false;
		id = r;
	}
	return true;
}

size_t cmp_settle(const struct cmp_table *t, const struct cmp_near *near, size_t n, char ***out)
{
	bool *use = xcalloc(t->n_sets, sizeof(*use)), *done = xcalloc(n + 1, sizeof(*done));
	size_t nl = 0;

	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *w = near[i].row->workload;
		double most = 0;

		if (done[i])
			continue;
		memset(use, 0, t->n_sets * sizeof(*use));
		use[t->baseline] = true;
		for (size_t k = i; k < n; k++)
			if (!strcmp(near[k].row->workload, w)) {
				done[k] = true;
				use[near[k].set] = true;
				most = fmax(most, near[k].n);
			}
		/* one command when one run wrote the sets, else one per set, from its run */
		for (size_t s = 0, one = one_run(t, use); s < t->n_sets; s++) {
			char *c;

			if (!use[s] || (one && s != t->baseline))
				continue;
			if (one) {
				c = command(t, s, use, w, most);
			} else {
				bool *only = xcalloc(t->n_sets, sizeof(*only));

				only[s] = true;
				c = command(t, s, only, w, most);
				free(only);
			}
			if (!c)
				continue;
			*out = xrealloc(*out, (nl + 1) * sizeof(**out));
			(*out)[nl++] = c;
		}
	}
	free(use);
	free(done);
	return nl;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For the unit tests of compare: a temporary directory (tmp_root, made and
 * removed by setup_tmp/teardown_tmp), result sets made up in it
 * (fake_set, fake_set_x), and ways to look at a table and its output.
 * Header-only (static functions), for test files that include cmocka.h
 * first and define CMPFIX_NAME (the temporary directory's name part).
 */
#ifndef MMAB_TEST_CMPFIX_H
#define MMAB_TEST_CMPFIX_H

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "lib/mmab.h"

static char tmp_root[64];

static int setup_tmp(void **state)
{
	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/mmab-test-" CMPFIX_NAME "-XXXXXX");
	return mkdtemp(tmp_root) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	(void)state;
	return mmab_rm_rf(tmp_root);
}

static inline void write_file(const char *path, const char *text)
{
	char *dir = xstrdup(path);

	*strrchr(dir, '/') = '\0';
	assert_int_equal(mmab_mkdir_p(dir, 0755), 0);
	assert_int_equal(mmab_write_file_atomic(path, text, strlen(text)), 0);
	free(dir);
}

static inline const struct cmp_row *row_of(const struct cmp_table *t, const char *w, const char *m)
{
	for (size_t i = 0; i < t->n_rows; i++)
		if (!strcmp(t->rows[i].workload, w) && !strcmp(t->rows[i].metric, m))
			return &t->rows[i];
	fail_msg("no row %s %s", w, m);
	return NULL;
}

static inline const struct cmp_env *env_of(const struct cmp_table *t, const char *key)
{
	for (size_t i = 0; i < t->n_env; i++)
		if (!strcmp(t->env[i].key, key))
			return &t->env[i];
	return NULL;
}

/* The whole output of compare_print in FMT, as a string. */
static inline char *render(const struct cmp_table *t, enum compare_fmt fmt, int color)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(compare_print(f, fmt, t, color), 0);
	fclose(f);
	return buf;
}

static inline size_t max_columns(const char *s)
{
	size_t max = 0, col = 0;

	for (; *s; s++) {
		if (*s == '\n') {
			col = 0;
			continue;
		}
		col += (*s & 0xc0) != 0x80;
		if (col > max)
			max = col;
	}
	return max;
}

static inline size_t flagged(const struct cmp_table *t)
{
	size_t n = 0;

	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t s = 0; s < t->n_sets; s++) {
			enum cmp_verdict v = t->rows[r].cells[s].verdict;

			n += v == CMP_BETTER || v == CMP_WORSE || v == CMP_DIFFERS;
		}
	return n;
}

struct fake_metric {
	const char *name, *unit, *dir, *agg;
	double mean, sd;
};

/*
 * How fake_set_x shapes a set beyond the random draws: COMMON[i] is added
 * to every metric of iteration i+1 (what a seed would do to it); with
 * SEED0 >= 0 each iteration gets an iteration.json with seed SEED0 + i;
 * FAILED (an iteration number) failed: no metrics, status "failed".
 */
struct fake_opts {
	const double *common;
	long long seed0;
	int failed;
};

/* fake_set with O's shape (NULL: none); the set's directory, malloc'd. */
static inline char *fake_set_x(const char *name, const char *meta, int n,
			       const struct fake_metric *m, size_t nm, const double *shift,
			       gsl_rng *rng, const struct fake_opts *o)
{
	char *dir = xasprintf("%s/%s", tmp_root, name), *p, *status;

	p = xasprintf("%s/metadata.json", dir);
	write_file(p, meta);
	free(p);
	status = xstrdup("workload,iteration,status,reason,exit_code,signal,duration_s\n");
	for (int i = 1; i <= n; i++) {
		char *text = xstrdup("metric,value,unit,direction,aggregate\n"), *s;
		bool failed = o && o->failed == i;

		for (size_t k = 0; k < nm && !failed; k++) {
			double v = m[k].mean + (shift ? shift[k] : 0) + gsl_ran_gaussian(rng, m[k].sd) +
				   (o && o->common ? o->common[i - 1] : 0);

			s = xasprintf("%s%s,%.17g,%s,%s,%s\n", text, m[k].name, v, m[k].unit, m[k].dir,
				      m[k].agg);
			free(text);
			text = s;
		}
		p = xasprintf("%s/w/%d/metrics.csv", dir, i);
		write_file(p, text);
		free(p);
		free(text);
		if (o && o->seed0 >= 0) {
			p = xasprintf("%s/w/%d/iteration.json", dir, i);
			text = xasprintf("{\"seed\": %lld, \"status\": \"%s\"}\n", o->seed0 + i,
					 failed ? "failed" : "ok");
			write_file(p, text);
			free(text);
			free(p);
		}
		s = failed ? xasprintf("%sw,%d,failed,oom,,9,1\n", status, i)
			   : xasprintf("%sw,%d,ok,,0,,1\n", status, i);
		free(status);
		status = s;
	}
	p = xasprintf("%s/status.csv", dir);
	write_file(p, status);
	free(p);
	free(status);
	return dir;
}

/* A result set under tmp_root with N iterations of normally distributed metrics. */
static inline char *fake_set(const char *name, const char *meta, int n,
			     const struct fake_metric *m, size_t nm, const double *shift,
			     gsl_rng *rng)
{
	return fake_set_x(name, meta, n, m, nm, shift, rng, NULL);
}

/* metadata.json of two sets that differ in nothing but their label */
static const char meta_a[] = "{\"label\":\"a\",\"uname\":{\"release\":\"6.18\"},\"cpu_model\":\"X\"}";
static const char meta_b[] = "{\"label\":\"b\",\"uname\":{\"release\":\"6.18\"},\"cpu_model\":\"X\"}";

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for lib/options.c: a table with one option of every type
 * (and limits, choices, a string) is filled from its defaults, set from the
 * spellings a suite may use, refused for bad values and unknown keys,
 * formatted back (every value must read back as itself) and printed as help.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/mmab.h"
#include "lib/options.h"

struct all {
	long count;
	double ratio;
	bool flag;
	char *label;
	int mode;
	struct opt_size size;
	struct opt_size chunk;
	double wait;
	long free_long;
};

static const char *const modes[] = { "keep", "always", "defer+madvise", NULL };

static const struct opt_spec all_specs[] = {
	{ "count", OPT_LONG, offsetof(struct all, count), "4", 1, 1024, "threads",
	  "how many", NULL },
	{ "ratio", OPT_DOUBLE, offsetof(struct all, ratio), "12.5", 0, 90, "%",
	  "a share", NULL },
	{ "flag", OPT_BOOL, offsetof(struct all, flag), "yes", 0, 0, NULL, "a switch", NULL },
	{ "label", OPT_STRING, offsetof(struct all, label), "hello", 0, 0, NULL, "a name", NULL },
	{ "mode", OPT_CHOICE, offsetof(struct all, mode), "defer+madvise", 0, 0, NULL,
	  "a choice", modes },
	{ "size", OPT_SIZE, offsetof(struct all, size), "150%", 0, 0, "bytes",
	  "relative or absolute", NULL },
	{ "chunk", OPT_SIZE, offsetof(struct all, chunk), "32K", 4096, 1073741824, "bytes",
	  "with limits", NULL },
	{ "wait", OPT_SECONDS, offsetof(struct all, wait), "2m", 0.5, 3600, "s",
	  "a duration", NULL },
	{ "free_long", OPT_LONG, offsetof(struct all, free_long), NULL, 0, 0, NULL,
	  "no limits, no default", NULL },
	OPT_END
};

static struct all *fresh(void)
{
	struct all *a = xcalloc(1, sizeof(*a));
	char err[256] = "x";

	assert_int_equal(opts_defaults(all_specs, a, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	return a;
}

static void done(struct all *a)
{
	opts_free(all_specs, a);
	assert_null(a->label);
	free(a);
}

static int set(struct all *a, const char *key, const char *value)
{
	char err[512];

	return opts_set(all_specs, a, key, value, err, sizeof(err));
}

static void test_defaults(void **state)
{
	struct all *a = fresh();

	(void)state;
	assert_int_equal(a->count, 4);
	assert_float_equal(a->ratio, 12.5, 0);
	assert_true(a->flag);
	assert_string_equal(a->label, "hello");
	assert_int_equal(a->mode, 2);
	assert_float_equal(a->size.pct, 150, 0);
	assert_int_equal(a->chunk.bytes, 32768);
	assert_float_equal(a->chunk.pct, 0, 0);
	assert_float_equal(a->wait, 120, 0);
	assert_int_equal(a->free_long, 0);
	done(a);
}

static void test_long(void **state)
{
	struct all *a = fresh();
	char err[256];

	(void)state;
	assert_int_equal(set(a, "count", "1024"), 0);
	assert_int_equal(a->count, 1024);
	assert_int_equal(set(a, "count", " 7 "), 0);
	assert_int_equal(a->count, 7);
	assert_int_equal(opts_set(all_specs, a, "count", "1025", err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "between 1 and 1024"));
	assert_int_equal(set(a, "count", "0"), -ERANGE);
	assert_int_equal(set(a, "count", "-3"), -ERANGE);
	assert_int_equal(a->count, 7);		/* a refused value leaves the old one */
	assert_int_equal(opts_set(all_specs, a, "count", "four", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not an integer"));
	assert_int_equal(set(a, "count", "4.5"), -EINVAL);
	assert_int_equal(set(a, "count", ""), -EINVAL);
	assert_int_equal(set(a, "count", "99999999999999999999999"), -ERANGE);
	/* no limits: anything a long holds */
	assert_int_equal(set(a, "free_long", "-99999"), 0);
	assert_int_equal(a->free_long, -99999);
	done(a);
}

static void test_double(void **state)
{
	struct all *a = fresh();

	(void)state;
	assert_int_equal(set(a, "ratio", "0"), 0);
	assert_int_equal(set(a, "ratio", "90"), 0);
	assert_int_equal(set(a, "ratio", "33.25"), 0);
	assert_float_equal(a->ratio, 33.25, 0);
	assert_int_equal(set(a, "ratio", "90.001"), -ERANGE);
	assert_int_equal(set(a, "ratio", "-0.5"), -ERANGE);
	assert_int_equal(set(a, "ratio", "nan"), -EINVAL);
	assert_int_equal(set(a, "ratio", "inf"), -EINVAL);
	assert_int_equal(set(a, "ratio", "5%"), -EINVAL);
	assert_float_equal(a->ratio, 33.25, 0);
	done(a);
}

static void test_bool(void **state)
{
	static const char *const yes[] = { "1", "yes", "true", "on", "YES", "True" };
	static const char *const no[] = { "0", "no", "false", "off", "OFF" };
	struct all *a = fresh();

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
		a->flag = true;
		assert_int_equal(set(a, "flag", no[i]), 0);
		assert_false(a->flag);
	}
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		a->flag = false;
		assert_int_equal(set(a, "flag", yes[i]), 0);
		assert_true(a->flag);
	}
	assert_int_equal(set(a, "flag", "maybe"), -EINVAL);
	assert_int_equal(set(a, "flag", "2"), -EINVAL);
	assert_int_equal(set(a, "flag", ""), -EINVAL);
	done(a);
}

static void test_string(void **state)
{
	struct all *a = fresh();

	(void)state;
	assert_int_equal(set(a, "label", "first"), 0);
	assert_int_equal(set(a, "label", "second, with comma"), 0);
	assert_string_equal(a->label, "second, with comma");
	assert_int_equal(set(a, "label", ""), 0);
	assert_string_equal(a->label, "");
	done(a);
}

static void test_choice(void **state)
{
	struct all *a = fresh();
	char err[256];

	(void)state;
	assert_int_equal(set(a, "mode", "keep"), 0);
	assert_int_equal(a->mode, 0);
	assert_int_equal(set(a, "mode", "always"), 0);
	assert_int_equal(a->mode, 1);
	assert_int_equal(opts_set(all_specs, a, "mode", "never", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "keep, always, defer+madvise"));
	assert_int_equal(set(a, "mode", "Always"), -EINVAL);
	assert_int_equal(set(a, "mode", ""), -EINVAL);
	assert_int_equal(a->mode, 1);
	done(a);
}

static void test_size(void **state)
{
	struct all *a = fresh();
	char err[256];

	(void)state;
	assert_int_equal(set(a, "size", "512M"), 0);
	assert_int_equal(a->size.bytes, 512ULL << 20);
	assert_float_equal(a->size.pct, 0, 0);
	assert_int_equal(opt_size_bytes(&a->size, 1ULL << 30), 512ULL << 20);
	assert_int_equal(set(a, "size", "1.5GiB"), 0);
	assert_int_equal(a->size.bytes, 3ULL << 29);
	assert_int_equal(set(a, "size", "4096"), 0);
	assert_int_equal(a->size.bytes, 4096);
	/* relative to the effective memory, resolved later */
	assert_int_equal(set(a, "size", "150%"), 0);
	assert_float_equal(a->size.pct, 150, 0);
	assert_int_equal(opt_size_bytes(&a->size, 1ULL << 30), 3ULL << 29);
	assert_int_equal(set(a, "size", "12.5 %"), 0);
	assert_int_equal(opt_size_bytes(&a->size, 8ULL << 30), 1ULL << 30);
	assert_int_equal(opt_size_bytes(&a->size, 0), 0);
	assert_int_equal(set(a, "size", "-1G"), -EINVAL);
	assert_int_equal(set(a, "size", "-5%"), -ERANGE);
	assert_int_equal(set(a, "size", "%"), -EINVAL);
	assert_int_equal(set(a, "size", "10%x"), -EINVAL);
	assert_int_equal(set(a, "size", "10X"), -EINVAL);
	assert_int_equal(set(a, "size", "lots"), -EINVAL);
	assert_int_equal(set(a, "size", "200000%"), -ERANGE);
	/* limits are in bytes and apply to absolute sizes */
	assert_int_equal(set(a, "chunk", "4K"), 0);
	assert_int_equal(set(a, "chunk", "1G"), 0);
	assert_int_equal(opts_set(all_specs, a, "chunk", "2K", err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "between 4K and 1G"));
	assert_int_equal(set(a, "chunk", "1025M"), -ERANGE);
	assert_int_equal(a->chunk.bytes, 1ULL << 30);
	done(a);
}

static void test_seconds(void **state)
{
	static const struct {
		const char *text;
		double s;
	} good[] = {
		{ "30", 30 }, { "30s", 30 }, { "500ms", 0.5 }, { "2m", 120 }, { "1h", 3600 },
		{ "1.5s", 1.5 }, { "250us", 250e-6 }, { " 3 s ", 3 }, { "0", 0 }, { "10min", 600 },
	};
	static const char *const bad[] = {
		"", "s", "ms", "-1", "-1s", "5 parsecs", "1e3", "0x10", "inf", "nan", "3 s s", "1d",
	};
	struct all *a = fresh();
	double v;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		v = -1;
		assert_int_equal(opts_parse_seconds(good[i].text, &v), 0);
		assert_float_equal(v, good[i].s, 1e-12);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (opts_parse_seconds(bad[i], &v) != -EINVAL)
			fail_msg("'%s' should not parse as seconds", bad[i]);
	}
	assert_int_equal(set(a, "wait", "500ms"), 0);
	assert_float_equal(a->wait, 0.5, 0);
	assert_int_equal(set(a, "wait", "1h"), 0);
	assert_int_equal(set(a, "wait", "61m"), -ERANGE);
	assert_int_equal(set(a, "wait", "400ms"), -ERANGE);
	assert_int_equal(set(a, "wait", "soon"), -EINVAL);
	assert_float_equal(a->wait, 3600, 0);
	done(a);
}

static void test_unknown_key(void **state)
{
	struct all *a = fresh();
	char err[512];

	(void)state;
	assert_int_equal(opts_set(all_specs, a, "colour", "red", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "'colour'"));
	for (const struct opt_spec *o = all_specs; o->name; o++)
		if (!strstr(err, o->name))
			fail_msg("'%s' is missing from the valid keys: %s", o->name, err);
	/* case matters, as in the suite */
	assert_int_equal(opts_set(all_specs, a, "Count", "1", err, sizeof(err)), -ENOENT);
	assert_null(opts_find(all_specs, "colour"));
	assert_ptr_equal(opts_find(all_specs, "wait"), &all_specs[7]);
	/* a workload without options */
	assert_int_equal(opts_set(NULL, a, "x", "1", err, sizeof(err)), -ENOENT);
	assert_null(opts_find(NULL, "x"));
	/* a tiny buffer is truncated, not overrun */
	err[5] = 'Z';
	assert_int_equal(opts_set(all_specs, a, "colour", "red", err, 5), -ENOENT);
	assert_int_equal(err[4], '\0');
	assert_int_equal(err[5], 'Z');
	done(a);
}

static void test_format_round_trip(void **state)
{
	static const struct {
		const char *key, *value, *formatted;
	} cases[] = {
		{ "count", "17", "17" }, { "ratio", "33.25", "33.25" }, { "ratio", "1e1", "10" },
		{ "flag", "off", "0" }, { "flag", "on", "1" }, { "label", "a b", "a b" },
		{ "mode", "defer+madvise", "defer+madvise" }, { "size", "150%", "150%" },
		{ "size", "12.5%", "12.5%" }, { "size", "1536M", "1536M" },
		{ "size", "1.5G", "1536M" }, { "size", "4097", "4097" }, { "size", "2G", "2G" },
		{ "chunk", "1M", "1M" }, { "wait", "500ms", "0.5" }, { "wait", "2m", "120" },
	};
	struct all *a = fresh(), *b = fresh();
	char buf[64], buf2[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct opt_spec *o = opts_find(all_specs, cases[i].key);

		assert_int_equal(set(a, cases[i].key, cases[i].value), 0);
		opts_format(o, a, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].formatted);
		/* what is formatted reads back as the same value */
		assert_int_equal(set(b, cases[i].key, buf), 0);
		opts_format(o, b, buf2, sizeof(buf2));
		assert_string_equal(buf, buf2);
	}
	assert_memory_equal(&a->size, &b->size, sizeof(a->size));
	assert_float_equal(a->wait, b->wait, 0);
	done(a);
	done(b);
}

static void test_bad_default(void **state)
{
	static const struct opt_spec bad[] = {
		{ "ok", OPT_LONG, offsetof(struct all, count), "3", 1, 10, NULL, "fine", NULL },
		{ "oops", OPT_LONG, offsetof(struct all, free_long), "11", 1, 10, NULL, "bad", NULL },
		OPT_END
	};
	struct all a = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(opts_defaults(bad, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "oops"));
	assert_non_null(strstr(err, "default"));
}

static void test_help(void **state)
{
	char *text = NULL, *save = NULL;
	size_t len = 0, lines = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	opts_help(f, all_specs, "  ");
	fclose(f);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		const struct opt_spec *o = &all_specs[lines++];

		assert_non_null(o->name);
		assert_true(!strncmp(l, "  ", 2) && !strncmp(l + 2, o->name, strlen(o->name)));
		assert_non_null(strstr(l, o->help));
		if (o->def)
			assert_non_null(strstr(l, o->def));
		if (o->unit)
			assert_non_null(strstr(l, o->unit));
	}
	assert_int_equal(lines, ARRAY_SIZE(all_specs) - 1);
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	opts_help(f, all_specs, "");
	fclose(f);
	assert_non_null(strstr(text, "[1..1024]"));
	assert_non_null(strstr(text, "[4K..1G]"));
	assert_non_null(strstr(text, "[0.5..3600]"));
	assert_non_null(strstr(text, "{keep|always|defer+madvise}"));
	/* the default column starts at the same place on every line */
	{
		char *a = strstr(text, "4 "), *b = strstr(text, "12.5 ");
		char *la = a, *lb = b;

		while (la > text && la[-1] != '\n')
			la--;
		while (lb > text && lb[-1] != '\n')
			lb--;
		assert_int_equal(a - la, b - lb);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_choice),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_bad_default),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

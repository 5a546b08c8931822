/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for lib/csv.c: quoting as results/README.md writes it
 * (commas, doubled quotes, newlines inside quotes, CRLF), and every kind of
 * damage a crashed or hand-edited result set shows (wrong field counts, a
 * row cut by the end of the file, unterminated quotes, NUL bytes, random
 * bytes): each reported as FILE:LINE: message and skipped, the rest read.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/csv.h"
#include "lib/mmab.h"
#include "tests/unit/capture.h"

#define FIX "tests/fixtures/compare/csv/"

static void test_good(void **state)
{
	struct csv c;
	char *err;
	int ret;

	(void)state;
	capture_begin();
	ret = csv_load(FIX "good.csv", &c);
	err = capture_end();
	assert_int_equal(ret, 0);
	assert_string_equal(err, "");
	assert_int_equal(c.problems, 0);
	assert_int_equal(c.ncols, 3);
	assert_int_equal(c.nrows, 6);
	assert_int_equal(csv_col(&c, "metric"), 0);
	assert_int_equal(csv_col(&c, "note"), 2);
	assert_int_equal(csv_col(&c, "nope"), -1);

	assert_string_equal(csv_str(&c, 0, 0), "plain");
	assert_float_equal(csv_num(&c, 0, 1), 1.5, 0);
	assert_string_equal(csv_str(&c, 1, 0), "quoted, comma");
	assert_string_equal(csv_str(&c, 1, 2), "say \"hi\"");
	assert_string_equal(csv_str(&c, 2, 2), "line one\nline two");
	/* empty cells are n/a: NULL and NaN */
	assert_null(csv_str(&c, 3, 1));
	assert_null(csv_str(&c, 3, 2));
	assert_true(isnan(csv_num(&c, 3, 1)));
	/* CRLF: the \r is not part of the last cell; 4e3 is a number */
	assert_string_equal(csv_str(&c, 4, 2), "x");
	assert_float_equal(csv_num(&c, 4, 1), 4000, 0);
	assert_float_equal(csv_num(&c, 5, 1), -7, 0);
	assert_null(csv_str(&c, 5, 2));	/* "" is empty too */
	/* words are not numbers; out-of-range columns are n/a */
	assert_true(isnan(csv_num(&c, 0, 2)));
	assert_true(isnan(csv_num(&c, 0, -1)));
	assert_null(csv_str(&c, 0, -1));
	assert_null(csv_str(&c, 99, 0));

	/* line numbers count physical lines: the quoted newline and the blank line */
	assert_int_equal(csv_row_line(&c, 0), 2);
	assert_int_equal(csv_row_line(&c, 2), 4);
	assert_int_equal(csv_row_line(&c, 3), 6);
	assert_int_equal(csv_row_line(&c, 4), 8);
	assert_int_equal(csv_row_line(&c, 5), 9);
	csv_free(&c);
	free(err);
}

static void test_bad_rows(void **state)
{
	struct csv c;
	char *err;
	int ret;

	(void)state;
	capture_begin();
	ret = csv_load(FIX "bad.csv", &c);
	err = capture_end();
	assert_int_equal(ret, 0);
	assert_int_equal(c.nrows, 3);
	assert_float_equal(csv_num(&c, 0, 0), 1, 0);
	assert_float_equal(csv_num(&c, 1, 2), 6, 0);
	assert_float_equal(csv_num(&c, 2, 1), 18, 0);
	assert_int_equal(c.problems, 5);
	assert_non_null(strstr(err, "mmab: " FIX "bad.csv:3: expected 3 fields, found 2\n"));
	assert_non_null(strstr(err, FIX "bad.csv:5: text after a closing quote\n"));
	assert_non_null(strstr(err, FIX "bad.csv:6: quote inside an unquoted field\n"));
	assert_non_null(strstr(err, FIX "bad.csv:7: expected 3 fields, found 4\n"));
	assert_non_null(strstr(err, FIX "bad.csv:9: last row has no end of line"));
	assert_int_equal(count_lines(err, "bad.csv:"), 5);
	csv_free(&c);
	free(err);
}

static void test_unterminated_and_nul(void **state)
{
	struct csv c;
	char *err;

	(void)state;
	capture_begin();
	assert_int_equal(csv_load(FIX "unterminated.csv", &c), 0);
	err = capture_end();
	/* the open quote swallows the rest of the file: one row survives */
	assert_int_equal(c.nrows, 1);
	assert_int_equal(c.problems, 1);
	assert_non_null(strstr(err, FIX "unterminated.csv:3: unterminated quoted field"));
	csv_free(&c);
	free(err);

	capture_begin();
	assert_int_equal(csv_load(FIX "nul.csv", &c), 0);
	err = capture_end();
	assert_int_equal(c.nrows, 2);
	assert_float_equal(csv_num(&c, 1, 0), 4, 0);
	assert_non_null(strstr(err, FIX "nul.csv:3: NUL byte in a field"));
	csv_free(&c);
	free(err);
}

static void test_no_header(void **state)
{
	struct csv c;
	char *err;

	(void)state;
	capture_begin();
	assert_int_equal(csv_load(FIX "empty.csv", &c), -EINVAL);
	err = capture_end();
	assert_non_null(strstr(err, FIX "empty.csv: empty file: no header"));
	free(err);

	assert_int_equal(csv_load(FIX "header-only.csv", &c), 0);
	assert_int_equal(c.ncols, 3);
	assert_int_equal(c.nrows, 0);
	csv_free(&c);

	capture_begin();
	assert_int_equal(csv_load(FIX "does-not-exist.csv", &c), -ENOENT);
	err = capture_end();
	/* the caller reports a missing file: it knows whether it was optional */
	assert_string_equal(err, "");
	free(err);
}

static void test_garbage(void **state)
{
	struct csv c;
	char *err;
	int ret;

	(void)state;
	capture_begin();
	ret = csv_load(FIX "garbage.csv", &c);
	err = capture_end();
	/* 2000 random bytes: no crash, and at most 5 messages plus a count */
	assert_true(ret == 0 || ret == -EINVAL);
	assert_true(count_lines(err, "garbage.csv") <= 6);
	if (!ret) {
		assert_true(c.problems > 0);
		for (size_t r = 0; r < c.nrows; r++)
			for (size_t k = 0; k < c.ncols; k++)
				(void)csv_str(&c, r, (int)k);
		csv_free(&c);
	}
	free(err);
}

/* A real vmstat.csv cut mid-row, as a crash leaves it. */
static void test_truncated_real(void **state)
{
	const char *src = "tests/fixtures/report/stock/thpfault/1/vmstat.csv";
	char path[] = "/tmp/mmab-test-csv-XXXXXX";
	struct csv full, cut;
	size_t len;
	char *buf, *err;
	int fd;

	(void)state;
	assert_int_equal(mmab_read_file(src, &buf, &len), 0);
	assert_int_equal(csv_load(src, &full), 0);
	assert_int_equal(full.problems, 0);
	assert_int_equal(full.nrows, 12);
	assert_int_equal(full.ncols, 193);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	/* keep 2/3 of the file: the cut falls inside a row */
	assert_int_equal(write(fd, buf, len * 2 / 3), (ssize_t)(len * 2 / 3));
	close(fd);
	capture_begin();
	assert_int_equal(csv_load(path, &cut), 0);
	err = capture_end();
	unlink(path);
	assert_int_equal(cut.problems, 1);
	assert_true(cut.nrows >= 6 && cut.nrows < 12);
	assert_non_null(strstr(err, "last row has no end of line"));
	/* the complete rows are intact */
	for (size_t r = 0; r < cut.nrows; r++)
		for (size_t k = 0; k < cut.ncols; k++)
			assert_string_equal(csv_str(&cut, r, (int)k), csv_str(&full, r, (int)k));
	csv_free(&full);
	csv_free(&cut);
	free(buf);
	free(err);
}

/* What csv_write_str writes, csv_load reads back unchanged. */
static void test_write_roundtrip(void **state)
{
	static const char *const s[] = {
		"plain", "with,comma", "with \"quotes\"", "two\nlines", "cr\rlf", "<b>&amp;</b>",
	};
	char path[] = "/tmp/mmab-test-csv-XXXXXX";
	struct csv c;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("text,n\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		csv_write_str(f, s[i]);
		fprintf(f, ",%zu\n", i);
	}
	fclose(f);
	assert_int_equal(csv_load(path, &c), 0);
	unlink(path);
	assert_int_equal(c.problems, 0);
	assert_int_equal(c.nrows, ARRAY_SIZE(s));
	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		assert_string_equal(csv_str(&c, i, 0), s[i]);
		assert_float_equal(csv_num(&c, i, 1), (double)i, 0);
	}
	csv_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_unterminated_and_nul),
		cmocka_unit_test(test_no_header),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_truncated_real),
		cmocka_unit_test(test_write_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

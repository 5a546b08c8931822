/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for runner/step.c that need neither root nor the machine: the
 * estimate of a step, which the dry-run plan and the ETA add up.  The
 * workload's own estimate never exceeds its timeout (the child is stopped
 * then: a dirty-mmap of 8 GiB with a 3 s timeout used to show a minute),
 * settling and the ballast come on top, and a suite's timeout applies when
 * the workload has none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "lib/mmab.h"
#include "runner/step.h"
#include "runner/suite.h"

#define GiB (1ULL << 30)

static void parse(const char *text, struct suite *s)
{
	assert_int_equal(suite_parse("t.ini", text, s, 0), 0);
}

static void test_estimate_capped(void **state)
{
	struct suite s;
	const struct suite_workload *w;
	double free_run, capped;

	(void)state;
	parse("[suite]\nsettle = no\n[dirty-mmap]\nsize = 8G\n[dirty-mmap short]\nsize = 8G\n"
	      "timeout = 3\n", &s);
	w = &s.workloads[0];
	free_run = step_estimate(&s, w, 0, 24 * GiB, true);
	/* the workload's own figure (writeback-bound), well above 3 s */
	assert_true(free_run > 30);
	assert_true(free_run <= s.timeout_s);
	capped = step_estimate(&s, &s.workloads[1], 0, 24 * GiB, true);
	assert_float_equal(capped, 3.0, 1e-9);
	suite_free(&s);

	/* the suite's timeout when the workload has none */
	parse("[suite]\nsettle = no\ntimeout = 5\n[dirty-mmap]\nsize = 8G\n", &s);
	assert_float_equal(step_estimate(&s, &s.workloads[0], 0, 24 * GiB, true), 5.0, 1e-9);
	suite_free(&s);
}

/* Settling and the ballast come before the child and its timeout: on top. */
static void test_estimate_overheads(void **state)
{
	struct suite s;
	double bare, settled, ballast, kept;

	(void)state;
	parse("[suite]\nsettle = no\n[idle]\nduration = 2\n", &s);
	bare = step_estimate(&s, &s.workloads[0], 0, 24 * GiB, true);
	assert_true(bare >= 2 && bare < 3);
	ballast = step_estimate(&s, &s.workloads[0], 4 * GiB, 24 * GiB, true);
	/* locking 20 GiB costs seconds: more than nothing, less than a minute */
	assert_true(ballast > bare + 1 && ballast < bare + 60);
	/* adjusting the one kept from the step before: under a second */
	kept = step_estimate(&s, &s.workloads[0], 4 * GiB, 24 * GiB, false);
	assert_true(kept > bare && kept < bare + 1);
	suite_free(&s);
	parse("[idle]\nduration = 2\ntimeout = 1\n", &s);
	settled = step_estimate(&s, &s.workloads[0], 0, 24 * GiB, true);
	/* capped at 1 s, then the settle on top */
	assert_true(settled > 1 && settled < 1 + 10);
	suite_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_estimate_capped),
		cmocka_unit_test(test_estimate_overheads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

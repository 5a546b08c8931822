/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for runner/suite.c: a fixture using every section and key is
 * loaded and checked value by value and line by line; a fixture with an
 * error on nearly every line must report each one as FILE:LINE (not only
 * the first); knob names resolve to /proc/sys and /sys/kernel/mm paths and
 * nothing else; the built-in suites load and cover every workload.
 * stderr is captured to check the messages themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/tracing.h"
#include "lib/embed.h"
#include "lib/mmab.h"
#include "lib/options.h"
#include "runner/suite.h"
#include "workloads/workload.h"

#define THP_DEFRAG "/sys/kernel/mm/transparent_hugepage/defrag"

/* Run suite_parse or suite_load with FLAGS, stderr captured into *errs (malloc'd). */
static int capture_flags(const char *file, const char *text, struct suite *s, char **errs,
			 unsigned flags)
{
	char path[] = "/tmp/mmab-test-suite.XXXXXX";
	int fd = mkstemp(path), saved, ret;

	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	ret = text ? suite_parse(file, text, s, flags) : suite_load(file, s, flags);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	assert_int_equal(mmab_read_file(path, errs, NULL), 0);
	unlink(path);
	return ret;
}

static int capture(const char *file, const char *text, struct suite *s, char **errs)
{
	return capture_flags(file, text, s, errs, 0);
}

/* Parse TEXT as t.ini, expecting failure; the messages, one per line. */
static char *errors_of(const char *text)
{
	struct suite s;
	char *errs;

	assert_int_equal(capture("t.ini", text, &s, &errs), -EINVAL);
	/* a failed parse leaves nothing to free */
	assert_null(s.workloads);
	assert_null(s.text);
	return errs;
}

/* Expect exactly one error, on LINE, containing WHAT. */
static void expect_error(const char *text, int line, const char *what)
{
	char *errs = errors_of(text), *prefix = xasprintf("t.ini:%d: ", line);
	char *nl = strchr(errs, '\n');

	if (strncmp(errs, prefix, strlen(prefix)) || !strstr(errs, what) || !nl || nl[1])
		fail_msg("expected one error '%s...%s', got:\n%s", prefix, what, errs);
	free(prefix);
	free(errs);
}

static void parse_ok(const char *text, struct suite *s)
{
	char *errs;
	int ret = capture("t.ini", text, s, &errs);

	if (ret || *errs)
		fail_msg("parse failed (%d):\n%s", ret, errs);
	free(errs);
}

static const void *opt_field(const struct suite_workload *w, const char *name)
{
	const struct opt_spec *o = opts_find(w->wl->opts, name);

	assert_non_null(o);
	return (const char *)w->opts + o->offset;
}

static void test_everything_fixture(void **state)
{
	const char *path = "tests/fixtures/suites/everything.ini";
	const struct suite_workload *w;
	const struct suite_variant *v;
	char *text, *errs;
	struct suite s;

	(void)state;
	if (access(THP_DEFRAG, R_OK))
		skip();		/* the fixture sets a THP knob */
	assert_int_equal(mmab_read_file(path, &text, NULL), 0);
	assert_int_equal(capture(path, NULL, &s, &errs), 0);
	assert_string_equal(errs, "");
	assert_string_equal(s.file, path);
	assert_string_equal(s.text, text);
	assert_string_equal(s.name, "everything");
	assert_string_equal(s.description, "every section kind and key");
	assert_int_equal(s.iterations, 5);
	assert_string_equal(s.scale, "2G");
	assert_int_equal(s.interval_ms, 250);
	assert_false(s.settle);
	assert_float_equal(s.timeout_s, 90, 0);
	assert_true(s.seed_set);
	assert_true(s.seed == UINT64_MAX);
	assert_int_equal(s.order, ORDER_SHUFFLED);
	assert_int_equal(s.ncollectors, 0);	/* collectors = none */

	assert_int_equal(s.nworkloads, 3);
	w = &s.workloads[0];
	assert_string_equal(w->wl->name, "idle");
	assert_string_equal(w->id, "idle");
	assert_int_equal(w->line, 17);
	assert_float_equal(*(const double *)opt_field(w, "duration"), 1.5, 0);
	assert_float_equal(w->timeout_s, 0, 0);
	assert_null(w->scale);
	assert_int_equal(w->memcg_limit, 0);

	w = &s.workloads[1];
	assert_string_equal(w->wl->name, "thp");
	assert_string_equal(w->id, "thp-never");
	assert_int_equal(w->line, 20);
	assert_float_equal(((const struct opt_size *)opt_field(w, "size"))->pct, 150, 0);
	assert_int_equal(*(const long *)opt_field(w, "threads"), 4);
	assert_int_equal(*(const int *)opt_field(w, "thp_enabled"), 3);	/* never */
	assert_float_equal(w->timeout_s, 120, 0);
	assert_string_equal(w->scale, "25%");
	assert_int_equal(w->memcg_limit, 512ULL << 20);

	/* an empty section: the workload with its defaults */
	w = &s.workloads[2];
	assert_string_equal(w->id, "thp");
	assert_int_equal(w->line, 28);
	assert_int_equal(*(const long *)opt_field(w, "threads"), 2);

	assert_int_equal(s.nvariants, 2);
	v = &s.variants[0];
	assert_string_equal(v->name, "base");
	assert_string_equal(v->label, "stock-base");
	assert_int_equal(v->nknobs, 0);
	assert_int_equal(v->line, 31);
	v = &s.variants[1];
	assert_string_equal(v->name, "tuned");
	assert_null(v->label);
	assert_int_equal(v->line, 34);
	assert_int_equal(v->nknobs, 3);
	assert_string_equal(v->knobs[0].name, "vm.dirty_ratio");
	assert_string_equal(v->knobs[0].path, "/proc/sys/vm/dirty_ratio");
	assert_string_equal(v->knobs[0].value, "5");
	assert_int_equal(v->knobs[0].line, 35);
	assert_string_equal(v->knobs[1].path, "/proc/sys/vm/dirty_background_ratio");
	assert_string_equal(v->knobs[2].name, THP_DEFRAG);
	assert_string_equal(v->knobs[2].path, THP_DEFRAG);
	assert_string_equal(v->knobs[2].value, "defer+madvise");
	assert_int_equal(v->knobs[2].line, 37);
	suite_free(&s);
	assert_null(s.workloads);
	free(errs);
	free(text);
}

static void test_defaults(void **state)
{
	struct suite s;

	(void)state;
	parse_ok("[idle]\n", &s);
	assert_string_equal(s.name, "t");	/* from the file name */
	assert_string_equal(s.description, "");
	assert_int_equal(s.iterations, 3);
	assert_string_equal(s.scale, "100%");
	assert_int_equal(s.interval_ms, 0);
	assert_true(s.settle);
	assert_float_equal(s.timeout_s, 600, 0);
	assert_false(s.seed_set);
	assert_int_equal(s.order, ORDER_INTERLEAVED);
	assert_int_equal(s.nworkloads, 1);
	assert_int_equal(s.nvariants, 0);
	assert_float_equal(*(const double *)opt_field(&s.workloads[0], "duration"), 10, 0);
	/* without `collectors =`: the registry's default set, in its order */
	{
		size_t n = 0;

		for (size_t i = 0; collectors[i]; i++)
			if (collectors[i]->flags & COL_DEFAULT)
				assert_ptr_equal(s.collectors[n++].c, collectors[i]);
		assert_int_equal(s.ncollectors, n);
	}
	suite_free(&s);
}

static void test_syntax_variants(void **state)
{
	struct suite s;

	(void)state;
	/* BOM, CRLF line ends, ':' separators, comments of both kinds, blank lines */
	parse_ok("\xef\xbb\xbf[suite]\r\nname: crlf\r\n; c\r\n# c\r\n\r\n[idle]\r\n"
		 "duration = 2s ; inline\r\n", &s);
	assert_string_equal(s.name, "crlf");
	assert_float_equal(*(const double *)opt_field(&s.workloads[0], "duration"), 2, 0);
	suite_free(&s);
	/* no newline at the end */
	parse_ok("[idle]\nduration = 3", &s);
	assert_float_equal(*(const double *)opt_field(&s.workloads[0], "duration"), 3, 0);
	suite_free(&s);
}

/* An error a fixture must produce: FILE:LINE: ...WHAT... */
struct expected_error {
	int line;
	const char *what;
};

/* Load the fixture at PATH, expecting exactly the N errors in WANT, in order. */
static void expect_fixture_errors(const char *path, const struct expected_error *want, size_t n)
{
	char *errs, *save = NULL;
	struct suite s;
	size_t i = 0;

	assert_int_equal(capture(path, NULL, &s, &errs), -EINVAL);
	for (char *l = strtok_r(errs, "\n", &save); l; l = strtok_r(NULL, "\n", &save), i++) {
		char *prefix;

		if (i >= n)
			fail_msg("unexpected error: %s", l);
		prefix = xasprintf("%s:%d: ", path, want[i].line);
		if (strncmp(l, prefix, strlen(prefix)) || !strstr(l, want[i].what))
			fail_msg("expected '%s...%s', got '%s'", prefix, want[i].what, l);
		free(prefix);
	}
	assert_int_equal(i, n);
	free(errs);
}

static void test_errors_fixture(void **state)
{
	static const struct expected_error expected[] = {
		{ 4, "'stray' before any [section]" },
		{ 6, "name 'bad name' is not a plain name" },
		{ 7, "iterations: '0' is not between 1 and 10000" },
		{ 8, "iterations is set twice in [suite] (first at line 7)" },
		{ 9, "scale: 150% is more memory than the machine has" },
		{ 10, "order: 'random' is not one of: interleaved, shuffled" },
		{ 11, "unknown key 'color' in [suite] (valid keys: name, description, "
		      "iterations, scale, interval_ms, settle, timeout, order, effective_method, "
		      "page_reporting, boot_timeout, heartbeat_timeout, collectors, seed)" },
		{ 12, "seed: '-3' is not an unsigned 64-bit integer" },
		{ 13, "interval_ms must be 0 (the default) or at least 10" },
		{ 16, "size: 'lots' is not a size" },
		{ 18, "threads is set twice in [thp] (first at line 17)" },
		{ 19, "thp_enabled: 'sometimes' is not one of: keep, always, madvise, never" },
		{ 20, "unknown key 'bogus' for workload thp (valid keys: size, threads, " },
		{ 21, "memcg_limit takes an absolute size" },
		{ 22, "timeout: 'forever' is not a duration" },
		{ 24, "workload id 'thp' is used twice (first at line 15)" },
		{ 25, "unknown section [nosuch]" },
		{ 27, "vm.dirty_ratio: 'five' is not an integer" },
		{ 28, "'/etc/passwd' is not a knob" },
		{ 29, "'/proc/sys/vm/../../../etc/passwd' is not a knob" },
		{ 30, "knob 'vm.no_such_knob' does not exist on this machine" },
		{ 31, "vm.dirty_ratio is set twice in [variant a] (first at line 27)" },
		{ 32, "[variant a] appears twice (first at line 26)" },
		{ 33, "section header without ']'" },
		{ 34, "expected KEY = VALUE, found 'just a line'" },
		{ 35, "unknown collector 'nosuch' (valid collectors: " },
		{ 36, "[variant] needs a name" },
		{ 37, "variant name 'bad/name' is not a plain name" },
		{ 38, "section header [idle one two] has more than two words" },
	};
	(void)state;
	expect_fixture_errors("tests/fixtures/suites/errors.ini", expected, ARRAY_SIZE(expected));
}

static void test_each_error(void **state)
{
	(void)state;
	expect_error("", 1, "the suite runs no workload");
	expect_error("[suite]\nname = x\n", 1, "add a section per workload (valid workloads: idle");
	expect_error("; c\n\n[suite]\niterations = 2\n", 3, "the suite runs no workload");
	expect_error("[idle]\n[suite]\n[suite]\n", 3, "[suite] appears twice (first at line 2)");
	expect_error("[suite name]\n[idle]\n", 1, "[suite] takes no name");
	expect_error("[suite] x\n[idle]\n", 1, "unexpected 'x' after [suite]");
	expect_error("[]\n[idle]\n", 1, "empty section header");
	expect_error("[idle]\n= 5\n", 2, "no key before '='");
	expect_error("[idle]\nduration ; = 5\n", 2, "expected KEY = VALUE");
	expect_error("[idle]\nduration = 0.01\n", 2, "duration: '0.01' is not between 0.1 and 86400");
	expect_error("[idle]\nduration = 5 parsecs\n", 2, "duration: '5 parsecs' is not a duration");
	expect_error("[idle]\n[idle]\n", 2, "workload id 'idle' is used twice");
	expect_error("[idle a]\n[frag a]\n", 2, "workload id 'a' is used twice (first at line 1)");
	expect_error("[idle ../x]\n", 1, "workload id '../x' is not a plain name");
	expect_error("[idle]\ntimeout = 0\n", 2, "timeout: '0' is not between 0.1 and 604800");
	expect_error("[idle]\nscale = 0\n", 2, "scale must be above 0");
	expect_error("[idle]\nscale = 101%\n", 2, "scale: 101% is more memory");
	expect_error("[idle]\nmemcg_limit = 4K\n", 2, "memcg_limit: '4K' is not between 1M and");
	expect_error("[suite]\nsettle = perhaps\n[idle]\n", 2, "settle: 'perhaps' is not 1/0");
	expect_error("[suite]\ndescription = a\n[idle]\n[suite]\n", 4, "[suite] appears twice");
	expect_error("[suite]\ncollectors = nosuch\n[idle]\n", 2,
		     "unknown collector 'nosuch' (valid collectors: ");
	expect_error("[collector nosuch]\n[idle]\n", 1, "unknown collector 'nosuch'");
	expect_error("[variant a]\nlabel = x\n[variant b]\nlabel = x\n[idle]\n", 4,
		     "label 'x' is already the label of [variant a]");
	expect_error("[variant a]\nlabel = x y\n[idle]\n", 2, "label 'x y' is not a plain name");
	expect_error("[variant a]\nlabel = a\nlabel = b\n[idle]\n", 3, "label is set twice");
	expect_error("[idle]\n[variant a]\nvm.dirty_ratio =\n", 3, "knob 'vm.dirty_ratio' has no value");
	/* a variant's background-compaction knob that the fragmenter would override */
	expect_error("[thp]\n[variant a]\nvm.compaction_proactiveness = 0\n", 3,
		     "[variant a] sets vm.compaction_proactiveness, which [thp] sets to 0 for its "
		     "iterations (frag_background = off): add `frag_background = keep` to [thp]");
	expect_error("[frag f]\n[variant a]\n/proc/sys/vm/watermark_boost_factor = 0\n", 3,
		     "add `background = keep` to [f]");
	/* unknown workload sections list the valid workloads */
	{
		char *errs = errors_of("[nosuch]\n");

		for (size_t i = 0; workloads[i]; i++)
			assert_non_null(strstr(errs, workloads[i]->name));
		free(errs);
	}
}

/* background = keep, or a workload without a fragmenter: the variant's knob is an A/B */
static void test_background_keep(void **state)
{
	static const char *const ok[] = {
		"[thp]\nfrag_background = keep\n[variant a]\nvm.compaction_proactiveness = 0\n",
		"[idle]\n[variant a]\nvm.compaction_proactiveness = 0\n[variant b]\n",
		"[hugetlb]\n[variant a]\nvm.dirty_ratio = 5\n",
	};
	struct suite s;
	char *errs;

	(void)state;
	if (access("/proc/sys/vm/compaction_proactiveness", F_OK) ||
	    access("/proc/sys/vm/watermark_boost_factor", F_OK))
		skip();
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(capture("t.ini", ok[i], &s, &errs), 0);
		assert_string_equal(errs, "");
		free(errs);
		suite_free(&s);
	}
}

static void test_long_line(void **state)
{
	char *text = xasprintf("[idle]\n[suite]\ndescription = %0300d\n", 0);

	(void)state;
	expect_error(text, 3, "line too long");
	free(text);
}

/* Errors inside an ignored (bad) section are not piled on. */
static void test_no_cascade(void **state)
{
	(void)state;
	expect_error("[nosuch]\nx = 1\ny = 2\n[idle]\n", 1, "unknown section [nosuch]");
	expect_error("[idle\nx = 1\n[idle]\n", 1, "section header without ']'");
}

static void test_knobs(void **state)
{
	static const char *const refused[] = {
		"/etc/passwd", "/proc/sys/../../etc/passwd", "/proc/sys/vm/../../../etc/shadow",
		"/proc/sys//vm/dirty_ratio", "/sys/kernel/mm/../../../etc/passwd",
		"/sys/kernel/debug/x", "/proc/self/oom_score_adj", "/proc/sysrq-trigger",
		"/proc/sys/", "vm..dirty_ratio", "../etc/passwd", ".vm.dirty_ratio",
		"vm/dirty_ratio", "vm.dirty ratio", "/proc/sys/vm/./dirty_ratio", "relative/path",
	};
	struct suite s;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		char *text = xasprintf("[idle]\n[variant v]\n%s = 1\n", refused[i]);
		char *errs = errors_of(text), *want = xasprintf("t.ini:3: '%s' is not a knob",
								refused[i]);

		if (strncmp(errs, want, strlen(want)))
			fail_msg("'%s' should be refused as not a knob, got: %s", refused[i], errs);
		free(want);
		free(errs);
		free(text);
	}
	expect_error("[idle]\n[variant v]\nvm.no_such_knob = 1\n", 3,
		     "knob 'vm.no_such_knob' does not exist on this machine "
		     "(/proc/sys/vm/no_such_knob: ");
	expect_error("[idle]\n[variant v]\n/sys/kernel/mm/no_such_knob = 1\n", 3,
		     "does not exist on this machine");
	/* a directory is not a knob */
	expect_error("[idle]\n[variant v]\nvm = 1\n", 3, "/proc/sys/vm is not a file");
	/* the same knob by two names */
	expect_error("[idle]\n[variant v]\nvm.dirty_ratio = 5\n/proc/sys/vm/dirty_ratio = 6\n", 4,
		     "/proc/sys/vm/dirty_ratio is set twice in [variant v] (first at line 3)");
	if (!access("/proc/sys/vm/drop_caches", F_OK))
		expect_error("[idle]\n[variant v]\nvm.drop_caches = 3\n", 3, "is write-only");
	if (!access("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", F_OK))
		expect_error("[idle]\n[variant v]\n"
			     "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size = 4096\n", 3,
			     "is read-only");
	if (!access(THP_DEFRAG, R_OK))
		expect_error("[idle]\n[variant v]\n" THP_DEFRAG " = sometimes\n", 3,
			     "'sometimes' is not one of: always, defer, defer+madvise, madvise, never");

	/* sysctl names resolve; the same knob in two variants is fine */
	parse_ok("[idle]\n[variant a]\nvm.dirty_ratio = 5\nkernel.pid_max = 32768\n"
		 "[variant b]\nvm.dirty_ratio = 10\n", &s);
	assert_int_equal(s.nvariants, 2);
	assert_string_equal(s.variants[0].knobs[1].path, "/proc/sys/kernel/pid_max");
	assert_string_equal(s.variants[1].knobs[0].value, "10");
	assert_int_equal(s.variants[1].line, 5);
	suite_free(&s);
}

/* [kernel NAME] sections, and where a suite that boots kernels checks its knobs. */
static void test_kernels(void **state)
{
	static const char boots[] = "[idle]\n[variant v]\nvm.no_such_knob = 1\n"
				    "[kernel old]\nimage = a.deb\nappend = quiet x=1\n"
				    "memory = 2G\ncpus = 2\n[kernel new]\nimage = /b/bzImage\n";
	struct suite s;
	char *errs;

	(void)state;
	/* the knobs are the booted kernels' to check: here only their names */
	parse_ok(boots, &s);
	assert_true(suite_boots(&s));
	assert_int_equal(s.nkernels, 2);
	assert_string_equal(s.kernels[0].name, "old");
	assert_string_equal(s.kernels[0].image, "a.deb");
	assert_string_equal(s.kernels[0].append, "quiet x=1");
	assert_int_equal(s.kernels[0].memory, 2ULL << 30);
	assert_int_equal(s.kernels[0].cpus, 2);
	assert_int_equal(s.kernels[0].line, 4);
	assert_string_equal(s.kernels[1].image, "/b/bzImage");
	assert_null(s.kernels[1].append);
	assert_int_equal(s.kernels[1].memory, 0);
	assert_int_equal(s.kernels[1].cpus, 0);
	assert_string_equal(s.variants[0].knobs[0].path, "/proc/sys/vm/no_such_knob");
	suite_free(&s);
	/* ... and the booted kernel does check them */
	assert_int_equal(capture_flags("t.ini", boots, &s, &errs, SUITE_GUEST), -EINVAL);
	assert_non_null(strstr(errs, "t.ini:3: knob 'vm.no_such_knob' does not exist"));
	free(errs);
	/* --kernel on the command line: the same, without a [kernel] section */
	assert_int_equal(capture_flags("t.ini", "[idle]\n[variant v]\nvm.no_such_knob = 1\n", &s,
				       &errs, SUITE_BOOTS), 0);
	assert_string_equal(errs, "");
	assert_false(suite_boots(&s));
	free(errs);
	suite_free(&s);
	expect_error("[idle]\n[kernel]\nimage = a\n", 2, "[kernel] needs a name: [kernel NAME]");
	expect_error("[idle]\n[kernel a/b]\nimage = a\n", 2, "kernel name 'a/b' is not a plain name");
	expect_error("[idle]\n[kernel a]\nimage = x\n[kernel a]\nimage = y\n", 4,
		     "[kernel a] appears twice (first at line 2)");
	expect_error("[idle]\n[kernel a]\nappend = x\n", 2, "[kernel a] needs image = KERNEL");
	expect_error("[idle]\n[kernel a]\nimage = x\nimage = y\n", 4, "image is set twice");
	expect_error("[idle]\n[kernel a]\nimage = x\nmemory = 50%\n", 4,
		     "memory takes an absolute size");
	expect_error("[idle]\n[kernel a]\nimage = x\nmemory = 64M\n", 4, "memory: '64M' is not");
	expect_error("[idle]\n[kernel a]\nimage = x\ncpus = 0\n", 4, "cpus: '0' is not between");
	expect_error("[idle]\n[kernel a]\nimage = x\nsmp = 2\n", 4,
		     "unknown key 'smp' in [kernel a] (valid keys: image, append, memory, cpus)");
}

static void test_collectors(void **state)
{
	const struct collector *c = collectors[0];
	char *text;
	struct suite s;

	(void)state;
	if (!c)
		skip();		/* none registered yet: lands with collectors/ (col-proc) */
	text = xasprintf("[suite]\ninterval_ms = 200\ncollectors = %s\n[idle]\n", c->name);
	parse_ok(text, &s);
	free(text);
	assert_int_equal(s.ncollectors, 1);
	assert_ptr_equal(s.collectors[0].c, c);
	assert_int_equal(s.collectors[0].interval_ms, 200);	/* the suite's interval */
	assert_null(s.collectors[0].events);
	suite_free(&s);

	/* a section enables and configures its collector; events lines accumulate */
	parse_ok("[suite]\ncollectors = none\n[collector perf]\ninterval_ms = 500\n"
		 "events = +kmem:mm_page_alloc, -page-faults\nevents = +cs\n[idle]\n", &s);
	assert_int_equal(s.ncollectors, 1);
	assert_ptr_equal(s.collectors[0].c, collector_find("perf"));
	assert_int_equal(s.collectors[0].interval_ms, 500);
	assert_string_equal(s.collectors[0].events, "+kmem:mm_page_alloc, -page-faults,+cs");
	suite_free(&s);

	text = xasprintf("[suite]\ncollectors = %s,%s\n[idle]\n", c->name, c->name);
	expect_error(text, 2, "is listed twice");
	free(text);
	text = xasprintf("[collector %s]\ninterval_ms = 5\n[idle]\n", c->name);
	expect_error(text, 2, "interval_ms: '5' is not a number of milliseconds");
	free(text);
	expect_error("[collector stalls]\nevents = a b\n[idle]\n", 2,
		     "events: 'a b' is not an event name");
	text = xasprintf("[collector %s]\nrate = 1\n[idle]\n", c->name);
	expect_error(text, 2, "unknown key 'rate'");
	free(text);
}

/* The runner's keys in a workload section must not shadow a workload's option. */
/*
 * `events` is checked by the collector (check_cfg) line by line: a name it
 * does not know, or the removal of one the list does not hold, is an error
 * at the line that brought it in; a collector without events refuses the
 * key.  The fixture has one such line after another.
 */
static void test_events(void **state)
{
	static const struct expected_error expected[] = {
		{ 9, "events: unknown event 'nosuch:event'" },
		{ 10, "events: cannot remove 'compaction': not in the event list" },
		{ 14, "events: cannot remove 'notindefaults': not in the event list" },
		{ 17, "unknown key 'events' in [collector vmstat] (valid keys: interval_ms)" },
	};
	char *errs, tdir[4096];
	struct suite s;

	(void)state;
	expect_fixture_errors("tests/fixtures/suites/events-bad.ini", expected,
			      ARRAY_SIZE(expected));

	/* a list valid line by line, then a plain item: the earlier removal no longer applies */
	expect_error("[idle]\n[collector perf]\nevents = -page-faults\nevents = cs\n", 4,
		     "events: cannot remove 'page-faults': not in the event list");
	expect_error("[idle]\n[collector stalls]\nevents = -direct_reclaim, -memcg_reclaim, "
		     "-compaction, -balance_dirty_pages, -throttled\n", 3, "leaves no event");
	/* the stall kinds are a closed set; the removal of a default is fine */
	parse_ok("[idle]\n[collector stalls]\nevents = -compaction\nevents = +compaction\n", &s);
	assert_string_equal(s.collectors[s.ncollectors - 1].events, "-compaction,+compaction");
	suite_free(&s);

	/*
	 * A perf tracepoint this kernel lacks is skipped, not fatal (one suite
	 * serves kernels that renamed one), but said at once, with the line:
	 * when tracefs is mounted, since checking mounts nothing.
	 */
	assert_int_equal(capture("t.ini", "[idle]\n[collector perf]\nevents = +page-faults\n"
				 "events = +nosuch:event\n", &s, &errs), 0);
	if (col_tracefs_mounted(tdir, sizeof(tdir)))
		assert_string_equal(errs, "t.ini:3: warning: perf: this kernel has no tracepoint "
			    "'nosuch:event' (not counted)\n");
	else
		print_message("# tracefs is not mounted: no load-time check of tracepoints\n");
	free(errs);
	suite_free(&s);
}

static void test_runner_keys_free(void **state)
{
	static const char *const keys[] = { "timeout", "scale", "memcg_limit" };

	(void)state;
	for (size_t i = 0; workloads[i]; i++)
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			if (opts_find(workloads[i]->opts, keys[k]))
				fail_msg("workload %s has an option '%s', which the runner takes",
					 workloads[i]->name, keys[k]);
}

static bool suite_has(const struct suite *s, const struct workload *wl)
{
	for (size_t i = 0; i < s->nworkloads; i++)
		if (s->workloads[i].wl == wl)
			return true;
	return false;
}

static void test_builtins(void **state)
{
	const char *const *names = suite_builtin_names();
	bool quick = false, nightly = false;

	(void)state;
	for (size_t i = 0; names[i]; i++) {
		char *errs, *key = xasprintf("runner/suites/%s.ini", names[i]), *file;
		const char *text = embed_find(key, NULL);
		struct suite s;
		int ret = capture(names[i], NULL, &s, &errs);

		if (ret)
			fail_msg("built-in suite %s does not load:\n%s", names[i], errs);
		assert_string_equal(errs, "");
		file = xasprintf("builtin:%s", names[i]);
		assert_string_equal(s.file, file);
		assert_non_null(text);
		assert_string_equal(s.text, text);
		assert_string_equal(s.name, names[i]);
		assert_true(*s.description);
		/* every workload is in both built-in suites */
		for (size_t w = 0; workloads[w]; w++)
			if (!suite_has(&s, workloads[w]))
				fail_msg("built-in suite %s lacks workload %s", names[i],
					 workloads[w]->name);
		if (!strcmp(names[i], "quick")) {
			quick = true;
			assert_true(s.nvariants >= 2);	/* a real A/B */
			assert_true(s.iterations >= 3);
		}
		if (!strcmp(names[i], "nightly")) {
			nightly = true;
			/* README: `-l stock` names the set, so no variants */
			assert_int_equal(s.nvariants, 0);
		}
		suite_free(&s);
		free(file);
		free(key);
		free(errs);
	}
	assert_true(quick);
	assert_true(nightly);
}

/* The temporary suite file of test_load_errors, removed even when it fails. */
static char load_path[] = "/tmp/mmab-test-suite-XXXXXX.ini";

static int unlink_load_path(void **state)
{
	(void)state;
	if (strstr(load_path, "XXXXXX") == NULL)
		unlink(load_path);
	return 0;
}

static void test_load_errors(void **state)
{
	char *path = load_path;
	struct suite s;
	char *errs;
	int fd;

	(void)state;
	assert_int_equal(capture("no-such-suite", NULL, &s, &errs), -ENOENT);
	assert_non_null(strstr(errs, "no suite 'no-such-suite'"));
	assert_non_null(strstr(errs, "quick"));
	assert_non_null(strstr(errs, "nightly"));
	free(errs);
	assert_int_equal(capture("/nonexistent/x.ini", NULL, &s, &errs), -ENOENT);
	assert_non_null(strstr(errs, "/nonexistent/x.ini"));
	free(errs);

	/* a file: errors name it */
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[idle]\nduration = x\n", 20), 20);
	close(fd);
	assert_int_equal(capture(path, NULL, &s, &errs), -EINVAL);
	{
		char *want = xasprintf("%s:2: duration: 'x'", path);

		assert_non_null(strstr(errs, want));
		free(want);
	}
	free(errs);
	/* a NUL byte: not a text file */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "[idle]\n\0\n", 9), 9);
	close(fd);
	assert_int_equal(capture(path, NULL, &s, &errs), -EINVAL);
	assert_non_null(strstr(errs, ":2: NUL byte"));
	free(errs);
	/* a good one, and the name taken from the file */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "[idle]\n", 7), 7);
	close(fd);
	assert_int_equal(capture(path, NULL, &s, &errs), 0);
	assert_string_equal(s.file, path);
	assert_true(!strncmp(s.name, "mmab-test-suite-", 16));
	assert_null(strstr(s.name, ".ini"));
	suite_free(&s);
	free(errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_everything_fixture),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_syntax_variants),
		cmocka_unit_test(test_errors_fixture),
		cmocka_unit_test(test_each_error),
		cmocka_unit_test(test_background_keep),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_no_cascade),
		cmocka_unit_test(test_knobs),
		cmocka_unit_test(test_kernels),
		cmocka_unit_test(test_collectors),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_runner_keys_free),
		cmocka_unit_test(test_builtins),
		cmocka_unit_test_teardown(test_load_errors, unlink_load_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

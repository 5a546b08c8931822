/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for collectors/perf.c and the event list edits of
 * collectors/tracing.c.  The parser reads output of this machine's perf 6.1
 * captured with the collector's own options (tests/fixtures/perf/, see
 * capture.sh there): -j and -x, lines, perf's messages, "<not supported>",
 * "<not counted>", the partial interval perf prints on SIGINT, and
 * truncated and garbage input.  Expected times and counts in the alignment
 * tests are worked out by hand from the fixture's numbers in the comments.
 *
 * As root, with the machine lock: the collector around a child that faults
 * memory, dirties and syncs a file and asks for compaction; page faults
 * must cover the child's own (getrusage) and stay within the machine's
 * (/proc/vmstat pgfault read around the collector: other processes fault
 * too, the machine is shared), compaction must have begun in every
 * populated zone, and no perf process or tracefs mount may be left behind.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "collectors/perf.h"
#include "collectors/tracing.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "tests/unit/machine.h"

extern const struct collector col_perf;

static char *fixture(const char *name)
{
	char *dir = xstrdup(__FILE__), *path, *buf;

	*strrchr(dir, '/') = '\0';
	path = xasprintf("%s/../fixtures/perf/%s", dir, name);
	assert_int_equal(mmab_read_file(path, &buf, NULL), 0);
	free(path);
	free(dir);
	return buf;
}

/* the fixtures' events, as capture.sh gave them to perf */
static const char *const fixture_event_names[] = {
	"vmscan:mm_vmscan_direct_reclaim_begin", "vmscan:mm_vmscan_kswapd_wake",
	"vmscan:mm_vmscan_write_folio", "vmscan:mm_vmscan_throttled",
	"compaction:mm_compaction_begin", "compaction:mm_compaction_end",
	"compaction:mm_compaction_kcompactd_wake", "kmem:mm_page_alloc_extfrag",
	"writeback:balance_dirty_pages", "writeback:writeback_dirty_folio", "page-faults",
	"cycles", NULL
};
#define fixture_events ((char *const *)fixture_event_names)

struct parsed {
	size_t readings, messages, bad, unsupported, not_counted;
	double pf_first;	/* page-faults of the first interval */
	double ts_last;
};

static struct parsed parse_all(char *text, struct perf_series *s, double recv_delay,
			       double ref)
{
	struct parsed p = { .pf_first = NAN };
	char *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct perf_reading r;
		int ret = perf_parse_line(l, fixture_events, &r);

		if (ret < 0) {
			p.bad++;
			continue;
		}
		if (ret == 0) {
			p.messages++;
			continue;
		}
		p.readings++;
		p.unsupported += !r.supported;
		p.not_counted += r.supported && !r.counted;
		if (!strcmp(r.event, "page-faults") && isnan(p.pf_first))
			p.pf_first = r.count;
		p.ts_last = r.ts;
		if (s)
			assert_int_equal(perf_series_add(s, &r, ref + r.ts + recv_delay), 0);
	}
	return p;
}

static void test_parse_json(void **state)
{
	char *text = fixture("perf-6.1-json.txt"), *first;
	struct perf_reading r;
	struct parsed p;

	(void)state;
	/* the first reading, field by field (with its newline) */
	first = strstr(text, "{");
	first = strndup(first, strcspn(first, "\n") + 1);
	assert_int_equal(perf_parse_line(first, NULL, &r), 1);
	free(first);
	assert_float_equal(r.ts, 1.0012599, 1e-9);
	assert_string_equal(r.event, "vmscan:mm_vmscan_direct_reclaim_begin");
	assert_true(r.supported && r.counted);
	assert_float_equal(r.count, 0, 0);
	assert_float_equal(r.runtime_ns, 1672318098, 0);
	p = parse_all(text, NULL, 0, 0);
	/* three intervals of 12 events; "Events disabled", "Events enabled" */
	assert_int_equal(p.readings, 36);
	assert_int_equal(p.messages, 2);
	assert_int_equal(p.bad, 0);
	assert_int_equal(p.unsupported, 3);	/* cycles, each interval */
	assert_int_equal(p.not_counted, 0);
	assert_float_equal(p.pf_first, 412, 0);
	assert_float_equal(p.ts_last, 2.697519559, 1e-9);
	free(text);
}

static void test_parse_csv(void **state)
{
	char *text = fixture("perf-6.1-csv.txt");
	struct perf_reading r;
	struct parsed p;

	(void)state;
	assert_int_equal(perf_parse_line("     1.001553097,3,,compaction:mm_compaction_begin,"
					 "1656344422,100.00,,", fixture_events, &r), 1);
	assert_string_equal(r.event, "compaction:mm_compaction_begin");
	assert_float_equal(r.count, 3, 0);
	assert_float_equal(r.runtime_ns, 1656344422, 0);
	assert_float_equal(r.ts, 1.001553097, 1e-12);
	/* the layout may grow in front (a CPU column with -A): found by name */
	assert_int_equal(perf_parse_line("1.5,CPU0,7,,page-faults,100,100.00", fixture_events, &r),
			 1);
	assert_float_equal(r.count, 7, 0);
	p = parse_all(text, NULL, 0, 0);
	assert_int_equal(p.readings, 36);
	assert_int_equal(p.messages, 2);
	assert_int_equal(p.bad, 0);
	assert_int_equal(p.unsupported, 3);
	assert_float_equal(p.pf_first, 421, 0);
	assert_float_equal(p.ts_last, 2.568958376, 1e-12);
	free(text);
}

static void test_parse_garbage(void **state)
{
	char *text = fixture("perf-6.1-json.txt"), *unknown = fixture("perf-6.1-unknown-event.txt");
	struct perf_reading r;
	struct parsed p;
	char line[64];

	(void)state;
	/* truncated in the middle of a line: that line is bad, the rest parses */
	text[3000] = '\0';
	p = parse_all(text, NULL, 0, 0);
	assert_int_equal(p.bad, 1);
	assert_true(p.readings > 5);
	/* perf's error for an unknown event: messages only */
	p = parse_all(unknown, NULL, 0, 0);
	assert_int_equal(p.readings, 0);
	assert_int_equal(p.bad, 0);
	assert_int_equal(perf_parse_line("{\"interval\" : 1.0, \"counter-value\" : \"1\"}", NULL, &r),
			 -EINVAL);
	assert_int_equal(perf_parse_line("{\"interval\" : 1.0, \"counter-value\" : \"x1\", "
					 "\"event\" : \"a\"}", NULL, &r), -EINVAL);
	assert_int_equal(perf_parse_line("{\"interval\" : -1.0, \"counter-value\" : \"1\", "
					 "\"event\" : \"a\"}", NULL, &r), -EINVAL);
	assert_int_equal(perf_parse_line("{\"interval\" : 1.0, \"counter-value\" : \"-3\", "
					 "\"event\" : \"a\"}", NULL, &r), -EINVAL);
	assert_int_equal(perf_parse_line("{ not json", NULL, &r), -EINVAL);
	assert_int_equal(perf_parse_line("1.0,5,,no-such-event,1,100.00", fixture_events, &r),
			 -EINVAL);
	assert_int_equal(perf_parse_line("1.0,page-faults", fixture_events, &r), -EINVAL);
	assert_int_equal(perf_parse_line("1.0,abc,,page-faults,1,100.00", fixture_events, &r),
			 -EINVAL);
	assert_int_equal(perf_parse_line("", fixture_events, &r), 0);
	assert_int_equal(perf_parse_line("Events enabled", fixture_events, &r), 0);
	/* every byte value in the first position: no crash */
	for (int c = 1; c < 256; c++) {
		snprintf(line, sizeof(line), "%c1.0,1,,page-faults,1,100.00", c);
		assert_true(perf_parse_line(line, fixture_events, &r) <= 1);
	}
	free(text);
	free(unknown);
}

/* read back rows "t,event,count,interval_s,partial" */
struct row {
	double t, count, len;
	int partial;
	char event[128];
	bool has_count;
};

static size_t read_rows(char *csv, struct row *rows, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *l = strtok_r(csv, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
		char *f[5], *p = l;

		if (!strncmp(l, "t,", 2))
			continue;
		for (int i = 0; i < 5; i++) {
			f[i] = p;
			p = strchr(p, ',');
			if (p)
				*p++ = '\0';
			else
				assert_int_equal(i, 4);
		}
		rows[n].t = atof(f[0]);
		snprintf(rows[n].event, sizeof(rows[n].event), "%s", f[1]);
		rows[n].has_count = *f[2] != '\0';
		rows[n].count = atof(f[2]);
		rows[n].len = atof(f[3]);
		rows[n].partial = atoi(f[4]);
		n++;
	}
	return n;
}

static char *write_series(struct perf_series *s, const struct perf_timing *tm,
			  struct perf_result *res)
{
	char *csv = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&csv, &len);

	assert_non_null(f);
	assert_int_equal(perf_series_write(s, f, tm, res), 0);
	fclose(f);
	return csv;
}

static void test_align(void **state)
{
	char *text = fixture("perf-6.1-json.txt"), *csv;
	struct perf_series *s = perf_series_new();
	/*
	 * perf enabled its events at 100.0001 +- 0.0001 (monotonic); the
	 * iteration started at 99.9.  The first interval's longest run time
	 * is 1672318098 ns over 2 CPUs (the second interval's 2003150448 ns
	 * over 2.0028289 - 1.0012599 = 1.001569 s says 2): it ended at
	 * 100.0001 + 0.836159049 = 100.836259049, t = 0.936259049.
	 */
	struct perf_timing tm = {
		.t0 = 99.9, .enable_lo = 100.0, .enable_hi = 100.0002,
		.interval_s = 1.0, .ncpu = 7,
	};
	double ref = 100.836259049 - 1.0012599;
	struct perf_result res;
	struct row rows[64];
	size_t n;

	(void)state;
	/* lines received 0.3 ms after perf read its clock */
	parse_all(text, s, 0.0003, ref);
	csv = write_series(s, &tm, &res);
	n = read_rows(csv, rows, 64);
	/* 3 intervals x 11 supported events; cycles has no rows */
	assert_int_equal(n, 33);
	assert_int_equal(res.rows, 33);
	assert_int_equal(res.intervals, 3);
	assert_string_equal(perf_series_unsupported(s)[0], "cycles");
	assert_null(perf_series_unsupported(s)[1]);
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(rows[i].event, "cycles");
	assert_false(res.from_bound);
	assert_float_equal(res.start_t, 0.1001, 1e-9);
	/* +- 0.1 ms round trip, + (1672318098 - 1672273270) / 2 ns enable spread */
	assert_float_equal(res.align_err_s, 0.0001 + 0.000022414, 1e-9);
	assert_float_equal(rows[0].t, 0.936259, 1e-6);
	assert_float_equal(rows[0].len, 0.836159, 1e-6);
	assert_string_equal(rows[10].event, "page-faults");
	assert_float_equal(rows[10].count, 412, 0);
	/* second interval: + 1.001569 s */
	assert_float_equal(rows[11].t, 1.937828, 1e-6);
	assert_float_equal(rows[11].len, 1.001569, 1e-6);
	assert_int_equal(rows[11].partial, 0);
	/* the SIGINT interval: 2.697519559 - 2.0028289 = 0.694690659 s, partial */
	assert_float_equal(rows[32].t, 0.936259049 + 2.697519559 - 1.0012599, 1e-6);
	assert_float_equal(rows[32].len, 0.694691, 1e-6);
	assert_int_equal(rows[32].partial, 1);
	assert_true(res.partial);
	assert_float_equal(rows[32].count, 2473, 0);

	/*
	 * Lines received the instant perf read its clock: the bound says the
	 * enable came no later than 100.0001, so it lay in [100.0, 100.0001].
	 */
	perf_series_free(s);
	s = perf_series_new();
	free(text);
	text = fixture("perf-6.1-json.txt");
	parse_all(text, s, 0, ref);
	free(csv);
	csv = write_series(s, &tm, &res);
	n = read_rows(csv, rows, 64);
	assert_false(res.from_bound);
	assert_float_equal(res.start_t, 0.10005, 1e-9);
	assert_float_equal(res.align_err_s, 0.00005 + 0.000022414, 1e-9);
	assert_float_equal(rows[0].t, 0.936209, 1e-6);

	/* with a nominal interval of 0.5 s, 0.69 s is a whole interval */
	free(csv);
	tm.interval_s = 0.5;
	csv = write_series(s, &tm, &res);
	n = read_rows(csv, rows, 64);
	assert_int_equal(n, 33);
	assert_int_equal(rows[32].partial, 0);
	assert_false(res.partial);
	free(csv);
	perf_series_free(s);
	free(text);
}

static void test_align_late_enable(void **state)
{
	char *text = fixture("perf-6.1-json-late-enable.txt"), *csv;
	struct perf_series *s = perf_series_new();
	/*
	 * Enabled after perf's first interval, which is all "<not counted>"
	 * and dropped.  The next one counted 1055882742 ns over 2 CPUs (the
	 * last: 1535899883 ns in 0.767997647 s: 2 CPUs), so with the enable
	 * at 50.0 it ended at 50.527941371, t = 0.527941371 with t0 = 50.0.
	 */
	struct perf_timing tm = {
		.t0 = 50.0, .enable_lo = 50.0, .enable_hi = 50.0,
		.interval_s = 1.0, .ncpu = 1,
	};
	struct perf_result res;
	struct row rows[64];
	size_t n;

	(void)state;
	parse_all(text, s, 0.001, 50.527941371 - 2.0028617);
	csv = write_series(s, &tm, &res);
	n = read_rows(csv, rows, 64);
	assert_int_equal(n, 22);
	assert_int_equal(res.intervals, 2);
	assert_float_equal(rows[0].t, 0.527941, 1e-6);
	assert_float_equal(rows[0].len, 0.527941, 1e-6);
	assert_float_equal(rows[11].t, 0.527941371 + 0.767997647, 1e-6);
	assert_int_equal(rows[11].partial, 1);
	assert_float_equal(res.start_t, 0, 1e-9);
	free(csv);
	perf_series_free(s);
	free(text);
}

static void test_align_bound(void **state)
{
	char *text = fixture("perf-6.1-json.txt"), *csv;
	struct perf_series *s = perf_series_new();
	/*
	 * Lines received before the run times say perf could have read them:
	 * perf read late (by 0.334899 s, as 10.5 - 0.165100 = 10.334899 is
	 * where the run time puts ref).  The bound wins, with that much error.
	 */
	struct perf_timing tm = {
		.t0 = 10.0, .enable_lo = 10.5, .enable_hi = 10.5,
		.interval_s = 1.0, .ncpu = 2,
	};
	struct perf_result res;
	struct row rows[64];

	(void)state;
	/* received at ref + ts with ref = 10.0: earlier than 10.5 + 0.836 */
	parse_all(text, s, 0, 10.0);
	csv = write_series(s, &tm, &res);
	assert_int_equal(read_rows(csv, rows, 64), 33);
	assert_true(res.from_bound);
	assert_float_equal(res.align_err_s, 10.5 + 0.836159049 - 1.0012599 - 10.0 + 0.000022414,
			   1e-9);
	assert_float_equal(rows[0].t, 1.0012599, 1e-6);
	/* counting cannot have started before "enable" */
	assert_float_equal(res.start_t, 0.5, 1e-9);
	assert_float_equal(rows[0].len, 0.5012599, 1e-6);
	free(csv);
	perf_series_free(s);
	free(text);
}

static void test_series_order(void **state)
{
	struct perf_series *s = perf_series_new();
	struct perf_reading r = { .ts = 2.0, .event = "a", .count = 1, .supported = true,
				  .counted = true, .runtime_ns = 1e9 };
	struct perf_timing tm = { .t0 = 0, .interval_s = 1.0, .ncpu = 1 };
	struct perf_result res;
	char *csv;

	(void)state;
	assert_int_equal(perf_series_add(s, &r, 2.0), 0);
	r.ts = 1.0;
	assert_int_equal(perf_series_add(s, &r, 2.0), -EINVAL);
	perf_series_free(s);
	/* nothing counted: no rows, no error */
	s = perf_series_new();
	csv = write_series(s, &tm, &res);
	assert_string_equal(csv, "");
	assert_int_equal(res.rows, 0);
	assert_true(isnan(res.start_t));
	free(csv);
	perf_series_free(s);
}

/* ---- event list edits ---- */

static const char *const defaults[] = { "a:x", "b:y", "page-faults", NULL };

static char *edit(const char *spec, const char *const *known)
{
	char **list, err[256], *joined = xstrdup("");

	if (col_events_edit(defaults, spec, known, &list, err, sizeof(err))) {
		free(joined);
		return xasprintf("error: %s", err);
	}
	for (size_t i = 0; list[i]; i++) {
		char *j = xasprintf("%s%s%s", joined, i ? " " : "", list[i]);

		free(joined);
		joined = j;
	}
	col_events_free(list);
	return joined;
}

#define assert_edit(spec, known, want)			\
	do {						\
		char *got_ = edit(spec, known);		\
		assert_string_equal(got_, want);	\
		free(got_);				\
	} while (0)

static void test_events_edit(void **state)
{
	static const char *const known[] = { "a:x", "b:y", "page-faults", "c:z", NULL };
	char *e;

	(void)state;
	assert_edit(NULL, NULL, "a:x b:y page-faults");
	assert_edit("  ", NULL, "a:x b:y page-faults");
	assert_edit("+kmem:mm_page_alloc, -page-faults", NULL, "a:x b:y kmem:mm_page_alloc");
	assert_edit("+a:x", NULL, "a:x b:y page-faults");		/* already there */
	assert_edit("c:z, a:x", NULL, "c:z a:x");			/* replaces */
	assert_edit("c:z,a:x,-c:z,+d:w", NULL, "a:x d:w");
	assert_edit(" cpu/event=0x3c,umask=0/ , {e:1,e:2}", NULL,
		    "cpu/event=0x3c,umask=0/ {e:1,e:2}");
	assert_edit("-a:x,-b:y,-page-faults,+c:z", known, "c:z");
	e = edit("-nope", NULL);
	assert_non_null(strstr(e, "not in the event list"));
	free(e);
	e = edit("-a:x,-b:y,-page-faults", NULL);
	assert_non_null(strstr(e, "leaves no event"));
	free(e);
	e = edit("+d:w", known);
	assert_non_null(strstr(e, "unknown event 'd:w'"));
	free(e);
	e = edit("cpu/event=1", NULL);
	assert_non_null(strstr(e, "unbalanced"));
	free(e);
	e = edit("+a b", NULL);
	assert_non_null(strstr(e, "bad event name"));
	free(e);
	e = edit("+", NULL);
	assert_non_null(strstr(e, "bad event name"));
	free(e);
}

static void test_check_cfg(void **state)
{
	struct collector_cfg cfg = { .c = &col_perf, .events = "+kmem:mm_page_alloc" };
	char why[256];

	(void)state;
	assert_int_equal(col_perf.check_cfg(&cfg, why, sizeof(why)), 0);
	cfg.events = "-nope";
	assert_int_equal(col_perf.check_cfg(&cfg, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "nope"));
	cfg.events = NULL;
	cfg.interval_ms = 5;
	assert_int_equal(col_perf.check_cfg(&cfg, why, sizeof(why)), -EINVAL);
	assert_int_equal(col_perf.check_cfg(NULL, why, sizeof(why)), 0);
}

/* ---- for real ---- */

#define CHILD_PAGES 20000

/* fault CHILD_PAGES pages, dirty and sync 8 MiB of a file, compact memory */
static void __attribute__((noreturn)) workload_child(const char *dir)
{
	char *mem = mmap(NULL, CHILD_PAGES * 4096UL, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *path = xasprintf("%s/dirty", dir), buf[65536];
	int fd;

	if (mem == MAP_FAILED)
		_exit(2);
	madvise(mem, CHILD_PAGES * 4096UL, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < CHILD_PAGES; i++)
		mem[i * 4096] = 1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		_exit(3);
	memset(buf, 0x5a, sizeof(buf));
	for (int i = 0; i < 128; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			_exit(4);
	fsync(fd);
	close(fd);
	unlink(path);
	if (mmab_write_file("/proc/sys/vm/compact_memory", "1"))
		_exit(5);
	_exit(0);
}

/* the collector under test: static, so a teardown can close it after a failed assertion */
static struct {
	struct collector_cfg cfg;
	struct collector_inst ci;
	char *csv;
	size_t len;
	char dir[64];
} live;

static void live_open(const char *events, unsigned interval_ms)
{
	live.cfg = (struct collector_cfg){ .c = &col_perf, .events = events };
	live.ci = (struct collector_inst){ .c = &col_perf, .cfg = &live.cfg,
					   .interval_ms = interval_ms };
	live.ci.out = open_memstream(&live.csv, &live.len);
	live.ci.t0 = mmab_now();
	assert_int_equal(col_perf.open(&live.ci), 0);
}

/* close; returns when that was, in s since t0 */
static double live_close(void)
{
	double t;

	assert_int_equal(col_perf.close(&live.ci, mmab_now() - live.ci.t0), 0);
	t = mmab_now() - live.ci.t0;
	fclose(live.ci.out);
	live.ci.out = NULL;
	return t;
}

static int live_teardown(void **state)
{
	(void)state;
	if (live.ci.priv)
		col_perf.close(&live.ci, 0);
	if (live.ci.out)
		fclose(live.ci.out);
	if (*live.dir)
		mmab_rm_rf(live.dir);
	free(live.csv);
	memset(&live, 0, sizeof(live));
	return 0;
}

static void test_live(void **state)
{
	static struct row rows[4096];
	double sum_pf = 0, sum_cb = 0, sum_wb = 0, t_end, last_t = -1;
	bool mounted = machine_tracefs_mounted();
	struct rusage ru;
	size_t n, n_cs = 0;
	long long pgfault0, pgfault1;
	int status;
	pid_t pid;

	(void)state;
	if (!machine_ready("perf", col_perf.available))
		skip();
	snprintf(live.dir, sizeof(live.dir), "/tmp/mmab-test-perf.XXXXXX");
	assert_non_null(mkdtemp(live.dir));
	/* cs:u is context switches in user mode (a modifier), not a tracepoint */
	pgfault0 = mem_vmstat("pgfault");
	live_open("+cycles,+nosuchsys:nosuchevent,+vmscan:nosuchevent,+cs:u", 200);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		workload_child(live.dir);
	assert_int_equal(wait4(pid, &status, 0, &ru), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	usleep(300 * 1000);
	t_end = live_close();
	pgfault1 = mem_vmstat("pgfault");

	assert_int_equal(machine_children(), 0);
	assert_int_equal(machine_tracefs_mounted(), mounted);
	assert_true(!strncmp(live.csv, "t,event,count,interval_s,partial\n", 33));
	n = read_rows(live.csv, rows, 4096);
	assert_true(n >= 12);
	for (size_t i = 0; i < n; i++) {
		assert_string_not_equal(rows[i].event, "cycles");
		assert_string_not_equal(rows[i].event, "nosuchsys:nosuchevent");
		assert_string_not_equal(rows[i].event, "vmscan:nosuchevent");
		n_cs += !strncmp(rows[i].event, "cs", 2);
		assert_true(rows[i].has_count);
		assert_true(rows[i].t >= last_t);
		assert_true(rows[i].t <= t_end);
		/* counting began after the iteration started */
		assert_true(rows[i].t - rows[i].len >= 0);
		/* the partial flag follows the rule: only the last, only when short */
		assert_int_equal(rows[i].partial, i >= n - 12 && rows[i].len < 0.99 * 0.2);
		last_t = rows[i].t;
		if (!strcmp(rows[i].event, "page-faults"))
			sum_pf += rows[i].count;
		if (!strcmp(rows[i].event, "compaction:mm_compaction_begin"))
			sum_cb += rows[i].count;
		if (!strcmp(rows[i].event, "writeback:writeback_dirty_folio"))
			sum_wb += rows[i].count;
	}
	print_message("# perf: %zu rows, counting from t=%.3f s; page-faults %.0f (child %ld, "
		      "vmstat pgfault around it %lld); compaction begins %.0f (%d zones); "
		      "dirtied folios %.0f\n", n, rows[0].t - rows[0].len, sum_pf,
		      ru.ru_minflt + ru.ru_majflt, pgfault1 - pgfault0, sum_cb,
		      machine_populated_zones(), sum_wb);
	/*
	 * Every fault of the child, and no more than the whole machine took
	 * from before open to after close (vmstat counts a retried fault
	 * twice, perf once, so vmstat is the larger; the slack covers faults
	 * perf counts that never reach handle_mm_fault, such as bad addresses).
	 */
	assert_true(sum_pf >= ru.ru_minflt + ru.ru_majflt);
	assert_true(sum_pf <= pgfault1 - pgfault0 + 100);
	assert_true(sum_cb >= machine_populated_zones());
	assert_true(sum_wb > 0);
	assert_int_equal(n_cs, n / 12);
}

static void test_live_short(void **state)
{
	struct row rows[64];
	size_t n;

	(void)state;
	if (!machine_ready("perf", col_perf.available))
		skip();
	/* stopped 0.1 s into a 1 s interval: one partial interval */
	live_open(NULL, 1000);
	usleep(100 * 1000);
	live_close();
	n = read_rows(live.csv, rows, 64);
	assert_int_equal(n, 11);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(rows[i].partial, 1);
		assert_true(rows[i].len > 0.05 && rows[i].len < 0.5);
	}
	assert_int_equal(machine_children(), 0);
}

static void test_live_refused(void **state)
{
	bool mounted = machine_tracefs_mounted();

	(void)state;
	if (!machine_ready("perf", col_perf.available))
		skip();
	/* perf refuses an event it cannot parse: open fails, says why, leaves nothing */
	live.cfg = (struct collector_cfg){ .c = &col_perf, .events = "+no-such-event" };
	live.ci = (struct collector_inst){ .c = &col_perf, .cfg = &live.cfg, .interval_ms = 100 };
	live.ci.out = open_memstream(&live.csv, &live.len);
	live.ci.t0 = mmab_now();
	assert_int_equal(col_perf.open(&live.ci), -EIO);
	print_message("# perf: %s\n", live.ci.err);
	assert_non_null(strstr(live.ci.err, "no-such-event"));
	assert_null(live.ci.priv);
	assert_int_equal(machine_children(), 0);
	assert_int_equal(machine_tracefs_mounted(), mounted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_json),
		cmocka_unit_test(test_parse_csv),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_align),
		cmocka_unit_test(test_align_late_enable),
		cmocka_unit_test(test_align_bound),
		cmocka_unit_test(test_series_order),
		cmocka_unit_test(test_events_edit),
		cmocka_unit_test(test_check_cfg),
		cmocka_unit_test_teardown(test_live, live_teardown),
		cmocka_unit_test_teardown(test_live_short, live_teardown),
		cmocka_unit_test_teardown(test_live_refused, live_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

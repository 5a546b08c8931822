/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the /proc parsers of collectors/ (proc.h), fed fixture
 * files (tests/fixtures/proc/README.md says where each comes from): this
 * machine's files, older formats, truncated and garbage input.  The
 * fragmentation indices are checked against debugfs output captured at the
 * same moment as the buddyinfo fixture, against values worked out by hand
 * from the kernel's formulas, and (as root) against the live debugfs files;
 * pagetypeinfo is checked against buddyinfo live (the free lists of every
 * migratetype add up to buddyinfo's counts).  Every parser is also fed
 * every prefix of every fixture and corrupted copies: an error with a
 * message or a success, never a crash.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/proc.h"
#include "lib/mmab.h"
#include "tests/unit/machine.h"

static char fixdir[PATH_MAX + 64];

/* The fixture NAME, NUL-terminated; *len its length.  The caller frees. */
static char *fixture(const char *name, size_t *len)
{
	char *path = xasprintf("%s/%s", fixdir, name), *buf;
	size_t n;

	if (mmab_read_file(path, &buf, &n))
		fail_msg("cannot read fixture '%s'", path);
	free(path);
	if (len)
		*len = n;
	return buf;
}

static char *rb_text(struct rowbuf *b)
{
	char *s = xasprintf("%.*s", (int)b->len, b->p);

	b->len = 0;
	return s;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- row formatting ---- */

static void test_rowbuf(void **state)
{
	struct rowbuf b = { 0 };
	char *s;

	(void)state;
	rb_time(&b, 0);
	rb_putc(&b, ' ');
	rb_time(&b, 1.5);
	rb_putc(&b, ' ');
	rb_time(&b, 123.4567891);
	rb_putc(&b, ' ');
	rb_time(&b, 0.0000004);
	rb_putc(&b, ' ');
	rb_time(&b, 0.0000006);
	rb_putc(&b, ' ');
	rb_u64(&b, UINT64_MAX);
	rb_putc(&b, ' ');
	rb_i64(&b, INT64_MIN);
	rb_putc(&b, ' ');
	rb_milli(&b, -1000);
	rb_putc(&b, ' ');
	rb_milli(&b, 66);
	rb_putc(&b, ' ');
	rb_milli(&b, -500);
	rb_putc(&b, ' ');
	rb_milli(&b, 1000);
	rb_putc(&b, ' ');
	rb_field(&b, "plain", 5);
	rb_putc(&b, ' ');
	rb_field(&b, "a,b\"c", 5);
	s = rb_text(&b);
	assert_string_equal(s, "0.000000 1.500000 123.456789 0.000000 0.000001 "
			       "18446744073709551615 -9223372036854775808 -1.000 0.066 -0.500 "
			       "1.000 plain \"a,b\"\"c\"");
	free(s);
	rb_free(&b);
}

/* ---- vmstat and meminfo ---- */

/* "t," + every value of a "name value" file, in file order: the row expected. */
static char *expected_row(const char *text, const char *t, bool meminfo)
{
	char *copy = xstrdup(text), *save = NULL, *out = xstrdup(t);

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[128], *n;
		long long v;

		assert_int_equal(sscanf(l, meminfo ? "%127[^:]: %lld" : "%127s %lld", name, &v), 2);
		n = xasprintf("%s,%lld", out, v);
		free(out);
		out = n;
	}
	free(copy);
	{
		char *n = xasprintf("%s\n", out);

		free(out);
		out = n;
	}
	return out;
}

static void check_kv_fixture(const char *name, enum kv_style style, size_t min_cols)
{
	struct kv_table t;
	struct rowbuf b = { 0 };
	char err[256], *text, *row, *want;
	size_t len;

	text = fixture(name, &len);
	assert_int_equal(kv_init(&t, style, name, text, len, err, sizeof(err)), 0);
	assert_int_equal(t.n, count_lines(text));
	assert_true(t.n >= min_cols);
	assert_int_equal(kv_parse(&t, name, text, len, err, sizeof(err)), 0);
	kv_row(&t, 2.25, &b);
	row = rb_text(&b);
	want = expected_row(text, "2.250000", style == KV_MEMINFO);
	assert_string_equal(row, want);
	free(row);
	free(want);
	kv_free(&t);
	rb_free(&b);
	free(text);
}

static void test_vmstat_fixture(void **state)
{
	(void)state;
	check_kv_fixture("vmstat-6.18", KV_VMSTAT, 150);
}

static void test_meminfo_fixture(void **state)
{
	struct kv_table t;
	struct rowbuf b = { 0 };
	char err[256], *text, *hdr;
	size_t len;

	(void)state;
	check_kv_fixture("meminfo-6.18", KV_MEMINFO, 40);
	text = fixture("meminfo-6.18", &len);
	assert_int_equal(kv_init(&t, KV_MEMINFO, "m", text, len, err, sizeof(err)), 0);
	kv_header(&t, &b);
	hdr = rb_text(&b);
	assert_memory_equal(hdr, "t,MemTotal,MemFree,MemAvailable,", 32);
	assert_non_null(strstr(hdr, ",Active(anon),"));
	/* HugePages_* are counts (no kB), kept as the kernel prints them */
	assert_non_null(strstr(hdr, ",HugePages_Total,HugePages_Free,"));
	assert_non_null(strstr(text, "HugePages_Total:       0\n"));
	free(hdr);
	kv_free(&t);
	rb_free(&b);
	free(text);
}

/* The field of column NAME in the row ROW under header HDR ("" when empty). */
static char *field(const char *hdr, const char *row, const char *name)
{
	char *h = xstrdup(hdr), *r = xstrdup(row), *hs = NULL, *out = NULL;
	char *hf = strtok_r(h, ",\n", &hs), *rp = r;

	while (hf) {
		char *comma = strpbrk(rp, ",\n");

		if (comma)
			*comma = '\0';
		if (!strcmp(hf, name)) {
			out = xstrdup(rp);
			break;
		}
		rp = comma ? comma + 1 : rp + strlen(rp);
		hf = strtok_r(NULL, ",\n", &hs);
	}
	free(h);
	free(r);
	return out;
}

static void header_and_row(const char *hfile, const char *rfile, enum kv_style style,
			   char **hdr, char **row)
{
	struct kv_table t;
	struct rowbuf b = { 0 };
	char err[256], *ht, *rt;
	size_t hl, rl;

	ht = fixture(hfile, &hl);
	rt = fixture(rfile, &rl);
	assert_int_equal(kv_init(&t, style, hfile, ht, hl, err, sizeof(err)), 0);
	assert_int_equal(kv_parse(&t, rfile, rt, rl, err, sizeof(err)), 0);
	kv_header(&t, &b);
	*hdr = rb_text(&b);
	kv_row(&t, 1, &b);
	*row = rb_text(&b);
	kv_free(&t);
	rb_free(&b);
	free(ht);
	free(rt);
}

static void assert_field(const char *hdr, const char *row, const char *name, const char *want)
{
	char *f = field(hdr, row, name);

	if (!want) {
		if (f)
			fail_msg("column '%s' should not exist, holds '%s'", name, f);
		return;
	}
	if (!f)
		fail_msg("no column '%s'", name);
	assert_string_equal(f, want);
	free(f);
}

static void test_kv_counters_come_and_go(void **state)
{
	char *hdr, *row;

	(void)state;
	/* columns of 6.18, values of an older kernel: vanished -> empty, new -> ignored */
	header_and_row("vmstat-6.18", "vmstat-old", KV_VMSTAT, &hdr, &row);
	assert_field(hdr, row, "nr_free_pages_blocks", "");
	assert_field(hdr, row, "allocstall_normal", "");
	assert_field(hdr, row, "pgscan_direct", "");
	assert_field(hdr, row, "nr_free_pages", "1054874");
	assert_field(hdr, row, "pgfault", "4707920");
	assert_field(hdr, row, "allocstall", NULL);
	assert_field(hdr, row, "pgscan_direct_normal", NULL);
	/* thp_fault_alloc moved in the older file: found by name, not position */
	assert_field(hdr, row, "thp_fault_alloc", "12");
	free(hdr);
	free(row);
	/* and the other way round */
	header_and_row("vmstat-old", "vmstat-6.18", KV_VMSTAT, &hdr, &row);
	assert_field(hdr, row, "allocstall", "");
	assert_field(hdr, row, "pgscan_direct_normal", "");
	assert_field(hdr, row, "thp_fault_alloc", "0");
	assert_field(hdr, row, "pgscan_direct", NULL);
	free(hdr);
	free(row);
	header_and_row("meminfo-6.18", "meminfo-old", KV_MEMINFO, &hdr, &row);
	assert_field(hdr, row, "KReclaimable", "");
	assert_field(hdr, row, "MemTotal", "24684096");
	assert_field(hdr, row, "Quicklists", NULL);
	free(hdr);
	free(row);
}

/* PARSE must fail on fixture NAME with a message containing every NEEDLE. */
typedef int (*parse_fn)(const char *file, const char *text, size_t len, char *err,
			size_t errlen);

static void expect_error(parse_fn parse, const char *name, ...)
{
	char err[256] = "", *text;
	const char *needle;
	size_t len;
	va_list ap;

	text = fixture(name, &len);
	assert_int_equal(parse(name, text, len, err, sizeof(err)), -EINVAL);
	print_message("# %s -> %s\n", name, err);
	va_start(ap, name);
	while ((needle = va_arg(ap, const char *)))
		if (!strstr(err, needle))
			fail_msg("'%s' lacks '%s'", err, needle);
	va_end(ap);
	free(text);
}

static int parse_vmstat(const char *file, const char *text, size_t len, char *err,
			size_t errlen)
{
	struct kv_table t;
	int r = kv_init(&t, KV_VMSTAT, file, text, len, err, errlen);

	if (!r) {
		r = kv_parse(&t, file, text, len, err, errlen);
		kv_free(&t);
	}
	return r;
}

static int parse_meminfo(const char *file, const char *text, size_t len, char *err,
			 size_t errlen)
{
	struct kv_table t;
	int r = kv_init(&t, KV_MEMINFO, file, text, len, err, errlen);

	if (!r) {
		r = kv_parse(&t, file, text, len, err, errlen);
		kv_free(&t);
	}
	return r;
}

/* kv_parse alone, with columns from the 6.18 file: what every later sample does. */
static int parse_vmstat_sample(const char *file, const char *text, size_t len, char *err,
			       size_t errlen)
{
	struct kv_table t;
	size_t hl;
	char *h = fixture("vmstat-6.18", &hl);
	int r;

	assert_int_equal(kv_init(&t, KV_VMSTAT, "h", h, hl, err, errlen), 0);
	r = kv_parse(&t, file, text, len, err, errlen);
	kv_free(&t);
	free(h);
	return r;
}

static void test_kv_errors(void **state)
{
	(void)state;
	expect_error(parse_vmstat, "vmstat-garbage", "vmstat-garbage:96:", "pgfault",
		     "not a number", NULL);
	expect_error(parse_vmstat, "vmstat-truncated", "vmstat-truncated:", "truncated", NULL);
	expect_error(parse_vmstat, "empty", "empty: empty", NULL);
	expect_error(parse_vmstat, "random-bytes", "random-bytes:", NULL);
	expect_error(parse_vmstat, "meminfo-6.18", "meminfo-6.18:1:", "name value", NULL);
	expect_error(parse_vmstat_sample, "vmstat-garbage", "vmstat-garbage:96:", NULL);
	expect_error(parse_vmstat_sample, "empty", "empty", NULL);
	expect_error(parse_vmstat_sample, "meminfo-6.18", "meminfo-6.18:1:", NULL);
	/* a file of only unknown counters is not a sample */
	expect_error(parse_vmstat_sample, "pressure-cpu-old", "pressure-cpu-old:1:", NULL);
	expect_error(parse_meminfo, "meminfo-garbage", "meminfo-garbage:2:", "MemFree", NULL);
	expect_error(parse_meminfo, "meminfo-truncated", "truncated", NULL);
	expect_error(parse_meminfo, "vmstat-6.18", "vmstat-6.18:1:", NULL);
	expect_error(parse_meminfo, "random-bytes", "random-bytes:", NULL);
	{
		static const char dup[] = "a 1\nb 2\na 3\n";
		struct kv_table t;
		char err[256];

		assert_int_equal(kv_init(&t, KV_VMSTAT, "dup", dup, strlen(dup), err, sizeof(err)),
				 -EINVAL);
		assert_string_equal(err, "dup:3: 'a' appears twice");
		assert_int_equal(kv_init(&t, KV_VMSTAT, "ok", dup, 8, err, sizeof(err)), 0);
		assert_int_equal(kv_parse(&t, "dup", dup, strlen(dup), err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "dup:3: 'a' appears twice");
		kv_free(&t);
	}
}

/* ---- buddyinfo ---- */

/* Zone Z's line of debugfs extfrag/unusable_index or extfrag_index, as the kernel prints it. */
static void kernel_line(char *buf, size_t len, const struct buddy_zone *z, bool extfrag)
{
	size_t o = (size_t)snprintf(buf, len, "Node %d, zone %8s ", z->node, z->zone);

	for (int i = 0; i < z->norders; i++) {
		int idx = extfrag ? buddy_fragmentation_index(z, i) : buddy_unusable_index(z, i);

		o += (size_t)snprintf(buf + o, len - o, extfrag ? "%2d.%03d " : "%d.%03d ",
				      idx / 1000, idx % 1000);
	}
	snprintf(buf + o, len - o, "\n");
}

/* Our indices for BUDDY, printed the kernel's way, must equal the debugfs texts. */
static bool indices_match(const char *buddy, size_t blen, const char *unusable,
			  const char *extfrag, bool report)
{
	struct buddy_info bi = { 0 };
	char err[256], line[512];
	size_t uo = 0, eo = 0;
	bool ok = true;

	assert_int_equal(buddy_parse(&bi, "buddyinfo", buddy, blen, err, sizeof(err)), 0);
	for (size_t i = 0; i < bi.n && ok; i++) {
		kernel_line(line, sizeof(line), &bi.z[i], false);
		if (strncmp(unusable + uo, line, strlen(line))) {
			ok = false;
			if (report)
				print_message("# unusable: want %s# got  %.*s", line,
					      (int)strlen(line), unusable + uo);
		}
		uo += strlen(line);
		kernel_line(line, sizeof(line), &bi.z[i], true);
		if (ok && strncmp(extfrag + eo, line, strlen(line))) {
			ok = false;
			if (report)
				print_message("# extfrag: want %s# got  %.*s", line,
					      (int)strlen(line), extfrag + eo);
		}
		eo += strlen(line);
	}
	ok = ok && !unusable[uo] && !extfrag[eo];
	buddy_free(&bi);
	return ok;
}

static void test_buddy_fixture(void **state)
{
	char *b, *u, *e;
	size_t bl;

	(void)state;
	b = fixture("buddyinfo-6.18", &bl);
	u = fixture("unusable_index-6.18", NULL);
	e = fixture("extfrag_index-6.18", NULL);
	assert_true(indices_match(b, bl, u, e, true));
	free(b);
	free(u);
	free(e);
}

static void test_buddy_by_hand(void **state)
{
	struct buddy_info bi = { 0 };
	char err[256], *text;
	size_t len;
	const struct buddy_zone *dma32, *n1, *empty, *movable;

	(void)state;
	text = fixture("buddyinfo-2node", &len);
	assert_int_equal(buddy_parse(&bi, "b", text, len, err, sizeof(err)), 0);
	assert_int_equal(bi.n, 5);
	dma32 = &bi.z[1];
	empty = &bi.z[2];
	n1 = &bi.z[3];
	movable = &bi.z[4];
	assert_string_equal(dma32->zone, "DMA32");
	assert_int_equal(n1->node, 1);
	assert_string_equal(movable->zone, "Movable");

	/* DMA32: blocks 5 3 2 1 at orders 0-3: F = 5 + 6 + 8 + 8 = 27 pages in B = 11 blocks */
	assert_int_equal(buddy_free_pages(dma32), 27);
	assert_int_equal(buddy_unusable_index(dma32, 0), 0);
	/* order 1: suitable = 3 + 2*2 + 1*4 = 11 blocks = 22 pages; (27-22)*1000/27 = 185 */
	assert_int_equal(buddy_unusable_index(dma32, 1), 185);
	/* order 2: 2 + 1*2 = 4 blocks = 16 pages; 11000/27 = 407 */
	assert_int_equal(buddy_unusable_index(dma32, 2), 407);
	/* order 3: 1 block = 8 pages; 19000/27 = 703 */
	assert_int_equal(buddy_unusable_index(dma32, 3), 703);
	assert_int_equal(buddy_unusable_index(dma32, 4), 1000);
	/* orders 0-3 would succeed: -1000 */
	assert_int_equal(buddy_fragmentation_index(dma32, 3), -1000);
	/* order 4: 1000 - (1000 + 27000/16) / 11 = 1000 - 2687/11 = 1000 - 244 = 756 */
	assert_int_equal(buddy_fragmentation_index(dma32, 4), 756);
	/* order 5: 27000/32 = 843; 1843/11 = 167; 833 */
	assert_int_equal(buddy_fragmentation_index(dma32, 5), 833);
	/* order 10: 27000/1024 = 26; 1026/11 = 93; 907 */
	assert_int_equal(buddy_fragmentation_index(dma32, 10), 907);
	/* node 1 Normal: 120 40 10 2 1: F = 120+80+40+16+16 = 272, B = 173;
	 * order 5: 272000/32 = 8500; 9500/173 = 54; 946 */
	assert_int_equal(buddy_free_pages(n1), 272);
	assert_int_equal(buddy_fragmentation_index(n1, 5), 946);
	/* nothing free: unusable 1000 (the kernel's convention), fragmentation 0 */
	assert_int_equal(buddy_unusable_index(empty, 0), 1000);
	assert_int_equal(buddy_fragmentation_index(empty, 0), 0);
	/* one order-10 block: every order succeeds */
	assert_int_equal(buddy_unusable_index(movable, 10), 0);
	assert_int_equal(buddy_fragmentation_index(movable, 0), -1000);
	assert_int_equal(buddy_fragmentation_index(movable, 10), -1000);
	{
		/* one order-0 block asked for order 1: the kernel's formula gives -500 */
		struct buddy_zone z = { .norders = 11, .blocks = { 1 } };

		assert_int_equal(buddy_fragmentation_index(&z, 1), -500);
	}

	free(text);

	/* 64 KiB pages: 14 orders */
	text = fixture("buddyinfo-14orders", &len);
	assert_int_equal(buddy_parse(&bi, "b", text, len, err, sizeof(err)), 0);
	assert_int_equal(bi.n, 2);
	assert_int_equal(bi.z[1].norders, 14);
	assert_int_equal(bi.z[1].blocks[13], 9);
	buddy_free(&bi);
	free(text);
}

static void test_buddy_rows(void **state)
{
	struct buddy_info bi = { 0 };
	struct rowbuf b = { 0 };
	char err[256], *text, *rows;
	size_t len;

	(void)state;
	text = fixture("buddyinfo-6.18", &len);
	assert_int_equal(buddy_parse(&bi, "b", text, len, err, sizeof(err)), 0);
	buddy_header(&b);
	buddy_rows(&bi, 0.1, &b);
	rows = rb_text(&b);
	assert_int_equal(count_lines(rows), 1 + 3 * 11);
	assert_memory_equal(rows, "t,node,zone,order,free_blocks,free_pages,unusable_index,"
			    "fragmentation_index\n0.100000,0,DMA,0,0,3840,0.000,-1.000\n", 93);
	/* Normal, order 10: 133 blocks; F = sum b_i 2^i of the fixture's Normal line */
	assert_non_null(strstr(rows, "\n0.100000,0,Normal,10,133,"));
	assert_non_null(strstr(rows, "\n0.100000,0,Normal,9,25,"));
	{
		char want[128];
		uint64_t f = 6023 + 3985 * 2 + 1864 * 4 + 1493 * 8 + 1399 * 16 + 680 * 32 +
			     257 * 64 + 125 * 128 + 79 * 256 + 25 * 512 + 133 * 1024;

		snprintf(want, sizeof(want), "0.100000,0,Normal,10,133,%llu,0.512,-1.000\n",
			 (unsigned long long)f);
		assert_non_null(strstr(rows, want));
	}
	free(rows);
	rb_free(&b);
	buddy_free(&bi);
	free(text);
}

/* Rows of TEXT at T from a fresh buddy_info: what the cached rows must equal. */
static char *fresh_rows(const char *text, double t)
{
	struct buddy_info bi = { 0 };
	struct rowbuf b = { 0 };
	char err[256], *rows;

	assert_int_equal(buddy_parse(&bi, "b", text, strlen(text), err, sizeof(err)), 0);
	buddy_rows(&bi, t, &b);
	rows = rb_text(&b);
	rb_free(&b);
	buddy_free(&bi);
	return rows;
}

/*
 * buddy_parse reuses a zone's parse while its line stays, buddy_rows its rows
 * while its counts stay: never stale.
 */
static void test_buddy_rows_cache(void **state)
{
	const char *names[] = { "buddyinfo-6.18", NULL, "buddyinfo-2node", "buddyinfo-6.18",
				"buddyinfo-14orders", "buddyinfo-6.18", "buddyinfo-6.18" };
	struct buddy_info bi = { 0 };
	struct rowbuf b = { 0 };
	char err[256], *text[ARRAY_SIZE(names)];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (names[i]) {
			text[i] = fixture(names[i], NULL);
			continue;
		}
		/* the 6.18 file with one Normal count changed */
		text[i] = xstrdup(text[0]);
		memcpy(strstr(text[i], "Normal   6023") + 9, "6024", 4);
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *rows, *want = fresh_rows(text[i], 0.5 * (double)i);

		assert_int_equal(buddy_parse(&bi, "b", text[i], strlen(text[i]), err, sizeof(err)),
				 0);
		buddy_rows(&bi, 0.5 * (double)i, &b);
		rows = rb_text(&b);
		assert_string_equal(rows, want);
		free(rows);
		free(want);
	}
	{
		/* a read that fails half-way, then a good one: nothing stale survives */
		char *bad = fixture("buddyinfo-garbage", NULL), *rows;
		char *want = fresh_rows(text[1], 9);

		assert_int_equal(buddy_parse(&bi, "b", bad, strlen(bad), err, sizeof(err)),
				 -EINVAL);
		assert_int_equal(buddy_parse(&bi, "b", text[1], strlen(text[1]), err,
					     sizeof(err)), 0);
		buddy_rows(&bi, 9, &b);
		rows = rb_text(&b);
		assert_string_equal(rows, want);
		free(rows);
		free(want);
		free(bad);
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		free(text[i]);
	rb_free(&b);
	buddy_free(&bi);
}

static int parse_buddy(const char *file, const char *text, size_t len, char *err,
		       size_t errlen)
{
	struct buddy_info bi = { 0 };
	int r = buddy_parse(&bi, file, text, len, err, errlen);

	buddy_free(&bi);
	return r;
}

static void test_buddy_errors(void **state)
{
	(void)state;
	expect_error(parse_buddy, "buddyinfo-garbage", "buddyinfo-garbage:2:",
		     "not a number: 'x'", NULL);
	expect_error(parse_buddy, "buddyinfo-truncated", "truncated", NULL);
	expect_error(parse_buddy, "empty", "empty", NULL);
	expect_error(parse_buddy, "random-bytes", "random-bytes:1:", NULL);
	expect_error(parse_buddy, "vmstat-6.18", "vmstat-6.18:1:", "Node", NULL);
	expect_error(parse_buddy, "unusable_index-6.18", "unusable_index-6.18:1:", NULL);
	{
		static const char mixed[] = "Node 0, zone DMA 1 2 3\nNode 0, zone Normal 1 2\n";
		static const char many[] = "Node 0, zone DMA 1 2 3 4 5 6 7 8 9 10 11 12 13 14 "
					   "15 16 17\n";
		char err[256];

		assert_int_equal(parse_buddy("m", mixed, strlen(mixed), err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "m:2: 2 orders, the first zone had 3");
		assert_int_equal(parse_buddy("m", many, strlen(many), err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "m:1: more than 16 orders");
	}
}

/* Run FN with debugfs mounted (mounting it if needed, unmounting only then). */
static void with_debugfs(void (*fn)(void))
{
	bool mounted = false;

	/* mounting debugfs is a change to the machine: under its lock only */
	if (!mmab_is_root() || !machine_ready("debugfs", NULL))
		skip();
	if (access("/sys/kernel/debug/extfrag", F_OK)) {
		if (mount("none", "/sys/kernel/debug", "debugfs", 0, NULL) && errno != EBUSY) {
			print_message("# cannot mount debugfs: %s\n", strerror(errno));
			skip();
		}
		mounted = access("/sys/kernel/debug/extfrag", F_OK) == 0;
		if (!mounted) {
			umount("/sys/kernel/debug");
			print_message("# no debugfs extfrag files (CONFIG_COMPACTION?)\n");
			skip();
		}
	}
	fn();
	if (mounted && umount("/sys/kernel/debug"))
		print_message("# cannot unmount debugfs: %s\n", strerror(errno));
}

static void live_extfrag(void)
{
	int tries;

	/* Memory moves between reads: retry until buddyinfo is the same on both sides. */
	for (tries = 1; tries <= 500; tries++) {
		char *b1, *b2, *u, *e;
		size_t l1, l2;
		bool same, ok = false;

		assert_int_equal(mmab_read_file("/proc/buddyinfo", &b1, &l1), 0);
		assert_int_equal(mmab_read_file("/sys/kernel/debug/extfrag/unusable_index", &u,
						NULL), 0);
		assert_int_equal(mmab_read_file("/sys/kernel/debug/extfrag/extfrag_index", &e,
						NULL), 0);
		assert_int_equal(mmab_read_file("/proc/buddyinfo", &b2, &l2), 0);
		same = l1 == l2 && !memcmp(b1, b2, l1);
		if (same)
			ok = indices_match(b1, l1, u, e, false);
		if (same && !ok)
			assert_true(indices_match(b1, l1, u, e, true));
		free(b1);
		free(b2);
		free(u);
		free(e);
		if (ok)
			break;
	}
	print_message("# live debugfs extfrag agreed after %d read(s)\n", tries);
	assert_true(tries <= 500);
}

static void test_buddy_live_debugfs(void **state)
{
	(void)state;
	with_debugfs(live_extfrag);
}

/* ---- pagetypeinfo ---- */

static void test_pagetype_fixture(void **state)
{
	struct pagetype_info pi = { 0 };
	struct rowbuf b = { 0 };
	char err[256], *text, *rows;
	size_t len;

	(void)state;
	text = fixture("pagetypeinfo-6.18", &len);
	assert_int_equal(pagetype_parse(&pi, "p", text, len, err, sizeof(err)), 0);
	assert_int_equal(pi.pageblock_order, 9);
	assert_int_equal(pi.norders, 11);
	assert_int_equal(pi.nfree, 3 * 5);
	assert_int_equal(pi.nblk, 3);
	assert_string_equal(pi.free[11].zone, "Normal");
	assert_string_equal(pi.free[11].type, "Movable");
	assert_int_equal(pi.free[11].blocks[0], 6439);
	assert_int_equal(pi.free[11].blocks[10], 133);
	assert_int_equal(pi.free[11].capped, 0);
	assert_int_equal(pi.blk[2].ntypes, 5);
	assert_string_equal(pi.blk[2].type[2], "Reclaimable");
	assert_int_equal(pi.blk[1].count[1], 1528);
	pagetype_free_header(&b);
	pagetype_free_rows(&pi, 1, &b);
	rows = rb_text(&b);
	assert_int_equal(count_lines(rows), 1 + 15 * 11);
	assert_non_null(strstr(rows, "\n1.000000,0,Normal,Movable,10,133,0\n"));
	free(rows);
	pagetype_block_header(&b);
	pagetype_block_rows(&pi, 1, &b);
	rows = rb_text(&b);
	assert_int_equal(count_lines(rows), 1 + 3 * 5);
	assert_memory_equal(rows, "t,node,zone,migratetype,pageblocks\n"
			    "1.000000,0,DMA,Unmovable,1\n", 61);
	free(rows);
	rb_free(&b);
	pagetype_free(&pi);
	free(text);
}

static void test_pagetype_old(void **state)
{
	struct pagetype_info pi = { 0 };
	struct rowbuf b = { 0 };
	char err[256], *text, *rows;
	size_t len;

	(void)state;
	text = fixture("pagetypeinfo-old", &len);
	assert_int_equal(pagetype_parse(&pi, "p", text, len, err, sizeof(err)), 0);
	/* two node sections; the mixed-blocks tables are skipped */
	assert_int_equal(pi.nfree, 2 * 6 + 6);
	assert_int_equal(pi.nblk, 3);
	assert_int_equal(pi.free[12].node, 1);
	assert_string_equal(pi.free[14].type, "Movable");
	assert_int_equal(pi.free[14].blocks[10], 1000);
	assert_string_equal(pi.blk[1].type[3], "Reserve");
	assert_int_equal(pi.blk[1].count[3], 2);
	assert_int_equal(pi.blk[2].node, 1);
	assert_int_equal(pi.blk[2].count[2], 1530);
	/* ">100000": the kernel stopped counting */
	assert_string_equal(pi.free[8].type, "Movable");
	assert_int_equal(pi.free[8].capped, 1);
	assert_int_equal(pi.free[8].blocks[0], 100000);
	pagetype_free_rows(&pi, 0, &b);
	rows = rb_text(&b);
	assert_non_null(strstr(rows, "0.000000,0,Normal,Movable,0,100000,1\n"));
	assert_non_null(strstr(rows, "0.000000,0,Normal,Movable,1,314,0\n"));
	free(rows);
	rb_free(&b);
	pagetype_free(&pi);
	free(text);
}

static int parse_pagetype(const char *file, const char *text, size_t len, char *err,
			  size_t errlen)
{
	struct pagetype_info pi = { 0 };
	int r = pagetype_parse(&pi, file, text, len, err, errlen);

	pagetype_free(&pi);
	return r;
}

static void test_pagetype_errors(void **state)
{
	(void)state;
	expect_error(parse_pagetype, "pagetypeinfo-garbage", "pagetypeinfo-garbage:16:",
		     "10 counts for 11 orders", NULL);
	expect_error(parse_pagetype, "pagetypeinfo-truncated", "truncated", NULL);
	expect_error(parse_pagetype, "empty", "no free block counts", NULL);
	expect_error(parse_pagetype, "random-bytes", "random-bytes:1:", NULL);
	expect_error(parse_pagetype, "buddyinfo-6.18", "buddyinfo-6.18:1:", NULL);
	expect_error(parse_pagetype, "slabinfo-6.18", "slabinfo-6.18:1:", NULL);
}

/*
 * Free lists of every migratetype add up to buddyinfo's counts, read at one
 * moment.  A pagetypeinfo read takes milliseconds and the free lists move
 * meanwhile (even when buddyinfo reads the same before and after: a page
 * taken and given back), so this retries for up to 3 s.  A parser that
 * mixed up orders, zones or migratetypes would be off by far more than a
 * busy machine moves in a few milliseconds: the closest read decides.
 */
static void test_pagetype_live_vs_buddyinfo(void **state)
{
	double until = mmab_now() + 3, best = INFINITY;
	int tries;

	(void)state;
	if (!mmab_is_root())
		skip();
	for (tries = 1; mmab_now() < until; tries++) {
		struct pagetype_info pi = { 0 };
		struct buddy_info bi = { 0 };
		char *tb, *tp, err[256];
		size_t lb, lp;
		uint64_t diff = 0, total = 0;

		assert_int_equal(mmab_read_file("/proc/pagetypeinfo", &tp, &lp), 0);
		assert_int_equal(mmab_read_file("/proc/buddyinfo", &tb, &lb), 0);
		assert_int_equal(buddy_parse(&bi, "/proc/buddyinfo", tb, lb, err, sizeof(err)), 0);
		assert_int_equal(pagetype_parse(&pi, "/proc/pagetypeinfo", tp, lp, err,
						sizeof(err)), 0);
		for (size_t z = 0; z < bi.n; z++) {
			for (int o = 0; o < bi.z[z].norders; o++) {
				uint64_t sum = 0, want = bi.z[z].blocks[o];
				bool capped = false;

				for (size_t f = 0; f < pi.nfree; f++) {
					if (pi.free[f].node != bi.z[z].node ||
					    strcmp(pi.free[f].zone, bi.z[z].zone))
						continue;
					sum += pi.free[f].blocks[o];
					capped |= pi.free[f].capped & (1u << o);
				}
				if (!capped)
					diff += sum > want ? sum - want : want - sum;
				total += want;
			}
		}
		buddy_free(&bi);
		pagetype_free(&pi);
		free(tb);
		free(tp);
		if (total && (double)diff / (double)total < best)
			best = (double)diff / (double)total;
		if (!diff)
			break;
	}
	if (best > 0) {
		print_message("# %d reads in 3 s, the closest %.4f%% off\n", tries, best * 100);
		if (best > 0.01)
			fail_msg("pagetypeinfo's free lists do not add up to buddyinfo");
		skip();
	}
	print_message("# pagetypeinfo matched buddyinfo exactly after %d read(s)\n", tries);
}

/* ---- slabinfo ---- */

static void test_slab_fixture(void **state)
{
	struct slab_info si = { 0 };
	struct rowbuf b = { 0 };
	char err[256], *text, *rows;
	size_t len;

	(void)state;
	text = fixture("slabinfo-6.18", &len);
	assert_int_equal(slab_parse(&si, "s", text, len, err, sizeof(err)), 0);
	assert_int_equal(si.n, count_lines(text) - 2);
	assert_int_equal(si.r[2].nlen, 7);
	assert_memory_equal(si.r[2].name, "bio-312", 7);
	assert_int_equal(si.r[2].active_objs, 12);
	assert_int_equal(si.r[2].objsize, 320);
	assert_int_equal(si.r[2].num_slabs, 1);
	slab_header(&b);
	slab_rows(&si, 3, &b);
	rows = rb_text(&b);
	assert_int_equal(count_lines(rows), si.n + 1);
	assert_non_null(strstr(rows, "t,cache,active_objs,num_objs,objsize,objperslab,"
				     "pagesperslab,active_slabs,num_slabs\n3.000000,"
				     "btrfs_delayed_node,0,0,312,13,1,0,0\n"));
	assert_non_null(strstr(rows, "\n3.000000,bio-312,12,12,320,12,1,1,1\n"));
	free(rows);
	rb_free(&b);
	slab_free(&si);
	free(text);

	/* SLAB debug kernels: statistics columns after slabdata are ignored */
	text = fixture("slabinfo-2.1-statistics", &len);
	assert_int_equal(slab_parse(&si, "s", text, len, err, sizeof(err)), 0);
	assert_int_equal(si.n, 3);
	assert_int_equal(si.r[0].active_objs, 280113);
	assert_int_equal(si.r[0].num_objs, 1012340);
	assert_int_equal(si.r[0].num_slabs, 337446);
	slab_free(&si);
	free(text);
}

static char *fresh_slab_rows(const char *text, double t)
{
	struct slab_info si = { 0 };
	struct rowbuf b = { 0 };
	char err[256], *rows;

	assert_int_equal(slab_parse(&si, "s", text, strlen(text), err, sizeof(err)), 0);
	slab_rows(&si, t, &b);
	rows = rb_text(&b);
	rb_free(&b);
	slab_free(&si);
	return rows;
}

/* slabinfo's parse and rows reuse unchanged lines and rows: never stale. */
static void test_slab_cache(void **state)
{
	struct slab_info si = { 0 };
	struct rowbuf b = { 0 };
	char err[256], *base = fixture("slabinfo-6.18", NULL), *text[6], *p;

	(void)state;
	text[0] = xstrdup(base);
	/* one cache's counts change */
	text[1] = xstrdup(base);
	p = strstr(text[1], "\nbio-312 ");
	assert_non_null(p);
	memcpy(strstr(p, " 12     12 ") + 1, "11", 2);
	/* a cache goes away: every line after it moves up */
	text[2] = xstrdup(base);
	p = strstr(text[2], "\nbio-312 ");
	memmove(p + 1, strchr(p + 1, '\n') + 1, strlen(strchr(p + 1, '\n') + 1) + 1);
	text[3] = fixture("slabinfo-2.1-statistics", NULL);
	text[4] = xstrdup(base);
	text[5] = xstrdup(base);
	for (size_t i = 0; i < ARRAY_SIZE(text); i++) {
		char *rows, *want = fresh_slab_rows(text[i], (double)i);

		assert_int_equal(slab_parse(&si, "s", text[i], strlen(text[i]), err, sizeof(err)),
				 0);
		/* the text may be gone by the next read: rows come from this one */
		slab_rows(&si, (double)i, &b);
		rows = rb_text(&b);
		assert_string_equal(rows, want);
		free(rows);
		free(want);
		if (i == 4) {
			/* a read that fails half-way, then a good one */
			char *bad = fixture("slabinfo-garbage", NULL);

			assert_int_equal(slab_parse(&si, "s", bad, strlen(bad), err, sizeof(err)),
					 -EINVAL);
			free(bad);
		}
	}
	assert_non_null(strstr(text[1], "bio-312               11     12"));
	{
		/* no cache at all: no row, no crash */
		static const char none[] = "slabinfo - version: 2.1\n# name <active_objs>\n";

		assert_int_equal(slab_parse(&si, "s", none, strlen(none), err, sizeof(err)), 0);
		assert_int_equal(si.n, 0);
		slab_rows(&si, 1, &b);
		assert_int_equal(b.len, 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(text); i++)
		free(text[i]);
	free(base);
	rb_free(&b);
	slab_free(&si);
}

static int parse_slab(const char *file, const char *text, size_t len, char *err, size_t errlen)
{
	struct slab_info si = { 0 };
	int r = slab_parse(&si, file, text, len, err, errlen);

	slab_free(&si);
	return r;
}

static void test_slab_errors(void **state)
{
	(void)state;
	expect_error(parse_slab, "slabinfo-1.1", "slabinfo-1.1:1:", "unsupported", "'1.1'", NULL);
	expect_error(parse_slab, "slabinfo-garbage", "slabinfo-garbage:6:", ": slabdata", NULL);
	expect_error(parse_slab, "slabinfo-truncated", "truncated", NULL);
	expect_error(parse_slab, "empty", "empty", NULL);
	expect_error(parse_slab, "random-bytes", "random-bytes:1:", NULL);
	expect_error(parse_slab, "vmstat-6.18", "vmstat-6.18:1:", NULL);
}

/* ---- psi ---- */

static void test_psi(void **state)
{
	struct psi_info pi;
	struct rowbuf b = { 0 };
	char err[256], *text, *rows;
	size_t len;

	(void)state;
	text = fixture("pressure-memory-6.18", &len);
	assert_int_equal(psi_parse(&pi, "p", text, len, err, sizeof(err)), 0);
	assert_int_equal(pi.n, 2);
	psi_header(&b);
	psi_rows(&pi, "memory", 0.5, &b);
	rows = rb_text(&b);
	assert_string_equal(rows, "t,resource,kind,avg10,avg60,avg300,total_us\n"
			    "0.500000,memory,some,0.00,0.00,0.00,0\n"
			    "0.500000,memory,full,0.00,0.00,0.00,0\n");
	free(rows);
	free(text);
	text = fixture("pressure-io-6.18", &len);
	assert_int_equal(psi_parse(&pi, "p", text, len, err, sizeof(err)), 0);
	psi_rows(&pi, "io", 12.5, &b);
	rows = rb_text(&b);
	assert_string_equal(rows, "12.500000,io,some,7.48,2.37,0.93,7578287\n"
			    "12.500000,io,full,5.13,1.61,0.72,6713665\n");
	free(rows);
	free(text);
	text = fixture("pressure-cpu-old", &len);
	assert_int_equal(psi_parse(&pi, "p", text, len, err, sizeof(err)), 0);
	assert_int_equal(pi.n, 1);
	psi_rows(&pi, "cpu", 0, &b);
	rows = rb_text(&b);
	assert_string_equal(rows, "0.000000,cpu,some,0.00,0.12,0.34,12345678\n");
	free(rows);
	free(text);
	rb_free(&b);
}

static int parse_psi(const char *file, const char *text, size_t len, char *err, size_t errlen)
{
	struct psi_info pi;

	return psi_parse(&pi, file, text, len, err, errlen);
}

static void test_psi_errors(void **state)
{
	(void)state;
	expect_error(parse_psi, "pressure-garbage", "pressure-garbage:1:", "avg10", NULL);
	expect_error(parse_psi, "empty", "empty", NULL);
	expect_error(parse_psi, "random-bytes", "random-bytes:1:", NULL);
	expect_error(parse_psi, "vmstat-6.18", "vmstat-6.18:1:", NULL);
	{
		static const char twice[] = "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n"
					    "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n";
		static const char cut[] = "some avg10=0.00 avg60=0.00 avg300=0.00 total=1";
		char err[256];

		assert_int_equal(parse_psi("p", twice, strlen(twice), err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "p:2: 'some' twice");
		assert_int_equal(parse_psi("p", cut, strlen(cut), err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "truncated"));
	}
}

/* ---- robustness: every prefix and corrupted copies of every fixture ---- */

static const struct {
	const char *fixture;
	parse_fn parse;
} robust[] = {
	{ "vmstat-6.18", parse_vmstat }, { "vmstat-6.18", parse_vmstat_sample },
	{ "vmstat-old", parse_vmstat_sample }, { "meminfo-6.18", parse_meminfo },
	{ "buddyinfo-6.18", parse_buddy }, { "buddyinfo-2node", parse_buddy },
	{ "pagetypeinfo-6.18", parse_pagetype }, { "pagetypeinfo-old", parse_pagetype },
	{ "slabinfo-6.18", parse_slab }, { "slabinfo-2.1-statistics", parse_slab },
	{ "pressure-memory-6.18", parse_psi }, { "pressure-cpu-6.18", parse_psi },
};

static void check_outcome(parse_fn parse, const char *text, size_t len)
{
	char err[256] = "";
	int r = parse("x", text, len, err, sizeof(err));

	if (r && (r != -EINVAL || !err[0]))
		fail_msg("returned %d with message '%s'", r, err);
}

static void test_never_crash(void **state)
{
	static const char junk[] = { '\0', '\n', ' ', '-', '>', ':', ',', 'x', '9', '\xff' };
	unsigned seed = 12345;

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(robust); f++) {
		size_t len, step;
		char *text = fixture(robust[f].fixture, &len);
		char *copy = xmalloc(len + 1);

		/* every prefix (every 7th byte for the big files): a read cut short */
		step = len > 8192 ? 7 : 1;
		for (size_t n = 0; n <= len; n += step) {
			memcpy(copy, text, n);
			copy[n] = '\0';
			check_outcome(robust[f].parse, copy, n);
		}
		/* one byte replaced by something a parser might trip on */
		for (int i = 0; i < 300; i++) {
			size_t at;

			seed = seed * 1103515245 + 12345;
			at = (seed >> 8) % len;
			memcpy(copy, text, len + 1);
			copy[at] = junk[(seed >> 4) % ARRAY_SIZE(junk)];
			check_outcome(robust[f].parse, copy, len);
		}
		free(copy);
		free(text);
	}
}

static void find_fixtures(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *env = getenv("MMAB_FIXTURES");
	char *slash;

	if (env) {
		snprintf(fixdir, sizeof(fixdir), "%s/proc", env);
		return;
	}
	/* build/tests/test-collectors -> tests/fixtures/proc */
	if (n > 0) {
		exe[n] = '\0';
		for (int up = 0; up < 3 && (slash = strrchr(exe, '/')); up++)
			*slash = '\0';
		snprintf(fixdir, sizeof(fixdir), "%s/tests/fixtures/proc", exe);
		if (!access(fixdir, F_OK))
			return;
	}
	snprintf(fixdir, sizeof(fixdir), "tests/fixtures/proc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rowbuf),
		cmocka_unit_test(test_vmstat_fixture),
		cmocka_unit_test(test_meminfo_fixture),
		cmocka_unit_test(test_kv_counters_come_and_go),
		cmocka_unit_test(test_kv_errors),
		cmocka_unit_test(test_buddy_fixture),
		cmocka_unit_test(test_buddy_by_hand),
		cmocka_unit_test(test_buddy_rows),
		cmocka_unit_test(test_buddy_rows_cache),
		cmocka_unit_test(test_buddy_errors),
		cmocka_unit_test(test_buddy_live_debugfs),
		cmocka_unit_test(test_pagetype_fixture),
		cmocka_unit_test(test_pagetype_old),
		cmocka_unit_test(test_pagetype_errors),
		cmocka_unit_test(test_pagetype_live_vs_buddyinfo),
		cmocka_unit_test(test_slab_fixture),
		cmocka_unit_test(test_slab_errors),
		cmocka_unit_test(test_slab_cache),
		cmocka_unit_test(test_psi),
		cmocka_unit_test(test_psi_errors),
		cmocka_unit_test(test_never_crash),
	};

	find_fixtures();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

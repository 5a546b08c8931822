/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the file-system workloads dirty-mmap and slab and their
 * shared helpers (workloads/wl-io.h): option tables (defaults, limits,
 * choices), the /proc/vmstat, /proc/slabinfo and mountinfo readers on
 * fixtures captured on the test VM (Linux 6.18, ext4) plus truncated and
 * garbage input, and the metric calculations checked against values
 * worked out by hand.
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

#include "lib/machine.h"
#include "lib/mmab.h"
#include "lib/rand.h"
#include "lib/options.h"
#include "workloads/hist.h"
#include "workloads/dirty-mmap.h"
#include "workloads/slab.h"
#include "workloads/wl-io.h"
#include "workloads/workload.h"
#include "tests/unit/wlopts.h"

extern const struct workload wl_dirty_mmap, wl_slab;

static char *fixture(const char *name)
{
	char *path = xasprintf("tests/fixtures/wl-io/%s", name), *buf;

	assert_int_equal(mmab_read_file(path, &buf, NULL), 0);
	free(path);
	return buf;
}

/* ---- option tables ---- */

static void test_tables_complete(void **state)
{
	const struct workload *const wls[] = { &wl_dirty_mmap, &wl_slab };

	(void)state;
	for (size_t w = 0; w < ARRAY_SIZE(wls); w++) {
		const struct workload *wl = wls[w];
		void *priv;

		assert_ptr_equal(workload_find(wl->name), wl);
		assert_non_null(wl->supported);
		assert_non_null(wl->estimate);
		assert_non_null(wl->setup);
		assert_non_null(wl->run);
		assert_non_null(wl->teardown);
		assert_false(wl->flags & WL_NO_BALLAST);	/* global pressure needs the ballast */
		for (const struct opt_spec *o = wl->opts; o->name; o++) {
			assert_non_null(o->help);
			assert_true(o->offset < wl->priv_size);
			if (o->type == OPT_CHOICE)
				assert_non_null(o->choices);
			/* a lower limit without an upper one would reject everything */
			if (o->min != 0)
				assert_true(o->max > o->min);
		}
		priv = defaults_of(wl);
		assert_true(wl->estimate(priv, 1ULL << 30) > 0);
		opts_free(wl->opts, priv);
		free(priv);
	}
}

static void test_dirty_mmap_options(void **state)
{
	void *o = defaults_of(&wl_dirty_mmap);
	char err[512];

	(void)state;
	assert_float_equal(((struct opt_size *)field(&wl_dirty_mmap, o, "size"))->pct, 150, 0);
	assert_int_equal(opt_size_bytes(field(&wl_dirty_mmap, o, "size"), 1ULL << 30),
			 3ULL << 29);
	assert_int_equal(*(long *)field(&wl_dirty_mmap, o, "writers"), 2);
	assert_int_equal(*(int *)field(&wl_dirty_mmap, o, "pattern"), 1);	/* random */
	assert_int_equal(*(long *)field(&wl_dirty_mmap, o, "passes"), 1);
	assert_true(*(bool *)field(&wl_dirty_mmap, o, "msync"));

	assert_int_equal(opts_set(wl_dirty_mmap.opts, o, "pattern", "seq", err, sizeof(err)), 0);
	assert_int_equal(*(int *)field(&wl_dirty_mmap, o, "pattern"), 0);
	assert_int_equal(opts_set(wl_dirty_mmap.opts, o, "pattern", "zigzag", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(opts_set(wl_dirty_mmap.opts, o, "writers", "0", err, sizeof(err)),
			 -ERANGE);
	assert_int_equal(opts_set(wl_dirty_mmap.opts, o, "writers", "8", err, sizeof(err)), 0);
	assert_int_equal(opts_set(wl_dirty_mmap.opts, o, "size", "2G", err, sizeof(err)), 0);
	assert_int_equal(opt_size_bytes(field(&wl_dirty_mmap, o, "size"), 1ULL << 30),
			 2ULL << 30);
	assert_int_equal(opts_set(wl_dirty_mmap.opts, o, "size", "4K", err, sizeof(err)),
			 -ERANGE);
	assert_int_equal(opts_set(wl_dirty_mmap.opts, o, "duration", "90s", err, sizeof(err)), 0);
	assert_float_equal(*(double *)field(&wl_dirty_mmap, o, "duration"), 90, 0);
	assert_int_equal(opts_set(wl_dirty_mmap.opts, o, "layout", "shared", err, sizeof(err)),
			 0);
	assert_int_equal(opts_set(wl_dirty_mmap.opts, o, "madvise", "sequential", err,
				  sizeof(err)), 0);
	assert_int_equal(opts_set(wl_dirty_mmap.opts, o, "dir", "/srv/scratch", err,
				  sizeof(err)), 0);
	assert_string_equal(*(char **)field(&wl_dirty_mmap, o, "dir"), "/srv/scratch");
	assert_int_equal(opts_set(wl_dirty_mmap.opts, o, "threads", "2", err, sizeof(err)),
			 -ENOENT);
	opts_free(wl_dirty_mmap.opts, o);
	free(o);
}

static void test_slab_options(void **state)
{
	void *o = defaults_of(&wl_slab);
	char err[512];

	(void)state;
	assert_float_equal(*(double *)field(&wl_slab, o, "delete_pct"), 75, 0);
	assert_int_equal(opt_size_bytes(field(&wl_slab, o, "file_size"), 1ULL << 30), 1024);
	assert_int_equal(*(int *)field(&wl_slab, o, "pressure"), 0);	/* anon */
	assert_float_equal(*(double *)field(&wl_slab, o, "pressure_pct"), 75, 0);
	assert_string_equal(*(char **)field(&wl_slab, o, "inode_cache"), "auto");
	assert_int_equal(opts_set(wl_slab.opts, o, "delete_pct", "101", err, sizeof(err)),
			 -ERANGE);
	assert_int_equal(opts_set(wl_slab.opts, o, "file_size", "2M", err, sizeof(err)),
			 -ERANGE);
	assert_int_equal(opts_set(wl_slab.opts, o, "file_size", "0", err, sizeof(err)), 0);
	assert_int_equal(opts_set(wl_slab.opts, o, "pressure", "drop_caches", err, sizeof(err)),
			 0);
	assert_int_equal(*(int *)field(&wl_slab, o, "pressure"), 1);
	assert_int_equal(opts_set(wl_slab.opts, o, "pressure", "swap", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(opts_set(wl_slab.opts, o, "per_dir", "0", err, sizeof(err)), -ERANGE);
	assert_int_equal(opts_set(wl_slab.opts, o, "delete_pattern", "stride", err,
				  sizeof(err)), 0);
	opts_free(wl_slab.opts, o);
	free(o);
}

static void test_supported(void **state)
{
	void *d = defaults_of(&wl_dirty_mmap), *s = defaults_of(&wl_slab);
	char why[256] = "", err[256];

	(void)state;
	/* dirty-mmap runs unprivileged (throttle metrics n/a); slab needs slabinfo */
	assert_int_equal(wl_dirty_mmap.supported(d, why, sizeof(why)), 0);
	if (!mmab_is_root()) {
		assert_int_not_equal(wl_slab.supported(s, why, sizeof(why)), 0);
		assert_non_null(strstr(why, "not root"));
	}
	assert_int_equal(opts_set(wl_dirty_mmap.opts, d, "dir", "/nonexistent/mmab", err,
				  sizeof(err)), 0);
	assert_int_not_equal(wl_dirty_mmap.supported(d, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "/nonexistent/mmab"));
	opts_free(wl_dirty_mmap.opts, d);
	opts_free(wl_slab.opts, s);
	free(d);
	free(s);
}

/* ---- /proc/vmstat ---- */

static void test_vmstat_fixture(void **state)
{
	char *t = fixture("vmstat-6.18");

	(void)state;
	/* values as the fixture holds them (grep'd from the file) */
	assert_float_equal(wlio_vmstat_get(t, "nr_dirtied"), 3624316, 0);
	assert_float_equal(wlio_vmstat_get(t, "nr_written"), 3407447, 0);
	assert_float_equal(wlio_vmstat_get(t, "pgscan_kswapd"), 20016919, 0);
	assert_float_equal(wlio_vmstat_get(t, "nr_vmscan_write"), 0, 0);
	/* a prefix of another name is not that name */
	assert_true(isnan(wlio_vmstat_get(t, "pgscan")));
	assert_true(isnan(wlio_vmstat_get(t, "no_such_counter")));
	/* allocstall_{dma,dma32,normal,movable,device}: 0 + 0 + 945 + 8884 + 0 */
	assert_float_equal(wlio_vmstat_sum(t, "allocstall_"), 9829, 0);
	assert_true(isnan(wlio_vmstat_sum(t, "no_such_prefix_")));
	free(t);
}

static void test_vmstat_delta_by_hand(void **state)
{
	const char *a = "pgscan_kswapd 100\npgscan_direct 7\nallocstall_normal 2\n"
			"allocstall_movable 1\npgscan_direct_throttle 9\n";
	const char *b = "pgscan_kswapd 250\npgscan_direct 7\nallocstall_normal 5\n"
			"allocstall_movable 3\npgscan_direct_throttle 9\nnew_counter 1\n";

	(void)state;
	assert_float_equal(wlio_vmstat_delta(a, b, "pgscan_kswapd"), 150, 0);
	/* pgscan_direct is not confused with pgscan_direct_throttle */
	assert_float_equal(wlio_vmstat_delta(a, b, "pgscan_direct"), 0, 0);
	assert_float_equal(wlio_vmstat_sum_delta(a, b, "allocstall_"), 5, 0);
	/* a counter missing on one side is n/a, never 0 */
	assert_true(isnan(wlio_vmstat_delta(a, b, "new_counter")));
	assert_true(isnan(wlio_vmstat_delta(b, a, "new_counter")));
}

static void test_vmstat_bad_input(void **state)
{
	char *t = fixture("vmstat-truncated"), *g = fixture("vmstat-garbage");

	(void)state;
	/* before the cut: there; after it: n/a */
	assert_float_equal(wlio_vmstat_get(t, "nr_dirtied"), 3624316, 0);
	assert_true(isnan(wlio_vmstat_get(t, "pgscan_kswapd")));
	assert_true(isnan(wlio_vmstat_sum(t, "pgsteal_")));
	/* words where numbers belong, names without values, binary noise */
	assert_true(isnan(wlio_vmstat_get(g, "pgscan_kswapd")));
	assert_true(isnan(wlio_vmstat_sum(g, "allocstall_")));
	assert_true(isnan(wlio_vmstat_get(g, "nr_written")));
	assert_true(isnan(wlio_vmstat_get("", "nr_written")));
	free(t);
	free(g);
}

static void test_pct(void **state)
{
	(void)state;
	assert_float_equal(wlio_pct(1, 4), 25, 1e-12);
	assert_float_equal(wlio_pct(0, 4), 0, 0);
	assert_true(isnan(wlio_pct(1, 0)));
	assert_true(isnan(wlio_pct(NAN, 4)));
	assert_true(isnan(wlio_pct(4, NAN)));
}

/* ---- mountinfo and the inode cache ---- */

static void test_mountinfo(void **state)
{
	char *t = fixture("mountinfo-6.18"), type[64];

	(void)state;
	/* the root file system of the test VM: /dev/vda, 254:0 */
	assert_int_equal(machine_mountinfo_fstype(t, 254, 0, type, sizeof(type)), 0);
	assert_string_equal(type, "ext4");
	assert_int_equal(machine_mountinfo_fstype(t, 0, 23, type, sizeof(type)), 0);
	assert_string_equal(type, "tmpfs");
	assert_int_equal(machine_mountinfo_fstype(t, 0, 38, type, sizeof(type)), 0);
	assert_string_equal(type, "cgroup2");
	assert_int_equal(machine_mountinfo_fstype(t, 8, 1, type, sizeof(type)), -ENOENT);
	/* too small a buffer is an error, not a truncated name */
	assert_int_equal(machine_mountinfo_fstype(t, 254, 0, type, 4), -EINVAL);
	free(t);
	/* optional fields before the separator; a separator-less line */
	assert_int_equal(machine_mountinfo_fstype("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 "
					       "shared:7 - xfs /dev/root rw\n", 98, 0, type,
					       sizeof(type)), 0);
	assert_string_equal(type, "xfs");
	assert_int_equal(machine_mountinfo_fstype("36 35 98:0 /mnt1 /mnt2 rw xfs /dev/root rw\n",
					       98, 0, type, sizeof(type)), -EINVAL);
	assert_int_equal(machine_mountinfo_fstype("garbage\n", 98, 0, type, sizeof(type)),
			 -EINVAL);
	assert_int_equal(machine_mountinfo_fstype("", 98, 0, type, sizeof(type)), -ENOENT);
}

static void test_inode_cache(void **state)
{
	(void)state;
	assert_string_equal(wlio_inode_cache("ext4"), "ext4_inode_cache");
	assert_string_equal(wlio_inode_cache("ext3"), "ext4_inode_cache");
	assert_string_equal(wlio_inode_cache("xfs"), "xfs_inode");
	assert_string_equal(wlio_inode_cache("btrfs"), "btrfs_inode");
	assert_null(wlio_inode_cache("zzfs"));
	assert_false(wlio_fs_writes_back("tmpfs"));
	assert_false(wlio_fs_writes_back("ramfs"));
	assert_true(wlio_fs_writes_back("ext4"));
}

/* ---- slabinfo and the slab metrics ---- */

static const char *const names3[] = { "dentry", "ext4_inode_cache", "buffer_head" };

static void test_slabinfo_fixture(void **state)
{
	char *t = fixture("slabinfo-6.18");
	struct slab_cache c[3];

	(void)state;
	assert_int_equal(slabinfo_parse(t, names3, 3, c), 0);
	/* the rows as the fixture holds them */
	assert_string_equal(c[0].name, "dentry");
	assert_int_equal(c[0].active_objs, 6153);
	assert_int_equal(c[0].num_objs, 6153);
	assert_int_equal(c[0].objsize, 192);
	assert_int_equal(c[0].objperslab, 21);
	assert_int_equal(c[0].pagesperslab, 1);
	assert_int_equal(c[0].num_slabs, 293);
	assert_int_equal(c[1].active_objs, 1997);
	assert_int_equal(c[1].num_objs, 2002);
	assert_int_equal(c[1].objsize, 1128);
	assert_int_equal(c[1].pagesperslab, 4);
	assert_int_equal(c[1].num_slabs, 143);
	assert_int_equal(c[2].active_objs, 5157);
	assert_int_equal(c[2].num_objs, 5382);
	assert_int_equal(c[2].num_slabs, 138);
	assert_int_equal(slab_pages(&c[1]), 572);
	assert_float_equal(slab_occupancy_pct(&c[1], 1), 100.0 * 1997 / 2002, 1e-9);
	/* combined: object bytes in use / object bytes of all slots */
	assert_float_equal(slab_occupancy_pct(c, 3),
			   100.0 * (6153.0 * 192 + 1997.0 * 1128 + 5157.0 * 104) /
			   (6153.0 * 192 + 2002.0 * 1128 + 5382.0 * 104), 1e-9);
	free(t);
}

static void test_slabinfo_bad_input(void **state)
{
	char *t = fixture("slabinfo-truncated"), *g = fixture("slabinfo-garbage");
	char *full = fixture("slabinfo-6.18");
	const char *missing[] = { "dentry", "no_such_cache" };
	struct slab_cache c[3];

	(void)state;
	/* cut in the middle of a row */
	assert_int_equal(slabinfo_parse(t, names3, 3, c), -EINVAL);
	/* "x" where a count belongs */
	assert_int_equal(slabinfo_parse(g, names3, 3, c), -EINVAL);
	assert_int_equal(slabinfo_parse("slabinfo - version: 1.1\n", names3, 3, c), -EINVAL);
	assert_int_equal(slabinfo_parse("garbage", names3, 3, c), -EINVAL);
	assert_int_equal(slabinfo_parse(full, missing, 2, c), -ENOENT);
	assert_int_equal(c[0].num_objs, 6153);
	assert_int_equal(c[1].num_objs, 0);
	free(t);
	free(g);
	free(full);
}

static void test_slab_metrics_by_hand(void **state)
{
	struct slab_cache c[2] = {
		/* 21 per 1-page slab: 42 slots, 21 used */
		{ .active_objs = 21, .num_objs = 42, .objsize = 192, .objperslab = 21,
		  .pagesperslab = 1, .num_slabs = 2 },
		/* 14 per 4-page slab: 14 slots, 7 used */
		{ .active_objs = 7, .num_objs = 14, .objsize = 1128, .objperslab = 14,
		  .pagesperslab = 4, .num_slabs = 1 },
	};
	struct slab_cache empty = { .objsize = 104 };

	(void)state;
	assert_float_equal(slab_occupancy_pct(&c[0], 1), 50, 1e-12);
	/* (21*192 + 7*1128) / (42*192 + 14*1128) = 11928 / 23856 */
	assert_float_equal(slab_occupancy_pct(c, 2), 50, 1e-12);
	c[1].active_objs = 14;
	/* (4032 + 15792) / 23856 = 19824 / 23856 */
	assert_float_equal(slab_occupancy_pct(c, 2), 100.0 * 19824 / 23856, 1e-9);
	assert_true(isnan(slab_occupancy_pct(&empty, 1)));
	assert_int_equal(slab_pages(&c[1]), 4);
	assert_float_equal(slab_pages_per_1k(30, 1500), 20, 1e-12);
	assert_true(isnan(slab_pages_per_1k(30, 0)));
	assert_true(isnan(slab_pages_per_1k(30, -5)));
	/* 700 MiB free, 60 MiB of file pages, 100 MiB reclaimable slab, 50%: 780 MiB */
	assert_int_equal(slab_pressure_bytes(700 * 1024, 60 * 1024, 100 * 1024, 50), 780ULL << 20);
	assert_int_equal(slab_pressure_bytes(700 * 1024, 60 * 1024, 100 * 1024, 0), 700ULL << 20);
}

static void test_choose_deletions(void **state)
{
	uint8_t a[1000], b[1000], c[1000];
	long n;

	(void)state;
	slab_choose_deletions(1000, 75, true, 42, a);
	slab_choose_deletions(1000, 75, true, 42, b);
	slab_choose_deletions(1000, 75, true, 43, c);
	n = 0;
	for (int i = 0; i < 1000; i++)
		n += a[i];
	assert_int_equal(n, 750);
	assert_memory_equal(a, b, sizeof(a));		/* seeded: repeatable */
	assert_memory_not_equal(a, c, sizeof(a));	/* and the seed matters */
	/* scattered: every block of 100 files loses some, none loses all */
	for (int blk = 0; blk < 10; blk++) {
		long k = 0;

		for (int i = 0; i < 100; i++)
			k += a[blk * 100 + i];
		assert_true(k > 50 && k < 100);
	}
	/* stride 75%: three of every four, in the same place each time */
	slab_choose_deletions(8, 75, false, 0, a);
	assert_memory_equal(a, ((uint8_t[]){ 0, 1, 1, 1, 0, 1, 1, 1 }), 8);
	slab_choose_deletions(10, 50, false, 0, a);
	assert_memory_equal(a, ((uint8_t[]){ 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 }), 10);
	slab_choose_deletions(10, 0, true, 1, a);
	for (int i = 0; i < 10; i++)
		assert_int_equal(a[i], 0);
	slab_choose_deletions(10, 100, false, 0, a);
	for (int i = 0; i < 10; i++)
		assert_int_equal(a[i], 1);
}

/* ---- dirty-mmap ---- */

static void test_permutation(void **state)
{
	const uint64_t sizes[] = { 1, 2, 3, 7, 64, 1000, 65537 };

	(void)state;
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		uint64_t n = sizes[s];
		uint8_t *seen = xcalloc(n, 1);
		struct rand_perm p;
		uint64_t fixed = 0;

		rand_perm_init(&p, n, 7);
		for (uint64_t i = 0; i < n; i++) {
			uint64_t v = rand_perm_at(&p, i);

			assert_true(v < n);
			assert_int_equal(seen[v], 0);	/* every index exactly once */
			seen[v] = 1;
			fixed += v == i;
		}
		/* shuffled, not the identity */
		if (n >= 64)
			assert_true(fixed < n / 8);
		free(seen);
	}
}

static void test_permutation_seeds(void **state)
{
	struct rand_perm a, b, c;
	int same_ab = 1, same_ac = 1;

	(void)state;
	rand_perm_init(&a, 4096, 1);
	rand_perm_init(&b, 4096, 1);
	rand_perm_init(&c, 4096, 2);
	for (uint64_t i = 0; i < 4096; i++) {
		same_ab &= rand_perm_at(&a, i) == rand_perm_at(&b, i);
		same_ac &= rand_perm_at(&a, i) == rand_perm_at(&c, i);
	}
	assert_true(same_ab);
	assert_false(same_ac);
}

static void test_keep_faults(void **state)
{
	/* 8 first stores, 3 of them faults (the microsecond ones) */
	double v[] = { 0.03, 4.1, 0.05, 0.04, 250.0, 0.03, 6.5, 0.04 };
	double w[] = { 2.0, 3.0 };
	struct hist *h = hist_new();

	(void)state;
	dmap_keep_faults(v, 8, 3, h);
	assert_int_equal(hist_count(h), 3);
	assert_float_equal(hist_quantile(h, 0), 4.1, 0);
	assert_float_equal(hist_quantile(h, 0.5), 6.5, 0);
	assert_float_equal(hist_max(h), 250.0, 0);
	/* more faults than stores (a fault outside the stores): every store counts */
	dmap_keep_faults(w, 2, 5, h);
	assert_int_equal(hist_count(h), 5);
	dmap_keep_faults(w, 2, 0, h);
	assert_int_equal(hist_count(h), 5);
	hist_free(h);
}

static void test_mb_per_s(void **state)
{
	(void)state;
	/* 1.5 GiB in 2 s: 1610612736 / 1e6 / 2 MB/s */
	assert_float_equal(dmap_mb_per_s(3ULL << 29, 2.0), 805.306368, 1e-9);
	assert_float_equal(dmap_mb_per_s(0, 1.0), 0, 0);
	assert_true(isnan(dmap_mb_per_s(4096, 0)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_complete),
		cmocka_unit_test(test_dirty_mmap_options),
		cmocka_unit_test(test_slab_options),
		cmocka_unit_test(test_supported),
		cmocka_unit_test(test_vmstat_fixture),
		cmocka_unit_test(test_vmstat_delta_by_hand),
		cmocka_unit_test(test_vmstat_bad_input),
		cmocka_unit_test(test_pct),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_inode_cache),
		cmocka_unit_test(test_slabinfo_fixture),
		cmocka_unit_test(test_slabinfo_bad_input),
		cmocka_unit_test(test_slab_metrics_by_hand),
		cmocka_unit_test(test_choose_deletions),
		cmocka_unit_test(test_permutation),
		cmocka_unit_test(test_permutation_seeds),
		cmocka_unit_test(test_keep_faults),
		cmocka_unit_test(test_mb_per_s),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

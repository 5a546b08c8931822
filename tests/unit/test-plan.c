/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for runner/plan.c: the interleaved order (A B A B, iteration
 * by iteration), shuffling that is reproducible from the seed and keeps
 * every round complete, result-set labels and the names that may not
 * escape the run directory, --only/--variant filtering, per-iteration
 * seeds, the run.json round trip --resume depends on, and a kernel A/B's
 * sets, boots (A B A B, iteration k in boot ((k-1) mod N)+1) and run.json.
 */
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/mmab.h"
#include "runner/plan.h"

static const struct workload fake_idle = { .name = "idle" };
static const struct workload fake_thp = { .name = "thp" };

static struct suite_workload wls[] = {
	{ .wl = &fake_idle, .id = (char *)"idle" },
	{ .wl = &fake_thp, .id = (char *)"thp-always" },
	{ .wl = &fake_thp, .id = (char *)"thp-never" },
};

static struct suite_variant vars[] = {
	{ .name = (char *)"base" },
	{ .name = (char *)"defer" },
	{ .name = (char *)"never", .label = (char *)"no-thp" },
};

static struct suite make_suite(size_t nvariants)
{
	return (struct suite){
		.file = (char *)"test.ini", .name = (char *)"t", .iterations = 3,
		.scale = (char *)"100%", .settle = true, .timeout_s = 60,
		.workloads = wls, .nworkloads = ARRAY_SIZE(wls),
		.variants = nvariants ? vars : NULL, .nvariants = nvariants,
	};
}

static struct plan_args args(void)
{
	return (struct plan_args){ .label = "stock", .seed = 42, .start = 1700000000 };
}

static void test_interleaved(void **state)
{
	struct suite s = make_suite(2);
	struct plan_args a = args();
	struct plan p;
	char err[512];
	size_t n = 0;

	(void)state;
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), 0);
	assert_int_equal(p.nsets, 2);
	assert_string_equal(p.sets[0].label, "stock-base");
	assert_string_equal(p.sets[1].label, "stock-defer");
	assert_int_equal(p.nsteps, 3 * 3 * 2);
	/* iteration-major, each workload's variants side by side: A B A B */
	for (int it = 1; it <= 3; it++)
		for (size_t w = 0; w < 3; w++)
			for (size_t set = 0; set < 2; set++, n++) {
				assert_int_equal(p.steps[n].iteration, it);
				assert_int_equal(p.steps[n].workload, w);
				assert_int_equal(p.steps[n].set, set);
			}
	plan_free(&p);
}

static void test_no_variants(void **state)
{
	struct suite s = make_suite(0);
	struct plan_args a = args();
	struct plan p;
	char err[512];

	(void)state;
	a.iterations = 2;
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), 0);
	assert_int_equal(p.nsets, 1);
	assert_string_equal(p.sets[0].label, "stock");
	assert_null(p.sets[0].variant);
	assert_int_equal(p.sets[0].variant_idx, -1);
	assert_int_equal(p.iterations, 2);
	assert_int_equal(p.nsteps, 2 * 3);
	plan_free(&p);
}

/* The key of a step within its round, to compare orders. */
static void order_string(const struct plan *p, char *buf, size_t len)
{
	size_t pos = 0;

	for (size_t i = 0; i < p->nsteps && pos + 1 < len; i++)
		buf[pos++] = (char)('0' + p->steps[i].set);
	buf[pos] = '\0';
}

static void test_shuffled(void **state)
{
	struct suite s = make_suite(3);
	struct plan_args a = args();
	struct plan p1, p2, p3;
	char err[512], o1[512], o2[512], o3[512];
	bool any_not_identity = false;

	(void)state;
	s.order = ORDER_SHUFFLED;
	a.iterations = 20;
	assert_int_equal(plan_build(&p1, &s, &a, err, sizeof(err)), 0);
	assert_int_equal(plan_build(&p2, &s, &a, err, sizeof(err)), 0);
	a.seed = 43;
	assert_int_equal(plan_build(&p3, &s, &a, err, sizeof(err)), 0);
	order_string(&p1, o1, sizeof(o1));
	order_string(&p2, o2, sizeof(o2));
	order_string(&p3, o3, sizeof(o3));
	/* reproducible from the seed, and the seed matters */
	assert_string_equal(o1, o2);
	assert_string_not_equal(o1, o3);
	/* every (round, workload) group runs each set exactly once, rounds in order */
	for (size_t g = 0; g < p1.nsteps / 3; g++) {
		unsigned seen = 0;

		for (size_t k = 0; k < 3; k++) {
			const struct plan_step *st = &p1.steps[g * 3 + k];

			seen |= 1u << st->set;
			assert_int_equal(st->iteration, (int)(g / 3) + 1);
			assert_int_equal(st->workload, g % 3);
			any_not_identity |= st->set != k;
		}
		assert_int_equal(seen, 7);
	}
	assert_true(any_not_identity);
	plan_free(&p1);
	plan_free(&p2);
	plan_free(&p3);
}

static void test_labels(void **state)
{
	struct suite s = make_suite(3);
	struct plan_args a = args();
	char long_label[70];
	struct plan p;
	char err[512];

	(void)state;
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), 0);
	assert_string_equal(p.sets[2].label, "no-thp");	/* the suite names this set */
	plan_free(&p);

	a.label = "../etc";
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a plain name"));
	plan_free(&p);
	a.label = "a/b";
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), -EINVAL);
	plan_free(&p);

	/* 60 characters is a valid label, but LABEL-defer is 66: refused, not cut */
	memset(long_label, 'x', 60);
	long_label[60] = '\0';
	a.label = long_label;
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "variant 'base'"));
	plan_free(&p);

	/* two variants writing the same set */
	vars[0].label = (char *)"no-thp";
	a.label = "stock";
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "both write set 'no-thp'"));
	plan_free(&p);
	vars[0].label = NULL;

	/* a workload id that is a path */
	wls[1].id = (char *)"../../thp";
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), -EINVAL);
	plan_free(&p);
	wls[1].id = (char *)"thp-always";
}

static void test_only_and_variant(void **state)
{
	struct suite s = make_suite(3);
	struct plan_args a = args();
	struct plan p;
	char err[512];

	(void)state;
	/* by workload name: both thp sections */
	a.only = "thp";
	a.variants = "defer,never";
	a.iterations = 1;
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), 0);
	assert_int_equal(p.nworkloads, 2);
	assert_int_equal(p.workloads[0], 1);
	assert_int_equal(p.workloads[1], 2);
	assert_int_equal(p.nsets, 2);
	assert_string_equal(p.sets[0].variant, "defer");
	assert_int_equal(p.sets[0].variant_idx, 1);
	assert_int_equal(p.sets[1].variant_idx, 2);
	assert_int_equal(p.nsteps, 4);
	plan_free(&p);

	/* by id */
	a.only = "idle,thp-never";
	a.variants = NULL;
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), 0);
	assert_int_equal(p.nworkloads, 2);
	assert_int_equal(p.workloads[1], 2);
	plan_free(&p);

	a.only = "idle,frag";
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown workload 'frag'"));
	assert_non_null(strstr(err, "idle, thp-always, thp-never"));
	plan_free(&p);

	a.only = NULL;
	a.variants = "defr";
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown variant 'defr'; valid: base, defer, never"));
	plan_free(&p);

	s = make_suite(0);
	a.variants = "base";
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no variants"));
	plan_free(&p);
}

static void test_step_seeds(void **state)
{
	uint64_t a = plan_step_seed(42, "idle", 1);

	(void)state;
	assert_int_equal(a, plan_step_seed(42, "idle", 1));
	assert_int_not_equal(a, plan_step_seed(42, "idle", 2));
	assert_int_not_equal(a, plan_step_seed(43, "idle", 1));
	assert_int_not_equal(a, plan_step_seed(42, "idle2", 1));
	/* JSON-safe */
	for (int i = 1; i < 1000; i++)
		assert_true(plan_step_seed((uint64_t)-1, "x", i) < (UINT64_C(1) << 53));
	assert_true(plan_random_seed() < (UINT64_C(1) << 53));
}

static void test_run_id(void **state)
{
	char *id = plan_run_id("stock", 1700000000);
	regex_t re;

	(void)state;
	assert_int_equal(regcomp(&re, "^stock-20[0-9]{6}-[0-9]{6}$", REG_EXTENDED), 0);
	assert_int_equal(regexec(&re, id, 0, NULL, 0), 0);
	regfree(&re);
	free(id);
}

static void test_json_round_trip(void **state)
{
	struct suite s = make_suite(3);
	struct plan_args a = args();
	struct plan p, q;
	json_t *j, *back, *argv = json_pack("[s, s]", "mmab", "run");
	char err[512], *text;

	(void)state;
	s.order = ORDER_SHUFFLED;
	a.scale = "2G";
	a.only = "thp";
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), 0);
	j = plan_to_json(&p, &s, argv);
	text = json_dumps(j, 0);
	back = json_loads(text, 0, NULL);
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "order")), "shuffled");
	assert_int_equal(json_array_size(json_object_get(back, "plan")), p.nsteps);
	assert_int_equal(plan_from_json(&q, back, &s, err, sizeof(err)), 0);
	assert_string_equal(q.run_id, p.run_id);
	assert_int_equal(q.seed, p.seed);
	assert_int_equal(q.order, p.order);
	assert_string_equal(q.scale, "2G");
	assert_int_equal(q.nsets, p.nsets);
	assert_int_equal(q.nworkloads, p.nworkloads);
	assert_int_equal(q.iterations, p.iterations);
	for (size_t i = 0; i < p.nsets; i++) {
		assert_string_equal(q.sets[i].label, p.sets[i].label);
		assert_int_equal(q.sets[i].variant_idx, p.sets[i].variant_idx);
	}
	assert_int_equal(q.nsteps, p.nsteps);
	assert_memory_equal(q.steps, p.steps, p.nsteps * sizeof(*p.steps));
	plan_free(&q);

	/* a set directory that would escape the run directory */
	json_object_set_new(json_array_get(json_object_get(back, "sets"), 0), "label",
			    json_string("../../tmp"));
	assert_int_equal(plan_from_json(&q, back, &s, err, sizeof(err)), -EINVAL);
	plan_free(&q);
	json_decref(back);

	/* an unknown workload id, and a missing seed */
	back = json_loads(text, 0, NULL);
	json_object_set_new(json_array_get(json_object_get(back, "plan"), 0), "workload",
			    json_string("frag"));
	assert_int_equal(plan_from_json(&q, back, &s, err, sizeof(err)), -EINVAL);
	plan_free(&q);
	json_object_del(back, "seed");
	assert_int_equal(plan_from_json(&q, back, &s, err, sizeof(err)), -EINVAL);
	plan_free(&q);
	json_decref(back);
	free(text);
	json_decref(j);
	json_decref(argv);
	plan_free(&p);
}

static void test_effective_scale(void **state)
{
	struct suite s = make_suite(0);
	struct plan p = { 0 };
	struct suite_workload w = { .scale = (char *)"100%" };

	(void)state;
	assert_string_equal(plan_effective_scale(&p, &s, &wls[0]), "100%");
	p.scale = (char *)"2G";
	assert_string_equal(plan_effective_scale(&p, &s, &wls[0]), "2G");
	/* a workload section's own scale wins over --scale */
	assert_string_equal(plan_effective_scale(&p, &s, &w), "100%");
}


/* plan_build of S and A fails saying WHAT. */
static void build_refused(const struct suite *s, const struct plan_args *a, const char *what)
{
	struct plan p;
	char err[512];

	assert_int_equal(plan_build(&p, s, a, err, sizeof(err)), -EINVAL);
	if (!strstr(err, what))
		fail_msg("expected '%s', got '%s'", what, err);
	plan_free(&p);
}

static struct kernel test_kernels[2];

static const struct kernel *two_kernels(void)
{
	test_kernels[0] = (struct kernel){ .name = (char *)"old", .spec = (char *)"a.deb",
		.kind = KERNEL_DEB, .path = (char *)"/k/a.deb", .release = (char *)"6.1.0-57" };
	test_kernels[1] = (struct kernel){ .name = (char *)"new", .spec = (char *)"b",
		.kind = KERNEL_IMAGE, .path = (char *)"/k/b", .image = (char *)"/k/b",
		.release = (char *)"6.12.1", .memory = 1ULL << 30, .cpus = 1 };
	return test_kernels;
}

static void test_kernel_boots(void **state)
{
	struct suite s = make_suite(2);
	struct plan_args a = args();
	struct plan p;
	char err[512];
	size_t n = 0;

	(void)state;
	a.kernels = two_kernels();
	a.nkernels = 2;
	a.iterations = 5;
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), 0);
	assert_string_equal(p.backend, "qemu");
	assert_int_equal(p.boots_per_kernel, PLAN_BOOTS_DEFAULT);
	assert_int_equal(p.nsets, 4);
	assert_string_equal(p.sets[0].label, "stock-old-base");
	assert_string_equal(p.sets[1].label, "stock-old-defer");
	assert_string_equal(p.sets[2].label, "stock-new-base");
	assert_string_equal(p.sets[3].label, "stock-new-defer");
	assert_int_equal(p.sets[3].kernel, 1);
	assert_int_equal(p.sets[3].variant_idx, 1);
	/* boots alternate A B A B */
	assert_int_equal(p.nboots, 4);
	for (size_t b = 0; b < 4; b++) {
		assert_int_equal(p.boots[b].kernel, b % 2);
		assert_int_equal(p.boots[b].number, (int)b / 2 + 1);
	}
	{
		char *d = plan_boot_dir(&p, 3);

		assert_string_equal(d, "2-new");
		free(d);
	}
	/* every step once, in boot order; iteration k in boot ((k-1) mod 2)+1 of its kernel */
	assert_int_equal(p.nsteps, 5 * 3 * 4);
	for (size_t b = 0; b < p.nboots; b++) {
		int first = p.boots[b].number;

		for (int it = first; it <= 5; it += 2)
			for (size_t w = 0; w < 3; w++)
				for (size_t v = 0; v < 2; v++, n++) {
					const struct plan_step *st = &p.steps[n];

					assert_int_equal(st->boot, (int)b);
					assert_int_equal(st->iteration, it);
					assert_int_equal(st->workload, w);
					assert_int_equal(st->set, p.boots[b].kernel * 2 + v);
					assert_int_equal(plan_boot_of(&p, p.boots[b].kernel, it), (int)b);
				}
	}
	assert_int_equal(n, p.nsteps);
	plan_free(&p);
	/* an iteration for every boot */
	a.iterations = 2;
	a.boots = 3;
	build_refused(&s, &a, "2 iterations cannot fill 3 boots");
}

static void test_kernel_labels(void **state)
{
	struct suite s = make_suite(3);
	struct plan_args a = args();
	struct kernel ks[2];
	struct plan p;
	char err[512];

	(void)state;
	memcpy(ks, two_kernels(), sizeof(ks));
	a.kernels = ks;
	a.nkernels = 2;
	a.variants = "never";
	/* a variant's own label names the set, with the kernel's name */
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), 0);
	assert_int_equal(p.nsets, 2);
	assert_string_equal(p.sets[0].label, "no-thp-old");
	assert_string_equal(p.sets[1].label, "no-thp-new");
	plan_free(&p);
	/* without variants: LABEL-NAME */
	s = make_suite(0);
	a.variants = NULL;
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), 0);
	assert_string_equal(p.sets[0].label, "stock-old");
	assert_string_equal(p.sets[1].label, "stock-new");
	plan_free(&p);
	/* two kernels whose sets would meet: l-a-b-c twice */
	a.label = "l";
	ks[0].name = (char *)"a-b";
	ks[1].name = (char *)"a";
	{
		struct suite_variant v2[] = { { .name = (char *)"c" }, { .name = (char *)"b-c" } };

		s.variants = v2;
		s.nvariants = 2;
		build_refused(&s, &a, "kernel 'a-b', variant 'c' and kernel 'a', variant 'b-c' "
			      "both write set 'l-a-b-c'");
	}
	/* a label too long with the kernel's name */
	s = make_suite(0);
	a.label = "a-label-of-sixty-two-characters-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	build_refused(&s, &a, "of kernel 'a-b' is not a plain name");
}

static void test_kernel_json(void **state)
{
	struct suite s = make_suite(2);
	struct plan_args a = args();
	struct plan p, q;
	json_t *j, *steps, *boot;
	char err[512];

	(void)state;
	a.kernels = two_kernels();
	a.nkernels = 2;
	a.iterations = 4;
	a.boots = 2;
	s.order = ORDER_SHUFFLED;
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), 0);
	j = plan_to_json(&p, &s, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "backend")), "qemu");
	assert_int_equal(json_integer_value(json_object_get(j, "boots")), 2);
	assert_int_equal(plan_from_json(&q, j, &s, err, sizeof(err)), 0);
	assert_int_equal(q.nkernels, 2);
	assert_string_equal(q.kernels[1].name, "new");
	assert_int_equal(q.kernels[1].memory, 1ULL << 30);
	assert_int_equal(q.boots_per_kernel, 2);
	assert_int_equal(q.nboots, p.nboots);
	assert_memory_equal(q.boots, p.boots, p.nboots * sizeof(*p.boots));
	for (size_t i = 0; i < p.nsets; i++)
		assert_int_equal(q.sets[i].kernel, p.sets[i].kernel);
	assert_int_equal(q.nsteps, p.nsteps);
	assert_memory_equal(q.steps, p.steps, p.nsteps * sizeof(*p.steps));
	plan_free(&q);
	/* a step in the wrong boot of its kernel */
	steps = json_object_get(j, "plan");
	boot = json_object_get(json_array_get(steps, 0), "boot");
	json_object_set_new(json_array_get(steps, 0), "boot",
			    json_integer(3 - json_integer_value(boot)));
	assert_int_equal(plan_from_json(&q, j, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "plan step 1: its boot is not the one iteration"));
	plan_free(&q);
	json_object_set_new(json_array_get(steps, 0), "boot", json_integer(1));
	/* a set naming a kernel the run does not boot */
	json_object_set_new(json_array_get(json_object_get(j, "sets"), 0), "kernel",
			    json_string("other"));
	assert_int_equal(plan_from_json(&q, j, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing or unknown kernel"));
	plan_free(&q);
	json_decref(j);
	plan_free(&p);
}

/* A boot's share: its kernel's sets, its steps, through run.json as the guest reads it. */
static void test_boot_share(void **state)
{
	struct suite s = make_suite(2);
	struct plan_args a = args();
	struct plan p, share, back;
	bool *done;
	json_t *j;
	char err[512];
	size_t n;

	(void)state;
	a.kernels = two_kernels();
	a.nkernels = 2;
	a.iterations = 4;
	assert_int_equal(plan_build(&p, &s, &a, err, sizeof(err)), 0);
	done = xcalloc(p.nsteps, sizeof(*done));
	/* boot 2-new (index 3): iterations 2 and 4 of kernel new; the first step done */
	for (size_t i = 0; i < p.nsteps; i++)
		if (p.steps[i].boot == 3) {
			done[i] = true;
			break;
		}
	n = plan_boot_share(&p, 3, done, &share);
	assert_int_equal(n, 2 * 3 * 2 - 1);
	assert_int_equal(share.nkernels, 1);
	assert_string_equal(share.kernels[0].name, "new");
	assert_int_equal(share.nboots, 1);
	assert_int_equal(share.boots[0].number, 2);
	assert_int_equal(share.nsets, 2);
	assert_string_equal(share.sets[0].label, "stock-new-base");
	assert_int_equal(share.seed, p.seed);
	assert_string_equal(share.run_id, p.run_id);
	j = plan_to_json(&share, &s, NULL);
	assert_int_equal(plan_from_json(&back, j, &s, err, sizeof(err)), 0);
	assert_int_equal(back.nsteps, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(back.steps[i].boot, 0);
		assert_int_equal(back.steps[i].iteration % 2, 0);
		assert_int_equal(back.steps[i].iteration, share.steps[i].iteration);
	}
	plan_free(&back);
	json_decref(j);
	plan_free(&share);
	free(done);
	plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_no_variants),
		cmocka_unit_test(test_shuffled),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_only_and_variant),
		cmocka_unit_test(test_step_seeds),
		cmocka_unit_test(test_run_id),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_effective_scale),
		cmocka_unit_test(test_kernel_boots),
		cmocka_unit_test(test_kernel_labels),
		cmocka_unit_test(test_kernel_json),
		cmocka_unit_test(test_boot_share),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for boot/kernel.c: the --kernel argument (NAME=, modules=),
 * the four forms of KERNEL against files made here (a bzImage header, a
 * .deb built with dpkg-deb, a build tree, an installed release under a
 * fixture root), every refusal the issue lists, the release read from the
 * image, names and their clashes, and the run.json round trip.  With the
 * Debian kernel packages in the cache ($MMAB_CACHE_DIR/debs), their
 * releases are read too.
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "boot/kernel.h"
#include "lib/mmab.h"

static char dir[] = "/tmp/mmab-test-kernel.XXXXXX";

static char *at(const char *rel)
{
	static char buf[8][PATH_MAX];
	static int n;

	n = (n + 1) % 8;
	snprintf(buf[n], sizeof(buf[n]), "%s/%s", dir, rel);
	return buf[n];
}

static void mkdirs(const char *rel)
{
	assert_int_equal(mmab_mkdir_p(at(rel), 0755), 0);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A file with a bzImage header whose version string says RELEASE. */
static void make_bzimage(const char *path, const char *release)
{
	static unsigned char img[0x5000];
	unsigned ptr = 0x4000 - 0x200;

	memset(img, 0, sizeof(img));
	img[0x1FE] = 0x55;
	img[0x1FF] = 0xAA;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0F;
	img[0x207] = 0x02;
	img[0x20E] = ptr & 0xff;
	img[0x20F] = ptr >> 8;
	snprintf((char *)img + 0x4000, 0x800, "%s (test@mmab) #1 SMP PREEMPT_DYNAMIC", release);
	write_bytes(path, img, sizeof(img));
}

static void run(char *const argv[])
{
	int st;

	assert_int_equal(mmab_spawn_wait(argv, "/dev/null", "/dev/null", &st), 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A .deb built from the tree ROOT (with a DEBIAN/control made here) into OUT. */
static void make_deb(const char *root, const char *pkg, const char *out)
{
	char *ctl = xasprintf("%s/DEBIAN", root), *ctlf;
	char *text = xasprintf("Package: %s\nVersion: 1.0\nArchitecture: amd64\n"
			       "Maintainer: mmab <mmab@example.org>\nDescription: test\n", pkg);
	char *const argv[] = { (char *)"dpkg-deb", (char *)"--root-owner-group", (char *)"-Znone",
			       (char *)"-b", (char *)root, (char *)out, NULL };

	assert_int_equal(mmab_mkdir_p(ctl, 0755), 0);
	ctlf = xasprintf("%s/control", ctl);
	write_bytes(ctlf, text, strlen(text));
	run(argv);
	free(ctl);
	free(ctlf);
	free(text);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	/* an image, a tree, a tree without bzImage, an installed release, two debs */
	mkdirs("img/mods/lib/modules/6.9.0-test");
	make_bzimage(at("img/vmlinuz"), "6.9.0-test");
	mkdirs("tree/arch/x86/boot");
	make_bzimage(at("tree/arch/x86/boot/bzImage"), "6.10.0-rc1+");
	write_bytes(at("tree/modules.order"), "drivers/block/virtio_blk.o\n", 27);
	mkdirs("notree/arch/x86");
	mkdirs("root/boot");
	mkdirs("root/lib/modules/6.1.0-47-amd64");
	make_bzimage(at("root/boot/vmlinuz-6.1.0-47-amd64"), "6.1.0-47-amd64");
	mkdirs("debroot/boot");
	mkdirs("debroot/lib/modules/6.12.5-cloud/kernel");
	make_bzimage(at("debroot/boot/vmlinuz-6.12.5-cloud"), "6.12.5-cloud");
	make_deb(at("debroot"), "linux-image-6.12.5-cloud", at("k.deb"));
	mkdirs("otherroot/usr/share/doc");
	write_bytes(at("otherroot/usr/share/doc/x"), "x\n", 2);
	make_deb(at("otherroot"), "not-a-kernel", at("other.deb"));
	write_bytes(at("random.bin"), "hello, not a kernel\n", 20);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return mmab_rm_rf(dir);
}

/* Parse and resolve ARG from DIR; 0 or the error, with K filled. */
static int resolve(const char *arg, struct kernel *k, char *err, size_t len)
{
	int ret = kernel_parse_arg(arg, k, err, len);

	return ret ? ret : kernel_resolve(k, dir, at("root"), err, len);
}

static void test_parse_arg(void **state)
{
	struct kernel k;
	char err[512];

	(void)state;
	assert_int_equal(kernel_parse_arg("old=a.deb", &k, err, sizeof(err)), 0);
	assert_string_equal(k.name, "old");
	assert_string_equal(k.spec, "a.deb");
	assert_null(k.modules);
	kernel_free(&k);
	/* '=' after a '/' belongs to the path */
	assert_int_equal(kernel_parse_arg("./x=y/bzImage,modules=/m", &k, err, sizeof(err)), 0);
	assert_null(k.name);
	assert_string_equal(k.spec, "./x=y/bzImage");
	assert_string_equal(k.modules, "/m");
	kernel_free(&k);
	assert_int_equal(kernel_parse_arg("-bad=a.deb", &k, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a plain name"));
	kernel_free(&k);
	assert_int_equal(kernel_parse_arg("new=", &k, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no KERNEL"));
	kernel_free(&k);
	assert_int_equal(kernel_parse_arg("a.img,modules=", &k, err, sizeof(err)), -EINVAL);
	kernel_free(&k);
}

static void test_image(void **state)
{
	struct kernel k;
	char err[512], rel[64];

	(void)state;
	assert_int_equal(resolve("img/vmlinuz", &k, err, sizeof(err)), 0);
	assert_int_equal(k.kind, KERNEL_IMAGE);
	assert_string_equal(k.release, "6.9.0-test");
	assert_string_equal(k.image, at("img/vmlinuz"));
	assert_null(k.modules);
	kernel_free(&k);
	/* modules= a root holding lib/modules/REL, or that directory itself */
	assert_int_equal(resolve("img/vmlinuz,modules=img/mods", &k, err, sizeof(err)), 0);
	assert_string_equal(k.modules, at("img/mods/lib/modules/6.9.0-test"));
	kernel_free(&k);
	assert_int_equal(resolve("img/vmlinuz,modules=img/nothere", &k, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "not a directory"));
	kernel_free(&k);
	assert_int_equal(kernel_image_release(at("img/vmlinuz"), rel, sizeof(rel)), 0);
	assert_string_equal(rel, "6.9.0-test");
	assert_int_equal(kernel_image_release(at("random.bin"), rel, sizeof(rel)), -EINVAL);
}

static void test_tree_and_installed(void **state)
{
	struct kernel k;
	char err[512];

	(void)state;
	assert_int_equal(resolve("tree", &k, err, sizeof(err)), 0);
	assert_int_equal(k.kind, KERNEL_TREE);
	assert_string_equal(k.release, "6.10.0-rc1+");
	assert_string_equal(k.image, at("tree/arch/x86/boot/bzImage"));
	assert_string_equal(k.modules, at("tree"));
	kernel_free(&k);
	assert_int_equal(resolve("notree", &k, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no readable arch/x86/boot/bzImage"));
	kernel_free(&k);
	assert_int_equal(resolve("6.1.0-47-amd64", &k, err, sizeof(err)), 0);
	assert_int_equal(k.kind, KERNEL_INSTALLED);
	assert_string_equal(k.release, "6.1.0-47-amd64");
	assert_string_equal(k.modules, at("root/lib/modules/6.1.0-47-amd64"));
	kernel_free(&k);
	assert_int_equal(resolve("6.1.0-99-amd64", &k, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no such file or directory, nor an installed kernel"));
	kernel_free(&k);
	assert_int_equal(resolve("missing/x.deb", &k, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot open 'missing/x.deb'"));
	kernel_free(&k);
}

static void test_deb(void **state)
{
	struct kernel k;
	char err[512];

	(void)state;
	assert_int_equal(resolve("new=k.deb", &k, err, sizeof(err)), 0);
	assert_int_equal(k.kind, KERNEL_DEB);
	assert_string_equal(k.release, "6.12.5-cloud");
	assert_string_equal(k.path, at("k.deb"));
	assert_null(k.image);
	kernel_free(&k);
	assert_int_equal(resolve("other.deb", &k, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a kernel"));
	kernel_free(&k);
	assert_int_equal(resolve("random.bin", &k, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "neither a Debian package"));
	kernel_free(&k);
	assert_int_equal(resolve("k.deb,modules=img/mods", &k, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "brings its own"));
	kernel_free(&k);
}

/* The real kernel packages, when the cache has them: the release as the header says. */
static void test_real_debs(void **state)
{
	const char *cache = getenv("MMAB_CACHE_DIR");
	char *pat = xasprintf("%s/debs/linux-image-*-cloud-amd64-unsigned_*.deb",
			      cache && *cache ? cache : "/var/cache/mmab");
	glob_t g;

	(void)state;
	if (glob(pat, 0, NULL, &g) || !g.gl_pathc) {
		free(pat);
		skip();
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *base = strrchr(g.gl_pathv[i], '/') + 1;
		char *want = xstrdup(base + strlen("linux-image-")), err[512];
		struct kernel k = { .spec = xstrdup(g.gl_pathv[i]) };

		*strstr(want, "-unsigned_") = '\0';
		assert_int_equal(kernel_resolve(&k, NULL, "/", err, sizeof(err)), 0);
		assert_string_equal(k.release, want);
		kernel_free(&k);
		free(want);
	}
	globfree(&g);
	free(pat);
}

static void test_names(void **state)
{
	struct kernel ks[3] = { 0 };
	char err[512];

	(void)state;
	ks[0] = (struct kernel){ .release = xstrdup("6.1.0-47-amd64"), .origin = xstrdup("A") };
	ks[1] = (struct kernel){ .release = xstrdup("6.1.0-47-amd64"), .origin = xstrdup("B") };
	assert_int_equal(kernels_name(ks, 2, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "A and B are both named '6.1.0-47-amd64' (one release)"));
	assert_non_null(strstr(err, "NAME=KERNEL"));
	free(ks[1].name);
	ks[1].name = xstrdup("patched");
	assert_int_equal(kernels_name(ks, 2, err, sizeof(err)), 0);
	assert_string_equal(ks[0].name, "6.1.0-47-amd64");
	/* a release a label cannot hold is made one; one that cannot be, refused */
	ks[2] = (struct kernel){ .release = xstrdup("6.13.0 weird/rel"), .origin = xstrdup("C") };
	assert_int_equal(kernels_name(ks, 3, err, sizeof(err)), 0);
	assert_string_equal(ks[2].name, "6.13.0-weird-rel");
	free(ks[2].name);
	ks[2].name = NULL;
	free(ks[2].release);
	ks[2].release = xstrdup("-x");
	assert_int_equal(kernels_name(ks, 3, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "give one as NAME=KERNEL"));
	for (size_t i = 0; i < 3; i++)
		kernel_free(&ks[i]);
}

static void test_json(void **state)
{
	struct kernel k, back, copy;
	char err[512];
	json_t *o;

	(void)state;
	assert_int_equal(resolve("old=img/vmlinuz,modules=img/mods", &k, err, sizeof(err)), 0);
	k.append = xstrdup("mitigations=off");
	k.memory = 2ULL << 30;
	k.cpus = 2;
	kernel_copy(&copy, &k);
	o = kernel_to_json(&copy);
	assert_int_equal(kernel_from_json(&back, o, err, sizeof(err)), 0);
	assert_string_equal(back.name, "old");
	assert_string_equal(back.spec, "img/vmlinuz");
	assert_int_equal(back.kind, KERNEL_IMAGE);
	assert_string_equal(back.image, k.image);
	assert_string_equal(back.modules, k.modules);
	assert_string_equal(back.release, "6.9.0-test");
	assert_string_equal(back.append, "mitigations=off");
	assert_int_equal(back.memory, 2ULL << 30);
	assert_int_equal(back.cpus, 2);
	kernel_free(&back);
	/* what run.json could be edited into is checked */
	json_object_set_new(o, "name", json_string("../x"));
	assert_int_equal(kernel_from_json(&back, o, err, sizeof(err)), -EINVAL);
	kernel_free(&back);
	json_object_set_new(o, "name", json_string("old"));
	json_object_set_new(o, "path", json_string("relative/x"));
	assert_int_equal(kernel_from_json(&back, o, err, sizeof(err)), -EINVAL);
	kernel_free(&back);
	json_object_set_new(o, "path", json_string("/x"));
	json_object_set_new(o, "kind", json_string("floppy"));
	assert_int_equal(kernel_from_json(&back, o, err, sizeof(err)), -EINVAL);
	kernel_free(&back);
	json_decref(o);
	kernel_free(&copy);
	kernel_free(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_arg),
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_tree_and_installed),
		cmocka_unit_test(test_deb),
		cmocka_unit_test(test_real_debs),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

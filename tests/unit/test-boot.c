/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for boot/ below the qemu backend: console lines (panic, oops,
 * warnings, with and without printk's stamp), the channel's messages,
 * newc cpio archives read back entry by entry, ELF reading, module
 * resolution over a fake modules directory (built-ins, depends=,
 * softdep=, .ko.xz, missing modules, a loop), the kernel cache unpacking a
 * package made here, the initramfs, the root disk's file list, and the
 * guardian removing what a process left when it died by kill -9.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <setjmp.h>
#include <signal.h>
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

#include "boot/cache.h"
#include "boot/channel.h"
#include "boot/console.h"
#include "boot/cpio.h"
#include "boot/elf.h"
#include "boot/guard.h"
#include "boot/initramfs.h"
#include "boot/kcache.h"
#include "boot/kernel.h"
#include "boot/modules.h"
#include "boot/rootfs.h"
#include "lib/mmab.h"

static char dir[] = "/tmp/mmab-test-boot.XXXXXX";

static char *at(const char *rel)
{
	static char buf[8][PATH_MAX];
	static int n;

	n = (n + 1) % 8;
	snprintf(buf[n], sizeof(buf[n]), "%s/%s", dir, rel);
	return buf[n];
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	return setenv("MMAB_CACHE_DIR", at("cache"), 1);
}

static int teardown(void **state)
{
	(void)state;
	return mmab_rm_rf(dir);
}

static void test_console(void **state)
{
	(void)state;
	assert_int_equal(console_classify("[    2.345678] Kernel panic - not syncing: sysrq "
					  "triggered crash\r"), CON_PANIC);
	assert_int_equal(console_classify("Kernel panic - not syncing: Attempted to kill init!"),
			 CON_PANIC);
	assert_int_equal(console_classify("[ 12.000001] BUG: kernel NULL pointer dereference, "
					  "address: 0000000000000000"), CON_OOPS);
	assert_int_equal(console_classify("[ 12.000002] Oops: 0002 [#1] PREEMPT SMP NOPTI"),
			 CON_OOPS);
	assert_int_equal(console_classify("[ 3.1] WARNING: CPU: 1 PID: 1 at mm/page_alloc.c:1 x"),
			 CON_WARNING);
	assert_int_equal(console_classify("[ 3.2] ==================================================="
					  "===============\n"), CON_PLAIN);
	assert_int_equal(console_classify("BUG: KASAN: slab-out-of-bounds in foo+0x1/0x2"),
			 CON_OOPS);
	assert_int_equal(console_classify("[ 4.0] KASAN: maybe wild-memory-access"), CON_WARNING);
	/* mmab's own messages, and a stamp that is not one */
	assert_int_equal(console_classify("mmab: warning: collector perf cannot run"), CON_PLAIN);
	assert_int_equal(console_classify("[idle #1] WARNING: x"), CON_PLAIN);
	assert_string_equal(console_init_failure("mmab-init: FAILED: no root disk"), "no root disk");
	assert_null(console_init_failure("mmab-init: cannot load 00-x.ko"));
}

static void test_channel(void **state)
{
	struct channel_msg m;

	(void)state;
	assert_int_equal(channel_parse("hb", &m), CHAN_HEARTBEAT);
	assert_int_equal(channel_parse("hello {\"uname\":{}}", &m), CHAN_HELLO);
	assert_string_equal(m.json, "{\"uname\":{}}");
	assert_int_equal(channel_parse("begin ab-old-a idle 3", &m), CHAN_BEGIN);
	assert_string_equal(m.set, "ab-old-a");
	assert_string_equal(m.workload, "idle");
	assert_int_equal(m.iteration, 3);
	assert_int_equal(channel_parse("end ab-old-a idle 3 failed", &m), CHAN_END);
	assert_string_equal(m.status, "failed");
	assert_int_equal(channel_parse("done 2", &m), CHAN_DONE);
	assert_int_equal(m.rc, 2);
	/* what the guest cannot make the host believe */
	assert_int_equal(channel_parse("begin ../x idle 1", &m), CHAN_OTHER);
	assert_int_equal(channel_parse("begin a idle 0", &m), CHAN_OTHER);
	assert_int_equal(channel_parse("end a idle 1 ok extra", &m), CHAN_OTHER);
	assert_int_equal(channel_parse("done", &m), CHAN_OTHER);
	assert_int_equal(channel_parse("hbx", &m), CHAN_OTHER);
	assert_int_equal(channel_parse("", &m), CHAN_OTHER);
}

/* One newc header field (8 hex digits) at H + 6 + 8 * I. */
static unsigned field(const char *h, int i)
{
	char f[9];

	memcpy(f, h + 6 + 8 * i, 8);
	f[8] = '\0';
	return (unsigned)strtoul(f, NULL, 16);
}

static void test_cpio(void **state)
{
	const char *names[] = { "bin", "init", "bin/sh", "TRAILER!!!" };
	int fd = open(at("t.cpio"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	struct cpio c;
	char *buf;
	size_t len, pos = 0;

	(void)state;
	assert_true(fd >= 0);
	cpio_init(&c, fd);
	cpio_dir(&c, "bin");
	cpio_file(&c, "init", 0755, "#!/bin/sh\n", 10);
	cpio_symlink(&c, "bin/sh", "busybox");
	assert_int_equal(cpio_end(&c), 0);
	close(fd);
	assert_int_equal(mmab_read_file(at("t.cpio"), &buf, &len), 0);
	for (size_t e = 0; e < ARRAY_SIZE(names); e++) {
		const char *h = buf + pos;
		unsigned namesize = field(h, 11), size = field(h, 6), mode = field(h, 1);

		assert_memory_equal(h, "070701", 6);
		assert_string_equal(h + 110, names[e]);
		assert_int_equal(namesize, strlen(names[e]) + 1);
		if (e == 0)
			assert_int_equal(mode, S_IFDIR | 0755);
		if (e == 1) {
			assert_int_equal(mode, S_IFREG | 0755);
			assert_memory_equal(h + ((110 + namesize + 3) & ~3u), "#!/bin/sh\n", 10);
		}
		if (e == 2)
			assert_int_equal(mode, S_IFLNK | 0777);
		/* each entry its own inode, but the trailer */
		assert_int_equal(field(h, 0), e < 3 ? e + 1 : 0);
		pos += (110 + namesize + 3) & ~3u;
		pos += (size + 3) & ~3u;
	}
	assert_int_equal(pos, len);
	free(buf);
}

/* A fake module: an ELF64 with a .modinfo section holding INFO (NUL-separated, LEN bytes). */
static void make_module(const char *path, const char *info, size_t len, bool xz)
{
	static const char strtab[] = "\0.modinfo\0.shstrtab";
	size_t off_info = sizeof(Elf64_Ehdr), off_str = off_info + len;
	size_t off_sh = (off_str + sizeof(strtab) + 7) & ~7ul, total = off_sh + 3 * sizeof(Elf64_Shdr);
	unsigned char *b = calloc(1, total), *out;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
	Elf64_Shdr sh[3] = { { 0 } };
	size_t olen = 0;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_shoff = off_sh;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 3;
	eh->e_shstrndx = 2;
	memcpy(b + off_info, info, len);
	memcpy(b + off_str, strtab, sizeof(strtab));
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_PROGBITS, .sh_offset = off_info,
			      .sh_size = len };
	sh[2] = (Elf64_Shdr){ .sh_name = 10, .sh_type = SHT_STRTAB, .sh_offset = off_str,
			      .sh_size = sizeof(strtab) };
	memcpy(b + off_sh, sh, sizeof(sh));
	if (!xz) {
		write_bytes(path, b, total);
		free(b);
		return;
	}
	out = malloc(total + 4096);
	assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, b, total, out, &olen,
						 total + 4096), LZMA_OK);
	write_bytes(path, out, olen);
	free(out);
	free(b);
}

#define MOD(path, info, xz) make_module(at(path), info, sizeof(info), xz)

static void make_moddir(void)
{
	static const char order[] = "kernel/a.ko\nkernel/b-dash.ko\nkernel/c.ko\nkernel/d.ko\n"
				    "kernel/loop1.ko\nkernel/loop2.ko\nkernel/broken.ko\n";

	assert_int_equal(mmab_mkdir_p(at("mods/kernel"), 0755), 0);
	write_bytes(at("mods/modules.order"), order, sizeof(order) - 1);
	write_bytes(at("mods/modules.builtin"), "kernel/fs/e.ko\n", 15);
	MOD("mods/kernel/a.ko", "license=GPL\0depends=b_dash,e\0vermagic=6.9.0 SMP", false);
	MOD("mods/kernel/b-dash.ko.xz", "depends=\0softdep=pre: d post: c", true);
	MOD("mods/kernel/c.ko", "depends=d", false);
	MOD("mods/kernel/d.ko", "depends=", false);
	MOD("mods/kernel/loop1.ko", "depends=loop2", false);
	MOD("mods/kernel/loop2.ko", "depends=loop1", false);
	write_bytes(at("mods/kernel/broken.ko"), "not an ELF", 10);
}

static void test_modules(void **state)
{
	const char *want[] = { "a", "c", "e", NULL }, *opt[] = { "nothere", "d", NULL };
	const char *missing[] = { "a", "zz", NULL }, *loop[] = { "loop1", NULL };
	const char *broken[] = { "broken", NULL };
	struct kmod_list l;
	char err[512], order[64] = "";
	void *data;
	size_t len;
	char *dep;

	(void)state;
	make_moddir();
	assert_int_equal(kmod_resolve(at("mods"), want, opt, &l, err, sizeof(err)), 0);
	for (size_t i = 0; i < l.n; i++)
		snprintf(order + strlen(order), sizeof(order) - strlen(order), "%s ",
			 l.mods[i].name);
	/* d (optional, first), then a after b_dash (softdep pre d), c after d; e built in */
	assert_string_equal(order, "d b_dash a c ");
	assert_string_equal(l.mods[1].path, at("mods/kernel/b-dash.ko.xz"));
	kmod_list_free(&l);
	assert_int_equal(kmod_resolve(at("mods"), missing, NULL, &l, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "zz: neither built in nor a module in"));
	assert_int_equal(kmod_resolve(at("mods"), loop, NULL, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "round a loop"));
	assert_int_equal(kmod_resolve(at("mods"), broken, NULL, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not a kernel module"));
	/* .ko.xz read uncompressed */
	assert_int_equal(kmod_read(at("mods/kernel/b-dash.ko.xz"), &data, &len), 0);
	dep = kmod_modinfo(data, len, "softdep", NULL);
	assert_string_equal(dep, "pre: d post: c");
	free(dep);
	free(data);
	assert_int_equal(kmod_read(at("mods/kernel/x.ko.zst"), &data, &len), -EOPNOTSUPP);
}

static void test_elf(void **state)
{
	char interp[256];

	(void)state;
	assert_int_equal(elf_interp("/proc/self/exe", interp, sizeof(interp)), 0);
	assert_non_null(strstr(interp, "ld-linux"));
	assert_int_equal(elf_interp(at("mods/modules.order"), interp, sizeof(interp)), -EINVAL);
	if (!access("/bin/busybox", R_OK))
		assert_int_equal(elf_interp("/bin/busybox", interp, sizeof(interp)),
				 -ENOENT);	/* busybox-static */
}

/* A bzImage-looking file saying RELEASE. */
static void make_image(const char *path, const char *release)
{
	static unsigned char img[0x5000];

	memset(img, 0, sizeof(img));
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0F;
	img[0x207] = 0x02;
	img[0x20F] = 0x3E;
	snprintf((char *)img + 0x4000, 0x100, "%s (t@mmab) #1", release);
	write_bytes(path, img, sizeof(img));
}

static void test_kcache_initramfs(void **state)
{
	char *pkg = xstrdup(at("pkg")), *deb = xstrdup(at("k.deb"));
	char *const build[] = { (char *)"dpkg-deb", (char *)"--root-owner-group", (char *)"-Znone",
				(char *)"-b", pkg, deb, NULL };
	const char *want[] = { "a", NULL };
	const char *ctl = "Package: linux-image-6.9.9-t\nVersion: 1\nArchitecture: amd64\n"
			  "Maintainer: m <m@x>\nDescription: t\n";
	struct kernel k = { .spec = deb };
	struct kmod_list l;
	struct kprep p;
	char err[512], *path, *path2;
	bool made;
	int st;

	(void)state;
	assert_int_equal(mmab_mkdir_p(at("pkg/DEBIAN"), 0755), 0);
	assert_int_equal(mmab_mkdir_p(at("pkg/boot"), 0755), 0);
	assert_int_equal(mmab_mkdir_p(at("pkg/lib/modules/6.9.9-t"), 0755), 0);
	write_bytes(at("pkg/DEBIAN/control"), ctl, strlen(ctl));
	make_image(at("pkg/boot/vmlinuz-6.9.9-t"), "6.9.9-t");
	write_bytes(at("pkg/boot/config-6.9.9-t"), "CONFIG_X=y\n", 11);
	assert_int_equal(mmab_spawn_wait(build, "/dev/null", "/dev/null", &st), 0);
	assert_int_equal(st, 0);
	free(pkg);
	assert_int_equal(kernel_resolve(&k, NULL, "/", err, sizeof(err)), 0);
	assert_int_equal(kcache_prepare(&k, NULL, &p, err, sizeof(err)), 0);
	assert_true(p.unpacked);
	assert_string_equal(p.release, "6.9.9-t");
	assert_non_null(strstr(p.image, "/cache/kernels/6.9.9-t-"));
	assert_int_equal(access(p.config, R_OK), 0);
	kprep_free(&p);
	/* the second time from the cache */
	assert_int_equal(kcache_prepare(&k, NULL, &p, err, sizeof(err)), 0);
	assert_false(p.unpacked);
	kprep_free(&p);
	kernel_free(&k);
	/* an initramfs of a module, made once, then cached */
	assert_int_equal(kmod_resolve(at("mods"), want, NULL, &l, err, sizeof(err)), 0);
	if (access("/bin/busybox", R_OK)) {
		kmod_list_free(&l);
		skip();
	}
	assert_int_equal(initramfs_make("#!/bin/sh\n", "/bin/busybox", &l, NULL, &path, &made, err,
					sizeof(err)), 0);
	assert_true(made);
	assert_int_equal(initramfs_make("#!/bin/sh\n", "/bin/busybox", &l, NULL, &path2, &made,
					err, sizeof(err)), 0);
	assert_false(made);
	assert_string_equal(path, path2);
	free(path);
	free(path2);
	/* busybox must be static */
	assert_int_equal(initramfs_make("#!/bin/sh\n", "/proc/self/exe", &l, NULL, &path, &made,
					err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "busybox-static"));
	free(path);
	kmod_list_free(&l);
}

static void test_rootfs_plan(void **state)
{
	const char *progs[] = { "sh", "no-such-program-mmab", NULL };
	struct rootfs r;
	char err[512];
	bool libc = false, sh = false;

	(void)state;
	assert_int_equal(rootfs_plan("/proc/self/exe", "/bin/sh", progs, &r, err, sizeof(err)), 0);
	assert_string_equal(r.files[0].guest, "/usr/bin/mmab");
	for (size_t i = 0; i < r.n; i++) {
		libc |= strstr(r.files[i].guest, "/libc.so") != NULL;
		sh |= !strcmp(r.files[i].guest, "/bin/sh");
	}
	assert_true(libc);
	assert_true(sh);
	assert_string_equal(r.missing, "no-such-program-mmab");
	assert_non_null(strstr(r.path, "/cache/rootfs/"));
	assert_false(r.cached);
	rootfs_free(&r);
}

/* A child that guards PATH and dies by SIG without a word: the guardian removes it. */
static void guarded_death(const char *path, int sig)
{
	pid_t pid;
	int st;

	assert_int_equal(mmab_mkdir_p(path, 0755), 0);
	pid = fork();
	if (pid == 0) {
		struct guard *g = guard_start();

		if (!g || guard_add(g, path))
			_exit(1);
		if (sig)
			raise(sig);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	for (int i = 0; i < 200 && !access(path, F_OK); i++)
		usleep(10000);
	assert_int_not_equal(access(path, F_OK), 0);
}

static void test_guard(void **state)
{
	struct guard *g;

	(void)state;
	guarded_death(at("guarded-exit/x"), 0);
	guarded_death(at("guarded-kill/x"), SIGKILL);
	/* what is forgotten stays */
	assert_int_equal(mmab_mkdir_p(at("kept"), 0755), 0);
	g = guard_start();
	assert_non_null(g);
	assert_int_equal(guard_add(g, at("kept")), 0);
	assert_int_equal(guard_forget(g, at("kept")), 0);
	assert_int_equal(guard_add(g, "relative"), -EINVAL);
	assert_int_equal(guard_stop(g), 0);
	assert_int_equal(access(at("kept"), F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_console),
		cmocka_unit_test(test_channel),
		cmocka_unit_test(test_cpio),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_elf),
		cmocka_unit_test(test_kcache_initramfs),
		cmocka_unit_test(test_rootfs_plan),
		cmocka_unit_test(test_guard),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

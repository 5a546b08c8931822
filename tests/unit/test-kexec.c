/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the kexec backend's mechanisms (boot/kexec*.c,
 * boot/watchdog.c): the command line a kernel under test boots with and
 * the mark a resumed run finds its boot by, what a machine lacks (fixture
 * trees standing for a ready machine, a container without systemd or
 * kexec, a locked-down one), the state file and its count of failed
 * resumes, modules installed only where absent and removed only when
 * mmab's, mkinitramfs shown a /boot of its own, the watchdog pinger's
 * magic close, how a failed boot is classified from its pstore records
 * and journal; and in the runner (runner/run-kexec*.c) the resume that
 * gives up after two failures in a row and `mmab restore` cancelling a run.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "boot/kexec.h"
#include "lib/mmab.h"
#include "runner/run.h"

static char tmpdir[64];

static int make_tmp(void **state)
{
	(void)state;
	unsetenv("MMAB_STATE_DIR");
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mmab-test-kexec.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmp(void **state)
{
	(void)state;
	return mmab_rm_rf(tmpdir);
}

/* Write TEXT to TMPDIR/REL, making its directories. */
static void put(const char *rel, const char *text, mode_t mode)
{
	char *p = xasprintf("%s/%s", tmpdir, rel), *d = xstrdup(p);

	*strrchr(d, '/') = '\0';
	assert_int_equal(mmab_mkdir_p(d, 0755), 0);
	assert_int_equal(mmab_write_file_atomic(p, text, strlen(text)), 0);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
	free(d);
}

static void test_cmdline(void **state)
{
	const char *base = "BOOT_IMAGE=/boot/vmlinuz-6.12 root=UUID=ab ro quiet panic=0 "
			   "foo=\"a b  c\" initrd=\\initrd mmab.boot=old-1 -- single";
	char *c, tag[32];

	(void)state;
	c = kexec_cmdline(base, "transparent_hugepage=never  numa=off", KEXEC_PANIC_S, "r1-2");
	assert_string_equal(c, "root=UUID=ab ro quiet foo=\"a b  c\" transparent_hugepage=never "
			    "numa=off panic=10 hung_task_panic=1 softlockup_panic=1 "
			    "mmab.boot=r1-2 -- single");
	assert_string_equal(kexec_cmdline_tag(c, tag, sizeof(tag)), "r1-2");
	free(c);
	/* back to the stock kernel: its own command line, marked, no panic settings */
	c = kexec_cmdline("root=/dev/nvme0n1 rw console=ttyS0 panic=5", NULL, 0, "r1-final");
	assert_string_equal(c, "root=/dev/nvme0n1 rw console=ttyS0 mmab.boot=r1-final");
	free(c);
	assert_string_equal(kexec_cmdline_tag("root=/dev/sda1 ro quiet", tag, sizeof(tag)), "");
	/* init's arguments are not the kernel's */
	assert_string_equal(kexec_cmdline_tag("ro -- mmab.boot=x", tag, sizeof(tag)), "");
	c = kexec_cmdline("", NULL, 3, "t");
	assert_string_equal(c, "panic=3 hung_task_panic=1 softlockup_panic=1 mmab.boot=t");
	free(c);
}

/* A machine ready for a kexec run, under TMPDIR/ready. */
static void ready_machine(void)
{
	put("ready/run/systemd/system/.keep", "", 0644);
	put("ready/sys/kernel/kexec_loaded", "0\n", 0644);
	put("ready/sys/kernel/security/lockdown", "[none] integrity confidentiality\n", 0644);
	put("ready/proc/sys/kernel/kexec_load_disabled", "0\n", 0644);
	put("ready/proc/sys/kernel/osrelease", "6.12.0-test\n", 0644);
	put("ready/proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz-6.12.0-test root=/dev/sda1 ro\n", 0644);
	put("ready/boot/vmlinuz-6.12.0-test", "MZ", 0644);
	put("ready/etc/systemd/system/" KEXEC_UNIT, "[Unit]\n", 0644);
	put("ready/usr/sbin/kexec", "#!/bin/sh\n", 0755);
	put("ready/usr/sbin/mkinitramfs", "#!/bin/sh\n", 0755);
	put("ready/dev/watchdog", "", 0644);
	put("ready/etc/default/kexec", "LOAD_KEXEC=false\n", 0644);
}

static char *lacks_text(const struct kexec_probe *p, size_t *n, size_t *warn)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*n = kexec_lacks(p, f, "- ");
	*warn = kexec_warnings(p, f, "! ");
	fclose(f);
	return buf;
}

static void test_probe(void **state)
{
	char *root = xasprintf("%s/ready", tmpdir), *empty = xasprintf("%s/empty", tmpdir);
	struct kexec_probe p;
	size_t n, w;
	char *text;

	(void)state;
	ready_machine();
	kexec_probe(root, &p);
	assert_true(p.systemd && p.kernel_kexec && p.kexec_tool[0] && p.unit_path[0]);
	assert_int_equal(p.load_disabled, 0);
	assert_string_equal(p.lockdown, "none");
	assert_string_equal(p.release, "6.12.0-test");
	assert_non_null(strstr(p.stock_image, "/boot/vmlinuz-6.12.0-test"));
	assert_string_equal(p.stock_initrd, "");
	text = lacks_text(&p, &n, &w);
	assert_int_equal(n, p.root ? 0 : 1);
	assert_int_equal(w, 0);
	free(text);

	/* a locked-down machine with kexec disabled and Debian's kexec-load on */
	put("ready/sys/kernel/security/lockdown", "none [integrity] confidentiality\n", 0644);
	put("ready/proc/sys/kernel/kexec_load_disabled", "1\n", 0644);
	put("ready/etc/default/kexec", "# x\nLOAD_KEXEC=true\n", 0644);
	kexec_probe(root, &p);
	text = lacks_text(&p, &n, &w);
	assert_int_equal(n, (p.root ? 0 : 1) + 2);
	assert_int_equal(w, 1);
	assert_non_null(strstr(text, "- kexec is disabled (kernel.kexec_load_disabled = 1"));
	assert_non_null(strstr(text, "- kernel lockdown is 'integrity'"));
	assert_non_null(strstr(text, "! /etc/default/kexec says LOAD_KEXEC=true"));
	free(text);

	/* a container: no systemd, no kexec anywhere, nothing in /boot */
	assert_int_equal(mmab_mkdir_p(empty, 0755), 0);
	put("empty/proc/sys/kernel/osrelease", "6.18.0-vm\n", 0644);
	kexec_probe(empty, &p);
	text = lacks_text(&p, &n, &w);
	assert_int_equal(n, (p.root ? 0 : 1) + 5);
	assert_int_equal(w, 2);
	assert_non_null(strstr(text, "- systemd as PID 1"));
	assert_non_null(strstr(text, "- kexec-tools (no kexec program)"));
	assert_non_null(strstr(text, "CONFIG_KEXEC is off in 6.18.0-vm"));
	assert_non_null(strstr(text, "- " KEXEC_UNIT));
	assert_non_null(strstr(text, "/boot/vmlinuz-6.18.0-vm, to come back"));
	assert_non_null(strstr(text, "! no hardware watchdog"));
	free(text);

	setenv("MMAB_STATE_DIR", "/tmp/elsewhere", 1);
	kexec_probe(root, &p);
	assert_false(p.state_dir_ok);
	unsetenv("MMAB_STATE_DIR");
	free(root);
	free(empty);
}

static void test_state(void **state)
{
	char *dir = xasprintf("%s/state", tmpdir), err[512];
	struct kexec_state s, t;

	(void)state;
	assert_false(kexec_state_exists(dir));
	assert_int_equal(kexec_state_create(&s, dir, json_pack("{s:s}", "run_dir", "/r")), 0);
	assert_true(kexec_state_exists(dir));
	assert_int_equal(kexec_state_create(&t, dir, json_object()), -EEXIST);
	kexec_state_free(&t);
	/* a resume counts as failed until it says otherwise, and survives a reload */
	assert_int_equal(kexec_state_resume_begin(&s), 0);
	kexec_state_free(&s);
	assert_int_equal(kexec_state_load(&s, dir, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(s.root, "run_dir")), "/r");
	assert_int_equal(kexec_state_resume_begin(&s), 1);
	assert_int_equal(kexec_state_resume_begin(&s), 2);
	assert_int_equal(kexec_state_resume_ok(&s), 0);
	assert_int_equal(kexec_state_resume_begin(&s), 0);
	/* a damaged state is said to be so, with the file */
	assert_int_equal(mmab_write_file_atomic(s.path, "{\"x\":", 5), 0);
	kexec_state_free(&s);
	assert_int_equal(kexec_state_load(&s, dir, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "/kexec/state.json:"));
	kexec_state_free(&s);
	mmab_rm_rf(dir);
	assert_int_equal(kexec_state_load(&s, dir, err, sizeof(err)), -ENOENT);
	kexec_state_free(&s);
	free(dir);
}

static void test_modules(void **state)
{
	char *dir = xasprintf("%s/mstate", tmpdir), *root = xasprintf("%s/mroot", tmpdir);
	char *src = xasprintf("%s/mods/9.9.9-test", tmpdir), err[512];
	char *dest = xasprintf("%s/lib/modules/9.9.9-test", root);
	char *other = xasprintf("%s/lib/modules/9.9.8-test", root);
	struct kexec_state s;
	struct stat st;

	(void)state;
	/* kmod's depmod: on every Debian (priority important), not on every test machine */
	if (!mmab_found("depmod") && access("/usr/sbin/depmod", X_OK) && access("/sbin/depmod", X_OK)) {
		skip();
		goto out;
	}
	put("mods/9.9.9-test/kernel/.keep", "", 0644);
	put("mods/9.9.9-test/modules.order", "", 0644);
	put("mroot/lib/modules/6.12.0-test/modules.dep", "", 0644);
	assert_int_equal(kexec_state_create(&s, dir, json_object()), 0);
	/* present already: nothing done, nothing listed */
	assert_int_equal(kexec_install_modules(&s, root, src, "6.12.0-test", err, sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(s.root, "installed")), 0);
	assert_int_equal(kexec_install_modules(&s, root, src, "9.9.9-test", err, sizeof(err)), 1);
	assert_int_equal(json_array_size(json_object_get(s.root, "installed")), 1);
	assert_int_equal(stat(dest, &st), 0);
	free(dest);
	dest = xasprintf("%s/lib/modules/9.9.9-test/modules.dep", root);
	assert_int_equal(stat(dest, &st), 0);	/* depmod ran */
	/* a listed path that is not mmab's tree (a package came meanwhile) stays */
	put("mroot/lib/modules/9.9.8-test/modules.dep", "", 0644);
	json_array_append_new(json_object_get(s.root, "installed"), json_string(other));
	assert_int_equal(kexec_remove_installed(&s), 0);
	assert_int_equal(json_array_size(json_object_get(s.root, "installed")), 0);
	assert_int_not_equal(stat(dest, &st), 0);
	assert_int_equal(stat(other, &st), 0);
	kexec_state_free(&s);
out:
	free(dir);
	free(root);
	free(src);
	free(dest);
	free(other);
}

static void test_initramfs(void **state)
{
	char *tool = xasprintf("%s/fake-mkinitramfs", tmpdir);
	char *out = xasprintf("%s/initrd.img-9.9.9-test", tmpdir);
	char *log = xasprintf("%s/initrd.log", tmpdir), *text = NULL, err[512];
	struct stat st;

	(void)state;
	if (geteuid()) {
		skip();
		return;
	}
	/* what mkinitramfs needs of /boot: the kernel's configuration */
	put("fake-mkinitramfs", "#!/bin/sh\ngrep -q CONFIG_RD_GZIP=y /boot/config-$3 || exit 1\n"
	    "echo built > \"$2\"\n", 0755);
	put("config", "CONFIG_RD_GZIP=y\n", 0644);
	text = xasprintf("%s/config", tmpdir);
	assert_int_equal(kexec_build_initramfs(tool, out, "9.9.9-test", text, log, err,
					       sizeof(err)), 0);
	assert_int_equal(stat(out, &st), 0);
	assert_int_not_equal(stat("/boot/config-9.9.9-test", &st), 0);
	/* without a configuration it fails, and says where its output is */
	assert_int_equal(kexec_build_initramfs(tool, out, "9.9.9-test", NULL, log, err,
					       sizeof(err)), -EIO);
	assert_non_null(strstr(err, log));
	assert_int_not_equal(stat(out, &st), 0);
	free(tool);
	free(out);
	free(log);
	free(text);
}

static void test_watchdog(void **state)
{
	char *dev = xasprintf("%s/fake-watchdog", tmpdir), *text;
	size_t len = 0;
	int got = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(watchdog_arm("/nonexistent/watchdog", 60, &got), -ENOENT);
	/* a file takes the pings (a NUL each) and the magic close */
	put("fake-watchdog", "", 0644);
	pid = watchdog_arm(dev, 8, &got);
	assert_true(pid > 0);
	assert_int_equal(got, 8);
	assert_int_equal(watchdog_disarm(pid), 0);
	/* pings may come first: "\0...\0V", so the length read, not strlen */
	assert_int_equal(mmab_read_file(dev, &text, &len), 0);
	assert_true(len > 0);
	assert_int_equal(text[len - 1], 'V');
	free(text);
	free(dev);
}

static void test_failed_boot(void **state)
{
	const char *boots =
		"-2 0c6f0f8bd2c247dfa3e4f1c9b5a0e5d7 Mon 2026-12-07 10:11:12 UTC—Mon 2026-12-07 10:12:00 UTC\n"
		"-1 5ab2a3c4d5e6f708192a3b4c5d6e7f80 Mon 2026-12-07 10:12:05 UTC—Mon 2026-12-07 10:12:30 UTC\n"
		" 0 99999999999999999999999999999999 Mon 2026-12-07 10:12:40 UTC—Mon 2026-12-07 10:13:00 UTC\n";
	char id[64], sum[512], *root = xasprintf("%s/froot", tmpdir);
	char *dir = xasprintf("%s/boots/3-new", tmpdir);

	(void)state;
	assert_int_equal(kexec_boot_after(boots, "0c6f0f8b-d2c2-47df-a3e4-f1c9b5a0e5d7", id,
					  sizeof(id)), 0);
	assert_string_equal(id, "5ab2a3c4d5e6f708192a3b4c5d6e7f80");
	assert_int_equal(kexec_boot_after(boots, "99999999-9999-9999-9999-999999999999", id,
					  sizeof(id)), -ENOENT);
	assert_int_equal(kexec_classify("Panic#1 Part1\n<0>Kernel panic - not syncing: x", NULL),
			 KEXEC_BOOT_PANIC);
	assert_int_equal(kexec_classify(NULL, "... kernel: Kernel panic - not syncing: hung_task"),
			 KEXEC_BOOT_PANIC);
	assert_int_equal(kexec_classify(NULL, "systemd[1]: Started mmab-resume.service\n"),
			 KEXEC_BOOT_HANG);
	assert_int_equal(kexec_classify(NULL, NULL), KEXEC_BOOT_FAILED);
	assert_string_equal(kexec_failure_reason(KEXEC_BOOT_HANG), "boot-hang");

	/* pstore records newer than the hand-over are kept, older ones are not */
	put("froot/sys/fs/pstore/dmesg-ramoops-0",
	    "Panic#1 Part1\n<0>[ 15.4] Kernel panic - not syncing: sysrq triggered crash\n", 0644);
	put("froot/var/lib/systemd/pstore/1765101234/dmesg.txt", "Kernel panic - not syncing: "
	    "sysrq triggered crash\n", 0644);
	put("froot/var/lib/systemd/pstore/old", "old\n", 0644);
	{
		char *old = xasprintf("%s/var/lib/systemd/pstore/old", root);
		struct timespec ts[2] = { { .tv_sec = 1000 }, { .tv_sec = 1000 } };

		assert_int_equal(utimensat(AT_FDCWD, old, ts, 0), 0);
		free(old);
	}
	assert_int_equal(kexec_collect_failed_boot(root, dir, "00000000-0000-0000-0000-000000000001",
						   "r1-3", 2000, sum, sizeof(sum)), KEXEC_BOOT_PANIC);
	assert_non_null(strstr(sum, "boot-panic: 2 pstore records, no journal of the boot "
			       "(Kernel panic - not syncing: sysrq triggered crash)"));
	free(root);
	root = xasprintf("%s/pstore/1765101234_dmesg.txt", dir);
	assert_int_equal(access(root, F_OK), 0);
	free(root);
	root = xasprintf("%s/pstore/old", dir);
	assert_int_not_equal(access(root, F_OK), 0);
	free(root);
	free(dir);
}

/* A state under TMPDIR/NAME (MMAB_STATE_DIR), its run directory /r. */
static char *fake_run_state(const char *name, int failures)
{
	char *dir = xasprintf("%s/%s", tmpdir, name);
	struct kexec_state s;

	setenv("MMAB_STATE_DIR", dir, 1);
	assert_int_equal(kexec_state_create(&s, dir, json_pack("{s:s}", "run_dir", "/r")), 0);
	json_object_set_new(s.root, "resume_failures", json_integer(failures));
	assert_int_equal(kexec_state_save(&s), 0);
	kexec_state_free(&s);
	return dir;
}

static void test_resume_tries(void **state)
{
	struct run r = { 0 };
	struct kexec_state s;
	char *dir, err[256];

	(void)state;
	/* no run in progress: nothing to do, said so */
	setenv("MMAB_STATE_DIR", tmpdir, 1);
	assert_int_equal(run_kexec_resume_load(&r), MMAB_EXIT_SKIP);
	kexec_state_free(r.kx);
	free(r.kx);
	/* one resume failed before: this one tries, counted until it succeeds */
	dir = fake_run_state("tries", 1);
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_kexec_resume_load(&r), 0);
	assert_string_equal(r.o.resume, "/r");
	kexec_state_free(r.kx);
	free(r.kx);
	/* it failed too: the third gives up (and disables the unit) */
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_kexec_resume_load(&r), MMAB_EXIT_FAIL);
	kexec_state_free(r.kx);
	free(r.kx);
	assert_int_equal(kexec_state_load(&s, dir, err, sizeof(err)), 0);
	assert_int_equal(json_integer_value(json_object_get(s.root, "resume_failures")), 3);
	kexec_state_free(&s);
	unsetenv("MMAB_STATE_DIR");
	free(dir);
}

static void test_cancel(void **state)
{
	char *dir, *mods = xasprintf("%s/cancel-root/lib/modules/9.9.7-test", tmpdir);
	struct kexec_state s;
	char err[256];

	(void)state;
	setenv("MMAB_STATE_DIR", tmpdir, 1);
	assert_int_equal(run_kexec_cancel(), 0);	/* none in progress */
	dir = fake_run_state("cancel", 0);
	/* a module tree mmab installed for the run goes with it */
	put("cancel-root/lib/modules/9.9.7-test/.mmab-installed", "9.9.7-test", 0644);
	assert_int_equal(kexec_state_load(&s, dir, err, sizeof(err)), 0);
	json_array_append_new(json_object_get(s.root, "installed"), json_string(mods));
	assert_int_equal(kexec_state_save(&s), 0);
	kexec_state_free(&s);
	assert_int_equal(run_kexec_cancel(), 1);
	assert_false(kexec_state_exists(dir));
	assert_int_not_equal(access(mods, F_OK), 0);
	/* a damaged state is discarded too */
	free(dir);
	dir = fake_run_state("cancel", 0);
	free(mods);
	mods = xasprintf("%s/kexec/state.json", dir);
	assert_int_equal(mmab_write_file_atomic(mods, "nonsense", 8), 0);
	assert_int_equal(run_kexec_cancel(), 1);
	assert_false(kexec_state_exists(dir));
	unsetenv("MMAB_STATE_DIR");
	free(dir);
	free(mods);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_initramfs),
		cmocka_unit_test(test_watchdog),
		cmocka_unit_test(test_failed_boot),
		cmocka_unit_test(test_resume_tries),
		cmocka_unit_test(test_cancel),
	};

	return cmocka_run_group_tests(tests, make_tmp, remove_tmp);
}

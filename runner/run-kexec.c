/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `mmab run --kexec`: a kernel A/B on bare metal.  Boots alternate A B A B,
 * each a kexec from the one before; mmab-resume.service (installed by
 * `make install`) carries the run on after each boot (run-kexec-boot.c),
 * and after the last boot mmab kexecs back to the kernel it started on.
 * The boot loader is never touched: a kernel under test boots with
 * panic=N hung_task_panic=1 softlockup_panic=1, so a panic or lockup
 * resets the machine into its default (stock) kernel, where the resumed
 * run records the boot as failed and goes on.
 *
 * This file: what bare metal refuses, the dry run, the start (everything
 * made ready and checked while the user watches, then the first kexec),
 * the kexec itself, and the end (cancelled by `mmab restore`, or done).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "boot/guard.h"
#include "boot/kcache.h"
#include "boot/kernel.h"
#include "boot/kexec.h"
#include "lib/machine.h"
#include "lib/mmab.h"
#include "runner/run-kexec.h"
#include "runner/run.h"

const char *kx_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

void kx_tag(const struct kexec_state *s, size_t b, char *buf, size_t len)
{
	size_t nboots = json_array_size(json_object_get(s->root, "boots"));
	const char *nonce = kx_str(s->root, "nonce");

	if (b >= nboots)
		snprintf(buf, len, "%s-final", nonce ? nonce : "x");
	else
		snprintf(buf, len, "%s-%zu", nonce ? nonce : "x", b + 1);
}

int run_kexec_check(struct run *r)
{
	int bad = 0;

	for (size_t k = 0; k < r->plan.nkernels; k++) {
		const struct kernel *kn = &r->plan.kernels[k];

		if (kn->memory || kn->cpus) {
			mmab_err("%s: %s: a kexec run boots this machine, which has what it has",
				 kn->origin ? kn->origin : kn->name, kn->memory ? "memory" : "cpus");
			bad = 1;
		}
	}
	return bad ? MMAB_EXIT_USAGE : 0;
}

/* ---- a kernel's files ---- */

/* What booting kernel K here takes. */
struct kfiles {
	char *image;
	char *modules;		/* lib/modules/REL to install when absent; NULL: none */
	char *config;		/* for mkinitramfs; NULL: none */
	char *initrd;		/* the installed one (/boot/initrd.img-REL); NULL: none */
};

static void kfiles_free(struct kfiles *f)
{
	free(f->image);
	free(f->modules);
	free(f->config);
	free(f->initrd);
	memset(f, 0, sizeof(*f));
}

/*
 * F for kernel K: a package unpacked into mmab's cache (boot/kcache.h, G
 * guarding it; NULL for the dry run, which only says what it would do),
 * the other forms used in place.  0, or -errno with the reason in ERR.
 */
static int kernel_files(const struct kernel *k, struct guard *g, struct kfiles *f, char *err,
			size_t len)
{
	struct kprep kp;
	char *p;
	int ret;

	memset(f, 0, sizeof(*f));
	/* a build tree's modules are not a lib/modules/REL to install */
	if (k->kind == KERNEL_TREE) {
		snprintf(err, len, "a kexec run cannot boot a build tree: `make modules_install "
			 "INSTALL_MOD_PATH=DIR` and give IMAGE,modules=DIR/lib/modules/REL");
		return -ENOTSUP;
	}
	if (k->kind == KERNEL_DEB) {
		if (!g) {
			kcache_describe(k, err, len);
			return -EAGAIN;
		}
		ret = kcache_prepare(k, g, &kp, err, len);
		if (ret)
			return ret;
		*f = (struct kfiles){ .image = kp.image, .modules = kp.modules, .config = kp.config };
		free(kp.release);
		return 0;
	}
	f->image = xstrdup(k->image);
	f->modules = k->modules ? xstrdup(k->modules) : NULL;
	if (k->kind == KERNEL_INSTALLED) {
		p = xasprintf("/boot/initrd.img-%s", k->release);
		if (!access(p, R_OK))
			f->initrd = p;
		else
			free(p);
		p = xasprintf("/boot/config-%s", k->release);
		if (!access(p, R_OK))
			f->config = p;
		else
			free(p);
	}
	return 0;
}

/* Is ROOT/lib/modules/REL there? */
static bool modules_present(const char *rel)
{
	char *p = xasprintf("/lib/modules/%s", rel);
	struct stat st;
	bool there = !lstat(p, &st);

	free(p);
	return there;
}

/* ---- the dry run ---- */

static void dry_kernel(const struct kernel *k, const struct kexec_probe *p, FILE *f)
{
	struct kfiles kf;
	char err[512], *line;
	int ret;

	fprintf(f, "  %s: %s (%s %s)\n", k->name, k->release, kernel_kind_name(k->kind), k->path);
	ret = kernel_files(k, NULL, &kf, err, sizeof(err));
	if (ret == -EAGAIN) {
		fprintf(f, "      package: %s\n      modules: its lib/modules/%s copied to "
			"/lib/modules/%s for the run when absent there, removed after it\n",
			err, k->release, k->release);
		fprintf(f, "      initramfs: %s\n", p->mkinitramfs[0] ? "built by mkinitramfs "
			"in the state directory" : "none (its root file system's drivers must be "
			"built in)");
		goto cmdline;
	}
	if (ret) {
		fprintf(f, "      cannot be booted: %s\n", err);
		return;
	}
	fprintf(f, "      image %s\n", kf.image);
	if (!kf.modules)
		fprintf(f, "      modules: none given\n");
	else if (modules_present(k->release))
		fprintf(f, "      modules: /lib/modules/%s is there (used as it is)\n", k->release);
	else
		fprintf(f, "      modules: %s copied to /lib/modules/%s for the run, removed "
			"after it\n", kf.modules, k->release);
	if (kf.initrd)
		fprintf(f, "      initramfs %s\n", kf.initrd);
	else if (kf.modules && p->mkinitramfs[0])
		fprintf(f, "      initramfs: built by mkinitramfs into %s/kexec/initrd.img-%s\n",
			mmab_state_dir(), k->release);
	else
		fprintf(f, "      initramfs: none (its root file system's drivers must be built in)\n");
	kfiles_free(&kf);
cmdline:
	line = kexec_cmdline(p->cmdline, k->append, KEXEC_PANIC_S, "RUN-N");
	fprintf(f, "      command line: %s\n", line);
	free(line);
}

void run_kexec_dry(struct run *r)
{
	struct kexec_probe p;

	kexec_probe("", &p);
	printf("\nkexec (bare metal): each boot a kexec from the one before, the run resumed "
	       "by " KEXEC_UNIT " after it:\n ");
	for (size_t b = 0; b < r->plan.nboots; b++) {
		char *d = plan_boot_dir(&r->plan, b);

		printf(" %s", d);
		free(d);
	}
	printf(", then back to %s (%s)\n", p.release,
	       p.stock_image[0] ? p.stock_image : "no image in /boot");
	for (size_t k = 0; k < r->plan.nkernels; k++)
		dry_kernel(&r->plan.kernels[k], &p, stdout);
	if (kexec_lacks(&p, NULL, "")) {
		printf("this machine lacks, for a real run:\n");
		kexec_lacks(&p, stdout, "  - ");
	} else {
		printf("this machine has what a real run needs\n");
	}
	kexec_warnings(&p, stdout, "  warning: ");
}

/* ---- the kexec ---- */

/* This boot's id, from the kernel. */
static void boot_id(char *buf, size_t len)
{
	char *t = NULL;

	buf[0] = '\0';
	if (!mmab_read_file("/proc/sys/kernel/random/boot_id", &t, NULL)) {
		t[strcspn(t, "\n")] = '\0';
		snprintf(buf, len, "%s", t);
	}
	free(t);
}

int run_kexec_into(struct kexec_state *s, size_t b, size_t nboots, char *err, size_t len)
{
	json_t *stock = json_object_get(s->root, "stock"), *kn = NULL;
	char tag[64], id[64], tool[PATH_MAX], *cmdline, *log;
	struct kexec_probe p;
	int ret;

	if (b < nboots) {
		json_t *boot = json_array_get(json_object_get(s->root, "boots"), b);

		kn = json_array_get(json_object_get(s->root, "kernels"),
				    (size_t)json_integer_value(json_object_get(boot, "kernel")));
	}
	kexec_probe("", &p);
	snprintf(tool, sizeof(tool), "%s", p.kexec_tool[0] ? p.kexec_tool : "kexec");
	kx_tag(s, b, tag, sizeof(tag));
	cmdline = kexec_cmdline(kx_str(stock, "cmdline"), kn ? kx_str(kn, "append") : NULL,
				kn ? KEXEC_PANIC_S : 0, tag);
	log = xasprintf("%s/kexec.log", s->dir);
	ret = kexec_load(tool, kx_str(kn ? kn : stock, "image"), kx_str(kn ? kn : stock, "initrd"),
			 cmdline, log, err, len);
	free(cmdline);
	free(log);
	if (ret)
		return ret;
	boot_id(id, sizeof(id));
	json_object_set_new(s->root, "next", json_integer((json_int_t)b));
	json_object_set_new(s->root, "handover", json_pack("{s:s, s:f, s:s}", "boot_id", id,
							   "time", (double)time(NULL), "tag", tag));
	json_object_set_new(s->root, "resume_failures", json_integer(0));
	ret = kexec_state_save(s);
	if (!ret)
		ret = kexec_reboot();
	if (ret) {
		kexec_unload(tool);
		snprintf(err, len, "cannot hand over to systemd for the kexec: %s", strerror(-ret));
		return -EIO;
	}
	return 0;
}

/* ---- the end ---- */

/* Copy the state directory's logs to DIR. */
static void keep_logs(const struct kexec_state *s, const char *dir)
{
	static const char *const names[] = { "kexec.log", NULL };
	char *src, *dst, *text;
	size_t len;

	for (size_t i = 0; names[i]; i++) {
		src = xasprintf("%s/%s", s->dir, names[i]);
		dst = xasprintf("%s/%s", dir, names[i]);
		if (!mmab_read_file(src, &text, &len)) {
			if (!mmab_mkdir_p(dir, 0755))
				mmab_write_file_atomic(dst, text, len);
			free(text);
		}
		free(src);
		free(dst);
	}
}

int run_kexec_disable_unit(void)
{
	struct kexec_probe p;

	kexec_probe("", &p);
	/* a unit uninstalled meanwhile is not enabled either */
	if (p.unit_path[0] && kexec_unit(false)) {
		mmab_err("cannot disable " KEXEC_UNIT "; `systemctl disable " KEXEC_UNIT "` does");
		return -EIO;
	}
	return 0;
}

int run_kexec_cleanup(struct kexec_state *s, const char *logs_to)
{
	struct kexec_probe p;
	int failed = 0;

	kexec_probe("", &p);
	if (run_kexec_disable_unit())
		failed++;
	if (p.kexec_tool[0] && p.kernel_kexec)
		kexec_unload(p.kexec_tool);
	failed += (int)kexec_remove_installed(s);
	if (logs_to)
		keep_logs(s, logs_to);
	if (failed) {
		mmab_err("the run's state stays in '%s' for `mmab restore` to try again", s->dir);
		return failed;
	}
	if (mmab_rm_rf(s->dir)) {
		mmab_err("cannot remove '%s'", s->dir);
		return 1;
	}
	return 0;
}

int run_kexec_cancel(void)
{
	struct kexec_state s;
	char err[1024];
	int ret;

	ret = kexec_state_load(&s, mmab_state_dir(), err, sizeof(err));
	if (ret == -ENOENT)
		return 0;
	if (ret) {
		/* a damaged state still holds nothing but what mmab put there */
		mmab_warn("%s; removing it", err);
		s.root = json_pack("{s:[]}", "installed");
	}
	mmab_info("cancelling the multi-boot run in %s (its results stay)",
		  kx_str(s.root, "run_dir") ? kx_str(s.root, "run_dir") : "?");
	ret = run_kexec_cleanup(&s, NULL);
	kexec_state_free(&s);
	return ret ? -EIO : 1;
}

/* ---- the start ---- */

/* The stock kernel, the nonce and the boots into a new state. */
static json_t *new_state(struct run *r, const struct kexec_probe *p)
{
	uint32_t nonce = 0;
	json_t *boots = json_array();
	char hex[16];

	if (getrandom(&nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
		nonce = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	snprintf(hex, sizeof(hex), "%08x", nonce);
	for (size_t b = 0; b < r->plan.nboots; b++)
		json_array_append_new(boots, json_pack("{s:I, s:i, s:s}", "kernel",
			(json_int_t)r->plan.boots[b].kernel, "number", r->plan.boots[b].number,
			"status", "pending"));
	return json_pack("{s:s, s:{s:s, s:s, s:s?, s:s}, s:[], s:o, s:I}", "nonce", hex,
			 "stock", "release", p->release, "image", p->stock_image,
			 "initrd", p->stock_initrd[0] ? p->stock_initrd : NULL,
			 "cmdline", p->cmdline, "kernels", "boots", boots,
			 "next", (json_int_t)-1);
}

/*
 * Kernel K ready to boot: its modules installed where absent (listed in
 * the state first), its initramfs built when it has none.  0 or -errno
 * (reported).
 */
static int ready_kernel(struct kexec_state *s, const struct kernel *k,
			const struct kexec_probe *p, struct guard *g)
{
	struct kfiles f;
	char err[1024], *initrd = NULL, *log;
	int ret;

	ret = kernel_files(k, g, &f, err, sizeof(err));
	if (!ret && f.modules)
		ret = kexec_install_modules(s, "", f.modules, k->release, err, sizeof(err));
	if (ret < 0) {
		mmab_err("%s: %s", k->origin ? k->origin : k->name, err);
		goto out;
	}
	if (ret == 1)
		mmab_info("%s: modules installed in /lib/modules/%s for the run", k->name,
			  k->release);
	if (f.initrd) {
		initrd = xstrdup(f.initrd);
	} else if (f.modules && p->mkinitramfs[0]) {
		initrd = xasprintf("%s/initrd.img-%s", s->dir, k->release);
		log = xasprintf("%s/initrd-%s.log", s->dir, k->release);
		mmab_info("%s: mkinitramfs -o %s", k->name, initrd);
		ret = access(initrd, R_OK) ? kexec_build_initramfs(p->mkinitramfs, initrd,
				k->release, f.config, log, err, sizeof(err)) : 0;
		free(log);
		if (ret) {
			mmab_err("%s: %s", k->name, err);
			goto out;
		}
	} else {
		mmab_warn("%s boots without an initramfs: its root file system's drivers must "
			  "be built in", k->name);
	}
	json_array_append_new(json_object_get(s->root, "kernels"),
		json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "name", k->name, "release", k->release,
			  "image", f.image, "initrd", initrd, "append", k->append));
	ret = kexec_state_save(s);
out:
	free(initrd);
	kfiles_free(&f);
	return ret < 0 ? ret : 0;
}

/* The run directory and its sets, made as every run makes them; its path into the state. */
static int make_run_dir(struct run *r, struct kexec_state *s)
{
	char *abs;

	r->machine = machine_info();
	r->before = machine_knob_values(NULL, r->knob_names);
	mmab_iso_time(r->start_iso, sizeof(r->start_iso), (double)time(NULL));
	if (run_make_dir(r) || run_create_sets(r))
		return -EIO;
	abs = realpath(r->run_dir, NULL);
	if (!abs)
		return -errno;
	json_object_set_new(s->root, "run_dir", json_string(abs));
	free(abs);
	return kexec_state_save(s);
}

/* Refuse, exit 4, what this machine lacks; warn about the rest. */
static int check_machine(const struct kexec_probe *p)
{
	if (kexec_lacks(p, NULL, "")) {
		mmab_err("cannot run --kexec here; this machine lacks:");
		kexec_lacks(p, stderr, "  - ");
		return MMAB_EXIT_SKIP;
	}
	kexec_warnings(p, stderr, "mmab: warning: ");
	if (kexec_state_exists(mmab_state_dir())) {
		mmab_err("a multi-boot run is in progress (%s/kexec/state.json): `mmab run "
			 "--dry-run --resume RUN_DIR` shows it, `mmab restore` cancels it",
			 mmab_state_dir());
		return MMAB_EXIT_FAIL;
	}
	return 0;
}

int run_kexec_start(struct run *r)
{
	struct kexec_state s = { 0 };
	struct guard *g;
	struct kexec_probe p;
	char err[1024];
	int ret;

	kexec_probe("", &p);
	ret = check_machine(&p);
	if (ret)
		return ret;
	ret = kexec_state_create(&s, mmab_state_dir(), new_state(r, &p));
	if (ret) {
		mmab_err("cannot write the state in '%s/kexec': %s", mmab_state_dir(), strerror(-ret));
		kexec_state_free(&s);
		return MMAB_EXIT_FAIL;
	}
	/* a package half unpacked into the cache goes if mmab dies */
	g = guard_start();
	if (!g) {
		ret = -errno;
		mmab_err("cannot start the guardian of temporary files: %s", strerror(-ret));
	}
	for (size_t k = 0; k < r->plan.nkernels && !ret; k++)
		ret = ready_kernel(&s, &r->plan.kernels[k], &p, g);
	if (g && guard_stop(g) && !ret)
		ret = -EIO;
	if (!ret && (ret = make_run_dir(r, &s)))
		mmab_err("cannot record the run directory: %s", strerror(-ret));
	if (!ret && (ret = kexec_unit(true)))
		mmab_err("cannot enable " KEXEC_UNIT);
	if (!ret) {
		mmab_info("boot 1 of %zu: kexec into %s; %s continues the run after each boot "
			  "(journalctl -u %s), the last followed by a kexec back to %s",
			  r->plan.nboots, r->plan.kernels[r->plan.boots[0].kernel].name, KEXEC_UNIT,
			  KEXEC_UNIT, p.release);
		printf("%s\n", r->run_dir);
		fflush(stdout);
		ret = run_kexec_into(&s, 0, r->plan.nboots, err, sizeof(err));
		if (ret)
			mmab_err("%s", err);
	}
	if (ret) {
		mmab_info("nothing was booted; undoing what was made ready");
		run_kexec_cleanup(&s, NULL);
	}
	kexec_state_free(&s);
	return ret ? MMAB_EXIT_FAIL : 0;
}

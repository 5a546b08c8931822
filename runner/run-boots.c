/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A run that boots its kernels (`mmab run --kernel`, [kernel] sections),
 * on the host: the kernels gathered from the suite and the command line,
 * resolved and named (boot/kernel.h) before anything is touched, every
 * mistake an exit 2 that names its origin; each made ready to boot (its
 * package unpacked, its modules found, its initramfs, the root disk), then
 * the boots in plan order, each with a data disk of its own holding its
 * share of the plan (plan_boot_share) and, after qemu exits, the guest's
 * results, read back with debugfs (no mount, nothing to undo) and merged
 * (run-boots-merge.c).  Temporary files are on the guardian's list
 * (boot/guard.h) and qemu dies with mmab, so no signal, not even kill -9,
 * leaves a VM or an image behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/cache.h"
#include "boot/guard.h"
#include "boot/initramfs.h"
#include "boot/kernel.h"
#include "boot/modules.h"
#include "lib/embed.h"
#include "lib/mmab.h"
#include "lib/resultset.h"
#include "runner/progress.h"
#include "runner/run-boots.h"
#include "runner/run.h"

/* What a guest needs before it can mount its disks and talk to the host. */
static const char *const guest_modules[] = { "virtio_pci", "virtio_blk", "virtio_console",
					     "ext4", NULL };
/* Wanted when they are modules: crc32c for ext4's checksums, pvpanic to end at a panic. */
static const char *const guest_optional[] = { "crc32c_generic", "pvpanic_pci", NULL };
/* The programs the guest's runner may start. */
static const char *const guest_programs[] = { "fio", "stress-ng", "perf", NULL };

#define INIT_SCRIPT "boot/guest-init.sh"
#define HEARTBEAT_S 60.0	/* a guest silent this long (KVM; TCG twice) is hung */

/* The directory relative images of a suite file are taken from; NULL: the working one. */
static char *suite_dir(const struct suite *s)
{
	char *copy, *d;

	if (!strchr(s->file, '/') || !strncmp(s->file, "builtin:", 8))
		return NULL;
	copy = xstrdup(s->file);
	d = xstrdup(dirname(copy));
	free(copy);
	return d;
}

/* [kernel NAME] section I of the suite as a kernel to resolve.  0 or -EINVAL (err). */
static int from_section(const struct suite *s, size_t i, struct kernel *k, char *err,
			size_t errlen)
{
	const struct suite_kernel *sk = &s->kernels[i];
	int ret = kernel_parse_arg(sk->image, k, err, errlen);

	k->origin = xasprintf("%s:%d: [kernel %s]", s->file, sk->line, sk->name);
	if (!ret && k->name) {
		snprintf(err, errlen, "image = %s: the name is the section's; write "
			 "image = %s", sk->image, k->spec);
		ret = -EINVAL;
	}
	free(k->name);
	k->name = xstrdup(sk->name);
	k->append = sk->append ? xstrdup(sk->append) : NULL;
	k->memory = sk->memory;
	k->cpus = sk->cpus;
	return ret;
}

int run_gather_kernels(struct run *r, struct kernel **out, size_t *nout)
{
	size_t n = r->suite.nkernels + r->o.nkernels;
	struct kernel *ks = xcalloc(n ? n : 1, sizeof(*ks));
	char *base = suite_dir(&r->suite), err[1024];
	int ret = 0;
	size_t i;

	for (i = 0; i < n && !ret; i++) {
		bool section = i < r->suite.nkernels;
		const char *arg = section ? NULL : r->o.kernels[i - r->suite.nkernels];

		if (section) {
			ret = from_section(&r->suite, i, &ks[i], err, sizeof(err));
		} else {
			ret = kernel_parse_arg(arg, &ks[i], err, sizeof(err));
			ks[i].origin = xasprintf("--kernel '%s'", arg);
		}
		if (!ret)
			ret = kernel_resolve(&ks[i], section ? base : NULL, "/", err, sizeof(err));
		if (ret)
			mmab_err("%s: %s", ks[i].origin, err);
	}
	if (!ret && kernels_name(ks, n, err, sizeof(err))) {
		mmab_err("%s", err);
		ret = -EINVAL;
	}
	free(base);
	if (ret) {
		for (i = 0; i < n; i++)
			kernel_free(&ks[i]);
		free(ks);
		return MMAB_EXIT_USAGE;
	}
	*out = ks;
	*nout = n;
	return 0;
}

/* ---- the kernels made ready ---- */

static int busybox_path(char *out, size_t len)
{
	if (!mmab_which("busybox", out, len))
		return 0;
	mmab_err("busybox not found: the guests' initramfs needs busybox-static "
		 "(make deps installs it)");
	return MMAB_EXIT_FAIL;
}

/* Kernel K ready: unpacked, its modules found, its initramfs.  0 or an exit code. */
static int prepare_kernel(struct run *r, size_t k, const char *busybox)
{
	struct boots *bs = r->boots;
	const struct kernel *kn = &r->plan.kernels[k];
	struct kmod_list mods = { 0 };
	char err[1024], hex[65];
	bool made = false;
	int ret = kcache_prepare(kn, bs->guard, &bs->preps[k], err, sizeof(err));

	if (ret) {
		mmab_err("kernel %s: %s", kn->name, err);
		return ret == -EINVAL || ret == -ENOENT ? MMAB_EXIT_USAGE : MMAB_EXIT_FAIL;
	}
	if (bs->preps[k].modules &&
	    kmod_resolve(bs->preps[k].modules, guest_modules, guest_optional, &mods, err,
			 sizeof(err))) {
		mmab_err("kernel %s cannot boot a guest here: %s", kn->name, err);
		return MMAB_EXIT_USAGE;
	}
	if (!bs->preps[k].modules)
		mmab_warn("kernel %s: no modules: it boots only if virtio-pci, virtio-blk, "
			  "virtio-console and ext4 are built in", kn->name);
	ret = initramfs_make(embed_find(INIT_SCRIPT, NULL), busybox, &mods, bs->guard,
			     &bs->initrds[k], &made, err, sizeof(err));
	kmod_list_free(&mods);
	if (ret) {
		mmab_err("kernel %s: %s", kn->name, err);
		return MMAB_EXIT_FAIL;
	}
	if (bs->preps[k].config && !cache_sha256(bs->preps[k].config, hex))
		bs->config_sha[k] = xstrdup(hex);
	mmab_info("kernel %s: %s%s, initramfs %s", kn->name, bs->preps[k].release,
		  bs->preps[k].unpacked ? " (unpacked into the cache)" : "",
		  made ? "made" : "cached");
	return 0;
}

static int prepare_root(struct run *r, const char *busybox)
{
	struct boots *bs = r->boots;
	char self[PATH_MAX], err[1024];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0) {
		mmab_err("cannot find mmab's own binary: %s", strerror(errno));
		return MMAB_EXIT_FAIL;
	}
	self[n] = '\0';
	if (rootfs_plan(self, busybox, guest_programs, &bs->root, err, sizeof(err)) ||
	    rootfs_make(&bs->root, bs->guard, err, sizeof(err))) {
		mmab_err("the guests' root disk: %s", err);
		return MMAB_EXIT_FAIL;
	}
	if (bs->root.missing)
		mmab_warn("not on this machine, so not in the guests: %s (their workloads and "
			  "collectors are skipped there)", bs->root.missing);
	mmab_info("root disk %s (%s)", bs->root.path, bs->root.cached ? "cached" : "made");
	return 0;
}

int run_boots_prepare(struct run *r)
{
	struct boots *bs = xcalloc(1, sizeof(*bs));
	size_t nk = r->plan.nkernels;
	char busybox[PATH_MAX];
	int ret;

	r->boots = bs;
	bs->preps = xcalloc(nk, sizeof(*bs->preps));
	bs->initrds = xcalloc(nk, sizeof(*bs->initrds));
	bs->config_sha = xcalloc(nk, sizeof(*bs->config_sha));
	bs->boots_meta = xcalloc(nk, sizeof(*bs->boots_meta));
	bs->env = xcalloc(r->plan.nsets, sizeof(*bs->env));
	bs->done = xcalloc(r->plan.nsteps + 1, sizeof(*bs->done));
	bs->kvm = qemu_kvm();
	bs->factor = bs->kvm ? 1 : QEMU_TCG_FACTOR;
	if (qemu_version(bs->qemu_version, sizeof(bs->qemu_version))) {
		mmab_err("qemu-system-x86_64 not found: make deps installs it");
		return MMAB_EXIT_FAIL;
	}
	bs->guard = guard_start();
	if (!bs->guard) {
		mmab_err("cannot start the guardian of temporary files: %s", strerror(errno));
		return MMAB_EXIT_FAIL;
	}
	ret = busybox_path(busybox, sizeof(busybox));
	for (size_t k = 0; k < nk && !ret; k++) {
		bs->boots_meta[k] = json_array();
		ret = prepare_kernel(r, k, busybox);
	}
	if (!ret)
		ret = prepare_root(r, busybox);
	return ret;
}

void run_boots_free(struct run *r)
{
	struct boots *bs = r->boots;

	if (!bs)
		return;
	guard_stop(bs->guard);
	for (size_t k = 0; k < r->plan.nkernels; k++) {
		kprep_free(&bs->preps[k]);
		free(bs->initrds[k]);
		free(bs->config_sha[k]);
		json_decref(bs->boots_meta[k]);
	}
	free(bs->preps);
	free(bs->initrds);
	free(bs->config_sha);
	free(bs->boots_meta);
	free(bs->env);
	free(bs->done);
	rootfs_free(&bs->root);
	free(bs);
	r->boots = NULL;
}

/* ---- one boot ---- */

static uint64_t guest_memory(const struct kernel *k)
{
	return k->memory ? k->memory : QEMU_MEMORY_DEFAULT;
}

/*
 * The data disk of boot BR: its share of the plan (TMP/stage/job/run.json
 * and the suite) in a fresh sparse ext4 image, TMP/data.img, big enough
 * for the page-cache workloads' files.  0 or -errno with err.
 */
static int make_data_disk(struct boot_run *br, char *img, char *err, size_t errlen)
{
	struct run *r = br->r;
	char *stage = xasprintf("%s/stage", br->tmp), *job = xasprintf("%s/job", stage);
	char *state = xasprintf("%s/state", stage), *runjson = xasprintf("%s/run.json", job);
	char *suite = xasprintf("%s/suite.ini", job), *log = xasprintf("%s/mkfs.log", br->tmp);
	uint64_t mem = guest_memory(&r->plan.kernels[r->plan.boots[br->b].kernel]);
	uint64_t size = mem * 4 > (8ULL << 30) ? mem * 4 : 8ULL << 30;
	struct plan share;
	json_t *j;
	int fd, ret;

	plan_boot_share(&r->plan, br->b, r->boots->done, &share);
	j = plan_to_json(&share, &r->suite, NULL);
	ret = mmab_mkdir_p(job, 0755) || mmab_mkdir_p(state, 0755) ? -EIO : 0;
	if (!ret)
		ret = rset_json_write(runjson, j);
	if (!ret)
		ret = mmab_write_file_atomic(suite, r->suite.text, strlen(r->suite.text));
	fd = ret ? -1 : open(img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (!ret && (fd < 0 || ftruncate(fd, (off_t)size)))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	if (ret)
		snprintf(err, errlen, "cannot write the boot's data disk in %s: %s", br->tmp,
			 strerror(-ret));
	else {
		/* lazy init, and the guest mounts with noinit_itable: no zeroing while measuring */
		char *const argv[] = { (char *)"mkfs.ext4", (char *)"-q", (char *)"-F",
			(char *)"-L", (char *)"mmab-data", (char *)"-E",
			(char *)"lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0",
			(char *)"-d", stage, img, NULL };

		ret = boot_run(argv, log, err, errlen);
	}
	json_decref(j);
	plan_free(&share);
	free(stage);
	free(job);
	free(state);
	free(runjson);
	free(suite);
	free(log);
	return ret;
}

/* What the guest says: progress as its steps begin and end. */
static void on_message(void *ctx, const struct channel_msg *m)
{
	struct boot_run *br = ctx;
	struct run *r = br->r;
	char name[256], outcome[64];
	ssize_t i;

	if (m->kind == CHAN_HELLO) {
		json_decref(br->hello);
		br->hello = json_loads(m->json, 0, NULL);
		return;
	}
	if (m->kind != CHAN_BEGIN && m->kind != CHAN_END)
		return;
	i = boots_step_of(r, br->b, m->set, m->workload, m->iteration);
	if (i < 0)
		return;
	if (m->kind == CHAN_BEGIN) {
		br->current = i;
		br->current_t0 = mmab_now();
		run_step_name(r, (size_t)i, name, sizeof(name));
		progress_begin(r->progress, (size_t)i, name);
		return;
	}
	snprintf(outcome, sizeof(outcome), "%s", m->status);
	progress_end(r->progress, (size_t)i, mmab_now() - br->current_t0, outcome);
	br->current = -1;
}

/* A console line: warnings count against the step running. */
static void on_console(void *ctx, enum console_event ev, const char *line)
{
	struct boot_run *br = ctx;

	(void)line;
	if ((ev == CON_WARNING || ev == CON_OOPS) && br->current >= 0)
		br->warnings[br->current]++;
}

/* Seconds boot B's steps should take here, with the boot itself. */
static double boot_estimate(const struct run *r, size_t b)
{
	double t = QEMU_BOOT_S;

	for (size_t i = 0; i < r->plan.nsteps; i++)
		if (r->plan.steps[i].boot == (int)b && !r->boots->done[i])
			t += run_step_estimate(r, i);
	return t * r->boots->factor;
}

/* qemu for boot BR, with the disks made and the timeouts from the suite or the estimates. */
static int boot_qemu(struct boot_run *br, const char *data, char *err, size_t errlen)
{
	struct run *r = br->r;
	const struct kernel *k = &r->plan.kernels[r->plan.boots[br->b].kernel];
	size_t ki = r->plan.boots[br->b].kernel;
	char *con = xasprintf("%s/console.log", br->dir), *ql = xasprintf("%s/qemu.log", br->dir);
	struct qemu_vm vm = {
		.image = r->boots->preps[ki].image, .initrd = r->boots->initrds[ki],
		.append = k->append, .memory = guest_memory(k),
		.cpus = k->cpus ? k->cpus : QEMU_CPUS_DEFAULT, .root_img = r->boots->root.path,
		.data_img = data, .console_log = con, .qemu_log = ql,
		.timeout_s = r->suite.boot_timeout_s > 0 ? r->suite.boot_timeout_s :
			     120 + 3 * boot_estimate(r, br->b),
		.hang_s = r->suite.heartbeat_timeout_s > 0 ? r->suite.heartbeat_timeout_s :
			  HEARTBEAT_S * (r->boots->kvm ? 1 : 2),
		.on_message = on_message, .on_console = on_console, .ctx = br,
	};
	int ret = qemu_boot(&vm, &br->res, err, errlen);

	free(con);
	free(ql);
	return ret;
}

/*
 * The guest's run directory out of the data disk, without mounting it:
 * after a fault its journal is replayed first (e2fsck), so what the guest
 * synced is there.  TMP/out/run, or NULL (br->error says why).
 */
static char *extract(struct boot_run *br, const char *img)
{
	char *out = xasprintf("%s/out", br->tmp), *run = xasprintf("%s/run", out);
	char *log = xasprintf("%s/debugfs.log", br->tmp), *cmd = xasprintf("rdump /job/run %s", out);
	char *const fsck[] = { (char *)"e2fsck", (char *)"-fy", (char *)img, NULL };
	char *const rdump[] = { (char *)"debugfs", (char *)"-R", cmd, (char *)img, NULL };
	char err[600] = "not written by the guest";

	if (br->res.outcome != QEMU_DONE)
		boot_run(fsck, log, err, sizeof(err));	/* exit 1 or 2: repaired, fine */
	if (mmab_mkdir_p(out, 0755) || boot_run(rdump, log, err, sizeof(err)) ||
	    access(run, F_OK)) {
		if (!br->error[0] && br->res.outcome == QEMU_DONE)
			snprintf(br->error, sizeof(br->error), "no results on the data disk (%.400s)",
				 err);
		free(run);
		run = NULL;
	}
	free(out);
	free(log);
	free(cmd);
	return run;
}

/* Boot B: disk, qemu, results, merge; the temporary files gone after.  0 or an exit code. */
static int run_boot(struct run *r, size_t b)
{
	struct boot_run br = { .r = r, .b = b, .current = -1 };
	char *name = plan_boot_dir(&r->plan, b), *img = NULL, *out = NULL, err[1024];
	char *abs = realpath(r->run_dir, NULL);
	int ret = 0;

	br.dir = xasprintf("%s/boots/%s", r->run_dir, name);
	br.warnings = xcalloc(r->plan.nsteps, sizeof(*br.warnings));
	/* absolute: the guardian takes nothing else */
	br.tmp = xasprintf("%s/boots/.tmp-%s-XXXXXX", abs ? abs : r->run_dir, name);
	free(abs);
	if (mmab_mkdir_p(br.dir, 0755) || !mkdtemp(br.tmp) || guard_add(r->boots->guard, br.tmp)) {
		mmab_err("cannot make %s: %s", br.tmp, strerror(errno));
		ret = MMAB_EXIT_FAIL;
		goto out;
	}
	img = xasprintf("%s/data.img", br.tmp);
	progress_note(r->progress, "boot %s: %s (%s)", name,
		      r->boots->preps[r->plan.boots[b].kernel].release,
		      r->boots->kvm ? "KVM" : "TCG, emulated");
	if (make_data_disk(&br, img, err, sizeof(err)) || boot_qemu(&br, img, err, sizeof(err))) {
		mmab_err("boot %s: %s", name, err);
		ret = MMAB_EXIT_FAIL;
		goto out;
	}
	out = extract(&br, img);
	ret = boots_merge(&br, out);
out:
	if (!mmab_rm_rf(br.tmp))
		guard_forget(r->boots->guard, br.tmp);
	json_decref(br.hello);
	free(br.warnings);
	free(br.dir);
	free(br.tmp);
	free(img);
	free(out);
	free(name);
	return ret;
}

/* ---- the boots ---- */

ssize_t boots_step_of(const struct run *r, size_t b, const char *set, const char *wl, int it)
{
	for (size_t i = 0; i < r->plan.nsteps; i++) {
		const struct plan_step *st = &r->plan.steps[i];

		if (st->boot == (int)b && st->iteration == it &&
		    !strcmp(r->plan.sets[st->set].label, set) &&
		    !strcmp(r->suite.workloads[st->workload].id, wl))
			return (ssize_t)i;
	}
	return -1;
}

/* The progress of the whole run: every step's estimate as emulated here. */
static void start_progress(struct run *r)
{
	double *est = xcalloc(r->plan.nsteps + 1, sizeof(*est));
	const char **keys = xcalloc(r->plan.nsteps + 1, sizeof(*keys));

	for (size_t i = 0; i < r->plan.nsteps; i++) {
		est[i] = run_step_estimate(r, i) * r->boots->factor;
		keys[i] = r->suite.workloads[r->plan.steps[i].workload].id;
	}
	r->progress = progress_new(r->plan.nsteps, est, keys, run_terminal(), stderr);
	for (size_t i = 0; i < r->plan.nsteps; i++)
		if (r->boots->done[i])
			progress_done_before(r->progress, i);
	free(est);
	free(keys);
}

int run_boots_execute(struct run *r)
{
	size_t left = 0;
	int ret = 0;

	run_mark_done(r, r->boots->done);
	for (size_t i = 0; i < r->plan.nsteps; i++)
		left += !r->boots->done[i];
	/* a set's metadata.json until its kernel has booted: the kernel, no environment */
	for (size_t s = 0; s < r->plan.nsets; s++) {
		if (!json_object_get(r->meta[s], "kernel")) {
			run_boots_set_meta(r, s, r->meta[s]);
			run_write_meta(r, s);
		}
		/* resumed: a guest's environment is there once its kernel booted */
		r->boots->env[s] = json_is_object(json_object_get(r->meta[s], "uname"));
	}
	start_progress(r);
	progress_note(r->progress, "run directory %s: %zu of %zu steps to run in %zu boots%s",
		      r->run_dir, left, r->plan.nsteps, r->plan.nboots,
		      r->o.resume ? " (resumed)" : "");
	for (size_t b = 0; b < r->plan.nboots && !ret; b++) {
		bool any = false;

		for (size_t i = 0; i < r->plan.nsteps && !any; i++)
			any = r->plan.steps[i].boot == (int)b && !r->boots->done[i];
		if (any)
			ret = run_boot(r, b);
	}
	if (ret)
		progress_note(r->progress, "stopped; continue with: mmab run --resume %s",
			      r->run_dir);
	return ret;
}

void run_boots_dry(struct run *r, FILE *f)
{
	char what[PATH_MAX + 128], busybox[PATH_MAX], self[PATH_MAX], err[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	bool kvm = qemu_kvm();
	struct rootfs root;

	fprintf(f, "\nvirtual machines: qemu, %s; cache %s\n",
		kvm ? "KVM" : "TCG (no /dev/kvm: emulated, timings several times slower)",
		cache_dir());
	for (size_t k = 0; k < r->plan.nkernels; k++) {
		const struct kernel *kn = &r->plan.kernels[k];

		kcache_describe(kn, what, sizeof(what));
		fprintf(f, "  %-12s %lluM, %d CPUs; %s\n", kn->name,
			(unsigned long long)(guest_memory(kn) >> 20),
			kn->cpus ? kn->cpus : QEMU_CPUS_DEFAULT, what);
	}
	self[n > 0 ? n : 0] = '\0';
	if (n > 0 && !mmab_which("busybox", busybox, sizeof(busybox)) &&
	    !rootfs_plan(self, busybox, guest_programs, &root, err, sizeof(err))) {
		fprintf(f, "  root disk: %zu files, %s%s%s%s\n", root.n,
			root.cached ? "cached in " : "would be made as ", root.path,
			root.missing ? "; not on this machine: " : "",
			root.missing ? root.missing : "");
		rootfs_free(&root);
	}
	fprintf(f, "  each boot: initramfs (made once per kernel), a data disk; about %.0f s "
		"before its first step\n", QEMU_BOOT_S * (kvm ? 1 : QEMU_TCG_FACTOR));
}

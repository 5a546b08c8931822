/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A multi-boot kexec run after each boot: `mmab run --kexec-resume`, what
 * mmab-resume.service runs.  The boot's mark on /proc/cmdline says whether
 * the kernel handed over to came up; if it did, its share of the steps
 * runs (with the hardware watchdog armed when there is one), else the
 * machine reset into its stock kernel and the boot is recorded as failed
 * with what survived of it.  Then the next boot's kernel is kexec'd into,
 * or, after the last, the stock kernel, and once back the run ends: the
 * modules mmab installed removed, the unit disabled, the state gone.
 *
 * Every resume counts as failed until it has handed over or finished;
 * after two in a row the unit disables itself, so a broken resume cannot
 * loop the machine through boots.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "boot/kernel.h"
#include "boot/kexec.h"
#include "lib/mmab.h"
#include "lib/resultset.h"
#include "runner/run-kexec.h"
#include "runner/run.h"

/* The failed resumes in a row after which the unit disables itself. */
#define RESUME_TRIES 2

static json_t *boot_of(const struct kexec_state *s, size_t b)
{
	return json_array_get(json_object_get(s->root, "boots"), b);
}

static void set_status(struct kexec_state *s, size_t b, const char *status, const char *detail)
{
	json_t *o = boot_of(s, b);

	json_object_set_new(o, "status", json_string(status));
	if (detail)
		json_object_set_new(o, "detail", json_string(detail));
	if (kexec_state_save(s))
		mmab_warn("cannot write '%s'", s->path);
}

int run_kexec_resume_load(struct run *r)
{
	char err[1024];
	int n;

	r->kx = xcalloc(1, sizeof(*r->kx));
	n = kexec_state_load(r->kx, mmab_state_dir(), err, sizeof(err));
	if (n == -ENOENT) {
		mmab_info("%s", err);
		return MMAB_EXIT_SKIP;
	}
	if (n) {
		mmab_err("%s; `mmab restore` discards it", err);
		run_kexec_disable_unit();
		return MMAB_EXIT_FAIL;
	}
	n = kexec_state_resume_begin(r->kx);
	if (n < 0) {
		mmab_err("cannot write '%s': %s", r->kx->path, strerror(-n));
		return MMAB_EXIT_FAIL;
	}
	if (n >= RESUME_TRIES) {
		run_kexec_disable_unit();
		mmab_err("the last %d resumes of this run failed: " KEXEC_UNIT " is disabled now, "
			 "so no boot loops; the run stays in %s (`mmab run --dry-run --resume` "
			 "shows where, `mmab restore` cancels it)", n, kx_str(r->kx->root, "run_dir"));
		return MMAB_EXIT_FAIL;
	}
	r->o.resume = kx_str(r->kx->root, "run_dir");
	if (!r->o.resume) {
		mmab_err("%s: no run directory", r->kx->path);
		return MMAB_EXIT_FAIL;
	}
	return 0;
}

/* ---- a boot that failed ---- */

/* Step I's iteration.json for a boot that failed: what the VM backend writes. */
static void failed_iteration(struct run *r, size_t i, const char *reason, const char *error)
{
	const struct plan_step *st = &r->plan.steps[i];
	const char *id = r->suite.workloads[st->workload].id;
	int err = 0;
	char *dir = rset_iter_dir(r->set_dirs[st->set], id, st->iteration, &err), *path;
	json_t *o;

	if (!dir)
		return;
	path = xasprintf("%s/iteration.json", dir);
	o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i}", "workload", id, "iteration",
		      st->iteration, "status", "failed", "reason", reason, "error", error,
		      "boot", r->plan.boots[st->boot].number);
	rset_json_write(path, o);
	json_decref(o);
	free(path);
	free(dir);
}

/*
 * Boot B's steps in status.csv with REASON (and an iteration.json saying
 * ERROR), as the VM backend records a boot that failed.
 */
static int record_failed_steps(struct run *r, size_t b, const char *reason, const char *error)
{
	bool *done = xcalloc(r->plan.nsteps, sizeof(*done));
	int ret;

	run_mark_done(r, done);
	ret = run_open_status(r);
	for (size_t i = 0; i < r->plan.nsteps && !ret; i++) {
		const struct plan_step *st = &r->plan.steps[i];
		struct rset_status_row row = {
			.workload = r->suite.workloads[st->workload].id, .iteration = st->iteration,
			.status = "failed", .reason = reason, .exit_code = -1, .duration_s = NAN,
		};

		if (st->boot != (int)b || done[i])
			continue;
		failed_iteration(r, i, reason, error);
		ret = rset_status_append(r->status_fd[st->set], &row);
		if (ret)
			mmab_err("cannot write '%s/status.csv': %s", r->set_dirs[st->set],
				 strerror(-ret));
	}
	for (size_t s = 0; s < r->plan.nsets; s++) {
		if (r->status_fd[s] >= 0)
			close(r->status_fd[s]);
		r->status_fd[s] = -1;
	}
	free(done);
	return ret;
}

/*
 * The failed boot in its kernel's sets' metadata: a `boots` entry without
 * uname, ERROR what was seen.
 */
static void note_failed_boot(struct run *r, size_t b, double start, const char *reason,
			     const char *error)
{
	char iso[32], err[512];

	mmab_iso_time(iso, sizeof(iso), start);
	for (size_t s = 0; s < r->plan.nsets; s++) {
		char *path;
		json_t *m = NULL, *boots;

		if (r->plan.sets[s].kernel != (int)r->plan.boots[b].kernel)
			continue;
		path = xasprintf("%s/metadata.json", r->set_dirs[s]);
		if (!rset_json_read(path, &m, err, sizeof(err)) && json_is_object(m)) {
			boots = json_object_get(m, "boots");
			if (!json_is_array(boots)) {
				boots = json_array();
				json_object_set_new(m, "boots", boots);
			}
			json_array_append_new(boots, json_pack("{s:i, s:s, s:n, s:n, s:s, s:s, "
				"s:s, s:n, s:n, s:n, s:n}", "number", r->plan.boots[b].number,
				"start", iso, "end", "seconds", "outcome", "failed", "reason", reason,
				"error", error, "release", "uname", "cmdline", "console"));
			rset_json_write(path, m);
		}
		json_decref(m);
		free(path);
	}
}

/* The machine came back without boot B's mark: keep what is left of it, record its steps. */
static void boot_failed(struct run *r, size_t b)
{
	json_t *h = json_object_get(r->kx->root, "handover");
	char *d = plan_boot_dir(&r->plan, b), *dir = xasprintf("%s/boots/%s", r->run_dir, d);
	char summary[1024], *file;
	enum kexec_failure f;

	f = kexec_collect_failed_boot("", dir, kx_str(h, "boot_id") ? kx_str(h, "boot_id") : "",
				      kx_str(h, "tag") ? kx_str(h, "tag") : "",
				      json_real_value(json_object_get(h, "time")), summary,
				      sizeof(summary));
	mmab_err("boot %zu (%s) did not come back: %s; what was left of it is in %s", b + 1, d,
		 summary, dir);
	file = xasprintf("%s/failure.txt", dir);
	mmab_write_file_atomic(file, summary, strlen(summary));
	free(file);
	note_failed_boot(r, b, json_real_value(json_object_get(h, "time")),
			 kexec_failure_reason(f), summary);
	if (record_failed_steps(r, b, kexec_failure_reason(f), summary))
		mmab_warn("boot %zu's steps are not all in status.csv", b + 1);
	set_status(r->kx, b, kexec_failure_reason(f), summary);
	free(d);
	free(dir);
}

/* ---- a boot that came up ---- */

/* The hardware watchdog armed for the boot's steps: the pinger's pid, or 0. */
static pid_t arm_watchdog(const char *name)
{
	char *argv[] = { (char *)"udevadm", (char *)"settle", (char *)"--timeout=30", NULL };
	struct kexec_probe p;
	int got = 0, st;
	pid_t pid;

	kexec_probe("", &p);
	/* a watchdog driver may still be on its way: udev loads it */
	if (!p.watchdog[0] && !mmab_spawn_wait(argv, "/dev/null", "/dev/null", &st))
		kexec_probe("", &p);
	if (!p.watchdog[0]) {
		mmab_warn("%s: no hardware watchdog (/dev/watchdog): if it hangs without "
			  "panicking, the machine needs a manual reset", name);
		return 0;
	}
	pid = watchdog_arm(p.watchdog, KEXEC_WATCHDOG_S, &got);
	if (pid == -EBUSY) {
		mmab_info("%s: %s is in use (systemd's RuntimeWatchdogSec?): it resets a hung "
			  "machine", name, p.watchdog);
		return 0;
	}
	if (pid < 0) {
		mmab_warn("%s: cannot arm %s: %s; a hang needs a manual reset", name, p.watchdog,
			  strerror((int)-pid));
		return 0;
	}
	mmab_info("%s: %s armed (%d s): a hang resets the machine into its stock kernel",
		  name, p.watchdog, got);
	return pid;
}

/* Boot B came up: its steps, the watchdog armed meanwhile.  Its status in the state. */
static void boot_runs(struct run *r, size_t b)
{
	const char *name = r->plan.kernels[r->plan.boots[b].kernel].name;
	pid_t wd;
	int ret;

	mmab_info("boot %zu of %zu: %s #%d is up", b + 1, r->plan.nboots, name,
		  r->plan.boots[b].number);
	set_status(r->kx, b, "running", NULL);
	wd = arm_watchdog(name);
	r->one_boot = true;
	r->boot = b;
	ret = run_session(r);
	if (wd > 0 && watchdog_disarm(wd))
		mmab_warn("the watchdog pinger did not stop cleanly");
	if (ret)
		mmab_err("boot %zu's steps stopped (exit %d): the run goes on with the next boot; "
			 "what did not run has no row in status.csv", b + 1, ret);
	set_status(r->kx, b, ret ? "error" : "ok", NULL);
	r->one_boot = false;
}

/* ---- after the boot ---- */

/* Is this the stock kernel as the boot loader started it (no mark of this run)? */
static bool on_stock_unmarked(const struct kexec_state *s, const char *tag)
{
	char rel[256] = "", *t = NULL;

	if (!mmab_read_file("/proc/sys/kernel/osrelease", &t, NULL))
		snprintf(rel, sizeof(rel), "%.*s", (int)strcspn(t, "\n"), t);
	free(t);
	return !tag[0] && !strcmp(rel, kx_str(json_object_get(s->root, "stock"), "release") ?: "");
}

/* The end: back on the stock kernel (or as close as it got). */
static int finish(struct run *r, const char *how)
{
	char *logs = xasprintf("%s/boots", r->run_dir);
	size_t ok = 0, nb = r->plan.nboots;
	int ret;

	for (size_t b = 0; b < nb; b++)
		ok += !strcmp(kx_str(boot_of(r->kx, b), "status") ?: "", "ok");
	for (size_t s = 0; s < r->plan.nsets; s++) {
		char *path = xasprintf("%s/metadata.json", r->set_dirs[s]), err[512];

		if (!r->meta[s] && rset_json_read(path, &r->meta[s], err, sizeof(err)))
			mmab_warn("%s", err);
		free(path);
	}
	run_finish_sets(r);
	ret = run_kexec_cleanup(r->kx, logs);
	mmab_info("multi-boot run done, %s: %zu of %zu boots ran their steps", how, ok, nb);
	printf("%s\n", r->run_dir);
	free(logs);
	return ret ? MMAB_EXIT_FAIL : 0;
}

/*
 * After boot B (or on the way back, B = the number of boots): kexec into
 * the next boot whose kernel loads, else back to the stock kernel, else
 * end here.  Returns only when nothing was handed over.
 */
static int hand_over(struct run *r, size_t b, const char *tag)
{
	size_t nb = r->plan.nboots;
	char err[1024];

	for (size_t next = b + 1; next < nb; next++) {
		mmab_info("boot %zu of %zu: kexec into %s", next + 1, nb,
			  r->plan.kernels[r->plan.boots[next].kernel].name);
		if (!run_kexec_into(r->kx, next, nb, err, sizeof(err)))
			return 0;
		mmab_err("boot %zu: %s", next + 1, err);
		note_failed_boot(r, next, (double)time(NULL), "boot-failed", err);
		if (record_failed_steps(r, next, "boot-failed", err))
			mmab_warn("boot %zu's steps are not all in status.csv", next + 1);
		set_status(r->kx, next, "boot-failed", err);
	}
	if (on_stock_unmarked(r->kx, tag))
		return finish(r, "the machine is on its stock kernel already");
	mmab_info("the last boot is done: kexec back to %s",
		  kx_str(json_object_get(r->kx->root, "stock"), "release"));
	if (!run_kexec_into(r->kx, nb, nb, err, sizeof(err)))
		return 0;
	mmab_err("%s; a reboot brings the stock kernel back", err);
	return finish(r, "without the kexec back");
}

int run_kexec_resume(struct run *r)
{
	char tag[64], want[64], *cmdline = NULL;
	json_int_t next = json_integer_value(json_object_get(r->kx->root, "next"));
	size_t nb = r->plan.nboots;
	int ret;

	if (mmab_read_file("/proc/cmdline", &cmdline, NULL))
		cmdline = xstrdup("");
	kexec_cmdline_tag(cmdline, tag, sizeof(tag));
	free(cmdline);
	snprintf(want, sizeof(want), "%s",
		 kx_str(json_object_get(r->kx->root, "handover"), "tag") ?: "?");
	if (next < 0 || (size_t)next > nb) {
		mmab_err("%s: no boot was handed over to", r->kx->path);
		return MMAB_EXIT_FAIL;
	}
	if ((size_t)next == nb) {
		ret = finish(r, strcmp(tag, want) ? "the kexec back did not come up: the machine "
			     "reset into its boot loader's default" : "back on the stock kernel");
	} else {
		if (!strcmp(tag, want))
			boot_runs(r, (size_t)next);
		else
			boot_failed(r, (size_t)next);
		ret = hand_over(r, (size_t)next, tag);
	}
	return ret;
}

/* ---- where a run stands ---- */

void run_kexec_status(struct run *r)
{
	struct kexec_state s;
	char err[1024], *abs = realpath(r->run_dir, NULL);
	json_int_t next;

	printf("\nkexec run: ");
	if (kexec_state_load(&s, mmab_state_dir(), err, sizeof(err)) || !abs ||
	    strcmp(kx_str(s.root, "run_dir") ?: "", abs)) {
		printf("not in progress on this machine (done, cancelled, or run elsewhere)\n");
		goto out;
	}
	next = json_integer_value(json_object_get(s.root, "next"));
	printf("in progress, %s\n", (size_t)next >= r->plan.nboots ?
	       "on the way back to the stock kernel" : "boots:");
	for (size_t b = 0; b < r->plan.nboots; b++) {
		char *d = plan_boot_dir(&r->plan, b);
		const char *st = kx_str(boot_of(&s, b), "status") ?: "?";

		const char *detail = kx_str(boot_of(&s, b), "detail");

		printf("  %2zu %-24s %s%s%s\n", b + 1, d, (json_int_t)b == next &&
		       !strcmp(st, "pending") ? "handed over to, not resumed yet" : st,
		       detail ? ": " : "", detail ? detail : "");
		free(d);
	}
	printf("  then back to %s; resumes failed in a row: %lld\n",
	       kx_str(json_object_get(s.root, "stock"), "release") ?: "?",
	       (long long)json_integer_value(json_object_get(s.root, "resume_failures")));
	printf("  `mmab restore` cancels it\n");
out:
	kexec_state_free(&s);
	free(abs);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kexec backend's mechanisms (boot/kexec*.c, boot/watchdog.c): what a
 * bare-metal machine needs for a multi-boot run and what it lacks, the
 * command line a kernel under test boots with, loading it with
 * kexec-tools and handing over to systemd, the resume unit, the modules
 * and initramfs of a kernel that is not installed, the state file that
 * carries the run across boots, the hardware watchdog, and what survives
 * of a boot that failed.  The run itself (which steps run in which boot)
 * is the runner's (runner/run-kexec.c); nothing here knows the plan.
 *
 * Paths the kernel and systemd fix (/proc, /sys, /boot, /lib/modules,
 * /var/lib/systemd/pstore, /dev/watchdog) are read under a ROOT prefix,
 * "" on a real machine, a fixture tree in the unit tests.
 */
#ifndef MMAB_BOOT_KEXEC_H
#define MMAB_BOOT_KEXEC_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define KEXEC_UNIT "mmab-resume.service"
/* The state directory the installed unit resumes from. */
#define KEXEC_STATE_DIR "/var/lib/mmab"
/* Seconds a kernel under test waits after a panic before it resets. */
#define KEXEC_PANIC_S 10
/* The hardware watchdog's timeout while a boot's iterations run. */
#define KEXEC_WATCHDOG_S 120

/* What this machine has for a kexec run, read without changing anything. */
struct kexec_probe {
	bool root;			/* euid 0 */
	bool systemd;			/* systemd is PID 1 (/run/systemd/system) */
	char kexec_tool[PATH_MAX];	/* kexec-tools' kexec, "" when absent */
	bool kernel_kexec;		/* the running kernel can kexec */
	int load_disabled;		/* kernel.kexec_load_disabled, -1 unknown */
	char lockdown[32];		/* "none", "integrity", "confidentiality", "" unknown */
	char unit_path[PATH_MAX];	/* the installed mmab-resume.service, "" none */
	char watchdog[PATH_MAX];	/* "/dev/watchdog" when there is one, "" none */
	char release[128];		/* the running kernel's release */
	char stock_image[PATH_MAX];	/* /boot/vmlinuz-RELEASE, "" when absent */
	char stock_initrd[PATH_MAX];	/* /boot/initrd.img-RELEASE, "" when absent */
	char cmdline[4096];		/* /proc/cmdline */
	char mkinitramfs[PATH_MAX];	/* initramfs-tools' mkinitramfs, "" when absent */
	bool state_dir_ok;		/* mmab_state_dir() is the one the unit resumes from */
	bool load_kexec;		/* Debian's kexec-load would turn reboots into kexecs */
};

/*
 * kexec_probe - fill P for the machine under ROOT ("" for this one).  Never
 * fails: what cannot be read is left as "absent".
 */
void kexec_probe(const char *root, struct kexec_probe *p);

/*
 * kexec_lacks - print, one line each after PREFIX, what stops a real kexec
 * run on the probed machine (not root, no systemd as PID 1, no kexec-tools,
 * a kernel without kexec, kexec_load_disabled, lockdown, no resume unit, no
 * stock kernel image to come back to, another state directory).  Returns
 * how many; F may be NULL to count only.
 */
size_t kexec_lacks(const struct kexec_probe *p, FILE *f, const char *prefix);
/*
 * kexec_warnings - print, one line each, what a real run would warn about
 * (no hardware watchdog: a hang needs a manual reset; no mkinitramfs;
 * Debian's kexec-load set to load on reboot).  Returns how many.
 */
size_t kexec_warnings(const struct kexec_probe *p, FILE *f, const char *prefix);

/*
 * kexec_cmdline - the command line a kernel boots with: BASE (the running
 * kernel's) without BOOT_IMAGE=, initrd= and the tokens mmab sets itself,
 * then APPEND (may be NULL), then, when PANIC_S > 0, "panic=PANIC_S
 * hung_task_panic=1 softlockup_panic=1", then "mmab.boot=TAG" (the mark a
 * resumed run knows its boot by; a dotted parameter no kernel acts on).
 * Double-quoted values stay whole.  Malloc'd.
 */
char *kexec_cmdline(const char *base, const char *append, int panic_s, const char *tag);
/*
 * kexec_cmdline_tag - the value of mmab.boot= in CMDLINE into TAG, or ""
 * when it has none.  Returns TAG.
 */
char *kexec_cmdline_tag(const char *cmdline, char *tag, size_t len);

/*
 * kexec_load - load IMAGE (with INITRD, may be NULL, and CMDLINE) for the
 * next kexec with TOOL: `kexec -s -l` (kexec_file_load, which a kernel
 * with signature checks accepts for signed images) and, when that is
 * refused, `kexec -l`.  The tool's output goes to LOG (appended).
 * Returns 0, or -EIO with the reason in ERR.
 */
int kexec_load(const char *tool, const char *image, const char *initrd, const char *cmdline,
	       const char *log, char *err, size_t errlen);
/* kexec_unload - `kexec -u`: forget a loaded kernel.  0 or -EIO. */
int kexec_unload(const char *tool);
/*
 * kexec_reboot - sync, then ask systemd to stop every unit and kexec into
 * the loaded kernel (`systemctl --no-block kexec`: a unit asking from its
 * own start job must not wait for the shutdown that stops it).  0 or -EIO.
 */
int kexec_reboot(void);
/*
 * kexec_unit - `systemctl enable|disable mmab-resume.service`.  0 or -EIO;
 * disabling where there is no systemctl is done already.
 */
int kexec_unit(bool enable);

/* ---- the state file: the run's position across boots ---- */

/*
 * STATE/kexec/state.json (KEXEC_STATE_DIR), fsync'd and renamed into place
 * on every change.  The runner keeps its own keys in it (the run
 * directory, the boots and where the run stands); this file keeps the
 * machine's: the kernel to come back to, the paths installed outside the
 * state directory, the resume failures.
 */
struct kexec_state {
	char *dir;		/* STATE/kexec */
	char *path;		/* STATE/kexec/state.json */
	json_t *root;		/* the whole file */
};

/* kexec_state_dir - STATE/kexec for the state directory STATE (malloc'd). */
char *kexec_state_dir(const char *state);
/* kexec_state_exists - is there a multi-boot run in progress under STATE? */
bool kexec_state_exists(const char *state);
/*
 * kexec_state_create - a new state under STATE (its directory made), ROOT
 * an object the state takes over.  -EEXIST when a run is in progress.
 */
int kexec_state_create(struct kexec_state *s, const char *state, json_t *root);
/* kexec_state_load - read the state under STATE.  0, -ENOENT, -EINVAL (reason in ERR). */
int kexec_state_load(struct kexec_state *s, const char *state, char *err, size_t errlen);
/* kexec_state_save - write it (temporary file, fsync, rename, fsync of the directory). */
int kexec_state_save(struct kexec_state *s);
void kexec_state_free(struct kexec_state *s);

/*
 * kexec_state_resume_begin - count this resume as failed until
 * kexec_state_resume_ok says otherwise, and save.  Returns the number of
 * resumes in a row that failed before this one, or -errno.
 */
int kexec_state_resume_begin(struct kexec_state *s);
/* kexec_state_resume_ok - this resume did its job: the count goes back to 0, saved. */
int kexec_state_resume_ok(struct kexec_state *s);

/*
 * kexec_install_modules - the modules of release REL from MODDIR into
 * ROOT/lib/modules/REL, only when that is absent: the destination is added
 * to the state's "installed" list and saved before the copy starts (a
 * crash leaves it listed for kexec_remove_installed), copied under a
 * temporary name, depmod'ed and renamed into place.  Returns 1 installed,
 * 0 already there (nothing done), -errno (reason in ERR).
 */
int kexec_install_modules(struct kexec_state *s, const char *root, const char *moddir,
			  const char *rel, char *err, size_t errlen);
/*
 * kexec_remove_installed - remove every path the state lists as installed,
 * each dropped from the list (saved) once gone.  Returns the number that
 * could not be removed (said why on stderr).
 */
size_t kexec_remove_installed(struct kexec_state *s);
/*
 * kexec_build_initramfs - `mkinitramfs -o OUT REL` (initramfs-tools, from
 * /lib/modules/REL) with its output appended to LOG.  mkinitramfs reads
 * /boot/config-REL; when that is absent, CONFIG (the kernel's
 * configuration, may be NULL) is shown to it there in a mount namespace of
 * its own.  0 or -EIO (reason in ERR).
 */
int kexec_build_initramfs(const char *mkinitramfs, const char *out, const char *rel,
			  const char *config, const char *log, char *err, size_t errlen);

/* ---- the hardware watchdog ---- */

/*
 * watchdog_arm - open the watchdog DEV, set its timeout to TIMEOUT_S (the
 * driver may round it: *GOT gets what it took) and leave a pinger process
 * (memory locked, real-time priority, so memory pressure does not starve
 * it) that keeps it from firing while the machine runs.  When mmab exits
 * or calls watchdog_disarm, the pinger stops the watchdog ('V', the magic
 * close) and exits; when the kernel hangs, nothing pings and the watchdog
 * resets the machine.  Returns the pinger's pid, or -errno (-ENOENT no
 * watchdog, -EBUSY in use, by systemd's RuntimeWatchdogSec for one).
 */
pid_t watchdog_arm(const char *dev, int timeout_s, int *got);
/* watchdog_disarm - stop the pinger PID: the watchdog is stopped.  0 or -errno. */
int watchdog_disarm(pid_t pid);

/* ---- a boot that failed ---- */

/*
 * What survived of a boot that did not come back: the machine reset into
 * its stock kernel, by a panic (panic=N) or by the watchdog or a hand.
 */
enum kexec_failure {
	KEXEC_BOOT_PANIC,	/* a pstore record or the journal says the kernel panicked */
	KEXEC_BOOT_HANG,	/* the boot reached the journal, then stopped without a panic */
	KEXEC_BOOT_FAILED,	/* no trace of it: it died early (or never started) */
};
/* kexec_failure_reason - "boot-panic", "boot-hang", "boot-failed". */
const char *kexec_failure_reason(enum kexec_failure f);

/*
 * kexec_collect_failed_boot - after a reset, keep what is left of the boot
 * tagged TAG (kexec_cmdline) that ran after the boot AFTER_BOOT_ID (the one
 * that kexec'd into it): pstore records under ROOT newer than SINCE (epoch
 * seconds) into DIR/pstore/, that boot's journal into DIR/journal.txt.
 * Classifies the failure; SUMMARY gets one line on what was found.
 */
enum kexec_failure kexec_collect_failed_boot(const char *root, const char *dir,
					     const char *after_boot_id, const char *tag,
					     double since, char *summary, size_t len);
/*
 * kexec_classify - the failure a pstore TEXT (may be NULL) and the failed
 * boot's JOURNAL (may be NULL: the boot left none) show.
 */
enum kexec_failure kexec_classify(const char *pstore, const char *journal);
/*
 * kexec_boot_after - from `journalctl --list-boots` TEXT, the id of the boot
 * listed right after the boot AFTER (a 32-hex id) into ID.  0 or -ENOENT.
 */
int kexec_boot_after(const char *text, const char *after, char *id, size_t len);

#endif

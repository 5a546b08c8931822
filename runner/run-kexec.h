/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the two halves of the kexec backend's runs share (runner/run-kexec.c:
 * the start, the dry run, cancelling; run-kexec-boot.c: each boot after a
 * kexec).  The state file (boot/kexec.h) holds, beside the machine's keys:
 *
 *   run_dir     the run directory, absolute
 *   nonce       this run's part of every boot's mark (mmab.boot=NONCE-N)
 *   stock       the kernel to come back to: release, image, initrd, cmdline
 *   kernels     per plan kernel: name, release, image, initrd, append
 *   boots       per plan boot: status ("pending", "running", "ok", "error",
 *               or the failure's reason) and detail
 *   next        the boot handed over to; the number of boots: the way back
 *   handover    boot_id of the boot that kexec'd, time, and the mark expected
 */
#ifndef MMAB_RUN_KEXEC_H
#define MMAB_RUN_KEXEC_H

#include <jansson.h>
#include <stddef.h>

#include "boot/kexec.h"

struct run;

/* kx_str - KEY's string in O, or NULL. */
const char *kx_str(const json_t *o, const char *key);
/* kx_tag - "NONCE-N" for boot index B (B = the number of boots: "NONCE-final") into BUF. */
void kx_tag(const struct kexec_state *s, size_t b, char *buf, size_t len);

/*
 * run_kexec_into - load boot B's kernel with its command line, record the
 * hand-over (this boot's id, the time, the mark expected; the resume count
 * back to 0) and ask systemd for the kexec.  B = the number of boots loads
 * the stock kernel with its own command line.  0 (the machine is going
 * down), or -EIO with the reason in ERR (nothing handed over).
 */
int run_kexec_into(struct kexec_state *s, size_t b, size_t nboots, char *err, size_t len);

/* run_kexec_disable_unit - mmab-resume.service disabled when installed.  0 or -EIO (said). */
int run_kexec_disable_unit(void);

/*
 * run_kexec_cleanup - the end of a multi-boot run, done or cancelled: the
 * modules mmab installed removed, the unit disabled, a loaded kernel
 * unloaded, the state directory's logs copied to LOGS_TO (may be NULL) and
 * the state removed.  0, or the number of things that could not be undone
 * (said why).
 */
int run_kexec_cleanup(struct kexec_state *s, const char *logs_to);

#endif

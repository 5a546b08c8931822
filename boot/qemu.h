/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qemu backend: one boot of a kernel under test, watched to its end.
 * qemu-system-x86_64 (KVM when /dev/kvm opens, TCG otherwise), no
 * network, no display, exec'd with argv and killed with mmab (its parent's
 * death signal), with:
 *
 *   - the kernel, its initramfs and a command line that makes every fault
 *     end the VM: panic=-1 oops=panic softlockup_panic=1, -no-reboot;
 *   - two virtio disks found by serial in the guest: the read-only root
 *     (mmab-root) and the boot's data disk (mmab-data);
 *   - the serial console on a socketpair: kept in a file, read line by
 *     line for panics, oopses and warnings (boot/console.h);
 *   - a virtio-serial port "mmab.0" on another socketpair: the guest's
 *     messages and heartbeat (boot/channel.h);
 *   - isa-debug-exit, whose exit code only a guest that finished can give,
 *     and pvpanic-pci with panic=exit-failure, so a panic ends qemu at once.
 *
 * The outcome: done (the guest said `done RC` and left through
 * isa-debug-exit), or a fault, each with its status reason: boot-failed
 * (no kernel, no init, or a guest that ended without results), boot-panic,
 * boot-oops, boot-hang (no heartbeat for hang_s: console silence is not a
 * hang, a busy workload prints nothing) and boot-timeout.
 */
#ifndef MMAB_BOOT_QEMU_H
#define MMAB_BOOT_QEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/channel.h"
#include "boot/console.h"

#define QEMU_MEMORY_DEFAULT ((uint64_t)2 << 30)
#define QEMU_CPUS_DEFAULT 2
/*
 * How much slower a workload runs emulated (TCG) than with KVM, for
 * timeouts: a memory-bound loop ran at 0.24x native (README, Kernel A/B).
 */
#define QEMU_TCG_FACTOR 4.0
/* Seconds from qemu's start to the guest's first step, with KVM (TCG: times the factor). */
#define QEMU_BOOT_S 4.0
/*
 * Seconds the guest has, at least, to say hello: hang_s counts from then
 * (a short heartbeat timeout must not take a slow boot for a hang).
 */
#define QEMU_HELLO_S 60.0

struct qemu_vm {
	const char *image;		/* bzImage */
	const char *initrd;
	const char *append;		/* more command line after mmab's; NULL: none */
	uint64_t memory;		/* bytes */
	int cpus;
	const char *root_img;		/* attached read-only */
	const char *data_img;
	const char *console_log;	/* the console, as it came (created) */
	const char *qemu_log;		/* qemu's own stdout and stderr (created) */
	double timeout_s;		/* the whole boot, from qemu's start */
	double hang_s;			/* no heartbeat this long: a hang (QEMU_HELLO_S before hello) */
	/* called as things arrive; either may be NULL */
	void (*on_message)(void *ctx, const struct channel_msg *m);
	void (*on_console)(void *ctx, enum console_event ev, const char *line);
	void *ctx;
};

enum qemu_outcome {
	QEMU_DONE,
	QEMU_FAILED,
	QEMU_PANIC,
	QEMU_OOPS,
	QEMU_HANG,
	QEMU_TIMEOUT,
};

struct qemu_result {
	enum qemu_outcome outcome;
	int guest_rc;			/* the runner's exit code from `done`, -1: none */
	char why[512];			/* for a fault: what was seen */
	double start, end;		/* wall clock (epoch seconds) */
	double seconds;			/* qemu's life, monotonic */
};

/* qemu_kvm - can this machine run guests with KVM (/dev/kvm opens)? */
bool qemu_kvm(void);

/* qemu_version - "7.2.22" from `qemu-system-x86_64 --version` into BUF.  0 or -errno. */
int qemu_version(char *buf, size_t len);

/* qemu_reason - the status.csv reason of OUTCOME ("boot-panic"); "" for QEMU_DONE. */
const char *qemu_reason(enum qemu_outcome outcome);

/*
 * qemu_boot - boot VM and watch it until qemu exits or is killed for a
 * hang or a timeout; RES says how it ended.  Returns 0 (whatever the
 * guest did), or -errno when qemu could not be started (err says why).
 */
int qemu_boot(const struct qemu_vm *vm, struct qemu_result *res, char *err, size_t errlen);

#endif

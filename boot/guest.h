/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's side of a qemu boot, for `mmab guest` (stage 2, PID 1 after
 * boot/guest-init.sh's switch_root) and `mmab run --guest`: the channel to
 * the host (boot/channel.h), the heartbeat, the test faults the host may
 * ask for on the command line, and the way out that tells the host the
 * guest finished (qemu's isa-debug-exit, which a panic or a reset cannot
 * fake).  Only ever runs inside a booted kernel.
 */
#ifndef MMAB_BOOT_GUEST_H
#define MMAB_BOOT_GUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/mmab.h"

/* Written to qemu's isa-debug-exit port: qemu exits (GUEST_EXIT_DONE << 1) | 1. */
#define GUEST_EXIT_DONE 16
#define GUEST_EXIT_PORT 0xf4
/* The environment variable that hands the channel's fd to the guest's runner. */
#define GUEST_CHANNEL_ENV "MMAB_GUEST_CHANNEL"

/* guest_channel_open - open the virtio port named CHANNEL_PORT_NAME.  The fd or -errno. */
int guest_channel_open(void);

/* guest_send - one line (the newline added) in a single write.  0 or -errno. */
int guest_send(int fd, const char *fmt, ...) MMAB_PRINTF(2, 3);

/* guest_heartbeat_start - a thread sending "hb" every second on FD.  0 or -errno. */
int guest_heartbeat_start(int fd);

/*
 * guest_cmdline_opt - the value of KEY=VALUE on the kernel command line
 * (/proc/cmdline) into BUF; false when absent.  For mmab.test_fault=.
 */
bool guest_cmdline_opt(const char *key, char *buf, size_t len);

/*
 * guest_channel_fd - the channel fd GUEST_CHANNEL_ENV names, or -1 (not
 * in a guest: the runner then tells no one).
 */
int guest_channel_fd(void);

/*
 * guest_exit - sync, then leave qemu through its isa-debug-exit port with
 * GUEST_EXIT_DONE; where there is none, power off.  Never returns.
 */
void guest_exit(void) __attribute__((noreturn));

#endif

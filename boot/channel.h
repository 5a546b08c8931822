/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a booted kernel's mmab tells the host, one line per message over a
 * virtio-serial port (qemu) or whatever carries lines (a backend's own):
 *
 *   hello JSON             stage 2 started: {"uname": {...}, "cmdline": "..."}
 *   hb                     a heartbeat, every second: the guest kernel is alive
 *   begin SET WL ITER      the runner starts a step
 *   end SET WL ITER STATUS the step's outcome is on disk (synced)
 *   done RC                the runner exited RC; results synced, disk unmounted
 *
 * The host never writes.  SET and WL are plain labels (no blanks); a line
 * is at most CHANNEL_LINE_MAX bytes with its newline.
 */
#ifndef MMAB_BOOT_CHANNEL_H
#define MMAB_BOOT_CHANNEL_H

#include <stddef.h>

#define CHANNEL_PORT_NAME "mmab.0"	/* the virtio-serial port's name in the guest */
#define CHANNEL_LINE_MAX 4096

enum channel_kind {
	CHAN_OTHER,		/* not a message: ignored */
	CHAN_HELLO,
	CHAN_HEARTBEAT,
	CHAN_BEGIN,
	CHAN_END,
	CHAN_DONE,
};

struct channel_msg {
	enum channel_kind kind;
	const char *json;	/* hello: the JSON text */
	char set[65], workload[65], status[16];
	int iteration;
	int rc;			/* done */
};

/* channel_parse - one line (without its newline) into M.  Returns M->kind. */
enum channel_kind channel_parse(const char *line, struct channel_msg *m);

#endif

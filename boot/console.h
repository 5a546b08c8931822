/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading a booted kernel's serial console the way kernel CI does: a
 * panic, an oops (or BUG:, which oops=panic makes fatal), and the lines a
 * result should be flagged for (WARNING:, BUG:, KASAN) that do not stop
 * the kernel.  Lines may carry printk's "[   12.345678] " stamp.
 */
#ifndef MMAB_BOOT_CONSOLE_H
#define MMAB_BOOT_CONSOLE_H

#include <stdbool.h>

enum console_event {
	CON_PLAIN,
	CON_WARNING,		/* WARNING: or a KASAN report: counted, the kernel goes on */
	CON_OOPS,		/* Oops:, BUG:, general protection fault: counted; fatal */
	CON_PANIC,		/* Kernel panic - not syncing */
};

/* console_classify - what LINE (without its newline) says. */
enum console_event console_classify(const char *line);

/* console_init_failure - LINE is stage 1's "mmab-init: FAILED: ...": its reason, else NULL. */
const char *console_init_failure(const char *line);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Console lines (boot/console.h): printk's time stamp skipped, then the
 * prefixes the kernel starts its reports with.
 */
#include <string.h>

#include "boot/console.h"

/* LINE without a leading "[ 1.234]" stamp and carriage returns. */
static const char *body(const char *line)
{
	const char *p = line;

	while (*p == '\r')
		p++;
	if (*p == '[') {
		const char *e = strchr(p, ']');

		if (e && (size_t)(e - p) <= 20 && strspn(p + 1, " 0123456789.") == (size_t)(e - p - 1))
			p = e + 1 + (e[1] == ' ');
	}
	return p;
}

enum console_event console_classify(const char *line)
{
	const char *b = body(line);

	if (!strncmp(b, "Kernel panic - not syncing", 26))
		return CON_PANIC;
	if (!strncmp(b, "Oops:", 5) || !strncmp(b, "BUG: ", 5) ||
	    !strncmp(b, "general protection fault", 24) || !strncmp(b, "kernel BUG at", 13))
		return CON_OOPS;
	if (!strncmp(b, "WARNING: ", 9) || strstr(b, "KASAN"))
		return CON_WARNING;
	return CON_PLAIN;
}

const char *console_init_failure(const char *line)
{
	const char *b = body(line);

	return strncmp(b, "mmab-init: FAILED: ", 19) ? NULL : b + 19;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command-line errors shared by the subcommands (runner/cmdline.h).
 */
#include <stdarg.h>
#include <string.h>

#include "runner/cmdline.h"

int cmd_usage_error(const char *help, const char *fmt, ...)
{
	const char *end = strstr(help, "\n\n");
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mmab_err("%s", msg);
	fprintf(stderr, "%.*s\n", (int)(end ? end - help : (long)strlen(help)), help);
	return MMAB_EXIT_USAGE;
}

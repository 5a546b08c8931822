/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the subcommands share (runner/cmdline.h): command-line errors, and
 * opening the knob journal.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "lib/journal.h"
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

int cmd_open_journal(struct journal **j)
{
	int ret = journal_open(j);

	if (ret == -EBUSY) {
		mmab_err("another mmab is changing this machine (lock in '%s'); try again when "
			 "it has finished", mmab_state_dir());
		return MMAB_EXIT_FAIL;
	}
	if (ret) {
		mmab_err("cannot open the knob journal in '%s': %s", mmab_state_dir(),
			 strerror(-ret));
		return ret == -EACCES || ret == -EPERM ? MMAB_EXIT_SKIP : MMAB_EXIT_FAIL;
	}
	return 0;
}

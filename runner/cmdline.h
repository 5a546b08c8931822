/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command-line errors shared by the subcommands: the message in git's style,
 * then the command's usage lines taken from its help text, so the two can
 * never disagree.
 */
#ifndef MMAB_CMDLINE_H
#define MMAB_CMDLINE_H

#include "runner/mmab.h"

/*
 * cmd_usage_error - print "mmab: MESSAGE" and the usage lines of HELP (its
 * text up to the first blank line) on stderr.  Returns MMAB_EXIT_USAGE, for
 * `return cmd_usage_error(...)`.
 */
int cmd_usage_error(const char *help, const char *fmt, ...) MMAB_PRINTF(2, 3);

#endif

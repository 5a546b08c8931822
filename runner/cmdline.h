/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the subcommands share: command-line errors (the message in git's
 * style, then the command's usage lines taken from its help text, so the
 * two can never disagree), and opening the knob journal, said the same way
 * by every command that changes the machine.
 */
#ifndef MMAB_CMDLINE_H
#define MMAB_CMDLINE_H

#include "lib/mmab.h"

/*
 * cmd_usage_error - print "mmab: MESSAGE" and the usage lines of HELP (its
 * text up to the first blank line) on stderr.  Returns MMAB_EXIT_USAGE, for
 * `return cmd_usage_error(...)`.
 */
int cmd_usage_error(const char *help, const char *fmt, ...) MMAB_PRINTF(2, 3);

/*
 * cmd_open_journal - journal_open, reported: another mmab holding the
 * lock, or a journal that cannot be used (and why).  Returns 0 with *J, or
 * the exit code (MMAB_EXIT_SKIP when not allowed to, MMAB_EXIT_FAIL).
 */
struct journal;
int cmd_open_journal(struct journal **j);

#endif

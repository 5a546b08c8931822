/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TEMPORARY STUB: replaced by the real cmd_report. */
#include "runner/cmds.h"
#include "runner/mmab.h"

const char cmd_report_help[] = "usage: mmab report\n";

int cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	mmab_err("report: not built yet");
	return MMAB_EXIT_FAIL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TEMPORARY STUB: replaced by the real cmd_compare. */
#include "runner/cmds.h"
#include "runner/mmab.h"

const char cmd_compare_help[] = "usage: mmab compare\n";

int cmd_compare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	mmab_err("compare: not built yet");
	return MMAB_EXIT_FAIL;
}

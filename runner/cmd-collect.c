/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TEMPORARY STUB: replaced by the real cmd_collect. */
#include "runner/cmds.h"
#include "runner/mmab.h"

const char cmd_collect_help[] = "usage: mmab collect\n";

int cmd_collect(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	mmab_err("collect: not built yet");
	return MMAB_EXIT_FAIL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TEMPORARY STUB: replaced by the real cmd_restore. */
#include "runner/cmds.h"
#include "runner/mmab.h"

const char cmd_restore_help[] = "usage: mmab restore\n";

int cmd_restore(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	mmab_err("restore: not built yet");
	return MMAB_EXIT_FAIL;
}

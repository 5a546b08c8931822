/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TEMPORARY STUB: replaced by the real cmd_list. */
#include "runner/cmds.h"
#include "runner/mmab.h"

const char cmd_list_help[] = "usage: mmab list\n";

int cmd_list(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	mmab_err("list: not built yet");
	return MMAB_EXIT_FAIL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TEMPORARY STUB: replaced by the real cmd_run. */
#include "runner/cmds.h"
#include "runner/mmab.h"

const char cmd_run_help[] = "usage: mmab run\n";

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	mmab_err("run: not built yet");
	return MMAB_EXIT_FAIL;
}

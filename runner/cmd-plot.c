/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TEMPORARY STUB: replaced by the real cmd_plot. */
#include "runner/cmds.h"
#include "runner/mmab.h"

const char cmd_plot_help[] = "usage: mmab plot\n";

int cmd_plot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	mmab_err("plot: not built yet");
	return MMAB_EXIT_FAIL;
}

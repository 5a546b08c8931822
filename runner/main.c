/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmab: memory-management A/B benchmark.  The command table and dispatcher;
 * each command lives in runner/cmd-<verb>.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/journal.h"
#include "lib/mmab.h"
#include "runner/cmds.h"

enum cmd_flags {
	CMD_RECOVER = 1 << 0,	/* as root, first restore what a crashed run left */
	CMD_HIDDEN = 1 << 1,	/* internal: not listed */
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	unsigned flags;
	const char *help;
	const char *summary;
};

/* Sorted by name. */
static const struct cmd commands[] = {
	{ "collect", cmd_collect, CMD_RECOVER, cmd_collect_help,
	  "run any command with the collectors sampling" },
	{ "compare", cmd_compare, 0, cmd_compare_help,
	  "compare result sets with honest statistics" },
	{ "guest", cmd_guest, CMD_HIDDEN, cmd_guest_help,
	  "stage 2 of a booted kernel (internal)" },
	{ "history", cmd_history, 0, cmd_history_help,
	  "remember nightly results, find change points, publish trends" },
	{ "list", cmd_list, 0, cmd_list_help,
	  "list workloads, collectors or suites" },
	{ "plot", cmd_plot, 0, cmd_plot_help,
	  "draw gnuplot plots of result sets" },
	{ "report", cmd_report, 0, cmd_report_help,
	  "write a static HTML report of result sets" },
	{ "restore", cmd_restore, 0, cmd_restore_help,
	  "put back every knob a crashed run left changed" },
	{ "run", cmd_run, CMD_RECOVER, cmd_run_help,
	  "run a suite of workloads and write result sets" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mmab [--version] [help] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!(commands[i].flags & CMD_HIDDEN))
			fprintf(f, "   %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "   %-9s %s\n", "help", "show a command's help");
	fprintf(f, "\n'mmab help COMMAND' or 'mmab COMMAND --help' for details.\n");
}

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		usage(stdout);
		return MMAB_EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		mmab_err("'%s' is not an mmab command", argv[1]);
		usage(stderr);
		return MMAB_EXIT_USAGE;
	}
	fputs(c->help, stdout);
	return MMAB_EXIT_OK;
}

/* A full disk must be an error, not a silently truncated CSV. */
static int finish_stdout(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		mmab_err("write error on standard output: %s", strerror(errno));
		return MMAB_EXIT_FAIL;
	}
	if (fclose(stdout)) {
		mmab_err("close failed on standard output: %s", strerror(errno));
		return MMAB_EXIT_FAIL;
	}
	return ret;
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	bool dry_run = false;

	if (argc < 2) {
		usage(stderr);
		return MMAB_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("mmab %s\n", MMAB_VERSION);
		return finish_stdout(MMAB_EXIT_OK);
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return finish_stdout(cmd_help(argc - 1, argv + 1));
	c = find_cmd(argv[1]);
	if (!c) {
		mmab_err("'%s' is not an mmab command", argv[1]);
		usage(stderr);
		return MMAB_EXIT_USAGE;
	}
	for (int i = 2; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(c->help, stdout);
			return finish_stdout(MMAB_EXIT_OK);
		}
	}
	/* --dry-run touches nothing, not even to put back what a crash left */
	for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--dry-run"))
			dry_run = true;
	if ((c->flags & CMD_RECOVER) && mmab_is_root() && !dry_run) {
		int n = journal_recover(true);

		if (n > 0)
			mmab_info("restored %d setting%s left changed by an interrupted run",
				  n, n == 1 ? "" : "s");
	}
	return finish_stdout(c->fn(argc - 1, argv + 1));
}

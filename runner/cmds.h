/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Subcommands, git/perf style: cmd_<verb>() in runner/cmd-<verb>.c, each with
 * its help text, dispatched from the table in runner/main.c.  A command
 * returns an exit code (enum mmab_exit); main flushes and checks stdout.
 */
#ifndef MMAB_CMDS_H
#define MMAB_CMDS_H

int cmd_run(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_list(int argc, char **argv);

/* Full help of each command, printed by `mmab help CMD` and `mmab CMD --help`. */
extern const char cmd_run_help[];
extern const char cmd_collect_help[];
extern const char cmd_compare_help[];
extern const char cmd_plot_help[];
extern const char cmd_report_help[];
extern const char cmd_restore_help[];
extern const char cmd_list_help[];

#endif

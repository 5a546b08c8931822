/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Subcommands, git/perf style: cmd_<verb>() in runner/cmd-<verb>.c, each with
 * its help text, dispatched from the table in runner/main.c.  A command
 * returns an exit code (enum mmab_exit); main flushes and checks stdout.
 */
#ifndef MMAB_CMDS_H
#define MMAB_CMDS_H

#include <stddef.h>

int cmd_run(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_guest(int argc, char **argv);

/*
 * For the commands that read result sets (compare, plot, report).
 * cmd_load_sets - expand and load the result sets ARGV[0..argc) names
 * (directories, run directories, labels under ./results) and find
 * BASELINE among them by directory or label (NULL: the first; a set not
 * given is loaded and put first).  Returns 0 with *sets (*n of them, free
 * with cmd_free_sets) and *base, or an exit code (reported).
 */
struct rset;
int cmd_load_sets(int argc, char **argv, const char *baseline, struct rset **sets,
		  size_t *n, size_t *base);
void cmd_free_sets(struct rset *sets, size_t n);
/*
 * cmd_sets_problems - the problems counted in the sets; when any, one
 * closing line saying the rest was DONE ("compared", "drawn", ...).
 */
unsigned cmd_sets_problems(const struct rset *sets, size_t n, const char *done);

/* Full help of each command, printed by `mmab help CMD` and `mmab CMD --help`. */
extern const char cmd_run_help[];
extern const char cmd_collect_help[];
extern const char cmd_compare_help[];
extern const char cmd_history_help[];
extern const char cmd_plot_help[];
extern const char cmd_report_help[];
extern const char cmd_restore_help[];
extern const char cmd_list_help[];
extern const char cmd_guest_help[];

#endif

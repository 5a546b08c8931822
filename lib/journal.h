/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal: every change mmab makes to the machine (sysctls, THP and
 * hugetlb sysfs files, files, cgroups and tracefs instances it creates, a
 * tracefs it mounts, memory blocks it takes offline) is first appended to a journal file in
 * mmab_state_dir() and fsync'd, then made.  Undo runs in
 * reverse order at normal exit, on SIGINT/SIGTERM/SIGHUP, and after kill -9
 * at the next mmab start or with `mmab restore`.  The journal records the
 * boot id: entries from an earlier boot are stale (a reboot resets knobs)
 * and are discarded with a message rather than replayed.
 *
 * Processes share the journal by inheriting the open journal across fork():
 * entries are appended with O_APPEND, so a workload child can journal its
 * own changes and the runner can roll them back after the child exits.
 */
#ifndef MMAB_JOURNAL_H
#define MMAB_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct journal;

/*
 * journal_open - take the state-dir lock (only one mmab changes the
 * machine at a time), restore anything a crashed run left in the journal,
 * and open a fresh journal.  Returns 0 or -errno (-EBUSY: another mmab
 * holds the lock; -EACCES: not root).  The caller reports.
 */
int journal_open(struct journal **jp);

/*
 * knob_set - journal PATH's current value (resolved by knob_resolve), fsync,
 * then write VALUE.  Returns 0 or -errno; on a failed write the entry stays
 * journaled (restoring an unchanged knob is harmless).
 */
int journal_set_knob(struct journal *j, const char *path, const char *value);

/* journal_add_path - journal a file or directory to remove on restore. */
int journal_add_path(struct journal *j, const char *path);

/* journal_add_cgroup - journal a cgroup directory to empty and rmdir on restore. */
int journal_add_cgroup(struct journal *j, const char *path);

/*
 * journal_add_tracefs - journal a tracefs instance (PATH: a directory in
 * a tracefs "instances" directory) to remove on restore, as rmdir does.
 * -EINVAL unless PATH's parent is on a tracefs.
 */
int journal_add_tracefs(struct journal *j, const char *path);

/*
 * journal_add_mount - journal a tracefs mmab is about to mount on PATH
 * (where none was), to unmount on restore: only while PATH is still a
 * tracefs mount point, and not when busy (someone uses it by then).
 */
int journal_add_mount(struct journal *j, const char *path);

/*
 * journal_add_memblock - journal the memory block PATH
 * (/sys/devices/system/memory/memoryN) mmab is about to take offline, to
 * be brought back online on restore.  Unlike every other record, a
 * rollback to a mark keeps it without acting on it: an effective size made
 * by taking memory offline outlives the step that made it, and the code
 * that took the memory brings it back; the journal's close, its signal
 * handler and the recovery after a crash bring back whatever is still
 * offline.  A block is journaled once per journal: later calls for it are
 * no-ops.  -EINVAL unless PATH names a memory block.
 */
int journal_add_memblock(struct journal *j, const char *path);

/* journal_mark - a position to roll back to later (a byte offset). */
off_t journal_mark(struct journal *j);

/*
 * journal_rollback - undo every entry after MARK in reverse order
 * (including entries appended by child processes) and truncate the journal
 * to MARK, but for the entries that could not be undone (reported): they
 * stay, for the journal's close (and `mmab restore`) to try again; so do
 * the memory blocks (journal_add_memblock), which only the close undoes.
 * Returns 0 or the first -errno (every entry is still tried).
 */
int journal_rollback(struct journal *j, off_t mark);

/*
 * journal_close - roll everything back, remove the journal (kept when
 * some entries could not be undone: `mmab restore` tries them again) and
 * release the lock.  Returns like journal_rollback.
 */
int journal_close(struct journal *j);

/*
 * journal_recover - restore what a crashed run left (used by
 * `mmab restore` and by journal_open, which carries what still fails
 * into its own journal).  Prints one line per restored knob when verbose.
 * Returns the number of entries restored, or -errno (-EBUSY: another mmab
 * holds the lock; -EIO: some entries could not be undone, each reported,
 * and kept in the journal for the next try).
 */
int journal_recover(bool verbose);

/*
 * journal_install_signals - make SIGINT/SIGTERM/SIGHUP roll back J and
 * exit (128+signo) in the process that installed them, keeping in the
 * journal what could not be undone.  Children reset the handlers to
 * default after fork.
 */
void journal_install_signals(struct journal *j);

#endif

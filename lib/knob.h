/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Knobs: the machine's settings a suite or a workload may change, named as
 * sysctls ("vm.dirty_ratio") or by path under /proc/sys or /sys/kernel/mm.
 * Writing one goes through the journal (journal_set_knob in journal.h), so
 * it is put back.
 */
#ifndef MMAB_KNOB_H
#define MMAB_KNOB_H

#include <stddef.h>

/*
 * knob_resolve - turn a knob name into its path.  "vm.dirty_ratio" ->
 * "/proc/sys/vm/dirty_ratio"; absolute paths are accepted only under
 * /proc/sys/ or /sys/kernel/mm/ (no "..").  Returns 0 or -EINVAL.
 */
int knob_resolve(const char *name, char *path, size_t len);

/*
 * knob_read - the knob's current value, trimmed; for selector files
 * ("always [madvise] never") the bracketed choice.  Returns 0 or -errno.
 */
int knob_read(const char *path, char *buf, size_t len);

#endif

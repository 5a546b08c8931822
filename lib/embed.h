/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Data files linked into the binary by lib/embed.sh: the built-in suites
 * (runner/suites/NAME.ini), gnuplot templates (analysis/plots/NAME.gp) and
 * report assets (analysis/report/), fio job files (workloads/fio/) and the
 * guest's stage-1 init (boot/guest-init.sh).  Keys are paths relative to the
 * source tree.
 */
#ifndef MMAB_EMBED_H
#define MMAB_EMBED_H

#include <stddef.h>

struct embedded_file {
	const char *path;	/* e.g. "runner/suites/quick.ini" */
	const char *data;	/* NUL-terminated after end */
	const char *end;
};

extern const struct embedded_file embedded_files[];

/*
 * embed_find - look up an embedded file by its source path.
 * Returns the NUL-terminated contents and stores the length in *len (may be
 * NULL), or NULL when no such file was embedded.  The memory is static.
 */
const char *embed_find(const char *path, size_t *len);

#endif

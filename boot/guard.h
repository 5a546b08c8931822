/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guardian for temporary files: a process of its own (its own session,
 * signals ignored, every other descriptor closed) that holds a list of
 * paths and removes whatever is still on it once mmab is gone, however it
 * went: an error, SIGINT/SIGTERM, or kill -9, which no handler in mmab
 * itself can catch.  mmab tells it over a pipe what to add and what is
 * gone; when the pipe's last writer closes (mmab's exit or death), the
 * guardian removes what is left and exits.  Boot images, job directories
 * and half-unpacked kernels live on its list while they exist; the
 * processes working on them (qemu, mkfs, dpkg-deb) die with mmab through
 * PR_SET_PDEATHSIG (mmab_spawn_with's die_with_parent).
 */
#ifndef MMAB_BOOT_GUARD_H
#define MMAB_BOOT_GUARD_H

struct guard;

/*
 * guard_start - fork the guardian.  Returns it, or NULL with errno (the
 * caller reports: without it a kill -9 could leave files behind).
 */
struct guard *guard_start(void);

/*
 * guard_add - PATH (absolute; a file or a directory tree, removed with
 * mmab_rm_rf) is to be removed if mmab dies before guard_forget.  0 or -errno.
 */
int guard_add(struct guard *g, const char *path);

/* guard_forget - PATH is gone, or is to stay: take it off the list.  0 or -errno. */
int guard_forget(struct guard *g, const char *path);

/*
 * guard_stop - close the pipe; the guardian removes what is still listed
 * and exits, and is waited for.  Returns 0, or -EIO when it did not end well.
 */
int guard_stop(struct guard *g);

#endif

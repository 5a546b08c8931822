/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Things every part of mmab shares: version, exit codes, error reporting in
 * git's style, allocation that cannot fail, and small file and parsing
 * helpers.  Internal functions return 0 or -errno; the caller that knows the
 * context reports the error, once.
 */
#ifndef MMAB_H
#define MMAB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define MMAB_VERSION "0.1.0"

enum mmab_exit {
	MMAB_EXIT_OK = 0,
	MMAB_EXIT_FAIL = 1,	/* runner failure */
	MMAB_EXIT_USAGE = 2,	/* usage or bad input; nothing was changed */
	MMAB_EXIT_SKIP = 4,	/* nothing could run here (not root, ...) */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MMAB_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* "mmab: MESSAGE\n" on stderr. */
void mmab_err(const char *fmt, ...) MMAB_PRINTF(1, 2);
/* "mmab: warning: MESSAGE\n" on stderr. */
void mmab_warn(const char *fmt, ...) MMAB_PRINTF(1, 2);
/* Informational line on stderr, silenced by mmab_quiet. */
void mmab_info(const char *fmt, ...) MMAB_PRINTF(1, 2);
extern bool mmab_quiet;
/*
 * mmab_message_hook - when set, prints each line ("mmab: ...\n") that
 * mmab_err, mmab_warn and mmab_info make, instead of a plain write to
 * stderr: the progress bar on a terminal clears itself out of the way.
 */
extern void (*mmab_message_hook)(const char *line);
/*
 * mmab_err_count - how many messages mmab_err has printed in this process;
 * *last (may be NULL) gets the latest, without "mmab: " (overwritten by the
 * next one).  For a caller that must tell an error already reported (by
 * code that knew the context) from one nobody has reported yet: the
 * workload child, around a workload's hooks.
 */
unsigned long mmab_err_count(const char **last);

/* Allocation helpers: abort with a message on out-of-memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) MMAB_PRINTF(1, 2);

/*
 * mmab_read_file - read a whole file (to EOF: /proc files larger than a page
 * included) into a NUL-terminated malloc'd buffer.  *len (may be NULL) gets
 * the length without the NUL.  Returns 0 or -errno; the caller frees *buf.
 */
int mmab_read_file(const char *path, char **buf, size_t *len);

/*
 * mmab_pread_all - read an already open file from offset 0 to EOF into
 * *buf, growing it (malloc'd, *cap its size) as needed; NUL-terminated.
 * For collectors that keep /proc files open and re-read them.  Returns the
 * length or -errno.
 */
ssize_t mmab_pread_all(int fd, char **buf, size_t *cap);

/*
 * mmab_write_file - open PATH write-only (no create, no truncate: for /proc
 * and /sys knobs), write DATA and close.  Returns 0 or -errno.
 */
int mmab_write_file(const char *path, const char *data);

/*
 * mmab_write_file_atomic - create or replace PATH with LEN bytes of DATA via
 * a temporary file, fsync and rename.  Returns 0 or -errno.
 */
int mmab_write_file_atomic(const char *path, const void *data, size_t len);

/*
 * mmab_write_full - write all LEN bytes of BUF to FD, again after EINTR
 * and short writes (pipes, files).  Returns 0, -errno, or -EIO when
 * write() wrote nothing.
 */
int mmab_write_full(int fd, const void *buf, size_t len);

/*
 * mmab_read_reply - read exactly LEN bytes from FD (a pipe or socket to a
 * helper process: the ballast holder, the fragmenter), waiting at most
 * TIMEOUT_MS in all, and giving up early once *STOP (may be NULL) is set.
 * Returns 0, -ETIMEDOUT, -EINTR (stopped), -ECHILD (end of file first: the
 * helper died before answering) or -errno.
 */
int mmab_read_reply(int fd, void *buf, size_t len, long timeout_ms, volatile int *stop);

/*
 * mmab_fork_channel - fork a helper process with a channel to it: a pipe
 * from child to parent, or with DUPLEX a socket pair.  stdio is flushed
 * first.  In the parent: the child's pid, FDS[0] its end (FDS[1] closed).
 * In the child: 0, FDS[1] its end (FDS[0] closed).  Both close-on-exec.
 * -errno (nothing left open) when the channel or the fork fails.
 */
pid_t mmab_fork_channel(int fds[2], bool duplex);

/* mmab_kill_reap - SIGKILL PID and wait for it (a helper process we forked). */
void mmab_kill_reap(pid_t pid);

/* mkdir -p; returns 0 or -errno. */
int mmab_mkdir_p(const char *path, mode_t mode);
/*
 * rm -rf that does not follow symlinks or cross file systems (-EXDEV), nor
 * go deeper than 64 directories (-ELOOP); async-signal-safe.  0 or -errno.
 */
int mmab_rm_rf(const char *path);

/* Monotonic clock in seconds. */
double mmab_now(void);
/* Wall clock as ISO 8601 UTC ("2026-11-22T15:40:05Z") into buf. */
void mmab_iso_time(char *buf, size_t len, double epoch);

/*
 * mmab_parse_size - parse "4096", "512K", "2G", "1.5GiB" (powers of 1024) or
 * "10%" (of TOTAL bytes) into *out bytes.  Returns 0 or -EINVAL/-ERANGE.
 */
int mmab_parse_size(const char *s, uint64_t total, uint64_t *out);
/* Strict whole-string numeric parsing; 0 or -EINVAL/-ERANGE. */
int mmab_parse_long(const char *s, long *out);
int mmab_parse_u64(const char *s, uint64_t *out);
int mmab_parse_double(const char *s, double *out);
/* Human-readable size ("1.5G") into buf. */
void mmab_format_size(char *buf, size_t len, uint64_t bytes);

/* Labels are plain names: [A-Za-z0-9._+-], not starting with '.', <= 64. */
bool mmab_label_valid(const char *s);
/*
 * mmab_label_from - S made a label: characters a label may not hold become
 * '-', cut at 64.  A new string, or NULL when even that is no label (empty,
 * or starting with '.' or '-').
 */
char *mmab_label_from(const char *s);

bool mmab_is_root(void);
/*
 * mmab_which - the executable NAME would run as, searched like execvp does
 * in $PATH (a NAME with a '/' is taken as a path): a regular file with
 * execute permission.  Its path into OUT.  0, -ENOENT or -ENAMETOOLONG.
 */
int mmab_which(const char *name, char *out, size_t len);
/* mmab_found - is NAME an executable file, as mmab_which finds it? */
bool mmab_found(const char *name);

/*
 * mmab_spawn - fork and execvp ARGV (never through a shell) with stdout and
 * stderr redirected to the given files (NULL: inherit; "/dev/null" works).
 * Returns the child's pid or -errno.
 */
pid_t mmab_spawn(char *const argv[], const char *out_path, const char *err_path);
/* What mmab_spawn_with() sets up in the child before the exec. */
struct mmab_spawn {
	char *const *argv;
	char *const *envp;	/* NULL: the parent's environment */
	int in_fd, out_fd, err_fd;	/* dup'd onto 0, 1, 2 when above 2; else inherited */
	const char *out_path;	/* stdout, stderr appended to these files (after the fds) */
	const char *err_path;
	const int *keep_fds;	/* open across the exec at the same numbers (FD_CLOEXEC cleared) */
	size_t nkeep;
	bool die_with_parent;	/* PR_SET_PDEATHSIG SIGKILL: killed when mmab dies, even by kill -9 */
};
/*
 * mmab_spawn_with - fork and exec SP->argv (never through a shell) as SP
 * says.  Returns the child's pid, or -errno when it could not be started
 * (the exec's own error included).
 */
pid_t mmab_spawn_with(const struct mmab_spawn *sp);
/*
 * mmab_spawn_wait - mmab_spawn then wait; *wstatus gets the wait status.
 * Returns 0 when the program ran (whatever its exit status) or -errno.
 */
int mmab_spawn_wait(char *const argv[], const char *out_path, const char *err_path,
		    int *wstatus);

/*
 * mmab_spawn_output - run ARGV (stderr to /dev/null, dies with us) and keep
 * the first LEN - 1 bytes of its stdout in BUF, NUL-terminated; *wstatus
 * gets the wait status.  Returns 0 when it ran, or -errno.
 */
int mmab_spawn_output(char *const argv[], char *buf, size_t len, int *wstatus);

/* State directory for the knob journal and lock: $MMAB_STATE_DIR or /var/lib/mmab. */
const char *mmab_state_dir(void);

#endif

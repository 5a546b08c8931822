/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the three files of the journal share (journal.c: opening, appending,
 * closing, recovery and the signal handler; journal-record.c: the record
 * format and async-signal-safe output; journal-undo.c: undoing records).
 * Not for use outside lib/journal*.c: the public interface is journal.h.
 */
#ifndef MMAB_JOURNAL_INT_H
#define MMAB_JOURNAL_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The journal.  mmab_state_dir()/journal is text, one record a line, fields
 * separated by tabs:
 *
 *   mmab-journal	1	BOOT_ID	PID		header: format version, boot, opener
 *   knob	PATH	ORIGINAL	SUM		write ORIGINAL back to PATH
 *   path	PATH	SUM			rm -rf PATH (same file system, no symlinks)
 *   cgroup	PATH	SUM			kill what is in cgroup PATH, rmdir it
 *   tracefs	PATH	SUM			rmdir the tracefs instance PATH
 *   mount	PATH	SUM			unmount the tracefs mmab mounted on PATH
 *   memblock	PATH	SUM			online the memory block PATH if offline
 *					(kept, not undone, by a rollback to a mark)
 *
 * PATH and ORIGINAL are escaped (backslash, tab, newline and every other
 * byte below 0x20 or 0x7f become \\ \t \n \xHH), so any content survives.
 * SUM is the FNV-1a 32-bit hash of the line up to its last tab, in hex: a
 * torn or hand-edited record is reported and skipped, never acted on.
 * mmab_state_dir()/lock is locked (fcntl) while a journal is open.
 *
 * Records are appended with O_APPEND, one write() each, and fsync'd before
 * the change they describe is made, so a record without its change is
 * possible (undoing it is harmless) but never a change without its record.
 * Undo walks the file backwards from its end with pread() into stack
 * buffers and makes only system calls: the same code runs in the SIGINT
 * handler, where malloc and stdio are off limits.
 */
#define JOURNAL_MAGIC "mmab-journal"
#define JOURNAL_VERSION "1"
#define VALUE_MAX 4096			/* sysctl and sysfs values fit in a page */
#define FIELD_MAX (4 * PATH_MAX)	/* escaped: \xHH per byte at worst */
#define RECORD_MAX (16 + 2 * FIELD_MAX)
#define HEADER_MAX 256
/* Huge pages still in use after a pool is restored: wait 2 s for them, then report. */
#define POOL_RETRIES 20
#define POOL_RETRY_MS 100
/* How long a journaled cgroup may take to empty when it is undone. */
#define CGROUP_WAIT_S 5.0
/* A tracefs instance is busy while a reader has its files open: retry for 1 s. */
#define TRACEFS_RETRIES 100
#define TRACEFS_RETRY_MS 10

struct journal {
	int fd;			/* the journal, O_APPEND: shared with forked children */
	int lock_fd;		/* the lock file, fcntl-locked by the owner */
	pid_t owner;		/* the opener: only it rolls back on close */
	off_t start;		/* end of the header */
	char path[PATH_MAX];
	char dir[PATH_MAX];
	/* memory blocks journaled already (by number): each is journaled once */
	unsigned long *memblocks;
	size_t nmemblocks;
};

struct msg {
	char b[2 * PATH_MAX + 512];
	size_t n;
};

struct walk {
	int fd;
	bool verbose;		/* a line per entry undone */
	bool dying;		/* the signal handler: this process is about to exit */
	bool discard;		/* an earlier boot's journal: only warn about what remains */
	bool keep_held;		/* a rollback to a mark: memblock records are kept as they are */
	int restored;
	int err;		/* first -errno */
	/*
	 * The records that could not be undone, kept so `mmab restore` (or the
	 * journal's close) can try again: filled from the end of KEEP
	 * backwards, so they end up oldest first, as they were written.
	 */
	char *keep;
	size_t keep_cap, keep_len;
	unsigned dropped;	/* failed records that did not fit in KEEP */
};

/* ---- journal-record.c: async-signal-safe, stack buffers and system calls only ---- */

/* A message built on the stack and written to stderr in one write(): "mmab: ...\n". */
void jrn_msg_start(struct msg *m, const char *s);
void jrn_msg_str(struct msg *m, const char *s);
void jrn_msg_num(struct msg *m, long long v);
void jrn_msg_errno(struct msg *m, int err);
/* A knob value, escaped as in the journal and cut to fit. */
void jrn_msg_value(struct msg *m, const char *v, size_t len);
void jrn_msg_send(struct msg *m);
/* Escape LEN bytes of SRC into DST (CAP bytes); the length, or (size_t)-1 when it does not fit. */
size_t jrn_escape(char *dst, size_t cap, const char *src, size_t len);
/* The inverse; the length, or -1 on a malformed escape or when it does not fit. */
ssize_t jrn_unescape(char *dst, size_t cap, const char *src, size_t len);
/* FNV-1a, 32 bits: a record's checksum; jrn_hex32 writes it as 8 hex digits. */
uint32_t jrn_fnv1a(const char *s, size_t len);
void jrn_hex32(char *dst, uint32_t v);
/* pread() until LEN bytes or EOF; the count or -errno. */
ssize_t jrn_pread_full(int fd, char *buf, size_t len, off_t off);
/* A file's raw content into BUF (NUL-terminated); the length or -errno. */
ssize_t jrn_read_raw(const char *path, char *buf, size_t cap);
/* write() all of BUF, retrying short writes; 0 or -errno. */
int jrn_write_all(int fd, const char *buf, size_t len);
/* fstat's size, or -errno. */
off_t jrn_file_size(int fd);

/* ---- journal-undo.c ---- */

/* Write V to the knob PATH in one write(); 0 or -errno. */
int jrn_write_value(const char *path, const char *v, size_t len);
/* A selector file's content ("always [madvise] never"): *OFF, *WLEN the bracketed word. */
bool jrn_selector(const char *v, size_t len, size_t *off, size_t *wlen);
/* Is PATH on a tracefs?  PATH's parent directory into BUF? */
bool jrn_on_tracefs(const char *path);
bool jrn_parent_of(const char *path, char *buf, size_t len);
/* Undo the records between START and END of W->fd, newest first. */
void jrn_walk_back(struct walk *w, off_t start, off_t end);
/* The records W kept because they could not be undone, oldest first. */
const char *jrn_kept(const struct walk *w);
/*
 * Undo J's records from MARK to the end, newest first, and leave in their
 * place only those that could not be undone (reported), and with
 * KEEP_HELD (a rollback to a step's mark, not the journal's end) the
 * memblock records as they are.  The caller blocks the signals; the
 * handler runs it too.  Returns the first -errno.
 */
int jrn_undo_from(struct journal *j, off_t mark, bool dying, bool keep_held);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Knobs and the journal that makes every change mmab makes to the machine
 * undoable: resolving the names a suite may use, reading values, and
 * journaling knob writes, created files and cgroups before they happen so
 * they are put back at exit, on SIGINT/SIGTERM/SIGHUP, and after a crash.
 * The journal's file format is described above its code below.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "runner/cgroup.h"
#include "runner/knob.h"
#include "runner/mmab.h"

static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(path, prefix, n) && path[n] && path[n] != '/';
}

int knob_resolve(const char *name, char *path, size_t len)
{
	int n;

	if (!*name)
		return -EINVAL;
	if (name[0] == '/') {
		/* no "..", no "//", no trailing slash: the prefix check must mean what it says */
		if (strstr(name, "/..") || strstr(name, "//") || name[strlen(name) - 1] == '/' ||
		    strstr(name, "/./"))
			return -EINVAL;
		if (!under(name, "/proc/sys/") && !under(name, "/sys/kernel/mm/"))
			return -EINVAL;
		n = snprintf(path, len, "%s", name);
	} else {
		/* sysctl name: vm.dirty_ratio -> /proc/sys/vm/dirty_ratio */
		if (name[0] == '.' || strstr(name, "..") || name[strlen(name) - 1] == '.')
			return -EINVAL;
		for (const char *p = name; *p; p++)
			if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
				return -EINVAL;
		n = snprintf(path, len, "/proc/sys/%s", name);
		if (n > 0 && (size_t)n < len)
			for (char *p = path + strlen("/proc/sys/"); *p; p++)
				if (*p == '.')
					*p = '/';
	}
	if (n < 0 || (size_t)n >= len)
		return -EINVAL;
	return 0;
}

int knob_read(const char *path, char *buf, size_t len)
{
	char *text, *s, *e, *open, *close;
	int ret;

	ret = mmab_read_file(path, &text, NULL);
	if (ret)
		return ret;
	s = text;
	/* selector files ("always [madvise] never"): the bracketed choice */
	open = strchr(s, '[');
	close = open ? strchr(open, ']') : NULL;
	if (open && close) {
		s = open + 1;
		*close = '\0';
	}
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	/* multi-value sysctls (tab separated) are written back with spaces */
	for (char *p = s; *p; p++)
		if (*p == '\t' || *p == '\n')
			*p = ' ';
	if ((size_t)(e - s) >= len) {
		free(text);
		return -ENOSPC;
	}
	memcpy(buf, s, (size_t)(e - s) + 1);
	free(text);
	return 0;
}


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

struct knob_journal {
	int fd;			/* the journal, O_APPEND: shared with forked children */
	int lock_fd;		/* the lock file, fcntl-locked by the owner */
	pid_t owner;		/* the opener: only it rolls back on close */
	off_t start;		/* end of the header */
	char path[PATH_MAX];
	char dir[PATH_MAX];
};

/* ---- async-signal-safe helpers: stack buffers and system calls only ---- */

struct msg {
	char b[2 * PATH_MAX + 512];
	size_t n;
};

static void msg_put(struct msg *m, const char *s, size_t len)
{
	if (len > sizeof(m->b) - 1 - m->n)
		len = sizeof(m->b) - 1 - m->n;
	memcpy(m->b + m->n, s, len);
	m->n += len;
}

static void msg_str(struct msg *m, const char *s)
{
	msg_put(m, s, strlen(s));
}

static void msg_num(struct msg *m, long long v)
{
	char d[24];
	size_t i = sizeof(d);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		d[--i] = '-';
	msg_put(m, d + i, sizeof(d) - i);
}

static void msg_errno(struct msg *m, int err)
{
	const char *s = strerrordesc_np(err < 0 ? -err : err);

	if (s) {
		msg_str(m, s);
	} else {
		msg_str(m, "error ");
		msg_num(m, err < 0 ? -err : err);
	}
}

static size_t escape(char *dst, size_t cap, const char *src, size_t len);

/* A value for a message: escaped, without the trailing newline. */
static void msg_value(struct msg *m, const char *v, size_t len)
{
	size_t n;

	while (len && (v[len - 1] == '\n' || v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	msg_str(m, "'");
	n = escape(m->b + m->n, sizeof(m->b) - 2 - m->n, v, len);
	if (n == (size_t)-1)
		msg_str(m, "...");
	else
		m->n += n;
	msg_str(m, "'");
}

/* "mmab: " + the message + newline on stderr, with write(2). */
static void msg_send(struct msg *m)
{
	const char *p = m->b;
	size_t len;

	m->b[m->n++] = '\n';
	len = m->n;
	while (len) {
		ssize_t n = write(STDERR_FILENO, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	m->n = 0;
}

static void msg_start(struct msg *m, const char *s)
{
	m->n = 0;
	msg_str(m, "mmab: ");
	msg_str(m, s);
}

static size_t escape(char *dst, size_t cap, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		char e[4];
		size_t k = 2;

		e[0] = '\\';
		if (c == '\\')
			e[1] = '\\';
		else if (c == '\t')
			e[1] = 't';
		else if (c == '\n')
			e[1] = 'n';
		else if (c < 0x20 || c == 0x7f) {
			e[1] = 'x';
			e[2] = hex[c >> 4];
			e[3] = hex[c & 15];
			k = 4;
		} else {
			e[0] = (char)c;
			k = 1;
		}
		if (n + k > cap)
			return (size_t)-1;
		memcpy(dst + n, e, k);
		n += k;
	}
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The inverse of escape(); -1 on a malformed escape or overflow. */
static ssize_t unescape(char *dst, size_t cap, const char *src, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = src[i];

		if (c == '\\') {
			if (++i >= len)
				return -1;
			switch (src[i]) {
			case '\\': c = '\\'; break;
			case 't': c = '\t'; break;
			case 'n': c = '\n'; break;
			case 'x':
				if (i + 2 >= len || hexval(src[i + 1]) < 0 || hexval(src[i + 2]) < 0)
					return -1;
				c = (char)(hexval(src[i + 1]) * 16 + hexval(src[i + 2]));
				i += 2;
				break;
			default:
				return -1;
			}
		} else if ((unsigned char)c < 0x20 || c == 0x7f) {
			return -1;
		}
		if (n >= cap)
			return -1;
		dst[n++] = c;
	}
	return (ssize_t)n;
}

static uint32_t fnv1a(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static void hex32(char *dst, uint32_t v)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 7; i >= 0; i--, v >>= 4)
		dst[i] = hex[v & 15];
}

static ssize_t pread_full(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* A knob's whole content, NUL-terminated; -EFBIG past CAP - 1 bytes. */
static ssize_t read_raw(const char *path, char *buf, size_t cap)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (err)
		return err;
	if (got == cap)
		return -EFBIG;
	buf[got] = '\0';
	return (ssize_t)got;
}

/*
 * Writing a knob: one write() (procfs sysctls parse only a write at offset
 * 0), O_TRUNC so a regular file standing in for a knob ends up holding
 * exactly the value (procfs and sysfs ignore the truncation, as they do
 * for the shell's "echo madvise > enabled").
 */
static int write_value(const char *path, const char *v, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	do {
		n = write(fd, v, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	if (close(fd) && !ret && errno != EINTR)
		ret = -errno;
	return ret;
}

/*
 * A selector file ("always [madvise] never\n"): single-space separated
 * words, exactly one of them bracketed.  *OFF and *LEN get the bracketed
 * word.  The shape must match exactly, so a value that merely holds a
 * bracket is kept whole.
 */
static bool selector(const char *v, size_t len, size_t *off, size_t *wlen)
{
	size_t i = 0;
	int found = 0;

	if (len && v[len - 1] == '\n')
		len--;
	if (!len)
		return false;
	while (i <= len) {
		size_t s = i;

		while (i < len && v[i] != ' ') {
			if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
				return false;
			i++;
		}
		if (i == s)
			return false;	/* leading, trailing or double space */
		for (size_t k = s; k < i; k++) {
			if (v[k] != '[' && v[k] != ']')
				continue;
			if (k == s && v[k] == '[' && v[i - 1] == ']' && i - s >= 3 &&
			    !memchr(v + s + 1, '[', i - s - 2) && !memchr(v + s + 1, ']', i - s - 2)) {
				*off = s + 1;
				*wlen = i - s - 2;
				found++;
				break;
			}
			return false;
		}
		i++;
	}
	return found == 1;
}

/* Whether two knob contents say the same: selector words, no trailing whitespace. */
static bool same_value(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t off, n;

	if (selector(a, alen, &off, &n)) {
		a += off;
		alen = n;
	}
	if (selector(b, blen, &off, &n)) {
		b += off;
		blen = n;
	}
	while (alen && (a[alen - 1] == '\n' || a[alen - 1] == ' ' || a[alen - 1] == '\t'))
		alen--;
	while (blen && (b[blen - 1] == '\n' || b[blen - 1] == ' ' || b[blen - 1] == '\t'))
		blen--;
	return alen == blen && !memcmp(a, b, alen);
}

static bool is_hugepage_pool(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strcmp(base, "nr_hugepages") || !strcmp(base, "nr_hugepages_mempolicy");
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* rm -rf without following symlinks or leaving the file system; getdents64, no DIR *. */
static int rm_tree_at(int dirfd, const char *name, dev_t dev, int depth)
{
	char buf[2048];
	struct stat st;
	ssize_t len;
	int fd, ret = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) && errno != ENOENT ? -errno : 0;
	if (st.st_dev != dev)
		return -EXDEV;
	if (depth > 32)
		return -ELOOP;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((len = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < len;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			int r;

			off += de->d_reclen;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			r = rm_tree_at(fd, de->d_name, dev, depth + 1);
			if (r && !ret)
				ret = r;
		}
	}
	close(fd);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) && errno != ENOENT && !ret)
		ret = -errno;
	return ret;
}

struct walk {
	int fd;
	bool verbose;		/* a line per entry undone */
	bool dying;		/* the signal handler: this process is about to exit */
	bool discard;		/* an earlier boot's journal: only warn about what remains */
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

static void walk_fail(struct walk *w, int err)
{
	if (!w->err)
		w->err = err;
}

/*
 * Huge pages of the pool PATH that are in use beyond what it was shrunk to
 * (the kernel turns them into surplus pages, freed as their users let go),
 * or -1 when that cannot be told.
 */
static long long pool_surplus(const char *path)
{
	static const char key[] = "HugePages_Surp:";
	static const char file[] = "/surplus_hugepages";
	char p[PATH_MAX], buf[8192];
	const char *s = buf;
	long long v;
	ssize_t n;

	if (!strncmp(path, "/proc/sys/vm/", 13)) {
		/* the default huge page size */
		n = read_raw("/proc/meminfo", buf, sizeof(buf));
		if (n < 0 || !(s = strstr(buf, key)))
			return -1;
		s += sizeof(key) - 1;
	} else {
		size_t d = (size_t)(strrchr(path, '/') - path);

		if (d + sizeof(file) > sizeof(p))
			return -1;
		memcpy(p, path, d);
		memcpy(p + d, file, sizeof(file));
		n = read_raw(p, buf, sizeof(buf));
		if (n < 0)
			return -1;
	}
	while (*s == ' ')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	for (v = 0; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	return v;
}

static void report_restore_failure(const char *path, const char *orig, size_t olen,
				   const char *what, const char *cur, size_t clen, int err)
{
	struct msg m;

	msg_start(&m, "cannot restore '");
	msg_str(&m, path);
	msg_str(&m, "' to ");
	msg_value(&m, orig, olen);
	msg_str(&m, what);
	if (cur)
		msg_value(&m, cur, clen);
	else
		msg_errno(&m, err);
	msg_send(&m);
}

static int undo_knob(struct walk *w, const char *path, const char *orig, size_t olen)
{
	char cur[VALUE_MAX + 1];
	long long surplus;
	struct msg m;
	ssize_t n;
	int ret;

	n = read_raw(path, cur, sizeof(cur));
	if (n >= 0 && same_value(cur, (size_t)n, orig, olen))
		return 0;
	ret = write_value(path, orig, olen);
	if (ret) {
		report_restore_failure(path, orig, olen, ": ", NULL, 0, ret);
		return ret;
	}
	n = read_raw(path, cur, sizeof(cur));
	/* an unreadable (write-only) knob is taken at its word */
	if (n >= 0 && !same_value(cur, (size_t)n, orig, olen)) {
		report_restore_failure(path, orig, olen, ": it reads ", cur, (size_t)n, 0);
		return -EIO;
	}
	if (w->verbose) {
		msg_start(&m, "restored ");
		msg_str(&m, path);
		msg_str(&m, " = ");
		msg_value(&m, orig, olen);
		msg_send(&m);
	}
	if (!is_hugepage_pool(path))
		return 1;
	/*
	 * A pool shrinks at once on paper, but pages still mapped stay
	 * allocated as surplus until released: give dying users a moment.
	 */
	for (int i = 0; (surplus = pool_surplus(path)) > 0 && i < POOL_RETRIES; i++)
		nap_ms(POOL_RETRY_MS);
	if (surplus > 0) {
		msg_start(&m, "warning: ");
		msg_num(&m, surplus);
		msg_str(&m, " huge page");
		msg_str(&m, surplus == 1 ? " of '" : "s of '");
		msg_str(&m, path);
		msg_str(&m, "' still in use: freed as their users exit");
		msg_send(&m);
	}
	return 1;
}

static int undo_path(struct walk *w, const char *path)
{
	struct stat st;
	struct msg m;
	int ret;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	ret = rm_tree_at(AT_FDCWD, path, st.st_dev, 0);
	msg_start(&m, ret ? "cannot remove '" : "removed ");
	msg_str(&m, path);
	if (ret) {
		msg_str(&m, "': ");
		msg_errno(&m, ret);
	}
	if (ret || w->verbose)
		msg_send(&m);
	return ret ? ret : 1;
}

static int undo_cgroup(struct walk *w, const char *path)
{
	struct msg m;
	int n;

	if (access(path, F_OK))
		return errno == ENOENT ? 0 : -errno;
	if (!cgroup_is_cgroupfs(path)) {
		msg_start(&m, "journal: '");
		msg_str(&m, path);
		msg_str(&m, "' is not a cgroup: left alone");
		msg_send(&m);
		return -EINVAL;
	}
	n = cgroup_destroy(path, CGROUP_WAIT_S);
	if (n < 0) {
		msg_start(&m, "cannot remove cgroup '");
		msg_str(&m, path);
		msg_str(&m, "': ");
		msg_errno(&m, n);
		msg_send(&m);
		return n;
	}
	if (w->verbose) {
		msg_start(&m, "removed cgroup ");
		msg_str(&m, path);
		if (n) {
			msg_str(&m, " (killed ");
			msg_num(&m, n);
			msg_str(&m, n == 1 ? " process)" : " processes)");
		}
		msg_send(&m);
	}
	return 1;
}

static bool on_tracefs(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == TRACEFS_MAGIC;
}

/* PATH's parent directory into BUF (PATH is absolute, without a trailing '/'). */
static bool parent_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (!slash || n + 1 >= len)
		return false;
	memcpy(buf, path, n ? n : 1);
	buf[n ? n : 1] = '\0';
	return true;
}

static void report_path(struct walk *w, const char *what, const char *path, int err)
{
	struct msg m;

	if (!err && !w->verbose)
		return;
	msg_start(&m, err ? "cannot remove " : "removed ");
	msg_str(&m, what);
	msg_str(&m, path);
	if (err) {
		msg_str(&m, ": ");
		msg_errno(&m, err);
	}
	msg_send(&m);
}

/*
 * rmdir of a directory in a tracefs "instances" directory removes the
 * instance.  The kernel refuses while a reader holds its files open (a
 * collector thread still running beside a signal handler): retry a moment.
 */
static int undo_tracefs(struct walk *w, const char *path)
{
	char parent[PATH_MAX];
	int ret = 0;

	if (access(path, F_OK))
		return errno == ENOENT ? 0 : -errno;
	if (!parent_of(path, parent, sizeof(parent)) || !on_tracefs(parent)) {
		report_path(w, "tracefs instance ", path, EINVAL);
		return -EINVAL;
	}
	for (int i = 0; i < TRACEFS_RETRIES; i++) {
		ret = rmdir(path) ? -errno : 0;
		if (ret != -EBUSY)
			break;
		nap_ms(TRACEFS_RETRY_MS);
	}
	if (ret == -ENOENT)
		return 0;
	report_path(w, "tracefs instance ", path, ret);
	return ret ? ret : 1;
}

/*
 * The tracefs mmab mounted where there was none: unmounted unless busy
 * (then it is someone's now).  Only when PATH is still a tracefs mount
 * point: a directory whose file system differs from its parent's.  A run
 * dying on a signal detaches it instead: what keeps it busy then is the
 * run's own perf child, which dies with it.
 */
static int undo_mount(struct walk *w, const char *path)
{
	char parent[PATH_MAX];
	struct stat a, b;
	struct msg m;

	if (!on_tracefs(path) || !parent_of(path, parent, sizeof(parent)) || stat(path, &a) ||
	    stat(parent, &b) || a.st_dev == b.st_dev)
		return 0;
	/*
	 * Something newer failed (a busy instance in it): detached, the
	 * instance would outlive the mount out of restore's sight.  Keep both.
	 */
	if (w->dying && w->err)
		return -EBUSY;
	if (umount2(path, w->dying ? MNT_DETACH : 0)) {
		int ret = -errno;

		msg_start(&m, "warning: left tracefs mounted on ");
		msg_str(&m, path);
		msg_str(&m, ": ");
		msg_errno(&m, ret);
		msg_send(&m);
		return ret == -EBUSY ? 0 : ret;
	}
	if (w->verbose) {
		msg_start(&m, "unmounted tracefs from ");
		msg_str(&m, path);
		msg_send(&m);
	}
	return 1;
}

static void damaged(struct walk *w, off_t at)
{
	struct msg m;

	msg_start(&m, "journal: the record at byte ");
	msg_num(&m, (long long)at);
	msg_str(&m, " is damaged: skipped");
	msg_send(&m);
	walk_fail(w, -EBADMSG);
}

/* Keep the record LINE[0..LEN) that could not be undone (see struct walk). */
static void keep_record(struct walk *w, const char *line, size_t len)
{
	if (!w->keep || len + 1 > w->keep_cap - w->keep_len) {
		w->dropped++;
		return;
	}
	w->keep_len += len + 1;
	memcpy(w->keep + w->keep_cap - w->keep_len, line, len);
	w->keep[w->keep_cap - w->keep_len + len] = '\n';
}

/* The records kept by a walk, oldest first. */
static const char *kept(const struct walk *w)
{
	return w->keep + w->keep_cap - w->keep_len;
}

/* Undo (or, for an earlier boot, list) the record LINE[0..LEN) found at byte AT. */
static void do_record(struct walk *w, const char *line, size_t len, off_t at)
{
	char path[PATH_MAX], value[VALUE_MAX + 1], sum[8];
	const char *f[4];
	size_t fl[4];
	size_t nf = 0, s = 0;
	ssize_t plen, vlen = 0;
	struct msg m;
	int r;

	if (!len)
		return;
	for (size_t i = 0; i <= len && nf < 4; i++) {
		if (i == len || line[i] == '\t') {
			f[nf] = line + s;
			fl[nf++] = i - s;
			s = i + 1;
		}
	}
	if (nf < 3 || s <= len || fl[nf - 1] != 8)
		goto bad;
	hex32(sum, fnv1a(line, (size_t)(f[nf - 1] - 1 - line)));
	if (memcmp(sum, f[nf - 1], 8))
		goto bad;
	plen = unescape(path, sizeof(path) - 1, f[1], fl[1]);
	if (plen <= 0 || memchr(path, '\0', (size_t)plen) || path[0] != '/')
		goto bad;
	path[plen] = '\0';
	if (fl[0] == 4 && !memcmp(f[0], "knob", 4) && nf == 4) {
		vlen = unescape(value, sizeof(value) - 1, f[2], fl[2]);
		if (vlen < 0)
			goto bad;
		value[vlen] = '\0';
		if (w->discard)
			return;
		r = undo_knob(w, path, value, (size_t)vlen);
	} else if (fl[0] == 4 && !memcmp(f[0], "path", 4) && nf == 3) {
		if (w->discard) {
			msg_start(&m, "warning: '");
			msg_str(&m, path);
			msg_str(&m, "' was made by mmab before the reboot and may still be there");
			msg_send(&m);
			return;
		}
		r = undo_path(w, path);
	} else if (fl[0] == 6 && !memcmp(f[0], "cgroup", 6) && nf == 3) {
		if (w->discard)
			return;
		r = undo_cgroup(w, path);
	} else if (fl[0] == 7 && !memcmp(f[0], "tracefs", 7) && nf == 3) {
		if (w->discard)
			return;		/* instances do not outlive a reboot */
		r = undo_tracefs(w, path);
	} else if (fl[0] == 5 && !memcmp(f[0], "mount", 5) && nf == 3) {
		if (w->discard)
			return;
		r = undo_mount(w, path);
	} else {
		goto bad;
	}
	if (r < 0) {
		walk_fail(w, r);
		keep_record(w, line, len);
	} else if (r > 0) {
		w->restored++;
	}
	return;
bad:
	damaged(w, at);
}

/*
 * Undo the records in [START, END) newest first.  END may cut a record
 * short (a torn append, or a child killed mid-write): its change was never
 * made, since the record is fsync'd first, so it is skipped.
 */
static void walk_back(struct walk *w, off_t start, off_t end)
{
	char buf[RECORD_MAX];
	bool skipping = false;	/* inside a torn or over-long record */
	off_t pos = end;
	char last;

	if (pos > start && pread_full(w->fd, &last, 1, pos - 1) == 1 && last != '\n')
		skipping = true;
	while (pos > start) {
		size_t want = pos - start < (off_t)sizeof(buf) ? (size_t)(pos - start) : sizeof(buf);
		off_t lo = pos - (off_t)want;
		ssize_t n = pread_full(w->fd, buf, want, lo);
		size_t s, e;

		if (n != (ssize_t)want) {
			struct msg m;

			msg_start(&m, "cannot read the journal: ");
			msg_errno(&m, n < 0 ? (int)n : EIO);
			msg_send(&m);
			walk_fail(w, n < 0 ? (int)n : -EIO);
			return;
		}
		e = skipping ? want : want - 1;	/* drop the newline ending the record */
		s = e;
		while (s > 0 && buf[s - 1] != '\n')
			s--;
		if (s == 0 && lo > start) {
			/* no record is this long: skip back to the previous newline */
			if (!skipping)
				damaged(w, lo);
			skipping = true;
			pos = lo;
			continue;
		}
		if (!skipping)
			do_record(w, buf + s, e - s, lo + (off_t)s);
		skipping = false;
		pos = lo + (off_t)s;
	}
}

static off_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -errno : st.st_size;
}

/* write() all of BUF, retrying short writes; 0 or -errno.  Async-signal-safe. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Undo J's records from MARK to the end, newest first, and leave in their
 * place only those that could not be undone (reported), for `mmab restore`
 * or the journal's close to try again.  The caller blocks the signals.
 * Async-signal-safe: the handler runs it too.  Returns the first -errno.
 */
static int undo_from(struct knob_journal *j, off_t mark, bool dying)
{
	char keep[RECORD_MAX];
	struct walk w = { .fd = j->fd, .dying = dying, .keep = keep, .keep_cap = sizeof(keep) };
	off_t end = file_size(j->fd);
	struct msg m;
	int ret;

	if (end < 0 || mark < j->start || mark > end)
		return end < 0 ? (int)end : -EINVAL;
	walk_back(&w, mark, end);
	if (ftruncate(j->fd, mark))
		walk_fail(&w, -errno);
	else if (w.keep_len && (ret = write_all(j->fd, kept(&w), w.keep_len)))
		walk_fail(&w, ret);
	if (fsync(j->fd))
		walk_fail(&w, -errno);
	if (w.dropped) {
		msg_start(&m, "journal: ");
		msg_num(&m, w.dropped);
		msg_str(&m, " more record(s) that could not be undone are not kept");
		msg_send(&m);
	}
	return w.err;
}

/* ---- the signal handler ---- */

static struct knob_journal *volatile sig_journal;
static volatile pid_t sig_owner;
static const int sig_list[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction sig_old[ARRAY_SIZE(sig_list)];
static bool sig_saved;

static void on_signal(int signo)
{
	struct knob_journal *j = sig_journal;
	struct msg m;

	if (!j || getpid() != sig_owner) {
		/* a forked child that has not reset its handlers yet: die as by default */
		signal(signo, SIG_DFL);
		raise(signo);
		return;
	}
	msg_start(&m, signo == SIGINT ? "interrupted" : signo == SIGHUP ? "hangup" :
		  "terminated");
	msg_str(&m, ": putting back what mmab changed");
	msg_send(&m);
	/* what could not be put back has been reported, and stays in the journal */
	if (undo_from(j, j->start, true) && file_size(j->fd) > j->start) {
		msg_start(&m, "what could not be put back is kept in ");
		msg_str(&m, j->path);
		msg_str(&m, ": run 'mmab restore' to try again");
		msg_send(&m);
	} else {
		unlink(j->path);
	}
	_exit(128 + signo);
}

static void block_signals(sigset_t *old)
{
	sigset_t s;

	sigemptyset(&s);
	for (size_t i = 0; i < ARRAY_SIZE(sig_list); i++)
		sigaddset(&s, sig_list[i]);
	pthread_sigmask(SIG_BLOCK, &s, old);
}

void knob_journal_install_signals(struct knob_journal *j)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t old;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sig_list); i++)
		sigaddset(&sa.sa_mask, sig_list[i]);
	block_signals(&old);
	sig_journal = j;
	sig_owner = getpid();
	for (size_t i = 0; i < ARRAY_SIZE(sig_list); i++)
		sigaction(sig_list[i], &sa, sig_saved ? NULL : &sig_old[i]);
	sig_saved = true;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void uninstall_signals(struct knob_journal *j)
{
	if (sig_journal != j || !sig_saved)
		return;
	sig_journal = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(sig_list); i++)
		sigaction(sig_list[i], &sig_old[i], NULL);
	sig_saved = false;
}

/* ---- opening, recovering, closing ---- */

static int read_boot_id(char *buf, size_t len)
{
	ssize_t n = read_raw("/proc/sys/kernel/random/boot_id", buf, len);

	if (n < 0)
		return (int)n;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n ? 0 : -EINVAL;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int state_paths(char *dir, char *journal, char *lock)
{
	const char *d = mmab_state_dir();

	if (snprintf(dir, PATH_MAX, "%s", d) >= PATH_MAX ||
	    snprintf(journal, PATH_MAX, "%s/journal", d) >= PATH_MAX ||
	    snprintf(lock, PATH_MAX, "%s/lock", d) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * The lock is a POSIX record lock, which belongs to the process that took
 * it and is not inherited across fork(): when a runner is killed, a
 * workload's grandchild still holding the lock file open does not keep
 * `mmab restore` out.  Such locks do not exclude their own process, so the
 * locks this process holds are remembered (by file, since opening and
 * closing the file again would drop the lock) and a second one is refused.
 */
static struct held_lock {
	pid_t pid;
	dev_t dev;
	ino_t ino;
} held[4];

static struct held_lock *held_by_us(dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < ARRAY_SIZE(held); i++)
		if (held[i].pid == getpid() && held[i].dev == dev && held[i].ino == ino)
			return &held[i];
	return NULL;
}

static int take_lock(const char *lock, int *fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct held_lock *slot = NULL;
	struct stat st;

	*fd = -1;
	if (!stat(lock, &st) && held_by_us(st.st_dev, st.st_ino))
		return -EBUSY;
	for (size_t i = 0; i < ARRAY_SIZE(held) && !slot; i++)
		if (held[i].pid != getpid())
			slot = &held[i];	/* free, or a parent's before fork() */
	if (!slot)
		return -EMFILE;
	*fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return -errno;
	if (fstat(*fd, &st) || fcntl(*fd, F_SETLK, &fl)) {
		int ret = errno == EAGAIN || errno == EACCES ? -EBUSY : -errno;

		close(*fd);
		*fd = -1;
		return ret;
	}
	slot->pid = getpid();
	slot->dev = st.st_dev;
	slot->ino = st.st_ino;
	return 0;
}

static void release_lock(int fd)
{
	struct held_lock *h;
	struct stat st;

	if (!fstat(fd, &st) && (h = held_by_us(st.st_dev, st.st_ino)))
		h->pid = 0;
	close(fd);
}

/*
 * Replay the journal at JPATH (the lock held) and remove it.  Returns 0 or
 * -errno when the journal could not be dealt with at all (it is left in
 * place); *restored counts entries undone and *entry_err is the first
 * entry that failed (reported).  The records that failed are kept: handed
 * to the caller in *CARRY (malloc'd, *CARRY_LEN bytes) when it asks, to
 * start its own journal with, else left alone in the journal for the next
 * `mmab restore`.
 */
static int recover_locked(const char *dir, const char *jpath, bool verbose, int *restored,
			  int *entry_err, char **carry, size_t *carry_len)
{
	char head[HEADER_MAX + 1], boot[64], *nl, *f[4], *save = NULL;
	struct walk w = { 0 };
	off_t size;
	ssize_t n;
	int fd, nf = 0;

	*restored = 0;
	*entry_err = 0;
	fd = open(jpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	size = file_size(fd);
	n = pread_full(fd, head, HEADER_MAX, 0);
	if (size < 0 || n < 0) {
		close(fd);
		return size < 0 ? (int)size : (int)n;
	}
	head[n] = '\0';
	nl = strchr(head, '\n');
	if (nl) {
		*nl = '\0';
		for (char *t = strtok_r(head, "\t", &save); t && nf < 4; t = strtok_r(NULL, "\t", &save))
			f[nf++] = t;
	}
	if (!nl && size == 0) {
		/* created, then killed before the header was written: nothing happened */
		close(fd);
		unlink(jpath);
		return 0;
	}
	if (!nl || nf != 4 || strcmp(f[0], JOURNAL_MAGIC) || strcmp(f[1], JOURNAL_VERSION)) {
		char *aside = xasprintf("%s.damaged", jpath);

		close(fd);
		if (rename(jpath, aside)) {
			int ret = -errno;

			free(aside);
			return ret;
		}
		mmab_err("'%s' is not an mmab journal (version " JOURNAL_VERSION "); moved to '%s': "
			 "check by hand what it lists", jpath, aside);
		free(aside);
		*entry_err = -EBADMSG;
		return 0;
	}
	w.fd = fd;
	w.verbose = verbose;
	w.keep_cap = RECORD_MAX;
	w.keep = xmalloc(w.keep_cap);
	if (read_boot_id(boot, sizeof(boot)) || strcmp(boot, f[2])) {
		mmab_info("discarding the journal of an earlier boot (%s, mmab pid %s): "
			  "the reboot already reset the settings it lists", f[2], f[3]);
		w.discard = true;
	}
	walk_back(&w, nl - head + 1, size);
	close(fd);
	if (w.keep_len && !w.discard && !carry) {
		/* only what still fails stays, for the next `mmab restore` */
		char *text = xasprintf(JOURNAL_MAGIC "\t" JOURNAL_VERSION "\t%s\t%s\n%.*s", f[2], f[3],
				       (int)w.keep_len, kept(&w));

		if (mmab_write_file_atomic(jpath, text, strlen(text)))
			unlink(jpath);
		free(text);
	} else {
		if (w.keep_len && !w.discard) {
			*carry = xmalloc(w.keep_len);
			memcpy(*carry, kept(&w), w.keep_len);
			*carry_len = w.keep_len;
		}
		unlink(jpath);
	}
	free(w.keep);
	fsync_dir(dir);
	*restored = w.discard ? 0 : w.restored;
	*entry_err = w.discard ? 0 : w.err;
	return 0;
}

int knob_journal_recover(bool verbose)
{
	char dir[PATH_MAX], jpath[PATH_MAX], lpath[PATH_MAX];
	int lock_fd, restored, entry_err, ret;

	ret = state_paths(dir, jpath, lpath);
	if (ret)
		return ret;
	if (access(dir, F_OK) && errno == ENOENT)
		return 0;	/* mmab never changed anything here */
	ret = take_lock(lpath, &lock_fd);
	if (ret)
		return ret;
	ret = recover_locked(dir, jpath, verbose, &restored, &entry_err, NULL, NULL);
	release_lock(lock_fd);
	if (ret)
		return ret;
	/* -EIO, not the entry's own error: -EBUSY must keep meaning "locked" */
	return entry_err ? -EIO : restored;
}

int knob_journal_open(struct knob_journal **jp)
{
	struct knob_journal *j = xcalloc(1, sizeof(*j));
	char lpath[PATH_MAX], boot[64], head[HEADER_MAX], *carry = NULL;
	size_t carry_len = 0;
	int restored, entry_err, ret, n;

	*jp = NULL;
	j->fd = j->lock_fd = -1;
	ret = state_paths(j->dir, j->path, lpath);
	if (ret)
		goto out_free;
	ret = mmab_mkdir_p(j->dir, 0755);
	if (ret)
		goto out_free;
	ret = take_lock(lpath, &j->lock_fd);
	if (ret)
		goto out_free;
	/* entries that failed were reported; this run's close tries them again */
	ret = recover_locked(j->dir, j->path, true, &restored, &entry_err, &carry, &carry_len);
	if (ret)
		goto out_unlock;
	ret = read_boot_id(boot, sizeof(boot));
	if (ret)
		goto out_unlock;
	n = snprintf(head, sizeof(head), JOURNAL_MAGIC "\t" JOURNAL_VERSION "\t%s\t%d\n", boot,
		     (int)getpid());
	if (n <= 0 || n >= (int)sizeof(head)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	j->fd = open(j->path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		ret = -errno;
		goto out_unlock;
	}
	errno = 0;
	if (write(j->fd, head, (size_t)n) != n || write_all(j->fd, carry ?: "", carry_len) ||
	    fsync(j->fd)) {
		ret = errno ? -errno : -EIO;
		close(j->fd);
		unlink(j->path);
		goto out_unlock;
	}
	fsync_dir(j->dir);
	free(carry);
	j->start = n;
	j->owner = getpid();
	*jp = j;
	return 0;
out_unlock:
	release_lock(j->lock_fd);
out_free:
	free(carry);
	free(j);
	return ret;
}

/* Append one record: KIND, F1 and (when F2 is not NULL) F2, then fsync. */
static int journal_append(struct knob_journal *j, const char *kind, const char *f1, size_t l1,
			  const char *f2, size_t l2)
{
	char *line = xmalloc(RECORD_MAX);
	size_t n = strlen(kind), e;
	ssize_t w;
	int ret = 0;

	memcpy(line, kind, n);
	line[n++] = '\t';
	e = escape(line + n, FIELD_MAX, f1, l1);
	if (e == (size_t)-1)
		goto out_long;
	n += e;
	if (f2) {
		line[n++] = '\t';
		e = escape(line + n, FIELD_MAX, f2, l2);
		if (e == (size_t)-1)
			goto out_long;
		n += e;
	}
	hex32(line + n + 1, fnv1a(line, n));
	line[n] = '\t';
	n += 9;
	line[n++] = '\n';
	do {
		w = write(j->fd, line, n);
	} while (w < 0 && errno == EINTR);
	if (w < 0) {
		ret = -errno;
	} else if ((size_t)w != n) {
		/* end the torn record so the next one starts on a line of its own */
		if (write(j->fd, "\n", 1) != 1) {
			/* nothing more to do: the torn record fails its checksum */
		}
		ret = -ENOSPC;
	} else if (fsync(j->fd)) {
		ret = -errno;
	}
	free(line);
	return ret;
out_long:
	free(line);
	return -ENAMETOOLONG;
}

int knob_set(struct knob_journal *j, const char *path, const char *value)
{
	char *raw;
	size_t off = 0, len;
	ssize_t n;
	int ret;

	if (!j || !path || path[0] != '/' || !value)
		return -EINVAL;
	raw = xmalloc(VALUE_MAX + 1);
	n = read_raw(path, raw, VALUE_MAX + 1);
	if (n < 0) {
		ret = (int)n;
		goto out;
	}
	len = (size_t)n;
	/* selector files take the bracketed word back, not the whole list */
	if (!selector(raw, len, &off, &len))
		off = 0;
	ret = journal_append(j, "knob", path, strlen(path), raw + off, len);
	if (!ret)
		ret = write_value(path, value, strlen(value));
out:
	free(raw);
	return ret;
}

/* An absolute path that says what it means: no "..", not the root. */
static bool plain_abs_path(const char *p)
{
	return p && p[0] == '/' && p[1] && !strstr(p, "/../") &&
	       !(strlen(p) >= 3 && !strcmp(p + strlen(p) - 3, "/.."));
}

int knob_journal_path(struct knob_journal *j, const char *path)
{
	if (!j || !plain_abs_path(path))
		return -EINVAL;
	return journal_append(j, "path", path, strlen(path), NULL, 0);
}

int knob_journal_cgroup(struct knob_journal *j, const char *path)
{
	char *parent;
	bool ok;

	if (!j || !plain_abs_path(path))
		return -EINVAL;
	parent = xstrdup(path);
	*strrchr(parent, '/') = '\0';
	ok = cgroup_is_cgroupfs(parent[0] ? parent : "/");
	free(parent);
	if (!ok)
		return -EINVAL;
	return journal_append(j, "cgroup", path, strlen(path), NULL, 0);
}

int knob_journal_tracefs(struct knob_journal *j, const char *path)
{
	char parent[PATH_MAX];

	if (!j || !plain_abs_path(path) || !parent_of(path, parent, sizeof(parent)) ||
	    !on_tracefs(parent))
		return -EINVAL;
	return journal_append(j, "tracefs", path, strlen(path), NULL, 0);
}

int knob_journal_mount(struct knob_journal *j, const char *path)
{
	if (!j || !plain_abs_path(path))
		return -EINVAL;
	return journal_append(j, "mount", path, strlen(path), NULL, 0);
}

off_t knob_journal_mark(struct knob_journal *j)
{
	return j ? file_size(j->fd) : -EINVAL;
}

int knob_journal_rollback(struct knob_journal *j, off_t mark)
{
	sigset_t old;
	int ret;

	if (!j)
		return -EINVAL;
	/* the handler walks the same file: not both at once in this thread */
	block_signals(&old);
	ret = undo_from(j, mark, false);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int knob_journal_close(struct knob_journal *j)
{
	sigset_t old;
	int ret = 0;

	if (!j)
		return 0;
	if (getpid() == j->owner) {
		block_signals(&old);
		ret = knob_journal_rollback(j, j->start);
		uninstall_signals(j);
		/* what could not be undone stays for `mmab restore` */
		if (file_size(j->fd) <= j->start) {
			unlink(j->path);
			fsync_dir(j->dir);
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	close(j->fd);
	if (getpid() == j->owner)
		release_lock(j->lock_fd);
	else
		close(j->lock_fd);	/* a forked child's copy: it never held the lock */
	free(j);
	return ret;
}

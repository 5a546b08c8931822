/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Undoing journal records: knobs written back (hugetlb pools waited for),
 * files removed, cgroups emptied and removed, tracefs instances and mounts
 * taken away.  Walks the journal backwards with pread() and makes only
 * system calls: the SIGINT handler runs this code too.
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

#include "lib/cgroup.h"
#include "lib/journal-int.h"
#include "lib/mmab.h"

/*
 * Writing a knob: one write() (procfs sysctls parse only a write at offset
 * 0), O_TRUNC so a regular file standing in for a knob ends up holding
 * exactly the value (procfs and sysfs ignore the truncation, as they do
 * for the shell's "echo madvise > enabled").
 */
int jrn_write_value(const char *path, const char *v, size_t len)
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
bool jrn_selector(const char *v, size_t len, size_t *off, size_t *wlen)
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

	if (jrn_selector(a, alen, &off, &n)) {
		a += off;
		alen = n;
	}
	if (jrn_selector(b, blen, &off, &n)) {
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
		n = jrn_read_raw("/proc/meminfo", buf, sizeof(buf));
		if (n < 0 || !(s = strstr(buf, key)))
			return -1;
		s += sizeof(key) - 1;
	} else {
		size_t d = (size_t)(strrchr(path, '/') - path);

		if (d + sizeof(file) > sizeof(p))
			return -1;
		memcpy(p, path, d);
		memcpy(p + d, file, sizeof(file));
		n = jrn_read_raw(p, buf, sizeof(buf));
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

	jrn_msg_start(&m, "cannot restore '");
	jrn_msg_str(&m, path);
	jrn_msg_str(&m, "' to ");
	jrn_msg_value(&m, orig, olen);
	jrn_msg_str(&m, what);
	if (cur)
		jrn_msg_value(&m, cur, clen);
	else
		jrn_msg_errno(&m, err);
	jrn_msg_send(&m);
}

static int undo_knob(struct walk *w, const char *path, const char *orig, size_t olen)
{
	char cur[VALUE_MAX + 1];
	long long surplus;
	struct msg m;
	ssize_t n;
	int ret;

	n = jrn_read_raw(path, cur, sizeof(cur));
	if (n >= 0 && same_value(cur, (size_t)n, orig, olen))
		return 0;
	ret = jrn_write_value(path, orig, olen);
	if (ret) {
		report_restore_failure(path, orig, olen, ": ", NULL, 0, ret);
		return ret;
	}
	n = jrn_read_raw(path, cur, sizeof(cur));
	/* an unreadable (write-only) knob is taken at its word */
	if (n >= 0 && !same_value(cur, (size_t)n, orig, olen)) {
		report_restore_failure(path, orig, olen, ": it reads ", cur, (size_t)n, 0);
		return -EIO;
	}
	if (w->verbose) {
		jrn_msg_start(&m, "restored ");
		jrn_msg_str(&m, path);
		jrn_msg_str(&m, " = ");
		jrn_msg_value(&m, orig, olen);
		jrn_msg_send(&m);
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
		jrn_msg_start(&m, "warning: ");
		jrn_msg_num(&m, surplus);
		jrn_msg_str(&m, " huge page");
		jrn_msg_str(&m, surplus == 1 ? " of '" : "s of '");
		jrn_msg_str(&m, path);
		jrn_msg_str(&m, "' still in use: freed as their users exit");
		jrn_msg_send(&m);
	}
	return 1;
}

static int undo_path(struct walk *w, const char *path)
{
	struct msg m;
	int ret;

	ret = mmab_rm_rf(path);	/* async-signal-safe */
	jrn_msg_start(&m, ret ? "cannot remove '" : "removed ");
	jrn_msg_str(&m, path);
	if (ret) {
		jrn_msg_str(&m, "': ");
		jrn_msg_errno(&m, ret);
	}
	if (ret || w->verbose)
		jrn_msg_send(&m);
	return ret ? ret : 1;
}

static int undo_cgroup(struct walk *w, const char *path)
{
	struct msg m;
	int n;

	if (access(path, F_OK))
		return errno == ENOENT ? 0 : -errno;
	if (!cgroup_is_cgroupfs(path)) {
		jrn_msg_start(&m, "journal: '");
		jrn_msg_str(&m, path);
		jrn_msg_str(&m, "' is not a cgroup: left alone");
		jrn_msg_send(&m);
		return -EINVAL;
	}
	n = cgroup_destroy(path, CGROUP_WAIT_S);
	if (n < 0) {
		jrn_msg_start(&m, "cannot remove cgroup '");
		jrn_msg_str(&m, path);
		jrn_msg_str(&m, "': ");
		jrn_msg_errno(&m, n);
		jrn_msg_send(&m);
		return n;
	}
	if (w->verbose) {
		jrn_msg_start(&m, "removed cgroup ");
		jrn_msg_str(&m, path);
		if (n) {
			jrn_msg_str(&m, " (killed ");
			jrn_msg_num(&m, n);
			jrn_msg_str(&m, n == 1 ? " process)" : " processes)");
		}
		jrn_msg_send(&m);
	}
	return 1;
}

bool jrn_on_tracefs(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == TRACEFS_MAGIC;
}

/* PATH's parent directory into BUF (PATH is absolute, without a trailing '/'). */
bool jrn_parent_of(const char *path, char *buf, size_t len)
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
	jrn_msg_start(&m, err ? "cannot remove " : "removed ");
	jrn_msg_str(&m, what);
	jrn_msg_str(&m, path);
	if (err) {
		jrn_msg_str(&m, ": ");
		jrn_msg_errno(&m, err);
	}
	jrn_msg_send(&m);
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
	if (!jrn_parent_of(path, parent, sizeof(parent)) || !jrn_on_tracefs(parent)) {
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

	if (!jrn_on_tracefs(path) || !jrn_parent_of(path, parent, sizeof(parent)) || stat(path, &a) ||
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

		jrn_msg_start(&m, "warning: left tracefs mounted on ");
		jrn_msg_str(&m, path);
		jrn_msg_str(&m, ": ");
		jrn_msg_errno(&m, ret);
		jrn_msg_send(&m);
		return ret == -EBUSY ? 0 : ret;
	}
	if (w->verbose) {
		jrn_msg_start(&m, "unmounted tracefs from ");
		jrn_msg_str(&m, path);
		jrn_msg_send(&m);
	}
	return 1;
}

/*
 * A memory block mmab took offline: back online if it still is offline.
 * Whoever took it usually brought it back already: then nothing to do.
 */
static int undo_memblock(struct walk *w, const char *path)
{
	char state[PATH_MAX + 8], cur[64];
	size_t plen = strlen(path);
	struct msg m;
	ssize_t n;
	int ret;

	if (plen + sizeof("/state") > sizeof(state))
		return -ENAMETOOLONG;
	memcpy(state, path, plen);
	memcpy(state + plen, "/state", sizeof("/state"));
	n = jrn_read_raw(state, cur, sizeof(cur));
	if (n < 0)
		return n == -ENOENT ? 0 : (int)n;	/* the block is gone (hot-removed) */
	if (strncmp(cur, "offline", 7))
		return 0;
	ret = jrn_write_value(state, "online", 6);
	jrn_msg_start(&m, ret ? "cannot bring memory block '" : "brought back online ");
	jrn_msg_str(&m, path);
	if (ret) {
		jrn_msg_str(&m, "' back online: ");
		jrn_msg_errno(&m, ret);
	}
	if (ret || w->verbose)
		jrn_msg_send(&m);
	return ret ? ret : 1;
}

static void damaged(struct walk *w, off_t at)
{
	struct msg m;

	jrn_msg_start(&m, "journal: the record at byte ");
	jrn_msg_num(&m, (long long)at);
	jrn_msg_str(&m, " is damaged: skipped");
	jrn_msg_send(&m);
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
const char *jrn_kept(const struct walk *w)
{
	return w->keep + w->keep_cap - w->keep_len;
}

/* Undo (or, for an earlier boot, list) the record LINE[0..LEN) found at byte AT. */
/*
 * A record's fields, its checksum checked, and its path unescaped into
 * PATH (PATH_MAX).  The number of fields, or 0 when the record is damaged.
 */
static size_t split_record(const char *line, size_t len, const char *f[4], size_t fl[4],
			   char *path)
{
	char sum[8];
	size_t nf = 0, s = 0;
	ssize_t plen;

	for (size_t i = 0; i <= len && nf < 4; i++) {
		if (i == len || line[i] == '\t') {
			f[nf] = line + s;
			fl[nf++] = i - s;
			s = i + 1;
		}
	}
	if (nf < 3 || s <= len || fl[nf - 1] != 8)
		return 0;
	jrn_hex32(sum, jrn_fnv1a(line, (size_t)(f[nf - 1] - 1 - line)));
	if (memcmp(sum, f[nf - 1], 8))
		return 0;
	plen = jrn_unescape(path, PATH_MAX - 1, f[1], fl[1]);
	if (plen <= 0 || memchr(path, '\0', (size_t)plen) || path[0] != '/')
		return 0;
	path[plen] = '\0';
	return nf;
}

static bool kind_is(const char *f, size_t fl, const char *kind)
{
	return fl == strlen(kind) && !memcmp(f, kind, fl);
}

/*
 * Undo one record (LEN bytes at LINE, at offset AT).  On an earlier boot's
 * journal nothing is undone: a reboot reset the knobs and took cgroups and
 * tracefs instances with it; only files may remain, and that is said.
 */
static void do_record(struct walk *w, const char *line, size_t len, off_t at)
{
	char path[PATH_MAX], value[VALUE_MAX + 1];
	const char *f[4];
	size_t fl[4], nf;
	ssize_t vlen;
	struct msg m;
	int r;

	if (!len)
		return;
	nf = split_record(line, len, f, fl, path);
	if (nf == 4 && kind_is(f[0], fl[0], "knob")) {
		vlen = jrn_unescape(value, sizeof(value) - 1, f[2], fl[2]);
		if (vlen < 0)
			goto bad;
		value[vlen] = '\0';
		r = w->discard ? 0 : undo_knob(w, path, value, (size_t)vlen);
	} else if (nf == 3 && kind_is(f[0], fl[0], "path")) {
		if (w->discard) {
			jrn_msg_start(&m, "warning: '");
			jrn_msg_str(&m, path);
			jrn_msg_str(&m, "' was made by mmab before the reboot and may still be there");
			jrn_msg_send(&m);
			return;
		}
		r = undo_path(w, path);
	} else if (nf == 3 && kind_is(f[0], fl[0], "cgroup")) {
		r = w->discard ? 0 : undo_cgroup(w, path);
	} else if (nf == 3 && kind_is(f[0], fl[0], "tracefs")) {
		r = w->discard ? 0 : undo_tracefs(w, path);
	} else if (nf == 3 && kind_is(f[0], fl[0], "mount")) {
		r = w->discard ? 0 : undo_mount(w, path);
	} else if (nf == 3 && kind_is(f[0], fl[0], "memblock")) {
		if (w->keep_held && !w->discard) {
			keep_record(w, line, len);
			return;
		}
		r = w->discard ? 0 : undo_memblock(w, path);
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
void jrn_walk_back(struct walk *w, off_t start, off_t end)
{
	char buf[RECORD_MAX];
	bool skipping = false;	/* inside a torn or over-long record */
	off_t pos = end;
	char last;

	if (pos > start && jrn_pread_full(w->fd, &last, 1, pos - 1) == 1 && last != '\n')
		skipping = true;
	while (pos > start) {
		size_t want = pos - start < (off_t)sizeof(buf) ? (size_t)(pos - start) : sizeof(buf);
		off_t lo = pos - (off_t)want;
		ssize_t n = jrn_pread_full(w->fd, buf, want, lo);
		size_t s, e;

		if (n != (ssize_t)want) {
			struct msg m;

			jrn_msg_start(&m, "cannot read the journal: ");
			jrn_msg_errno(&m, n < 0 ? (int)n : EIO);
			jrn_msg_send(&m);
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



/*
 * Undo J's records from MARK to the end, newest first, and leave in their
 * place only those that could not be undone (reported), for `mmab restore`
 * or the journal's close to try again.  The caller blocks the signals.
 * Async-signal-safe: the handler runs it too.  Returns the first -errno.
 */
int jrn_undo_from(struct journal *j, off_t mark, bool dying, bool keep_held)
{
	char keep[RECORD_MAX];
	struct walk w = { .fd = j->fd, .dying = dying, .keep = keep, .keep_cap = sizeof(keep),
			  .keep_held = keep_held };
	off_t end = jrn_file_size(j->fd);
	struct msg m;
	int ret;

	if (end < 0 || mark < j->start || mark > end)
		return end < 0 ? (int)end : -EINVAL;
	jrn_walk_back(&w, mark, end);
	if (ftruncate(j->fd, mark))
		walk_fail(&w, -errno);
	else if (w.keep_len && (ret = jrn_write_all(j->fd, jrn_kept(&w), w.keep_len)))
		walk_fail(&w, ret);
	if (fsync(j->fd))
		walk_fail(&w, -errno);
	if (w.dropped) {
		jrn_msg_start(&m, "journal: ");
		jrn_msg_num(&m, w.dropped);
		jrn_msg_str(&m, " more record(s) that could not be undone are not kept");
		jrn_msg_send(&m);
	}
	return w.err;
}
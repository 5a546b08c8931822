/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal that makes every change mmab makes to the machine undoable:
 * knob writes, created files, cgroups and tracefs instances are journaled
 * (fsync'd) before they happen, and put back at exit, on SIGINT, SIGTERM
 * and SIGHUP, and after a crash at the next start.  The file format is in
 * journal-int.h; undoing a record is journal-undo.c's.
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
#include "lib/journal.h"
#include "lib/mmab.h"

/* ---- the signal handler ---- */

static struct journal *volatile sig_journal;
static volatile pid_t sig_owner;
static const int sig_list[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction sig_old[ARRAY_SIZE(sig_list)];
static bool sig_saved;

static void on_signal(int signo)
{
	struct journal *j = sig_journal;
	struct msg m;

	if (!j || getpid() != sig_owner) {
		/* a forked child that has not reset its handlers yet: die as by default */
		signal(signo, SIG_DFL);
		raise(signo);
		return;
	}
	jrn_msg_start(&m, signo == SIGINT ? "interrupted" : signo == SIGHUP ? "hangup" :
		  "terminated");
	jrn_msg_str(&m, ": putting back what mmab changed");
	jrn_msg_send(&m);
	/* what could not be put back has been reported, and stays in the journal */
	if (jrn_undo_from(j, j->start, true, false) && jrn_file_size(j->fd) > j->start) {
		jrn_msg_start(&m, "what could not be put back is kept in ");
		jrn_msg_str(&m, j->path);
		jrn_msg_str(&m, ": run 'mmab restore' to try again");
		jrn_msg_send(&m);
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

void journal_install_signals(struct journal *j)
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

static void uninstall_signals(struct journal *j)
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
	ssize_t n = jrn_read_raw("/proc/sys/kernel/random/boot_id", buf, len);

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
 * The journal's header line, split into its four fields F (pointing into
 * HEAD, HEADER_MAX + 1 bytes).  Its length with the newline, 0 when it is
 * missing or not mmab's, or -errno.
 */
static off_t read_header(int fd, off_t size, char *head, char *f[4])
{
	char *nl, *save = NULL;
	ssize_t n;
	int nf = 0;

	if (size < 0)
		return size;
	n = jrn_pread_full(fd, head, HEADER_MAX, 0);
	if (n < 0)
		return n;
	head[n] = '\0';
	nl = strchr(head, '\n');
	if (!nl)
		return 0;
	*nl = '\0';
	for (char *t = strtok_r(head, "\t", &save); t && nf < 4; t = strtok_r(NULL, "\t", &save))
		f[nf++] = t;
	if (nf != 4 || strcmp(f[0], JOURNAL_MAGIC) || strcmp(f[1], JOURNAL_VERSION))
		return 0;
	return nl - head + 1;
}

/*
 * A journal without a valid header: empty (created, then killed before the
 * header was written: nothing happened) is removed; anything else is moved
 * aside for a human, with *ENTRY_ERR -EBADMSG.  0 or -errno.
 */
static int not_a_journal(const char *jpath, off_t size, int *entry_err)
{
	char *aside;

	if (size == 0) {
		unlink(jpath);
		return 0;
	}
	aside = xasprintf("%s.damaged", jpath);
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
	char head[HEADER_MAX + 1], boot[64], *f[4];
	struct walk w = { 0 };
	off_t size, hlen;
	int fd;

	*restored = 0;
	*entry_err = 0;
	fd = open(jpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	size = jrn_file_size(fd);
	hlen = read_header(fd, size, head, f);
	if (hlen <= 0) {
		close(fd);
		return hlen < 0 ? (int)hlen : not_a_journal(jpath, size, entry_err);
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
	jrn_walk_back(&w, hlen, size);
	close(fd);
	if (w.keep_len && !w.discard && !carry) {
		/* only what still fails stays, for the next `mmab restore` */
		char *text = xasprintf(JOURNAL_MAGIC "\t" JOURNAL_VERSION "\t%s\t%s\n%.*s", f[2], f[3],
				       (int)w.keep_len, jrn_kept(&w));

		if (mmab_write_file_atomic(jpath, text, strlen(text)))
			unlink(jpath);
		free(text);
	} else {
		if (w.keep_len && !w.discard) {
			*carry = xmalloc(w.keep_len);
			memcpy(*carry, jrn_kept(&w), w.keep_len);
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

int journal_recover(bool verbose)
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

int journal_open(struct journal **jp)
{
	struct journal *j = xcalloc(1, sizeof(*j));
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
	if (write(j->fd, head, (size_t)n) != n || jrn_write_all(j->fd, carry ?: "", carry_len) ||
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
static int journal_append(struct journal *j, const char *kind, const char *f1, size_t l1,
			  const char *f2, size_t l2)
{
	char *line = xmalloc(RECORD_MAX);
	size_t n = strlen(kind), e;
	ssize_t w;
	int ret = 0;

	memcpy(line, kind, n);
	line[n++] = '\t';
	e = jrn_escape(line + n, FIELD_MAX, f1, l1);
	if (e == (size_t)-1)
		goto out_long;
	n += e;
	if (f2) {
		line[n++] = '\t';
		e = jrn_escape(line + n, FIELD_MAX, f2, l2);
		if (e == (size_t)-1)
			goto out_long;
		n += e;
	}
	jrn_hex32(line + n + 1, jrn_fnv1a(line, n));
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

int journal_set_knob(struct journal *j, const char *path, const char *value)
{
	char *raw;
	size_t off = 0, len;
	ssize_t n;
	int ret;

	if (!j || !path || path[0] != '/' || !value)
		return -EINVAL;
	raw = xmalloc(VALUE_MAX + 1);
	n = jrn_read_raw(path, raw, VALUE_MAX + 1);
	if (n < 0) {
		ret = (int)n;
		goto out;
	}
	len = (size_t)n;
	/* selector files take the bracketed word back, not the whole list */
	if (!jrn_selector(raw, len, &off, &len))
		off = 0;
	ret = journal_append(j, "knob", path, strlen(path), raw + off, len);
	if (!ret)
		ret = jrn_write_value(path, value, strlen(value));
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

int journal_add_path(struct journal *j, const char *path)
{
	if (!j || !plain_abs_path(path))
		return -EINVAL;
	return journal_append(j, "path", path, strlen(path), NULL, 0);
}

/* The number N of PATH = /sys/devices/system/memory/memoryN; false if PATH is no memory block. */
static bool memblock_number(const char *path, unsigned long *n)
{
	static const char prefix[] = "/sys/devices/system/memory/memory";
	const char *p = path + sizeof(prefix) - 1;
	char *end;

	if (strncmp(path, prefix, sizeof(prefix) - 1) || *p < '0' || *p > '9')
		return false;
	errno = 0;
	*n = strtoul(p, &end, 10);
	return !errno && !*end;
}

int journal_add_memblock(struct journal *j, const char *path)
{
	unsigned long n;
	int ret;

	if (!j || !memblock_number(path, &n))
		return -EINVAL;
	for (size_t i = 0; i < j->nmemblocks; i++)
		if (j->memblocks[i] == n)
			return 0;
	ret = journal_append(j, "memblock", path, strlen(path), NULL, 0);
	if (!ret) {
		j->memblocks = xrealloc(j->memblocks, (j->nmemblocks + 1) * sizeof(*j->memblocks));
		j->memblocks[j->nmemblocks++] = n;
	}
	return ret;
}

int journal_add_cgroup(struct journal *j, const char *path)
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

int journal_add_tracefs(struct journal *j, const char *path)
{
	char parent[PATH_MAX];

	if (!j || !plain_abs_path(path) || !jrn_parent_of(path, parent, sizeof(parent)) ||
	    !jrn_on_tracefs(parent))
		return -EINVAL;
	return journal_append(j, "tracefs", path, strlen(path), NULL, 0);
}

int journal_add_mount(struct journal *j, const char *path)
{
	if (!j || !plain_abs_path(path))
		return -EINVAL;
	return journal_append(j, "mount", path, strlen(path), NULL, 0);
}

off_t journal_mark(struct journal *j)
{
	return j ? jrn_file_size(j->fd) : -EINVAL;
}

/* Undo back to MARK; KEEP_HELD: a step's rollback, which leaves memory blocks offline. */
static int rollback(struct journal *j, off_t mark, bool keep_held)
{
	sigset_t old;
	int ret;

	if (!j)
		return -EINVAL;
	/* the handler walks the same file: not both at once in this thread */
	block_signals(&old);
	ret = jrn_undo_from(j, mark, false, keep_held);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int journal_rollback(struct journal *j, off_t mark)
{
	return rollback(j, mark, true);
}

int journal_close(struct journal *j)
{
	sigset_t old;
	int ret = 0;

	if (!j)
		return 0;
	if (getpid() == j->owner) {
		block_signals(&old);
		ret = rollback(j, j->start, false);
		uninstall_signals(j);
		/* what could not be undone stays for `mmab restore` */
		if (jrn_file_size(j->fd) <= j->start) {
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
	free(j->memblocks);
	free(j);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by every module: error reporting, allocation, file
 * reading and writing, strict number and size parsing, fork/exec.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/mmab.h"

bool mmab_quiet;

/*
 * What mmab_err_count() tells: the count, and the latest message.  No lock:
 * a child forked while another thread held one would hang on its first
 * error; two threads reporting at once may only garble err_last.
 */
static unsigned long err_count;
static char err_last[4096];

void (*mmab_message_hook)(const char *line);

static void vreport(const char *prefix, const char *fmt, va_list ap, char *msg, size_t len)
{
	char line[4200];

	vsnprintf(msg, len, fmt, ap);
	snprintf(line, sizeof(line), "mmab: %s%s\n", prefix, msg);
	if (mmab_message_hook)
		mmab_message_hook(line);
	else
		fputs(line, stderr);
}

void mmab_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap, err_last, sizeof(err_last));
	va_end(ap);
	__atomic_fetch_add(&err_count, 1, __ATOMIC_RELEASE);
}

unsigned long mmab_err_count(const char **last)
{
	if (last)
		*last = err_last;
	return __atomic_load_n(&err_count, __ATOMIC_ACQUIRE);
}

void mmab_warn(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap, msg, sizeof(msg));
	va_end(ap);
}

void mmab_info(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	if (mmab_quiet)
		return;
	va_start(ap, fmt);
	vreport("", fmt, ap, msg, sizeof(msg));
	va_end(ap);
}

static void oom(void)
{
	fputs("mmab: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return p;
}

ssize_t mmab_pread_all(int fd, char **buf, size_t *cap)
{
	size_t len = 0;

	if (!*buf || *cap < 4096) {
		*cap = *cap < 4096 ? 4096 : *cap;
		*buf = xrealloc(*buf, *cap);
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= *cap) {
			*cap *= 2;
			*buf = xrealloc(*buf, *cap);
		}
		n = pread(fd, *buf + len, *cap - len - 1, (off_t)len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	(*buf)[len] = '\0';
	return (ssize_t)len;
}

int mmab_read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = 0;
	ssize_t n;
	int fd;

	*buf = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = mmab_pread_all(fd, buf, &cap);
	close(fd);
	if (n < 0) {
		free(*buf);
		*buf = NULL;
		return (int)n;
	}
	if (len)
		*len = (size_t)n;
	return 0;
}

int mmab_write_file(const char *path, const char *data)
{
	size_t len = strlen(data);
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

int mmab_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int mmab_read_reply(int fd, void *buf, size_t len, long timeout_ms, volatile int *stop)
{
	double deadline = mmab_now() + (double)timeout_ms / 1000.0;
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		/* short polls when someone may ask us to stop */
		double left = deadline - mmab_now();
		int slice = stop ? 100 : (int)(left * 1000.0 + 1), r;
		ssize_t n;

		if (stop && *stop)
			return -EINTR;
		if (left <= 0)
			return -ETIMEDOUT;
		if (slice > left * 1000.0 + 1)
			slice = (int)(left * 1000.0 + 1);
		r = poll(&p, 1, slice);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECHILD;
		got += (size_t)n;
	}
	return 0;
}

pid_t mmab_fork_channel(int fds[2], bool duplex)
{
	pid_t pid;
	int ret;

	if (duplex ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) :
		     pipe2(fds, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	close(fds[pid ? 1 : 0]);
	return pid;
}

void mmab_kill_reap(pid_t pid)
{
	if (pid <= 0)	/* kill(0 or -1, ...) would reach far more than one child */
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int mmab_write_file_atomic(const char *path, const void *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	const char *p = data;
	int fd, ret = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto out_free;
	}
	ret = mmab_write_full(fd, p, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
out_free:
	free(tmp);
	return ret;
}

int mmab_mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int ret = 0;

	for (char *s = p + 1; ; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, mode) && errno != EEXIST) {
			ret = -errno;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

/*
 * rm -rf without following symlinks or leaving the file system: getdents64
 * into a stack buffer, no DIR * and no malloc, so the knob journal can use it
 * from a signal handler.
 */
static int rm_rf_at(int dirfd, const char *name, dev_t dev, int depth)
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
	if (depth > 64)
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
			r = rm_rf_at(fd, de->d_name, dev, depth + 1);
			if (r && !ret)
				ret = r;
		}
	}
	close(fd);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) && errno != ENOENT && !ret)
		ret = -errno;
	return ret;
}

int mmab_rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	return rm_rf_at(AT_FDCWD, path, st.st_dev, 0);
}

double mmab_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mmab_iso_time(char *buf, size_t len, double epoch)
{
	time_t t = (time_t)epoch;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int mmab_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE)
		return -ERANGE;
	while (isspace((unsigned char)*end))
		end++;
	if (*end || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

int mmab_parse_long(const char *s, long *out)
{
	char *end;
	long v;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int mmab_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int mmab_parse_size(const char *s, uint64_t total, uint64_t *out)
{
	static const char units[] = "KMGTP";
	double v, mult = 1;
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE || !isfinite(v) || v < 0)
		return -ERANGE;
	if (end == s)
		return -EINVAL;
	while (isspace((unsigned char)*end))
		end++;
	if (*end == '%') {
		end++;
		if (v > 100000)
			return -ERANGE;
		mult = (double)total / 100.0;
	} else if (*end) {
		const char *u = strchr(units, toupper((unsigned char)*end));

		if (!u)
			return -EINVAL;
		for (int i = 0; i <= u - units; i++)
			mult *= 1024;
		end++;
		if (*end == 'i' && (end[1] == 'B' || end[1] == 'b'))
			end += 2;
		else if (*end == 'B' || *end == 'b')
			end++;
	}
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	if (v * mult >= 18446744073709551615.0)
		return -ERANGE;
	*out = (uint64_t)(v * mult);
	return 0;
}

void mmab_format_size(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "KMGTP";
	double v = (double)bytes;
	int u = -1;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.*f%c", v < 10 && v != (double)(long)v ? 1 : 0, v, units[u]);
}

bool mmab_label_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 64 || s[0] == '.' || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._+-", *s))
			return false;
	return true;
}

char *mmab_label_from(const char *s)
{
	char *l = xstrdup(s);

	for (char *p = l; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._+-", *p))
			*p = '-';
	if (strlen(l) > 64)
		l[64] = '\0';
	if (!mmab_label_valid(l)) {
		free(l);
		return NULL;
	}
	return l;
}

bool mmab_is_root(void)
{
	return geteuid() == 0;
}

int mmab_which(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;
	struct stat st;
	int ret = -ENOENT;

	if (!*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		if (stat(name, &st) || !S_ISREG(st.st_mode) || access(name, X_OK))
			return -ENOENT;
		return snprintf(out, len, "%s", name) < (int)len ? 0 : -ENAMETOOLONG;
	}
	copy = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = strtok_r(copy, ":", &save); d && ret == -ENOENT;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", *d ? d : ".", name);

		if (!stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK))
			ret = snprintf(out, len, "%s", p) < (int)len ? 0 : -ENAMETOOLONG;
		free(p);
	}
	free(copy);
	return ret;
}

bool mmab_found(const char *name)
{
	char path[PATH_MAX];

	return !mmab_which(name, path, sizeof(path));
}

static int redirect(const char *path, int target)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	if (dup2(fd, target) < 0)
		return -1;
	close(fd);
	return 0;
}

/* In the child: the descriptors and the parent-death signal SP asks for. 0 or errno. */
static int spawn_setup(const struct mmab_spawn *sp, pid_t parent)
{
	const int fds[3] = { sp->in_fd, sp->out_fd, sp->err_fd };

	if (sp->die_with_parent) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* the parent may have died before prctl: then nobody is left to wait */
		if (getppid() != parent)
			_exit(127);
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] > 2 && dup2(fds[i], i) < 0)
			return errno;
	if ((sp->out_path && redirect(sp->out_path, STDOUT_FILENO)) ||
	    (sp->err_path && redirect(sp->err_path, STDERR_FILENO)))
		return errno;
	for (size_t i = 0; i < sp->nkeep; i++) {
		int fl = fcntl(sp->keep_fds[i], F_GETFD);

		if (fl < 0 || fcntl(sp->keep_fds[i], F_SETFD, fl & ~FD_CLOEXEC) < 0)
			return errno;
	}
	return 0;
}

pid_t mmab_spawn_with(const struct mmab_spawn *sp)
{
	pid_t parent = getpid(), pid;
	int pipefd[2];
	int err = 0;
	ssize_t n;

	/* A close-on-exec pipe carries an exec failure back to the parent. */
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (pid == 0) {
		close(pipefd[0]);
		err = spawn_setup(sp, parent);
		if (!err) {
			if (sp->envp)
				execvpe(sp->argv[0], sp->argv, sp->envp);
			else
				execvp(sp->argv[0], sp->argv);
			err = errno;
		}
		if (write(pipefd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pipefd[1]);
	do {
		n = read(pipefd[0], &err, sizeof(err));
	} while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == sizeof(err)) {
		waitpid(pid, NULL, 0);
		return -err;
	}
	return pid;
}

pid_t mmab_spawn(char *const argv[], const char *out_path, const char *err_path)
{
	const struct mmab_spawn sp = { .argv = argv, .out_path = out_path, .err_path = err_path };

	return mmab_spawn_with(&sp);
}

int mmab_spawn_wait(char *const argv[], const char *out_path, const char *err_path,
		    int *wstatus)
{
	pid_t pid = mmab_spawn(argv, out_path, err_path);
	int st;

	if (pid < 0)
		return (int)pid;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (wstatus)
		*wstatus = st;
	return 0;
}

int mmab_spawn_output(char *const argv[], char *buf, size_t len, int *wstatus)
{
	struct mmab_spawn sp = { .argv = argv, .err_path = "/dev/null", .die_with_parent = true };
	size_t got = 0;
	ssize_t n;
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	sp.out_fd = p[1];
	pid = mmab_spawn_with(&sp);
	close(p[1]);
	while (pid > 0 && got + 1 < len &&
	       ((n = read(p[0], buf + got, len - 1 - got)) > 0 || (n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	close(p[0]);
	if (pid < 0)
		return (int)pid;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	buf[got] = '\0';
	if (wstatus)
		*wstatus = st;
	return 0;
}

const char *mmab_state_dir(void)
{
	const char *d = getenv("MMAB_STATE_DIR");

	return d && *d ? d : "/var/lib/mmab";
}

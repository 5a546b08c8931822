/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The boot cache (boot/cache.h): its place, keys, temporary entries and
 * their publication.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot/cache.h"
#include "boot/guard.h"
#include "lib/mmab.h"

const char *cache_dir(void)
{
	const char *d = getenv("MMAB_CACHE_DIR");

	return d && *d ? d : "/var/cache/mmab";
}

/* splitmix64's finaliser, as the plan's seeds use. */
static uint64_t mix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

void cache_hash_init(struct cache_hash *c)
{
	c->h = UINT64_C(0x6d6d61622d626f6f);	/* "mmab-boo" */
}

void cache_hash_bytes(struct cache_hash *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		c->h = mix(c->h ^ w);
	}
	w = 0;
	memcpy(&w, p, len);
	c->h = mix(c->h ^ w ^ ((uint64_t)len << 56));
}

void cache_hash_str(struct cache_hash *c, const char *s)
{
	cache_hash_bytes(c, s, strlen(s) + 1);
}

int cache_hash_file_id(struct cache_hash *c, const char *path)
{
	struct stat st;
	uint64_t v[3];

	if (stat(path, &st))
		return -errno;
	v[0] = (uint64_t)st.st_size;
	v[1] = (uint64_t)st.st_mtim.tv_sec;
	v[2] = (uint64_t)st.st_mtim.tv_nsec;
	cache_hash_str(c, path);
	cache_hash_bytes(c, v, sizeof(v));
	return 0;
}

int cache_hash_file(struct cache_hash *c, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 1 << 20;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return -errno;
	buf = xmalloc(cap);
	/* whole 8-byte words per read, but for the last */
	while ((n = read(fd, buf, cap)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			cache_hash_bytes(c, buf, (size_t)n);
	n = n < 0 ? -errno : 0;
	free(buf);
	close(fd);
	return (int)n;
}

void cache_hash_hex(const struct cache_hash *c, char *buf)
{
	snprintf(buf, 17, "%016llx", (unsigned long long)c->h);
}

char *cache_tmp(const char *sub, struct guard *g)
{
	char *dir = xasprintf("%s/%s", cache_dir(), sub), *tmp;
	int ret = mmab_mkdir_p(dir, 0755);

	if (ret) {
		free(dir);
		errno = -ret;
		return NULL;
	}
	tmp = xasprintf("%s/.tmp-XXXXXX", dir);
	free(dir);
	if (!mkdtemp(tmp) || chmod(tmp, 0755)) {
		ret = errno;
		rmdir(tmp);
		free(tmp);
		errno = ret;
		return NULL;
	}
	ret = guard_add(g, tmp);
	if (ret) {
		rmdir(tmp);
		free(tmp);
		errno = -ret;
		return NULL;
	}
	return tmp;
}

int cache_publish(const char *tmp, const char *final, struct guard *g)
{
	int ret = 0;

	if (rename(tmp, final)) {
		ret = -errno;
		/* a directory published meanwhile by another mmab: keep theirs */
		if ((ret == -ENOTEMPTY || ret == -EEXIST) && !access(final, F_OK))
			ret = mmab_rm_rf(tmp);
	}
	if (!ret)
		guard_forget(g, tmp);
	return ret;
}

int boot_which(const char *name, char *out, size_t len)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin" };

	if (!mmab_which(name, out, len))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(dirs) && !strchr(name, '/'); i++) {
		char *p = xasprintf("%s/%s", dirs[i], name);
		bool ok = !access(p, X_OK) && snprintf(out, len, "%s", p) < (int)len;

		free(p);
		if (ok)
			return 0;
	}
	return -ENOENT;
}

/* The last line of TEXT (modified), or "no message". */
static const char *last_line(char *text)
{
	char *e = text ? text + strlen(text) : NULL, *l;

	while (e && e > text && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\r'))
		*--e = '\0';
	if (!e || e == text)
		return "no message";
	l = strrchr(text, '\n');
	return l ? l + 1 : text;
}

int boot_run(char *const argv[], const char *log, char *err, size_t errlen)
{
	char path[4096], *text = NULL, **args;
	struct mmab_spawn sp = { .out_path = log ? log : "/dev/null",
				 .err_path = log ? log : "/dev/null", .die_with_parent = true };
	size_t n = 0;
	int st = 0;
	pid_t pid;

	if (boot_which(argv[0], path, sizeof(path))) {
		snprintf(err, errlen, "%s: not found (make deps installs it)", argv[0]);
		return -ENOENT;
	}
	while (argv[n])
		n++;
	args = xcalloc(n + 1, sizeof(*args));
	memcpy(args, argv, n * sizeof(*args));
	args[0] = path;
	sp.argv = args;
	pid = mmab_spawn_with(&sp);
	free(args);
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (pid > 0 && WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	if (log)
		mmab_read_file(log, &text, NULL);
	if (pid < 0)
		snprintf(err, errlen, "%s: %s", argv[0], strerror((int)-pid));
	else if (WIFSIGNALED(st))
		snprintf(err, errlen, "%s killed by signal %d", argv[0], WTERMSIG(st));
	else
		snprintf(err, errlen, "%s failed (exit %d): %s", argv[0], WEXITSTATUS(st),
			 last_line(text));
	free(text);
	return -EIO;
}

int cache_sha256(const char *path, char *hex)
{
	char *const argv[] = { (char *)"sha256sum", (char *)path, NULL };
	char out[80];
	int st, ret = mmab_spawn_output(argv, out, sizeof(out), &st);

	if (ret)
		return ret;
	if (!WIFEXITED(st) || WEXITSTATUS(st) || strlen(out) < 64 ||
	    strspn(out, "0123456789abcdef") != 64)
		return -EIO;
	memcpy(hex, out, 64);
	hex[64] = '\0';
	return 0;
}

int boot_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

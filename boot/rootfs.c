/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The root disk of a booted kernel (boot/rootfs.h): which files, from
 * where (a program's libraries from its own interpreter's --list, run
 * with argv and a clean environment), and the image made from a staging
 * tree with mkfs.ext4 -d.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot/cache.h"
#include "boot/elf.h"
#include "boot/guard.h"
#include "boot/rootfs.h"
#include "lib/mmab.h"

/* Busybox applets the runner execs by name (machine.c: the config's hash). */
static const char *const applets[] = { "sh", "gzip", "sha256sum", NULL };
/* Mount points of the guest's stage 1 (boot/guest-init.sh) and of the runner. */
static const char *const mount_dirs[] = { "proc", "sys", "dev", "data", "tmp", "run",
					  "var/lib", "etc", NULL };

#define KEEP_IMAGES 2	/* root images kept in the cache: this one and the one before */

static void add(struct rootfs *r, const char *host, const char *guest, bool link)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->files[i].guest, guest))
			return;
	r->files = xrealloc(r->files, (r->n + 1) * sizeof(*r->files));
	r->files[r->n++] = (struct rootfs_file){ .host = xstrdup(host), .guest = xstrdup(guest),
						 .link = link };
}

/* One line of `ld.so --list`: the library's path, or NULL (vdso); -ENOENT: not found. */
static int list_line(char *line, char **path)
{
	char *arrow = strstr(line, " => "), *p, *e;

	*path = NULL;
	if (strstr(line, "not found"))
		return -ENOENT;
	p = arrow ? arrow + 4 : line + strspn(line, " \t");
	if (*p != '/')
		return 0;
	e = strstr(p, " (");
	*path = e ? strndup(p, (size_t)(e - p)) : xstrdup(p);
	return 0;
}

/* PROG's shared libraries (and its interpreter) into R.  0, or -errno with err. */
static int add_libraries(struct rootfs *r, const char *prog, char *err, size_t errlen)
{
	static char *const env[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	char interp[PATH_MAX], line[PATH_MAX + 128];
	char *const argv[] = { interp, (char *)"--list", (char *)prog, NULL };
	struct mmab_spawn sp = { .argv = argv, .envp = env, .err_path = "/dev/null",
				 .die_with_parent = true };
	int ret = elf_interp(prog, interp, sizeof(interp)), p[2], st = 0;
	FILE *f;
	pid_t pid;

	if (ret == -ENOENT)
		return 0;	/* static: nothing to load (and ld.so would crash on it) */
	if (ret)
		return boot_fail(err, errlen, ret, "%s: not a program mmab can read (%s)", prog,
			    strerror(-ret));
	if (pipe2(p, O_CLOEXEC))
		return boot_fail(err, errlen, -errno, "pipe: %s", strerror(errno));
	sp.out_fd = p[1];
	pid = mmab_spawn_with(&sp);
	close(p[1]);
	f = fdopen(p[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *lib;

		line[strcspn(line, "\n")] = '\0';
		if (list_line(line, &lib) && !ret)
			ret = boot_fail(err, errlen, -ENOENT, "%s: a library is missing: %s", prog, line);
		if (lib)
			add(r, lib, lib, false);
		free(lib);
	}
	f ? fclose(f) : close(p[0]);
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!ret && (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st)))
		ret = boot_fail(err, errlen, -EIO, "%s --list %s failed", interp, prog);
	return ret;
}

static void cache_key(struct rootfs *r)
{
	struct cache_hash h;
	char hex[17];

	cache_hash_init(&h);
	cache_hash_str(&h, "rootfs 1 " MMAB_VERSION);
	for (size_t i = 0; i < r->n; i++) {
		cache_hash_str(&h, r->files[i].guest);
		if (r->files[i].link)
			cache_hash_str(&h, r->files[i].host);
		else
			cache_hash_file_id(&h, r->files[i].host);
	}
	cache_hash_hex(&h, hex);
	r->path = xasprintf("%s/rootfs/%s.img", cache_dir(), hex);
	r->cached = !access(r->path, R_OK);
}

int rootfs_plan(const char *mmab, const char *busybox, const char *const *progs,
		struct rootfs *r, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int ret;

	memset(r, 0, sizeof(*r));
	add(r, mmab, "/usr/bin/mmab", false);
	add(r, busybox, "/bin/busybox", false);
	for (size_t i = 0; applets[i]; i++) {
		char *g = xasprintf("/bin/%s", applets[i]);

		add(r, "busybox", g, true);
		free(g);
	}
	for (size_t i = 0; progs[i]; i++) {
		if (mmab_which(progs[i], path, sizeof(path))) {
			char *m = xasprintf("%s%s%s", r->missing ? r->missing : "",
					    r->missing ? ", " : "", progs[i]);

			free(r->missing);
			r->missing = m;
			continue;
		}
		add(r, path, path, false);
	}
	ret = add_libraries(r, mmab, err, errlen);
	for (size_t i = 0; progs[i] && !ret; i++)
		if (!mmab_which(progs[i], path, sizeof(path)))
			ret = add_libraries(r, path, err, errlen);
	if (!ret)
		cache_key(r);
	return ret;
}

/* Copy HOST (symlinks followed) to DEST with its permissions; *bytes grows.  0 or -errno. */
static int copy_file(const char *host, const char *dest, uint64_t *bytes)
{
	int in = open(host, O_RDONLY | O_CLOEXEC), out = -1, ret = 0;
	struct stat st;
	char *buf;
	ssize_t n;

	if (in < 0 || fstat(in, &st)) {
		ret = -errno;
		goto out;
	}
	out = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0755);
	if (out < 0) {
		ret = -errno;
		goto out;
	}
	buf = xmalloc(1 << 20);
	while (!ret && ((n = read(in, buf, 1 << 20)) > 0 || (n < 0 && errno == EINTR)))
		ret = n > 0 ? mmab_write_full(out, buf, (size_t)n) : 0;
	if (n < 0 && !ret)
		ret = -errno;
	free(buf);
	*bytes += (uint64_t)st.st_size;
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) && !ret)
		ret = -errno;
	return ret;
}

/* The staging tree of R under STAGE; *bytes: what it holds.  0 or -errno with err. */
static int stage_files(const struct rootfs *r, const char *stage, uint64_t *bytes, char *err,
		       size_t errlen)
{
	int ret = 0;

	for (size_t i = 0; mount_dirs[i] && !ret; i++) {
		char *d = xasprintf("%s/%s", stage, mount_dirs[i]);

		ret = mmab_mkdir_p(d, 0755);
		free(d);
	}
	for (size_t i = 0; i < r->n && !ret; i++) {
		char *dest = xasprintf("%s%s", stage, r->files[i].guest), *copy = xstrdup(dest);

		ret = mmab_mkdir_p(dirname(copy), 0755);
		if (!ret && r->files[i].link)
			ret = symlink(r->files[i].host, dest) ? -errno : 0;
		else if (!ret)
			ret = copy_file(r->files[i].host, dest, bytes);
		if (ret)
			boot_fail(err, errlen, ret, "cannot copy %s into the root disk: %s",
			     r->files[i].host, strerror(-ret));
		free(copy);
		free(dest);
	}
	return ret;
}

/* Remove all but the KEEP_IMAGES newest root images (each made for one mmab build). */
static void prune(void)
{
	char *dir = xasprintf("%s/rootfs", cache_dir());
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[64];
	time_t times[64];
	size_t n = 0;

	while (d && (e = readdir(d)) && n < ARRAY_SIZE(names)) {
		struct stat st;
		char *p;

		if (!strstr(e->d_name, ".img") || e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		if (stat(p, &st)) {
			free(p);
			continue;
		}
		names[n] = p;
		times[n++] = st.st_mtime;
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++) {
		size_t newer = 0;

		for (size_t j = 0; j < n; j++)
			newer += times[j] > times[i] || (times[j] == times[i] && j < i);
		if (newer >= KEEP_IMAGES)
			unlink(names[i]);
		free(names[i]);
	}
	free(dir);
}

int rootfs_make(struct rootfs *r, struct guard *g, char *err, size_t errlen)
{
	char *tmp, *stage, *img, *log, size[32];
	uint64_t bytes = 0;
	int ret;

	if (r->cached)
		return 0;
	tmp = cache_tmp("rootfs", g);
	if (!tmp)
		return boot_fail(err, errlen, -errno, "cannot make a directory in %s/rootfs: %s",
			    cache_dir(), strerror(errno));
	stage = xasprintf("%s/root", tmp);
	img = xasprintf("%s/root.img", tmp);
	log = xasprintf("%s/mkfs.log", tmp);
	ret = stage_files(r, stage, &bytes, err, errlen);
	/* room for ext4's own structures: a quarter more, and 32 MiB */
	snprintf(size, sizeof(size), "%lluk", (unsigned long long)((bytes / 4 * 5 >> 10) + 32768));
	if (!ret) {
		char *const argv[] = { (char *)"mkfs.ext4", (char *)"-q", (char *)"-F",
			(char *)"-O", (char *)"^has_journal", (char *)"-m", (char *)"0",
			(char *)"-L", (char *)"mmab-root", (char *)"-E", (char *)"root_owner=0:0",
			(char *)"-d", stage, img, size, NULL };

		ret = boot_run(argv, log, err, errlen);
	}
	if (!ret)
		ret = cache_publish(img, r->path, NULL);
	if (!mmab_rm_rf(tmp))
		guard_forget(g, tmp);
	if (!ret)
		prune();
	free(log);
	free(img);
	free(stage);
	free(tmp);
	return ret;
}

void rootfs_free(struct rootfs *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->files[i].host);
		free(r->files[i].guest);
	}
	free(r->files);
	free(r->missing);
	free(r->path);
	memset(r, 0, sizeof(*r));
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory cgroups: which hierarchy to use, and the file-level operations
 * child.c and the knob journal need.  The kill-and-remove path is written
 * with system calls on stack buffers only, because the journal's SIGINT
 * handler runs it: a runner interrupted while a workload runs must not
 * leave the workload running in a cgroup nobody will remove.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/cgroup.h"
#include "lib/mmab.h"

/* Nested cgroups a workload may have made below its own that we still remove. */
#define CGROUP_MAX_DEPTH 8

/* DST = A "/" B, async-signal-safe.  -ENAMETOOLONG when it does not fit. */
static int join(char *dst, size_t cap, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + 1 + lb + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(dst, a, la);
	dst[la] = '/';
	memcpy(dst + la + 1, b, lb + 1);
	return 0;
}

static bool has_file(const char *cg, const char *name)
{
	char p[PATH_MAX];

	return !join(p, sizeof(p), cg, name) && access(p, F_OK) == 0;
}

/* Whether the whitespace-separated LIST holds WORD. */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || isspace((unsigned char)p[-1]) || p[-1] == ',') &&
		    (!p[n] || isspace((unsigned char)p[n]) || p[n] == ','))
			return true;
	return false;
}

static bool file_has_word(const char *dir, const char *file, const char *word)
{
	char p[PATH_MAX], *text;
	bool ret;

	if (join(p, sizeof(p), dir, file) || mmab_read_file(p, &text, NULL))
		return false;
	ret = has_word(text, word);
	free(text);
	return ret;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape_mount(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

int cgroup_find_root(const char *mountinfo, struct cgroup_root *root, char *why, size_t whylen)
{
	char v1[PATH_MAX] = "", v2_why[PATH_MAX + 128] = "";
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	root->ver = CGROUP_NONE;
	root->path[0] = '\0';
	f = fopen(mountinfo, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
		char *sep = strstr(line, " - "), *fields[5], *save = NULL, *fstype, *super;
		int n = 0;

		if (!sep)
			continue;
		*sep = '\0';
		for (char *t = strtok_r(line, " ", &save); t && n < 5; t = strtok_r(NULL, " ", &save))
			fields[n++] = t;
		fstype = strtok_r(sep + 3, " \n", &save);
		strtok_r(NULL, " \n", &save);	/* source */
		super = strtok_r(NULL, " \n", &save);
		if (n < 5 || !fstype)
			continue;
		unescape_mount(fields[4]);
		if (strlen(fields[4]) >= sizeof(root->path))
			continue;
		if (!strcmp(fstype, "cgroup2") && !root->path[0]) {
			if (!file_has_word(fields[4], "cgroup.controllers", "memory")) {
				if (!v2_why[0])
					snprintf(v2_why, sizeof(v2_why),
						 "cgroup2 at %s has no memory controller", fields[4]);
				continue;
			}
			if (!file_has_word(fields[4], "cgroup.subtree_control", "memory")) {
				snprintf(v2_why, sizeof(v2_why),
					 "the memory controller is not enabled in %s/cgroup.subtree_control",
					 fields[4]);
				continue;
			}
			root->ver = CGROUP_V2;
			snprintf(root->path, sizeof(root->path), "%s", fields[4]);
		} else if (!strcmp(fstype, "cgroup") && super && has_word(super, "memory") &&
			   !v1[0]) {
			snprintf(v1, sizeof(v1), "%s", fields[4]);
		}
	}
	free(line);
	fclose(f);
	if (root->ver == CGROUP_V2)
		return 0;
	if (v1[0]) {
		root->ver = CGROUP_V1;
		snprintf(root->path, sizeof(root->path), "%s", v1);
		return 0;
	}
	snprintf(why, whylen, "%s", v2_why[0] ? v2_why : "no memory cgroup hierarchy is mounted");
	return -ENOENT;
}

enum cgroup_ver cgroup_version(const char *cg)
{
	/* cgroup.events exists in every v2 cgroup and never in v1 */
	return has_file(cg, "cgroup.events") ? CGROUP_V2 : CGROUP_V1;
}

bool cgroup_is_cgroupfs(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf))
		return false;
	return sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC;
}

static int write_to(const char *cg, const char *file, const char *data)
{
	char p[PATH_MAX];
	int ret = join(p, sizeof(p), cg, file);

	return ret ? ret : mmab_write_file(p, data);
}

int cgroup_set_limit(const char *cg, uint64_t bytes)
{
	char v[32];

	snprintf(v, sizeof(v), "%llu", (unsigned long long)bytes);
	return write_to(cg, cgroup_version(cg) == CGROUP_V2 ? "memory.max" :
			"memory.limit_in_bytes", v);
}

int cgroup_enter(const char *cg)
{
	/* "0" is the writer itself, on v1 and v2 alike */
	return write_to(cg, "cgroup.procs", "0");
}

/* The number after KEY in a "key value" per line file, or -1. */
static long long keyed(const char *cg, const char *file, const char *key)
{
	char p[PATH_MAX], *text;
	size_t n = strlen(key);
	long long v = -1;

	if (join(p, sizeof(p), cg, file) || mmab_read_file(p, &text, NULL))
		return -1;
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, n) && l[n] == ' ') {
			v = strtoll(l + n + 1, NULL, 10);
			break;
		}
	free(text);
	return v;
}

long cgroup_oom_kills(const char *cg)
{
	if (cgroup_version(cg) == CGROUP_V2)
		return (long)keyed(cg, "memory.events", "oom_kill");
	return (long)keyed(cg, "memory.oom_control", "oom_kill");
}

uint64_t cgroup_memory_peak(const char *cg)
{
	char p[PATH_MAX], *text;
	uint64_t v = 0;

	if (join(p, sizeof(p), cg, cgroup_version(cg) == CGROUP_V2 ? "memory.peak" :
		 "memory.max_usage_in_bytes"))
		return 0;
	if (mmab_read_file(p, &text, NULL))
		return 0;
	v = strtoull(text, NULL, 10);
	free(text);
	return v;
}

int cgroup_signal_all(const char *cg, int sig)
{
	char p[PATH_MAX], buf[4096];
	pid_t self = getpid();
	long pid = -1;
	int fd, n = 0, ret;
	ssize_t len;

	ret = join(p, sizeof(p), cg, "cgroup.procs");
	if (ret)
		return ret;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* parse pids across read boundaries: PID is the one being read, -1 between */
	while ((len = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < len; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = (pid < 0 ? 0 : pid * 10) + (buf[i] - '0');
				continue;
			}
			if (pid > 0 && pid != self && kill((pid_t)pid, sig) == 0)
				n++;
			pid = -1;
		}
	}
	if (pid > 0 && pid != self && kill((pid_t)pid, sig) == 0)
		n++;
	ret = len < 0 ? -errno : n;
	close(fd);
	return ret;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Remove the cgroups below CG first: rmdir fails on a cgroup that has children. */
static void destroy_children(const char *cg, double deadline, int depth, int *killed);

static int destroy_at(const char *cg, double deadline, int depth, int *killed)
{
	bool v2kill = has_file(cg, "cgroup.kill");
	bool first = true;

	if (access(cg, F_OK))
		return errno == ENOENT ? 0 : -errno;
	for (;;) {
		int n;

		/* cgroup.kill also catches tasks forked while we read cgroup.procs */
		if (v2kill) {
			char p[PATH_MAX];
			int fd;

			if (!join(p, sizeof(p), cg, "cgroup.kill") &&
			    (fd = open(p, O_WRONLY | O_CLOEXEC)) >= 0) {
				if (write(fd, "1", 1) < 0)
					v2kill = false;
				close(fd);
			}
		}
		n = cgroup_signal_all(cg, SIGKILL);
		if (first && n > 0)
			*killed += n;
		first = false;
		if (depth < CGROUP_MAX_DEPTH)
			destroy_children(cg, deadline, depth + 1, killed);
		if (rmdir(cg) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY && errno != ENOTEMPTY)
			return -errno;
		if (now_s() > deadline)
			return -EBUSY;
		nap_ms(10);
	}
}

static void destroy_children(const char *cg, double deadline, int depth, int *killed)
{
	char buf[2048], sub[PATH_MAX];
	ssize_t len;
	int fd;

	fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((len = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < len;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);

			off += de->d_reclen;
			if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
				continue;
			if (!join(sub, sizeof(sub), cg, de->d_name))
				destroy_at(sub, deadline, depth, killed);
		}
	}
	close(fd);
}

int cgroup_destroy(const char *cg, double wait_s)
{
	int killed = 0, ret;

	ret = destroy_at(cg, now_s() + wait_s, 0, &killed);
	return ret ? ret : killed;
}

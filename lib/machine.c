/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine's facts a result set records in metadata.json, read before
 * anything changes: uname, command line, kernel config hash, CPUs, memory,
 * THP settings, the MM knobs' values, and the storage under a directory
 * (file system, device, read-ahead).  What cannot be read is null, never
 * an error: a fact missing on one kernel must not stop a run.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/knob.h"
#include "lib/machine.h"
#include "lib/mem.h"
#include "lib/mmab.h"

const char *const machine_standard_knobs[] = {
	"vm.dirty_ratio",
	"vm.dirty_background_ratio",
	"vm.dirty_bytes",
	"vm.dirty_background_bytes",
	"vm.dirty_expire_centisecs",
	"vm.dirty_writeback_centisecs",
	"vm.swappiness",
	"vm.min_free_kbytes",
	"vm.watermark_scale_factor",
	"vm.watermark_boost_factor",
	"vm.compaction_proactiveness",
	"vm.extfrag_threshold",
	"vm.compact_unevictable_allowed",
	"vm.overcommit_memory",
	"vm.zone_reclaim_mode",
	"vm.nr_hugepages",
	NULL
};

#define THP_DIR "/sys/kernel/mm/transparent_hugepage/"

const char *const machine_thp_knobs[] = {
	THP_DIR "enabled",
	THP_DIR "defrag",
	THP_DIR "khugepaged/defrag",
	THP_DIR "shmem_enabled",
	NULL
};

static const char *const thp_files[] = {
	"enabled", "defrag", "khugepaged/defrag", "shmem_enabled", NULL
};

/* The file's text without its trailing newline, or JSON null. */

static json_t *file_text(const char *path)
{
	json_t *v;
	char *buf;
	size_t len;

	if (mmab_read_file(path, &buf, &len))
		return json_null();
	while (len && isspace((unsigned char)buf[len - 1]))
		buf[--len] = '\0';
	v = json_stringn(buf, len);
	free(buf);
	return v ? v : json_null();
}

static json_t *cpu_model(void)
{
	json_t *v = json_null();
	char *buf, *p;

	if (mmab_read_file("/proc/cpuinfo", &buf, NULL))
		return v;
	p = strstr(buf, "model name");
	if (p && (p = strchr(p, ':'))) {
		size_t n;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, "\n");
		json_decref(v);
		v = json_stringn(p, n);
	}
	free(buf);
	return v ? v : json_null();
}

/*
 * sha256 of the uncompressed /proc/config.gz: `gzip -dc` piped into
 * `sha256sum`, both exec'd with argv (no shell), rather than linking zlib
 * and a hash library for one line of metadata.
 */
/* Fork ARGV with stdin IN and stdout OUT (-1: inherited), stderr quiet; the pid or -1. */
static pid_t spawn_fds(const char *const argv[], int in, int out)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (in >= 0)
			dup2(in, STDIN_FILENO);
		if (out >= 0)
			dup2(out, STDOUT_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Read up to LEN bytes from FD into BUF (NUL-terminated); the count. */
static size_t read_some(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return got;
}

static bool exited_ok(pid_t pid)
{
	int st;

	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st);
}

/* The SHA-256 of the kernel's config (gzip -dc /proc/config.gz | sha256sum), or null. */
static json_t *config_sha256(void)
{
	const char *gz[] = { "gzip", "-dc", "/proc/config.gz", NULL };
	const char *sum[] = { "sha256sum", NULL };
	int p1[2], p2[2];
	pid_t a = -1, b = -1;
	char hex[65] = "";
	size_t got = 0;
	bool ok;

	if (access("/proc/config.gz", R_OK) || pipe2(p1, O_CLOEXEC))
		return json_null();
	if (pipe2(p2, O_CLOEXEC)) {
		close(p1[0]);
		close(p1[1]);
		return json_null();
	}
	fflush(NULL);
	a = spawn_fds(gz, -1, p1[1]);
	if (a > 0)
		b = spawn_fds(sum, p1[0], p2[1]);
	close(p1[0]);
	close(p1[1]);
	close(p2[1]);
	if (b > 0)
		got = read_some(p2[0], hex, 64);
	close(p2[0]);
	ok = exited_ok(a) & exited_ok(b);
	if (ok && got == 64 && strspn(hex, "0123456789abcdef") == 64)
		return json_string(hex);
	return json_null();
}

json_t *machine_info(void)
{
	json_t *m = json_object(), *thp = json_object();
	struct utsname u;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long long mem = mem_meminfo_kb("MemTotal");

	if (!uname(&u))
		json_object_set_new(m, "uname", json_pack("{s:s, s:s, s:s, s:s, s:s}",
			"sysname", u.sysname, "nodename", u.nodename, "release", u.release,
			"version", u.version, "machine", u.machine));
	else
		json_object_set_new(m, "uname", json_null());
	json_object_set_new(m, "cmdline", file_text("/proc/cmdline"));
	json_object_set_new(m, "kernel_config_sha256", config_sha256());
	json_object_set_new(m, "hostname", file_text("/proc/sys/kernel/hostname"));
	json_object_set_new(m, "cpu_model", cpu_model());
	json_object_set_new(m, "cpus", cpus > 0 ? json_integer(cpus) : json_null());
	json_object_set_new(m, "mem_total_kb", mem >= 0 ? json_integer(mem) : json_null());
	for (size_t i = 0; thp_files[i]; i++) {
		char *path = xasprintf(THP_DIR "%s", thp_files[i]);

		json_object_set_new(thp, thp_files[i], file_text(path));
		free(path);
	}
	json_object_set_new(m, "thp", thp);
	return m;
}

/* A whole number in the file at PATH (sysfs attributes end in a newline). */
static int read_number(const char *path, long long *v)
{
	char *buf;
	long l;
	int ret = mmab_read_file(path, &buf, NULL);

	if (ret)
		return ret;
	buf[strcspn(buf, "\n")] = '\0';
	ret = mmab_parse_long(buf, &l) ? -EINVAL : 0;
	*v = l;
	free(buf);
	return ret;
}

int machine_read_ahead_kb(const char *sysfs, unsigned major, unsigned minor, long long *kb,
		     char *dev, size_t devlen)
{
	char *blk = xasprintf("%s/dev/block/%u:%u", sysfs, major, minor), *path;
	char target[4096];
	ssize_t n = readlink(blk, target, sizeof(target) - 1);
	struct stat st;
	int ret;

	/* the device's name is the last part of its sysfs directory */
	if (n > 0) {
		target[n] = '\0';
		snprintf(dev, devlen, "%s", strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
	} else {
		snprintf(dev, devlen, "%u:%u", major, minor);
	}
	/* a backing device of its own: whole disks, dm, md, loop, and NFS's */
	path = xasprintf("%s/class/bdi/%u:%u/read_ahead_kb", sysfs, major, minor);
	ret = read_number(path, kb);
	free(path);
	/* a partition shares its disk's: the directory above it in sysfs */
	if (ret == -ENOENT) {
		path = xasprintf("%s/partition", blk);
		if (!stat(path, &st)) {
			free(path);
			path = xasprintf("%s/../queue/read_ahead_kb", blk);
			ret = read_number(path, kb);
		}
		free(path);
	}
	free(blk);
	return ret;
}

json_t *machine_storage_info(const char *dir)
{
	char type[64], dev[256];
	long long kb;
	struct stat st;
	json_t *o = json_object();

	json_object_set_new(o, "fs_type", machine_fstype(dir, type, sizeof(type)) ? json_null()
									  : json_string(type));
	if (stat(dir, &st) || machine_read_ahead_kb("/sys", major(st.st_dev), minor(st.st_dev), &kb,
					       dev, sizeof(dev))) {
		json_object_set_new(o, "device", json_null());
		json_object_set_new(o, "read_ahead_kb", json_null());
	} else {
		json_object_set_new(o, "device", json_string(dev));
		json_object_set_new(o, "read_ahead_kb", json_integer(kb));
	}
	return o;
}

json_t *machine_knob_values(json_t *into, const char *const *names)
{
	if (!into)
		into = json_object();
	for (size_t i = 0; names[i]; i++) {
		char path[512], val[4096];

		if (knob_resolve(names[i], path, sizeof(path)) ||
		    knob_read(path, val, sizeof(val)))
			json_object_set_new(into, names[i], json_null());
		else
			json_object_set_new(into, names[i], json_string(val));
	}
	return into;
}

json_t *machine_knob_changes(const json_t *before, const json_t *after)
{
	json_t *changed = json_object(), *v;
	const char *name;

	json_object_foreach((json_t *)after, name, v) {
		if (!json_equal(v, json_object_get(before, name)))
			json_object_set(changed, name, v);
	}
	if (!json_object_size(changed)) {
		json_decref(changed);
		return NULL;
	}
	return changed;
}

int machine_mountinfo_fstype(const char *text, unsigned major, unsigned minor, char *type,
			  size_t len)
{
	const char *line = text;

	while (line && *line) {
		const char *eol = strchr(line, '\n'), *sep;
		unsigned ma, mi;
		size_t n;

		if (!eol)
			eol = line + strlen(line);
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - TYPE SOURCE SUPER" */
		if (sscanf(line, "%*u %*u %u:%u", &ma, &mi) != 2)
			return -EINVAL;
		sep = strstr(line, " - ");
		if (!sep || sep >= eol)
			return -EINVAL;
		if (ma == major && mi == minor) {
			sep += 3;
			n = strcspn(sep, " \n");
			if (!n || sep + n > eol || n >= len)
				return -EINVAL;
			memcpy(type, sep, n);
			type[n] = '\0';
			return 0;
		}
		line = *eol ? eol + 1 : eol;
	}
	return -ENOENT;
}

int machine_fstype(const char *path, char *type, size_t len)
{
	struct stat st;
	char *text;
	int ret;

	if (stat(path, &st) < 0)
		return -errno;
	ret = mmab_read_file("/proc/self/mountinfo", &text, NULL);
	if (ret)
		return ret;
	ret = machine_mountinfo_fstype(text, major(st.st_dev), minor(st.st_dev), type, len);
	free(text);
	return ret;
}

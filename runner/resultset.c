/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing result sets (runner/resultset.h): machine facts and knob values
 * for metadata.json, atomic JSON files, status.csv rows that survive a crash
 * of the runner, iteration directories, and first-to-last deltas of a
 * collector CSV.  Shared by `mmab run` and `mmab collect`, so both write the
 * same schema.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/csv.h"
#include "collectors/collector.h"
#include "runner/knob.h"
#include "runner/mmab.h"
#include "runner/resultset.h"
#include "workloads/wl-io.h"

const char *const rs_standard_knobs[] = {
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

const char *const rs_thp_knobs[] = {
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
static json_t *config_sha256(void)
{
	const char *gz[] = { "gzip", "-dc", "/proc/config.gz", NULL };
	const char *sum[] = { "sha256sum", NULL };
	int p1[2] = { -1, -1 }, p2[2] = { -1, -1 }, st1 = -1, st2 = -1;
	pid_t a = -1, b = -1;
	char hex[65] = "";
	size_t got = 0;
	json_t *v = json_null();

	if (access("/proc/config.gz", R_OK))
		return v;
	if (pipe2(p1, O_CLOEXEC) || pipe2(p2, O_CLOEXEC))
		goto out;
	fflush(NULL);
	a = fork();
	if (a == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(p1[1], STDOUT_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		execvp(gz[0], (char *const *)gz);
		_exit(127);
	}
	if (a > 0)
		b = fork();
	if (b == 0) {
		dup2(p1[0], STDIN_FILENO);
		dup2(p2[1], STDOUT_FILENO);
		execvp(sum[0], (char *const *)sum);
		_exit(127);
	}
	close(p1[0]);
	close(p1[1]);
	close(p2[1]);
	p1[0] = p1[1] = p2[1] = -1;
	while (b > 0 && got < 64) {
		ssize_t n = read(p2[0], hex + got, 64 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	hex[got] = '\0';
out:
	for (int *fd = &p1[0]; fd <= &p1[1]; fd++)
		if (*fd >= 0)
			close(*fd);
	for (int *fd = &p2[0]; fd <= &p2[1]; fd++)
		if (*fd >= 0)
			close(*fd);
	if (a > 0)
		waitpid(a, &st1, 0);
	if (b > 0)
		waitpid(b, &st2, 0);
	if (got == 64 && strspn(hex, "0123456789abcdef") == 64 && WIFEXITED(st1) &&
	    !WEXITSTATUS(st1) && WIFEXITED(st2) && !WEXITSTATUS(st2)) {
		json_decref(v);
		v = json_string(hex);
	}
	return v;
}

json_t *rs_machine_info(void)
{
	json_t *m = json_object(), *thp = json_object();
	struct utsname u;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long long mem = mmab_meminfo_kb("MemTotal");

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

int rs_read_ahead_kb(const char *sysfs, unsigned major, unsigned minor, long long *kb,
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

json_t *rs_storage_info(const char *dir)
{
	char type[64], dev[256];
	long long kb;
	struct stat st;
	json_t *o = json_object();

	json_object_set_new(o, "fs_type", wlio_fstype(dir, type, sizeof(type)) ? json_null()
									  : json_string(type));
	if (stat(dir, &st) || rs_read_ahead_kb("/sys", major(st.st_dev), minor(st.st_dev), &kb,
					       dev, sizeof(dev))) {
		json_object_set_new(o, "device", json_null());
		json_object_set_new(o, "read_ahead_kb", json_null());
	} else {
		json_object_set_new(o, "device", json_string(dev));
		json_object_set_new(o, "read_ahead_kb", json_integer(kb));
	}
	return o;
}

json_t *rs_knob_values(json_t *into, const char *const *names)
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

json_t *rs_knob_changes(const json_t *before, const json_t *after)
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

void rs_collectors_dropped(json_t *col_meta, const struct collector_cfg *cols, size_t n,
			   const struct sampler *s)
{
	for (size_t i = 0; i < n; i++) {
		const char *why = s ? sampler_status(s, i) : "the sampler could not start";

		for (size_t k = 0; why && k < json_array_size(col_meta); k++) {
			json_t *c = json_array_get(col_meta, k);
			const char *name = json_string_value(json_object_get(c, "name"));
			const char *st = json_string_value(json_object_get(c, "status"));

			if (name && st && !strcmp(name, cols[i].c->name) && !strcmp(st, "ok"))
				json_object_set_new(c, "status", json_string(why));
		}
	}
}

int rs_json_write(const char *path, const json_t *root)
{
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *withnl;
	int ret;

	if (!text)
		return -ENOMEM;
	withnl = xasprintf("%s\n", text);
	ret = mmab_write_file_atomic(path, withnl, strlen(withnl));
	free(withnl);
	free(text);
	return ret;
}

int rs_json_read(const char *path, json_t **out, char *err, size_t errlen)
{
	json_error_t je;
	char *text;
	int ret;

	*out = NULL;
	ret = mmab_read_file(path, &text, NULL);
	if (ret) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(-ret));
		return ret == -ENOENT ? -ENOENT : -EINVAL;
	}
	*out = json_loads(text, 0, &je);
	free(text);
	if (!*out) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -EINVAL;
	}
	return 0;
}

/* Append S to buf at *pos as a CSV field; newlines become spaces. */
static void put_field(char *buf, size_t len, size_t *pos, const char *s)
{
	bool quote = strpbrk(s, ",\"") != NULL;

#define PUT(c) do { if (*pos + 1 < len) buf[*pos] = (c); (*pos)++; } while (0)
	if (quote)
		PUT('"');
	for (; *s; s++) {
		if (*s == '"')
			PUT('"');
		PUT(*s == '\n' || *s == '\r' ? ' ' : *s);
	}
	if (quote)
		PUT('"');
#undef PUT
}

int rs_status_format(char *buf, size_t len, const struct rs_status_row *r)
{
	char code[16] = "", sig[16] = "", dur[64] = "";
	size_t pos = 0;
	int n;

	if (r->exit_code >= 0)
		snprintf(code, sizeof(code), "%d", r->exit_code);
	if (r->signal > 0)
		snprintf(sig, sizeof(sig), "%d", r->signal);
	if (!isnan(r->duration_s))
		snprintf(dur, sizeof(dur), "%.3f", r->duration_s);
	put_field(buf, len, &pos, r->workload);
	n = snprintf(pos < len ? buf + pos : NULL, pos < len ? len - pos : 0, ",%d,%s,",
		     r->iteration, r->status);
	pos += (size_t)n;
	put_field(buf, len, &pos, r->reason ? r->reason : "");
	n = snprintf(pos < len ? buf + pos : NULL, pos < len ? len - pos : 0, ",%s,%s,%s\n",
		     code, sig, dur);
	pos += (size_t)n;
	if (pos >= len)
		return -ENOSPC;
	return (int)pos;
}

int rs_status_open(const char *path)
{
	size_t hlen = strlen(RS_STATUS_HEADER);
	char *text = NULL;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ret = mmab_read_file(path, &text, &len);
	if (ret)
		goto out_close;
	if (len == 0) {
		ssize_t w = write(fd, RS_STATUS_HEADER, hlen);

		if (w != (ssize_t)hlen)
			ret = w < 0 ? -errno : -EIO;
	} else if (len < hlen || strncmp(text, RS_STATUS_HEADER, hlen)) {
		ret = -EINVAL;
	} else if (text[len - 1] != '\n') {
		/* a row cut short by a crash: drop it, the step is redone */
		char *nl = memrchr(text, '\n', len);

		if (ftruncate(fd, nl ? nl + 1 - text : 0))
			ret = -errno;
	}
	if (!ret && fsync(fd))
		ret = -errno;
out_close:
	free(text);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int rs_status_append(int fd, const struct rs_status_row *r)
{
	char line[1024];
	int n = rs_status_format(line, sizeof(line), r);
	ssize_t w;

	if (n < 0)
		return n;
	w = write(fd, line, (size_t)n);
	if (w < 0)
		return -errno;
	if (w != n)
		return -EIO;
	return fsync(fd) ? -errno : 0;
}

bool rs_status_has(const char *text, const char *workload, int iteration)
{
	size_t wlen = strlen(workload);
	const char *p = strchr(text, '\n');	/* skip the header */

	while (p && *++p) {
		const char *eol = strchr(p, '\n');
		char *end;
		long it;

		if (!eol)
			break;	/* a partial last row does not count */
		if (!strncmp(p, workload, wlen) && p[wlen] == ',') {
			it = strtol(p + wlen + 1, &end, 10);
			if (end != p + wlen + 1 && *end == ',' && it == iteration)
				return true;
		}
		p = eol;
	}
	return false;
}

char *rs_iter_dir(const char *set_dir, const char *workload, int iteration, int *errp)
{
	char *dir = xasprintf("%s/%s/%d", set_dir, workload, iteration);
	int ret;

	ret = mmab_rm_rf(dir);
	if (!ret)
		ret = mmab_mkdir_p(dir, 0755);
	if (ret) {
		*errp = ret;
		free(dir);
		return NULL;
	}
	return dir;
}

ssize_t rs_csv_deltas(const char *path, struct rs_delta **out)
{
	struct csv c = { 0 };
	struct rs_delta *d;
	int ret = csv_load(path, &c);

	*out = NULL;
	if (ret)
		return ret;
	if (c.ncols < 2 || strcmp(c.cols[0], "t") || !c.nrows) {
		csv_free(&c);
		return -EINVAL;
	}
	d = xcalloc(c.ncols - 1, sizeof(*d));
	for (size_t i = 1; i < c.ncols; i++) {
		d[i - 1].name = xstrdup(c.cols[i]);
		d[i - 1].first = csv_num(&c, 0, (int)i);
		d[i - 1].last = csv_num(&c, c.nrows - 1, (int)i);
	}
	*out = d;
	ret = (int)c.ncols - 1;
	csv_free(&c);
	return ret;
}

void rs_deltas_free(struct rs_delta *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		free(d[i].name);
	free(d);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernels under test (boot/kernel.h): the --kernel argument split into
 * NAME, KERNEL and modules=, each of the four forms of KERNEL found and
 * checked, the release read from the image's boot protocol header (or a
 * .deb's listing), names given and checked for clashes, and the JSON form
 * run.json keeps.  Reads files; writes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot/cache.h"
#include "boot/kernel.h"
#include "lib/mmab.h"

/* The x86 boot protocol (Documentation/arch/x86/boot.rst), file offsets. */
#define HDR_MAGIC_OFF	0x202	/* "HdrS" */
#define HDR_VERSION_OFF	0x206	/* protocol version, u16 */
#define HDR_KVER_OFF	0x20E	/* kernel_version pointer, u16, relative to 0x200 */
#define HEAD_BYTES	65536	/* enough for the header and the version string */
#define RELEASE_MAX	256

static const char *const kind_names[] = { "deb", "image", "tree", "installed" };

const char *kernel_kind_name(enum kernel_kind kind)
{
	return (unsigned)kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : "?";
}

int kernel_parse_arg(const char *arg, struct kernel *k, char *err, size_t errlen)
{
	const char *mod = strstr(arg, ",modules="), *eq;
	char *spec;

	memset(k, 0, sizeof(*k));
	spec = mod ? strndup(arg, (size_t)(mod - arg)) : xstrdup(arg);
	if (!spec)
		abort();
	eq = strchr(spec, '=');
	if (eq && !memchr(spec, '/', (size_t)(eq - spec))) {
		k->name = strndup(spec, (size_t)(eq - spec));
		k->spec = xstrdup(eq + 1);
	} else {
		k->spec = xstrdup(spec);
	}
	free(spec);
	if (mod)
		k->modules = xstrdup(mod + strlen(",modules="));
	if (k->name && !mmab_label_valid(k->name))
		return boot_fail(err, errlen, -EINVAL, "NAME '%s' is not a plain name ([A-Za-z0-9._+-], "
			    "at most 64 characters, not starting with '.' or '-')", k->name);
	if (!*k->spec)
		return boot_fail(err, errlen, -EINVAL, "no KERNEL after '%s=': expected a .deb, a "
			    "bzImage, a build tree or an installed release", k->name ? k->name : "");
	if (mod && !*k->modules)
		return boot_fail(err, errlen, -EINVAL, "modules= needs a directory");
	return 0;
}

int kernel_bzimage_release(const unsigned char *buf, size_t len, char *rel, size_t rlen)
{
	size_t off, n = 0;
	unsigned ptr, version;

	if (len < HDR_KVER_OFF + 2 || memcmp(buf + HDR_MAGIC_OFF, "HdrS", 4))
		return -EINVAL;
	version = buf[HDR_VERSION_OFF] | (unsigned)buf[HDR_VERSION_OFF + 1] << 8;
	ptr = buf[HDR_KVER_OFF] | (unsigned)buf[HDR_KVER_OFF + 1] << 8;
	if (version < 0x200 || !ptr)
		return -EINVAL;
	off = (size_t)ptr + 0x200;
	while (off + n < len && n < RELEASE_MAX && buf[off + n] > ' ' && buf[off + n] < 0x7f)
		n++;
	/* the release ends at the first blank (or NUL) and is never a path */
	if (!n || off + n >= len || (buf[off + n] != ' ' && buf[off + n] != '\0') ||
	    memchr(buf + off, '/', n) || n >= rlen)
		return -EINVAL;
	memcpy(rel, buf + off, n);
	rel[n] = '\0';
	return 0;
}

/* The first HEAD_BYTES of PATH into a malloc'd buffer; *len its size.  0 or -errno. */
static int read_head(const char *path, unsigned char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t got = 0;

	if (fd < 0)
		return -errno;
	*buf = xmalloc(HEAD_BYTES);
	while (got < HEAD_BYTES) {
		n = read(fd, *buf + got, HEAD_BYTES - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int ret = -errno;

			close(fd);
			free(*buf);
			*buf = NULL;
			return ret;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return 0;
}

int kernel_image_release(const char *path, char *rel, size_t len)
{
	unsigned char *buf;
	size_t n;
	int ret = read_head(path, &buf, &n);

	if (ret)
		return ret;
	ret = kernel_bzimage_release(buf, n, rel, len);
	free(buf);
	return ret;
}

/*
 * The release of the kernel a .deb holds: its ./boot/vmlinuz-REL, from
 * `dpkg-deb -c` (argv, no shell).  A kernel package lists boot/ first, so
 * the listing is cut short once it is seen.  0, or -EINVAL with err.
 */
static int deb_release(const char *deb, char *rel, size_t len, char *err, size_t errlen)
{
	char *const argv[] = { (char *)"dpkg-deb", (char *)"-c", (char *)deb, NULL };
	struct mmab_spawn sp = { .argv = argv, .err_path = "/dev/null", .die_with_parent = true };
	char line[PATH_MAX + 256];
	bool found = false;
	int p[2], st = 0;
	FILE *f;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return boot_fail(err, errlen, -errno, "cannot list it: %s", strerror(errno));
	sp.out_fd = p[1];
	pid = mmab_spawn_with(&sp);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return boot_fail(err, errlen, -EINVAL, "cannot run dpkg-deb to read it: %s",
			    strerror((int)-pid));
	}
	f = fdopen(p[0], "r");
	while (f && !found && fgets(line, sizeof(line), f)) {
		char *v = strstr(line, " ./boot/vmlinuz-");

		if (!v)
			continue;
		v += strlen(" ./boot/vmlinuz-");
		v[strcspn(v, " \n")] = '\0';
		if (*v && !strchr(v, '/') && strlen(v) < len) {
			snprintf(rel, len, "%s", v);
			found = true;
		}
	}
	if (f)
		fclose(f);
	else
		close(p[0]);
	if (found)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (found)
		return 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return boot_fail(err, errlen, -EINVAL, "not a Debian package that dpkg-deb can read");
	return boot_fail(err, errlen, -EINVAL, "a Debian package, but not a kernel: it holds no "
		    "boot/vmlinuz-*");
}

/* BASE/P, or P when absolute or BASE is NULL; malloc'd. */
static char *join(const char *base, const char *p)
{
	return p[0] == '/' || !base ? xstrdup(p) : xasprintf("%s/%s", base, p);
}

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* Absolute and canonical PATH into *out.  0 or -errno. */
static int absolute(const char *path, char **out)
{
	char *r = realpath(path, NULL);

	if (!r)
		return -errno;
	*out = r;
	return 0;
}

/* modules=DIR: lib/modules/REL itself, or a root holding lib/modules/REL. */
static int resolve_modules(struct kernel *k, const char *base, char *err, size_t errlen)
{
	char *p = join(base, k->modules), *sub;
	int ret;

	if (!is_dir(p)) {
		ret = boot_fail(err, errlen, -ENOENT, "modules=%s: not a directory", k->modules);
		free(p);
		return ret;
	}
	sub = k->release ? xasprintf("%s/lib/modules/%s", p, k->release) : NULL;
	free(k->modules);
	k->modules = NULL;
	ret = absolute(sub && is_dir(sub) ? sub : p, &k->modules);
	free(sub);
	free(p);
	return ret ? boot_fail(err, errlen, ret, "modules=: %s", strerror(-ret)) : 0;
}

static int image_release(struct kernel *k, const char *image, char *err, size_t errlen)
{
	char rel[RELEASE_MAX + 1];
	int ret = kernel_image_release(image, rel, sizeof(rel));

	if (ret == -EINVAL)
		return boot_fail(err, errlen, ret, "'%s' is not an x86 kernel image (no bzImage "
			    "header with a version string)", image);
	if (ret)
		return boot_fail(err, errlen, ret, "cannot read '%s': %s", image, strerror(-ret));
	k->release = xstrdup(rel);
	return 0;
}

/* A build tree: its bzImage, and its modules when it built any. */
static int resolve_tree(struct kernel *k, char *err, size_t errlen)
{
	char *img = xasprintf("%s/arch/x86/boot/bzImage", k->path), *order;
	int ret;

	if (access(img, R_OK)) {
		ret = boot_fail(err, errlen, -ENOENT, "'%s' is a directory but not a built kernel tree: "
			   "no readable arch/x86/boot/bzImage", k->spec);
		free(img);
		return ret;
	}
	k->kind = KERNEL_TREE;
	k->image = img;
	ret = image_release(k, img, err, errlen);
	order = xasprintf("%s/modules.order", k->path);
	if (!ret && !k->modules && !access(order, R_OK))
		k->modules = xstrdup(k->path);
	free(order);
	return ret;
}

/* A file: a .deb (an ar archive) or a bzImage. */
static int resolve_file(struct kernel *k, char *err, size_t errlen)
{
	char rel[RELEASE_MAX + 1];
	unsigned char *head;
	size_t n;
	int ret = read_head(k->path, &head, &n);

	if (ret)
		return boot_fail(err, errlen, ret, "cannot read '%s': %s", k->spec, strerror(-ret));
	if (n >= 8 && !memcmp(head, "!<arch>\n", 8)) {
		free(head);
		k->kind = KERNEL_DEB;
		ret = deb_release(k->path, rel, sizeof(rel), err, errlen);
		if (!ret)
			k->release = xstrdup(rel);
		return ret;
	}
	ret = kernel_bzimage_release(head, n, rel, sizeof(rel));
	free(head);
	if (ret)
		return boot_fail(err, errlen, -EINVAL, "'%s' is neither a Debian package (.deb) nor an "
			    "x86 kernel image (bzImage)", k->spec);
	k->kind = KERNEL_IMAGE;
	k->image = xstrdup(k->path);
	k->release = xstrdup(rel);
	return 0;
}

/* An installed release: ROOT/boot/vmlinuz-REL, ROOT/lib/modules/REL. */
static int resolve_installed(struct kernel *k, const char *root, char *err, size_t errlen)
{
	const char *r = strcmp(root, "/") ? root : "";
	char *img = xasprintf("%s/boot/vmlinuz-%s", r, k->spec), *mods;
	int ret;

	if (access(img, F_OK)) {
		ret = boot_fail(err, errlen, -ENOENT, "'%s': no such file or directory, nor an "
			   "installed kernel (%s)", k->spec, img);
		free(img);
		return ret;
	}
	k->kind = KERNEL_INSTALLED;
	ret = absolute(img, &k->path);
	free(img);
	if (ret)
		return boot_fail(err, errlen, ret, "'%s': %s", k->spec, strerror(-ret));
	k->image = xstrdup(k->path);
	ret = image_release(k, k->image, err, errlen);
	mods = xasprintf("%s/lib/modules/%s", r, k->spec);
	if (!ret && !k->modules && is_dir(mods))
		ret = absolute(mods, &k->modules);
	free(mods);
	return ret;
}

int kernel_resolve(struct kernel *k, const char *base_dir, const char *root, char *err,
		   size_t errlen)
{
	char *p = join(base_dir, k->spec);
	bool given = k->modules != NULL;
	struct stat st;
	int ret;

	free(k->path);
	k->path = NULL;
	if (stat(p, &st)) {
		ret = -errno;
		if (ret == -ENOENT && !strchr(k->spec, '/'))
			ret = resolve_installed(k, root ? root : "/", err, errlen);
		else
			ret = boot_fail(err, errlen, ret, "cannot open '%s': %s", k->spec,
				   strerror(-ret));
		free(p);
	} else {
		ret = absolute(p, &k->path);
		free(p);
		if (ret)
			return boot_fail(err, errlen, ret, "'%s': %s", k->spec, strerror(-ret));
		if (S_ISDIR(st.st_mode))
			ret = resolve_tree(k, err, errlen);
		else if (S_ISREG(st.st_mode))
			ret = resolve_file(k, err, errlen);
		else
			ret = boot_fail(err, errlen, -EINVAL, "'%s' is not a file or directory", k->spec);
	}
	if (!ret && given)
		ret = k->kind == KERNEL_DEB ?
			boot_fail(err, errlen, -EINVAL, "modules= is for an image file: a .deb brings "
			     "its own") : resolve_modules(k, base_dir, err, errlen);
	return ret;
}

int kernels_name(struct kernel *ks, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (ks[i].name)
			continue;
		ks[i].name = ks[i].release ? mmab_label_from(ks[i].release) : NULL;
		if (!ks[i].name)
			return boot_fail(err, errlen, -EINVAL, "%s: its release '%s' makes no name; "
				    "give one as NAME=KERNEL", ks[i].origin ? ks[i].origin : "kernel",
				    ks[i].release ? ks[i].release : "");
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(ks[i].name, ks[j].name))
				return boot_fail(err, errlen, -EINVAL, "%s and %s are both named '%s'%s: "
					    "tell them apart with NAME=KERNEL",
					    ks[j].origin ? ks[j].origin : "a kernel",
					    ks[i].origin ? ks[i].origin : "another",
					    ks[i].name, ks[i].release && ks[j].release &&
					    !strcmp(ks[i].release, ks[j].release) ?
					    " (one release)" : "");
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void kernel_copy(struct kernel *dst, const struct kernel *src)
{
	*dst = (struct kernel){
		.name = dup_or_null(src->name), .spec = dup_or_null(src->spec), .kind = src->kind,
		.path = dup_or_null(src->path), .image = dup_or_null(src->image),
		.modules = dup_or_null(src->modules), .release = dup_or_null(src->release),
		.append = dup_or_null(src->append), .memory = src->memory, .cpus = src->cpus,
		.origin = dup_or_null(src->origin),
	};
}

void kernel_free(struct kernel *k)
{
	free(k->name);
	free(k->spec);
	free(k->path);
	free(k->image);
	free(k->modules);
	free(k->release);
	free(k->append);
	free(k->origin);
	memset(k, 0, sizeof(*k));
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *kernel_to_json(const struct kernel *k)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", str_or_null(k->name));
	json_object_set_new(o, "spec", str_or_null(k->spec));
	json_object_set_new(o, "kind", json_string(kernel_kind_name(k->kind)));
	json_object_set_new(o, "path", str_or_null(k->path));
	json_object_set_new(o, "image", str_or_null(k->image));
	json_object_set_new(o, "modules", str_or_null(k->modules));
	json_object_set_new(o, "release", str_or_null(k->release));
	json_object_set_new(o, "append", str_or_null(k->append));
	json_object_set_new(o, "memory_bytes", k->memory ? json_integer((json_int_t)k->memory)
							 : json_null());
	json_object_set_new(o, "cpus", k->cpus ? json_integer(k->cpus) : json_null());
	return o;
}

/* String member KEY of O into *out (NULL when null or absent); false when of another type. */
static bool get_opt_str(const json_t *o, const char *key, char **out, bool absolute_path)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v) || (absolute_path && json_string_value(v)[0] != '/'))
		return false;
	*out = xstrdup(json_string_value(v));
	return true;
}

int kernel_from_json(struct kernel *k, const json_t *o, char *err, size_t errlen)
{
	const char *kind = json_string_value(json_object_get(o, "kind"));
	const json_t *mem = json_object_get(o, "memory_bytes"), *cpus = json_object_get(o, "cpus");
	bool ok;

	memset(k, 0, sizeof(*k));
	ok = json_is_object(o) && get_opt_str(o, "name", &k->name, false) &&
	     get_opt_str(o, "spec", &k->spec, false) && get_opt_str(o, "path", &k->path, true) &&
	     get_opt_str(o, "image", &k->image, true) &&
	     get_opt_str(o, "modules", &k->modules, true) &&
	     get_opt_str(o, "release", &k->release, false) &&
	     get_opt_str(o, "append", &k->append, false);
	if (!ok || !k->name || !mmab_label_valid(k->name) || !k->spec || !k->path || !kind)
		return boot_fail(err, errlen, -EINVAL, "a kernel without a plain name, a spec or an "
			    "absolute path");
	k->kind = ARRAY_SIZE(kind_names);
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (!strcmp(kind, kind_names[i]))
			k->kind = (enum kernel_kind)i;
	if ((unsigned)k->kind >= ARRAY_SIZE(kind_names))
		return boot_fail(err, errlen, -EINVAL, "kernel '%s': unknown kind '%s'", k->name, kind);
	if ((mem && !json_is_null(mem) && (!json_is_integer(mem) || json_integer_value(mem) <= 0)) ||
	    (cpus && !json_is_null(cpus) && (!json_is_integer(cpus) ||
					     json_integer_value(cpus) < 1 ||
					     json_integer_value(cpus) > 1024)))
		return boot_fail(err, errlen, -EINVAL, "kernel '%s': bad memory_bytes or cpus", k->name);
	k->memory = json_is_integer(mem) ? (uint64_t)json_integer_value(mem) : 0;
	k->cpus = json_is_integer(cpus) ? (int)json_integer_value(cpus) : 0;
	k->origin = xasprintf("kernel %s", k->name);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What carries a multi-boot run from one kernel to the next: the state
 * file (STATE/kexec/state.json, rewritten whole, fsync'd, renamed into
 * place, its directory fsync'd, so a reset at any moment leaves the old
 * state or the new one), the count of resumes that failed in a row, and
 * what a kernel that is not installed needs outside the state directory:
 * its modules in /lib/modules/REL, listed in the state before they are
 * copied and removed after the last boot.  The knob journal cannot hold
 * them: it is per boot, and a reboot discards it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot/kexec.h"
#include "lib/mmab.h"

/* A file in every module tree mmab installed: it only ever removes those. */
#define INSTALLED_MARK ".mmab-installed"

char *kexec_state_dir(const char *state)
{
	return xasprintf("%s/kexec", state);
}

bool kexec_state_exists(const char *state)
{
	char *p = xasprintf("%s/kexec/state.json", state);
	bool e = !access(p, F_OK);

	free(p);
	return e;
}

static void state_paths(struct kexec_state *s, const char *state)
{
	s->dir = kexec_state_dir(state);
	s->path = xasprintf("%s/state.json", s->dir);
}

int kexec_state_create(struct kexec_state *s, const char *state, json_t *root)
{
	int ret;

	memset(s, 0, sizeof(*s));
	state_paths(s, state);
	s->root = root;
	if (!access(s->path, F_OK))
		return -EEXIST;
	ret = mmab_mkdir_p(s->dir, 0700);
	if (ret)
		return ret;
	if (!json_object_get(root, "installed"))
		json_object_set_new(root, "installed", json_array());
	json_object_set_new(root, "resume_failures", json_integer(0));
	return kexec_state_save(s);
}

int kexec_state_load(struct kexec_state *s, const char *state, char *err, size_t errlen)
{
	json_error_t je;

	memset(s, 0, sizeof(*s));
	state_paths(s, state);
	if (access(s->path, F_OK)) {
		snprintf(err, errlen, "no multi-boot run in progress (no '%s')", s->path);
		return -ENOENT;
	}
	s->root = json_load_file(s->path, 0, &je);
	if (!s->root || !json_is_object(s->root) ||
	    !json_is_array(json_object_get(s->root, "installed"))) {
		snprintf(err, errlen, "%s:%d: %s", s->path, je.line,
			 s->root ? "not mmab's kexec state" : je.text);
		json_decref(s->root);
		s->root = NULL;
		return -EINVAL;
	}
	return 0;
}

int kexec_state_save(struct kexec_state *s)
{
	char *text = json_dumps(s->root, JSON_INDENT(2) | JSON_SORT_KEYS);
	int ret, fd;

	if (!text)
		return -ENOMEM;
	ret = mmab_write_file_atomic(s->path, text, strlen(text));
	free(text);
	if (ret)
		return ret;
	/* the rename itself must survive a reset */
	fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

void kexec_state_free(struct kexec_state *s)
{
	json_decref(s->root);
	free(s->dir);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

int kexec_state_resume_begin(struct kexec_state *s)
{
	json_int_t n = json_integer_value(json_object_get(s->root, "resume_failures"));
	int ret;

	json_object_set_new(s->root, "resume_failures", json_integer(n + 1));
	ret = kexec_state_save(s);
	return ret ? ret : (int)n;
}

int kexec_state_resume_ok(struct kexec_state *s)
{
	json_object_set_new(s->root, "resume_failures", json_integer(0));
	return kexec_state_save(s);
}

/* Run ARGV with stdout and stderr appended to LOG; 0 when it exited 0. */
static int run_logged(char *const argv[], const char *log)
{
	int st, ret = mmab_spawn_wait(argv, log, log, &st);

	if (ret)
		return ret;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -EIO;
}

int kexec_install_modules(struct kexec_state *s, const char *root, const char *moddir,
			  const char *rel, char *err, size_t errlen)
{
	char *dest = xasprintf("%s/lib/modules/%s", root, rel);
	char *tmp = xasprintf("%s.mmab-tmp", dest);
	char *mark = xasprintf("%s/" INSTALLED_MARK, tmp);
	char *log = xasprintf("%s/install-%s.log", s->dir, rel);
	char *cp[] = { (char *)"cp", (char *)"-a", (char *)"--", (char *)moddir, tmp, NULL };
	char *depmod[] = { (char *)"depmod", (char *)"-b", (char *)(root[0] ? root : "/"),
			   (char *)rel, NULL };
	struct stat st;
	int ret = 0;

	if (!lstat(dest, &st))
		goto out;
	json_array_append_new(json_object_get(s->root, "installed"), json_string(dest));
	ret = kexec_state_save(s);
	if (ret) {
		snprintf(err, errlen, "cannot write '%s': %s", s->path, strerror(-ret));
		goto out;
	}
	mmab_rm_rf(tmp);
	if (run_logged(cp, log) || mmab_write_file_atomic(mark, rel, strlen(rel)) ||
	    rename(tmp, dest)) {
		snprintf(err, errlen, "cannot copy '%s' to '%s' (see %s)", moddir, dest, log);
		ret = -EIO;
		goto out;
	}
	/* a .deb's modules come without modules.dep: its postinst would make it */
	if (run_logged(depmod, log)) {
		snprintf(err, errlen, "depmod %s failed (see %s)", rel, log);
		ret = -EIO;
		goto out;
	}
	ret = 1;
out:
	free(dest);
	free(tmp);
	free(mark);
	free(log);
	return ret;
}

/* Remove one installed tree (and its temporary twin), only if mmab's mark is in it. */
static int remove_one(const char *path)
{
	char *tmp = xasprintf("%s.mmab-tmp", path);
	char *mark = xasprintf("%s/" INSTALLED_MARK, path);
	struct stat st;
	int ret = 0;

	mmab_rm_rf(tmp);
	if (lstat(path, &st))
		goto out;
	if (access(mark, F_OK)) {
		/* not the tree mmab copied (a crash before the copy, then a package) */
		mmab_warn("'%s' is not mmab's (no " INSTALLED_MARK " in it): left alone", path);
		goto out;
	}
	ret = mmab_rm_rf(path);
	if (ret)
		mmab_err("cannot remove '%s': %s", path, strerror(-ret));
	else
		mmab_info("removed %s", path);
out:
	free(tmp);
	free(mark);
	return ret;
}

size_t kexec_remove_installed(struct kexec_state *s)
{
	json_t *list = json_object_get(s->root, "installed");
	size_t failed = 0;

	for (size_t i = json_array_size(list); i-- > 0;) {
		const char *p = json_string_value(json_array_get(list, i));

		if (p && remove_one(p)) {
			failed++;
			continue;
		}
		json_array_remove(list, i);
		if (kexec_state_save(s))
			mmab_warn("cannot write '%s'", s->path);
	}
	return failed;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers of the perf and stalls collectors (API in tracing.h): event list
 * edits, a reference-counted tracefs mount that leaves the machine as it was
 * found, tracepoint checks and once-per-process warnings.
 */
#include <ctype.h>
#include <errno.h>
#include <mntent.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/tracing.h"
#include "lib/journal.h"

#define TRACEFS_DEFAULT "/sys/kernel/tracing"
#define EVENT_NAME_MAX 255

/* ---- event list edits ---- */

size_t col_events_count(char *const *list)
{
	size_t n = 0;

	while (list && list[n])
		n++;
	return n;
}

void col_events_free(char **list)
{
	for (size_t i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}

static ssize_t list_find(char **list, const char *name)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], name))
			return (ssize_t)i;
	return -1;
}

static void list_add(char ***list, const char *name)
{
	size_t n = col_events_count(*list);

	if (list_find(*list, name) >= 0)
		return;
	*list = xrealloc(*list, (n + 2) * sizeof(**list));
	(*list)[n] = xstrdup(name);
	(*list)[n + 1] = NULL;
}

static void list_del(char **list, size_t i)
{
	free(list[i]);
	for (; list[i]; i++)
		list[i] = list[i + 1];
}

static bool name_known(const char *const *known, const char *name)
{
	if (!known)
		return true;
	for (size_t i = 0; known[i]; i++)
		if (!strcmp(known[i], name))
			return true;
	return false;
}

/*
 * Split SPEC at commas that are not inside a PMU term's slashes or a group's
 * braces.  Returns the items trimmed of blanks (empty items dropped), or NULL
 * with ERR set when the slashes or braces do not pair.
 */
static char **split_items(const char *spec, char *err, size_t errlen)
{
	char **items = xcalloc(1, sizeof(*items));
	size_t n = 0;
	const char *p = spec, *start = spec;
	int braces = 0;
	bool slash = false;

	for (;; p++) {
		if (*p == '/')
			slash = !slash;
		else if (*p == '{')
			braces++;
		else if (*p == '}')
			braces--;
		if (braces < 0)
			break;
		if (*p == '\0' || (*p == ',' && !slash && !braces)) {
			const char *a = start, *b = p;

			while (a < b && isspace((unsigned char)*a))
				a++;
			while (b > a && isspace((unsigned char)b[-1]))
				b--;
			if (b > a) {
				items = xrealloc(items, (n + 2) * sizeof(*items));
				items[n] = xmalloc((size_t)(b - a) + 1);
				memcpy(items[n], a, (size_t)(b - a));
				items[n][b - a] = '\0';
				items[++n] = NULL;
			}
			if (!*p)
				break;
			start = p + 1;
		}
	}
	if (slash || braces) {
		snprintf(err, errlen, "unbalanced '%s' in event list '%s'", slash ? "/" : "{}",
			 spec);
		col_events_free(items);
		return NULL;
	}
	return items;
}

static bool name_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > EVENT_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s) || *s == '"' || *s == '\'')
			return false;
	return true;
}

int col_events_edit(const char *const *defaults, const char *spec, const char *const *known,
		    char ***out, char *err, size_t errlen)
{
	char **items, **list = xcalloc(1, sizeof(*list));
	bool plain = false;
	int ret = 0;

	*out = NULL;
	items = split_items(spec ? spec : "", err, errlen);
	if (!items) {
		free(list);
		return -EINVAL;
	}
	for (size_t i = 0; items[i]; i++)
		if (items[i][0] != '+' && items[i][0] != '-')
			plain = true;
	if (!plain)
		for (size_t i = 0; defaults[i]; i++)
			list_add(&list, defaults[i]);
	for (size_t i = 0; items[i] && !ret; i++) {
		const char *it = items[i];
		const char *name = (*it == '+' || *it == '-') ? it + 1 : it;
		ssize_t at;

		while (isspace((unsigned char)*name))
			name++;
		if (!name_valid(name)) {
			snprintf(err, errlen, "bad event name '%s'", it);
			ret = -EINVAL;
		} else if (!name_known(known, name)) {
			snprintf(err, errlen, "unknown event '%s'", name);
			ret = -EINVAL;
		} else if (*it != '-') {
			list_add(&list, name);
		} else if ((at = list_find(list, name)) < 0) {
			snprintf(err, errlen, "cannot remove '%s': not in the event list", name);
			ret = -EINVAL;
		} else {
			list_del(list, (size_t)at);
		}
	}
	col_events_free(items);
	if (!ret && !list[0]) {
		snprintf(err, errlen, "the event list '%s' leaves no event", spec ? spec : "");
		ret = -EINVAL;
	}
	if (ret) {
		col_events_free(list);
		return ret;
	}
	*out = list;
	return 0;
}

/* ---- tracefs, mounted while needed ---- */

static pthread_mutex_t tracefs_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned tracefs_refs;
static bool tracefs_mounted_by_us;
static char tracefs_dir[4096];

/* the mount point of a mounted tracefs, /sys/kernel/tracing preferred */
static bool tracefs_find(char *dir, size_t len)
{
	FILE *f = setmntent("/proc/self/mounts", "r");
	struct mntent *m;
	bool found = false;

	if (!f)
		return false;
	while ((m = getmntent(f))) {
		if (strcmp(m->mnt_type, "tracefs"))
			continue;
		if (!found || !strcmp(m->mnt_dir, TRACEFS_DEFAULT))
			snprintf(dir, len, "%s", m->mnt_dir);
		found = true;
	}
	endmntent(f);
	return found;
}

bool col_tracefs_mounted(char *dir, size_t len)
{
	return tracefs_find(dir, len);
}

bool col_tracefs_supported(void)
{
	char *buf;
	bool yes;

	if (mmab_read_file("/proc/filesystems", &buf, NULL))
		return false;
	yes = strstr(buf, "\ttracefs\n") != NULL;
	free(buf);
	return yes;
}

int col_tracefs_get(struct journal *j, const char **dir)
{
	int ret = 0;

	pthread_mutex_lock(&tracefs_lock);
	/* someone may have unmounted it under us: look again every time */
	if (!tracefs_find(tracefs_dir, sizeof(tracefs_dir))) {
		if (!col_tracefs_supported()) {
			ret = -ENODEV;
			goto out;
		}
		if (j && (ret = journal_add_mount(j, TRACEFS_DEFAULT)))
			goto out;
		if (mount("nodev", TRACEFS_DEFAULT, "tracefs", 0, NULL) < 0) {
			ret = -errno;
			goto out;
		}
		snprintf(tracefs_dir, sizeof(tracefs_dir), "%s", TRACEFS_DEFAULT);
		tracefs_mounted_by_us = true;
	}
	tracefs_refs++;
	*dir = tracefs_dir;
out:
	pthread_mutex_unlock(&tracefs_lock);
	return ret;
}

void col_tracefs_put(void)
{
	pthread_mutex_lock(&tracefs_lock);
	if (tracefs_refs && !--tracefs_refs && tracefs_mounted_by_us) {
		/* not MNT_DETACH: if someone has files open there now, it stays theirs */
		if (umount2(TRACEFS_DEFAULT, 0) == 0 || errno == EINVAL)
			tracefs_mounted_by_us = false;
	}
	pthread_mutex_unlock(&tracefs_lock);
}

/* ---- tracepoints ---- */

static bool ident(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

bool col_tracepoint_split(const char *event, char *sys, char *name, size_t len)
{
	const char *colon = strchr(event, ':');
	size_t ns, nn;

	if (!colon || strchr(colon + 1, ':'))
		return false;
	ns = (size_t)(colon - event);
	nn = strlen(colon + 1);
	if (!ident(event, ns) || !ident(colon + 1, nn) || ns >= len || nn >= len)
		return false;
	memcpy(sys, event, ns);
	sys[ns] = '\0';
	memcpy(name, colon + 1, nn + 1);
	return true;
}

bool col_tracepoint_exists(const char *dir, const char *event)
{
	char sys[EVENT_NAME_MAX + 1], name[EVENT_NAME_MAX + 1];
	struct stat st;
	char *path;
	bool yes;

	if (!col_tracepoint_split(event, sys, name, sizeof(sys)))
		return false;
	path = xasprintf("%s/events/%s/%s/format", dir, sys, name);
	yes = stat(path, &st) == 0;
	free(path);
	return yes;
}

/* ---- once-per-process warnings ---- */

static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;
static char **warned;

void col_warn_once(const char *key, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	pthread_mutex_lock(&warn_lock);
	if (!warned)
		warned = xcalloc(1, sizeof(*warned));
	if (list_find(warned, key) >= 0) {
		pthread_mutex_unlock(&warn_lock);
		return;
	}
	list_add(&warned, key);
	pthread_mutex_unlock(&warn_lock);

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg)
		mmab_warn("%s", msg);
	free(msg);
}

void col_fail(struct collector_inst *ci, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ci->err, sizeof(ci->err), fmt, ap);
	va_end(ap);
}

int col_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -ret;
}

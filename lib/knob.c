/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Knobs: the names a suite may use for the machine's settings (sysctl names,
 * paths under /proc/sys and /sys/kernel/mm) and reading their values.
 * Changing one goes through the journal (journal.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/knob.h"
#include "lib/mmab.h"

static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(path, prefix, n) && path[n] && path[n] != '/';
}

int knob_resolve(const char *name, char *path, size_t len)
{
	int n;

	if (!*name)
		return -EINVAL;
	if (name[0] == '/') {
		/* no "..", no "//", no trailing slash: the prefix check must mean what it says */
		if (strstr(name, "/..") || strstr(name, "//") || name[strlen(name) - 1] == '/' ||
		    strstr(name, "/./"))
			return -EINVAL;
		if (!under(name, "/proc/sys/") && !under(name, "/sys/kernel/mm/"))
			return -EINVAL;
		n = snprintf(path, len, "%s", name);
	} else {
		/* sysctl name: vm.dirty_ratio -> /proc/sys/vm/dirty_ratio */
		if (name[0] == '.' || strstr(name, "..") || name[strlen(name) - 1] == '.')
			return -EINVAL;
		for (const char *p = name; *p; p++)
			if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
				return -EINVAL;
		n = snprintf(path, len, "/proc/sys/%s", name);
		if (n > 0 && (size_t)n < len)
			for (char *p = path + strlen("/proc/sys/"); *p; p++)
				if (*p == '.')
					*p = '/';
	}
	if (n < 0 || (size_t)n >= len)
		return -EINVAL;
	return 0;
}

int knob_read(const char *path, char *buf, size_t len)
{
	char *text, *s, *e, *open, *close;
	int ret;

	ret = mmab_read_file(path, &text, NULL);
	if (ret)
		return ret;
	s = text;
	/* selector files ("always [madvise] never"): the bracketed choice */
	open = strchr(s, '[');
	close = open ? strchr(open, ']') : NULL;
	if (open && close) {
		s = open + 1;
		*close = '\0';
	}
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	/* multi-value sysctls (tab separated) are written back with spaces */
	for (char *p = s; *p; p++)
		if (*p == '\t' || *p == '\n')
			*p = ' ';
	if ((size_t)(e - s) >= len) {
		free(text);
		return -ENOSPC;
	}
	memcpy(buf, s, (size_t)(e - s) + 1);
	free(text);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For unit tests: capture what the code under test prints on stderr, so a
 * test can check the FILE:LINE: message it promises.  capture_begin()
 * sends fd 2 to a temporary file; capture_end() puts stderr back and
 * returns the text (malloc'd).
 */
#ifndef MMAB_TEST_CAPTURE_H
#define MMAB_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/mmab.h"

static int capture_saved = -1;
static char capture_path[] = "/tmp/mmab-test-stderr-XXXXXX";

static inline void capture_begin(void)
{
	int fd;

	fflush(stderr);
	snprintf(capture_path, sizeof(capture_path), "/tmp/mmab-test-stderr-XXXXXX");
	fd = mkstemp(capture_path);
	if (fd < 0)
		abort();
	capture_saved = dup(2);
	dup2(fd, 2);
	close(fd);
}

static inline char *capture_end(void)
{
	char *buf = NULL;

	fflush(stderr);
	dup2(capture_saved, 2);
	close(capture_saved);
	capture_saved = -1;
	if (mmab_read_file(capture_path, &buf, NULL))
		buf = xstrdup("");
	unlink(capture_path);
	return buf;
}

/* count_lines - lines of S holding NEEDLE. */
static inline int count_lines(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = s; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);

		if (line && strstr(line, needle))
			n++;
		free(line);
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

#endif

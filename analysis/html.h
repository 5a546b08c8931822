/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HTML escaping for everything compare and report write: any string that
 * comes from a result set (labels, kernel versions, command lines, host
 * names, suite text, metric names, failure reasons) goes through here.
 */
#ifndef MMAB_HTML_H
#define MMAB_HTML_H

#include <stdio.h>

/*
 * html_escape - write S to F with & < > " ' as entities, so the text is
 * inert in element content and in quoted attribute values alike; other
 * control characters than tab and newline become U+FFFD.  NULL writes
 * nothing.
 */
void html_escape(FILE *f, const char *s);

/* html_escape_str - the same into a malloc'd string (the caller frees it). */
char *html_escape_str(const char *s);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one HTML escaping function of mmab (see html.h).  Escaping all five
 * of & < > " ' makes one function right for element content and for both
 * kinds of quoted attributes, so no call site has to choose.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis/html.h"
#include "lib/mmab.h"

void html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				fputs("\xef\xbf\xbd", f);	/* U+FFFD */
			else
				fputc(c, f);
		}
	}
}

char *html_escape_str(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	html_escape(f, s);
	if (fclose(f))
		abort();
	return buf;
}

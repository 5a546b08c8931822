/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Speaking gnuplot safely: strings from result sets turned into inert
 * gnuplot expressions, file-name parts that are safe anywhere, templates
 * filled with @NAME@ variables, and the palette every plot shares.  Used by
 * the plot driver (plot.c) and the producers of plot data (plot-*.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/gnuplot.h"
#include "lib/mmab.h"

/* The palette of style.gp, in the same order. */
static const char *const palette[] = {
	"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#555555", "#A08A00",
};

const char *gp_set_colour(size_t i)
{
	return palette[i % ARRAY_SIZE(palette)];
}

/* ---- quoting, names, templates ---- */

/* Length of the valid UTF-8 sequence at S (1 to 4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* no overlong forms, no surrogates, nothing past U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * S made fit for any terminal: control characters as spaces, bytes that
 * are not UTF-8 as '?' (cairo and SVG readers reject them), and "]]>" as
 * "]] >" (gnuplot's svg terminal copies '>' as is, and that sequence is
 * not allowed in XML text).
 */
static char *gp_clean(const char *s)
{
	size_t len = strlen(s), o = 0;
	char *d = xmalloc(2 * len + 1);
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);

		if (!n) {
			d[o++] = '?';
			p++;
		} else if (n == 1 && (*p < 0x20 || *p == 0x7f)) {
			d[o++] = ' ';
			p++;
		} else if (*p == ']' && p[1] == ']' && p[2] == '>') {
			memcpy(d + o, "]] ", 3);
			o += 3;
			p += 2;
		} else {
			memcpy(d + o, p, n);
			o += n;
			p += n;
		}
	}
	d[o] = '\0';
	return d;
}

char *gp_quote(const char *s)
{
	char *c = gp_clean(s ? s : ""), *out, *q;
	size_t quotes = 0;

	for (const char *p = c; *p; p++)
		quotes += *p == '\'';
	if (!quotes) {
		out = xasprintf("'%s'", c);
		free(c);
		return out;
	}
	/* ('it'."'".'s'): a quote cannot appear inside a single-quoted literal */
	out = xmalloc(strlen(c) + quotes * 9 + 5);
	q = out;
	*q++ = '(';
	*q++ = '\'';
	for (const char *p = c; *p; p++) {
		if (*p == '\'') {
			memcpy(q, "'.\"'\".'", 7);
			q += 7;
		} else {
			*q++ = *p;
		}
	}
	*q++ = '\'';
	*q++ = ')';
	*q = '\0';
	free(c);
	return out;
}

void gp_safe_name(char *buf, size_t len, const char *s)
{
	size_t o = 0;

	if (!len)
		return;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && o + 1 < len; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-';

		/* a leading '.' hides the file, a leading '-' reads as an option */
		if (!o && (*p == '.' || *p == '-'))
			ok = false;
		buf[o++] = ok ? (char)*p : '_';
	}
	if (!o && len > 1)
		buf[o++] = 'x';
	buf[o] = '\0';
}

static const struct gp_var *find_var(const struct gp_var *vars, size_t n, const char *name,
				       size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(vars[i].name) == len && !strncmp(vars[i].name, name, len))
			return &vars[i];
	return NULL;
}

static bool var_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

int gp_fill(const char *tpl, const struct gp_var *vars, size_t nvars, char **out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err = 0;

	if (!f)
		return -ENOMEM;
	for (const char *p = tpl; *p;) {
		const char *name = p + 1, *end = name;
		const struct gp_var *v;

		if (*p != '@') {
			fputc(*p++, f);
			continue;
		}
		while (var_char(*end))
			end++;
		if (end == name || *end != '@') {
			fputc(*p++, f);		/* a gnuplot macro or a plain '@' */
			continue;
		}
		v = find_var(vars, nvars, name, (size_t)(end - name));
		if (!v) {
			mmab_err("plot template uses @%.*s@, which has no value", (int)(end - name),
				 name);
			err = -EINVAL;
			break;
		}
		fputs(v->value, f);
		p = end + 1;
	}
	if (fclose(f))
		err = err ? err : -ENOMEM;
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	return 0;
}

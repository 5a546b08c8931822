/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Speaking gnuplot safely (analysis/gnuplot.c): quoting, safe names,
 * template variables, the shared palette.
 */
#ifndef MMAB_GNUPLOT_H
#define MMAB_GNUPLOT_H

#include <stddef.h>

/*
 * gp_quote - S as a gnuplot string expression made of single-quoted
 * literals: 'text', or ('it'."'".'s') when S holds a quote; control
 * characters (newlines included) become spaces, bytes that are not UTF-8
 * '?', and "]]>" gets a space (the svg terminal would copy it into invalid
 * XML).  Inside single quotes gnuplot expands neither backslashes,
 * `command` substitution nor @macros, so the result is inert whatever S
 * holds.  NULL is taken as "".  Returns a malloc'd string; the caller
 * frees it.
 */
char *gp_quote(const char *s);

/*
 * gp_safe_name - S reduced to a file-name part: [A-Za-z0-9._-] kept,
 * every other byte turned into '_', no leading '.' or '-', at most LEN-1
 * bytes (empty input gives "x").  Safe in a path, a shell and an HTML
 * attribute.
 */
void gp_safe_name(char *buf, size_t len, const char *s);

struct gp_var {
	const char *name;	/* without the @s: "TITLE" */
	const char *value;	/* inserted as is: quote strings first */
};

/*
 * gp_fill - replace every @NAME@ (NAME = [A-Z0-9_]+) in TPL with the
 * value of the variable NAME.  Any other '@' is copied as is (gnuplot
 * macros).  Returns 0 and a malloc'd *out, or -EINVAL when TPL uses a
 * name that VARS lacks (the name is reported).
 */
int gp_fill(const char *tpl, const struct gp_var *vars, size_t nvars, char **out);

/* gp_set_colour - the "#rrggbb" colour of set I (the palette of style.gp). */
const char *gp_set_colour(size_t i);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Module resolution without depmod (boot/modules.h): an index of the
 * directory (modules.order, else a walk), the built-in names, then a
 * depth-first walk over depends= and softdep= pre: from each wanted module,
 * so every module comes after what it needs.  .ko.xz files are read
 * through liblzma.
 */
#include <errno.h>
#include <ftw.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/cache.h"
#include "boot/elf.h"
#include "boot/modules.h"
#include "lib/mmab.h"

static const char *const suffixes[] = { "", ".xz", ".zst", ".gz" };

struct index {
	struct kmod *mods;	/* every module file: name and path */
	size_t n;
	char **builtin;		/* names of the built-in ones */
	size_t nbuiltin;
};

/* What the walk knows of a module: not seen, being visited (a loop), placed. */
enum { UNSEEN, VISITING, PLACED };

struct resolver {
	const struct index *ix;
	const char *dir;
	char *state;		/* per index entry */
	struct kmod_list *out;
	char *err;
	size_t errlen;
};

/* "kernel/drivers/misc/pvpanic/pvpanic-pci.ko.xz" -> "pvpanic_pci", malloc'd. */
static char *module_name(const char *path)
{
	const char *b = strrchr(path, '/');
	char *n = xstrdup(b ? b + 1 : path), *dot;

	for (size_t i = 1; i < ARRAY_SIZE(suffixes); i++) {
		size_t l = strlen(n), s = strlen(suffixes[i]);

		if (l > s && !strcmp(n + l - s, suffixes[i]))
			n[l - s] = '\0';
	}
	dot = strrchr(n, '.');
	if (dot && (!strcmp(dot, ".ko") || !strcmp(dot, ".o")))
		*dot = '\0';
	for (char *c = n; *c; c++)
		if (*c == '-')
			*c = '_';
	return n;
}

static void add_module(struct index *ix, const char *path)
{
	ix->mods = xrealloc(ix->mods, (ix->n + 1) * sizeof(*ix->mods));
	ix->mods[ix->n++] = (struct kmod){ .name = module_name(path), .path = xstrdup(path) };
}

/* modules.order: relative paths (".o" in a build tree), without the compression suffix. */
static int index_order(struct index *ix, const char *dir)
{
	char *path = xasprintf("%s/modules.order", dir), *text = NULL, *save = NULL;
	int ret = mmab_read_file(path, &text, NULL);

	free(path);
	if (ret)
		return ret;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(l);
		char *rel = len > 2 && !strcmp(l + len - 2, ".o") ?
			xasprintf("%.*s.ko", (int)(len - 2), l) : xstrdup(l);

		for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
			char *f = xasprintf("%s/%s%s", dir, rel, suffixes[i]);
			bool found = !access(f, R_OK);

			if (found)
				add_module(ix, f);
			free(f);
			if (found)
				break;
		}
		free(rel);
	}
	free(text);
	return 0;
}

static struct index *walk_ix;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	const char *b = path + f->base;

	(void)st;
	if (type == FTW_F && (strstr(b, ".ko") && strlen(strstr(b, ".ko")) <= 7))
		add_module(walk_ix, path);
	return 0;
}

static void index_builtin(struct index *ix, const char *dir)
{
	char *path = xasprintf("%s/modules.builtin", dir), *text = NULL, *save = NULL;

	if (!mmab_read_file(path, &text, NULL))
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			ix->builtin = xrealloc(ix->builtin, (ix->nbuiltin + 1) * sizeof(char *));
			ix->builtin[ix->nbuiltin++] = module_name(l);
		}
	free(text);
	free(path);
}

static void index_free(struct index *ix)
{
	for (size_t i = 0; i < ix->n; i++) {
		free(ix->mods[i].name);
		free(ix->mods[i].path);
	}
	for (size_t i = 0; i < ix->nbuiltin; i++)
		free(ix->builtin[i]);
	free(ix->mods);
	free(ix->builtin);
}

static bool is_builtin(const struct index *ix, const char *name)
{
	for (size_t i = 0; i < ix->nbuiltin; i++)
		if (!strcmp(ix->builtin[i], name))
			return true;
	return false;
}

static int find_module(const struct index *ix, const char *name)
{
	for (size_t i = 0; i < ix->n; i++)
		if (!strcmp(ix->mods[i].name, name))
			return (int)i;
	return -1;
}

/* ---- reading a module ---- */

static int unxz(const unsigned char *in, size_t inlen, void **data, size_t *len)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = inlen * 4 + 4096;
	unsigned char *out = xmalloc(cap);
	lzma_ret r;

	if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
		free(out);
		return -ENOMEM;
	}
	s.next_in = in;
	s.avail_in = inlen;
	s.next_out = out;
	s.avail_out = cap;
	while ((r = lzma_code(&s, LZMA_FINISH)) == LZMA_OK || r == LZMA_BUF_ERROR) {
		if (s.avail_out)
			break;	/* no progress possible: truncated input */
		out = xrealloc(out, cap * 2);
		s.next_out = out + cap;
		s.avail_out = cap;
		cap *= 2;
	}
	*len = cap - s.avail_out;
	lzma_end(&s);
	if (r != LZMA_STREAM_END) {
		free(out);
		return -EINVAL;
	}
	*data = out;
	return 0;
}

int kmod_read(const char *path, void **data, size_t *len)
{
	size_t l = strlen(path), raw_len;
	char *raw;
	int ret;

	if ((l > 4 && !strcmp(path + l - 4, ".zst")) || (l > 3 && !strcmp(path + l - 3, ".gz")))
		return -EOPNOTSUPP;
	ret = mmab_read_file(path, &raw, &raw_len);
	if (ret)
		return ret;
	if (l > 3 && !strcmp(path + l - 3, ".xz")) {
		ret = unxz((const unsigned char *)raw, raw_len, data, len);
		free(raw);
		return ret;
	}
	*data = raw;
	*len = raw_len;
	return 0;
}

char *kmod_modinfo(const void *data, size_t len, const char *key, int *err)
{
	const char *info, *end;
	size_t ilen, klen = strlen(key);
	int ret = elf_section(data, len, ".modinfo", (const void **)&info, &ilen);

	if (err)
		*err = ret == -EINVAL ? -EINVAL : 0;
	if (ret)
		return NULL;
	for (end = info + ilen; info < end; info += strnlen(info, (size_t)(end - info)) + 1)
		if ((size_t)(end - info) > klen && !strncmp(info, key, klen) && info[klen] == '=')
			return strndup(info + klen + 1, strnlen(info + klen + 1,
								(size_t)(end - info) - klen - 1));
	return NULL;
}

/* ---- the walk ---- */

static int place(struct resolver *r, const char *name, bool required, const char *needed_by);

/* The modules module I needs first: depends= and softdep= pre: (those that exist). */
static int place_deps(struct resolver *r, size_t i)
{
	const struct kmod *m = &r->ix->mods[i];
	char *deps = NULL, *soft = NULL, *save = NULL;
	void *data;
	size_t len;
	int ret = kmod_read(m->path, &data, &len), e = 0;

	if (ret)
		return boot_fail(r->err, r->errlen, ret, "cannot read %s: %s", m->path,
			    ret == -EOPNOTSUPP ? "a compression mmab does not read" : strerror(-ret));
	deps = kmod_modinfo(data, len, "depends", &e);
	soft = kmod_modinfo(data, len, "softdep", NULL);
	free(data);
	if (e)
		ret = boot_fail(r->err, r->errlen, -EINVAL, "%s is not a kernel module", m->path);
	for (char *t = deps ? strtok_r(deps, ",", &save) : NULL; t && !ret;
	     t = strtok_r(NULL, ",", &save))
		ret = place(r, t, true, m->name);
	/* "pre: a b post: c": the pre ones that are modules here, before */
	for (char *t = soft ? strtok_r(soft, " ", &save) : NULL; t && !ret && strcmp(t, "post:");
	     t = strtok_r(NULL, " ", &save))
		if (strcmp(t, "pre:"))
			ret = place(r, t, false, m->name);
	free(deps);
	free(soft);
	return ret;
}

static int place(struct resolver *r, const char *name, bool required, const char *needed_by)
{
	char *n = module_name(name);
	int i = find_module(r->ix, n), ret = 0;

	if (i < 0 || is_builtin(r->ix, n)) {
		if (i < 0 && required && !is_builtin(r->ix, n))
			ret = boot_fail(r->err, r->errlen, -ENOENT, "%s%s%s: neither built in nor a module "
				   "in %s", n, needed_by ? ", needed by " : "",
				   needed_by ? needed_by : "", r->dir);
		free(n);
		return ret;
	}
	free(n);
	if (r->state[i] == PLACED)
		return 0;
	if (r->state[i] == VISITING)
		return boot_fail(r->err, r->errlen, -EINVAL, "modules depend on each other round a loop "
			    "through %s", r->ix->mods[i].name);
	r->state[i] = VISITING;
	ret = place_deps(r, (size_t)i);
	r->state[i] = PLACED;
	if (!ret) {
		struct kmod_list *o = r->out;

		o->mods = xrealloc(o->mods, (o->n + 1) * sizeof(*o->mods));
		o->mods[o->n++] = (struct kmod){ .name = xstrdup(r->ix->mods[i].name),
						 .path = xstrdup(r->ix->mods[i].path) };
	}
	return ret;
}

int kmod_resolve(const char *dir, const char *const *want, const char *const *optional,
		 struct kmod_list *out, char *err, size_t errlen)
{
	struct index ix = { 0 };
	struct resolver r = { .ix = &ix, .dir = dir, .out = out, .err = err, .errlen = errlen };
	int ret = 0;

	memset(out, 0, sizeof(*out));
	index_builtin(&ix, dir);
	if (index_order(&ix, dir)) {
		walk_ix = &ix;
		nftw(dir, walk_one, 16, FTW_PHYS);
		walk_ix = NULL;
	}
	r.state = xcalloc(ix.n + 1, 1);
	for (size_t i = 0; optional && optional[i] && !ret; i++)
		ret = place(&r, optional[i], false, NULL);
	for (size_t i = 0; want[i] && !ret; i++)
		ret = place(&r, want[i], true, NULL);
	free(r.state);
	index_free(&ix);
	if (ret)
		kmod_list_free(out);
	return ret;
}

void kmod_list_free(struct kmod_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->mods[i].name);
		free(l->mods[i].path);
	}
	free(l->mods);
	memset(l, 0, sizeof(*l));
}

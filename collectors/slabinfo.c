/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * slabinfo: one row per slab cache per sample from /proc/slabinfo
 * (slabinfo.csv): objects in use and allocated, object size, objects and
 * pages per slab, slabs in use and allocated.  Occupancy (active_objs /
 * num_objs) is derived in analysis: a cache whose occupancy falls while
 * num_objs stays up is slab fragmentation — memory the shrinkers freed
 * objects from but could not give back.
 *
 * The file is about 25 KiB here (read to EOF, several pages), readable by
 * root only, and costs the kernel a walk of every cache's partial slabs,
 * hence the 1 s default interval.  Format version 2.x is understood; the
 * extra statistics columns of SLAB debug kernels ("2.1 (statistics)") are
 * ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/proc.h"
#include "runner/mmab.h"

#define SLABINFO_PATH "/proc/slabinfo"

static int slab_line(struct cursor *c, struct slab_row *s)
{
	uint64_t tunable;
	int r;

	r = cur_word(c, &s->name, &s->nlen);
	if (!r)
		r = cur_u64(c, &s->active_objs, "active_objs");
	if (!r)
		r = cur_u64(c, &s->num_objs, "num_objs");
	if (!r)
		r = cur_u64(c, &s->objsize, "objsize");
	if (!r)
		r = cur_u64(c, &s->objperslab, "objperslab");
	if (!r)
		r = cur_u64(c, &s->pagesperslab, "pagesperslab");
	if (!r)
		r = cur_expect(c, ": tunables");
	for (int i = 0; i < 3 && !r; i++)
		r = cur_u64(c, &tunable, "tunable");
	if (!r)
		r = cur_expect(c, ": slabdata");
	if (!r)
		r = cur_u64(c, &s->active_slabs, "active_slabs");
	if (!r)
		r = cur_u64(c, &s->num_slabs, "num_slabs");
	if (!r)
		r = cur_u64(c, &tunable, "sharedavail");
	if (r)
		return r;
	/* SLAB debug kernels go on with " : globalstat ... : cpustat ..." */
	if (!cur_eol(c) && *c->p != ':')
		return cur_err(c, "unexpected text after sharedavail");
	return 0;
}

int slab_parse(struct slab_info *si, const char *file, const char *text, size_t len,
	       char *err, size_t errlen)
{
	static const char version[] = "slabinfo - version: ";
	struct cursor c;
	int r;

	si->n = 0;
	cur_init(&c, file, text, len, err, errlen);
	r = cur_next(&c);
	if (r <= 0)
		return r < 0 ? r : cur_err(&c, "empty");
	if (!cur_starts(&c, version))
		return cur_err(&c, "expected '%s2.x'", version);
	c.p += strlen(version);
	if (!cur_starts(&c, "2."))
		return cur_err(&c, "unsupported slabinfo version '%.*s'",
			       (int)(c.eol - c.p < 16 ? c.eol - c.p : 16), c.p);
	r = cur_next(&c);
	if (r <= 0)
		return r < 0 ? r : cur_err(&c, "truncated: no column header");
	if (!cur_starts(&c, "# name"))
		return cur_err(&c, "expected the '# name ...' column header");
	while ((r = cur_next(&c)) > 0) {
		if (si->n == si->cap) {
			si->cap = si->cap ? si->cap * 2 : 256;
			si->r = xrealloc(si->r, si->cap * sizeof(*si->r));
		}
		r = slab_line(&c, &si->r[si->n]);
		if (r)
			return r;
		si->n++;
	}
	return r;
}

void slab_free(struct slab_info *si)
{
	free(si->r);
	memset(si, 0, sizeof(*si));
}

void slab_header(struct rowbuf *b)
{
	rb_str(b, "t,cache,active_objs,num_objs,objsize,objperslab,pagesperslab,"
		  "active_slabs,num_slabs\n");
}

void slab_rows(const struct slab_info *si, double t, struct rowbuf *b)
{
	char tb[32];
	size_t tl = proc_fmt_time(tb, t);

	for (size_t i = 0; i < si->n; i++) {
		const struct slab_row *s = &si->r[i];
		char *w;

		rb_reserve(b, tl + 2 * s->nlen + 3 + 8 * 21);
		w = put_mem(b->p + b->len, tb, tl);
		*w++ = ',';
		b->len = (size_t)(w - b->p);
		rb_field(b, s->name, s->nlen);
		w = b->p + b->len;
		*w++ = ',';
		w = put_u64(w, s->active_objs);
		*w++ = ',';
		w = put_u64(w, s->num_objs);
		*w++ = ',';
		w = put_u64(w, s->objsize);
		*w++ = ',';
		w = put_u64(w, s->objperslab);
		*w++ = ',';
		w = put_u64(w, s->pagesperslab);
		*w++ = ',';
		w = put_u64(w, s->active_slabs);
		*w++ = ',';
		w = put_u64(w, s->num_slabs);
		*w++ = '\n';
		b->len = (size_t)(w - b->p);
	}
}

/* ---- the collector ---- */

static void ops_header(const void *st, struct rowbuf *b)
{
	(void)st;
	slab_header(b);
}

static int ops_parse(void *st, const char *file, const char *text, size_t len, char *err,
		     size_t errlen)
{
	return slab_parse(st, file, text, len, err, errlen);
}

static void ops_rows(void *st, double t, struct rowbuf *b)
{
	slab_rows(st, t, b);
}

static void ops_free(void *st)
{
	slab_free(st);
}

static const struct proc_ops slab_ops = {
	sizeof(struct slab_info), NULL, ops_header, ops_parse, ops_rows, ops_free,
};

static int slabinfo_available(char *why, size_t whylen)
{
	return proc_available(SLABINFO_PATH, why, whylen);
}

static int slabinfo_open(struct collector_inst *ci)
{
	return proc_collector_open(ci, SLABINFO_PATH, &slab_ops);
}

const struct collector col_slabinfo = {
	.name = "slabinfo",
	.summary = "objects and slabs per slab cache (root)",
	.flags = COL_PERIODIC | COL_NEEDS_ROOT | COL_DEFAULT,
	.default_interval_ms = 1000,
	.available = slabinfo_available,
	.open = slabinfo_open,
	.sample = proc_collector_sample,
	.close = proc_collector_close,
};

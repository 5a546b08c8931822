/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * slabinfo: one row per slab cache per sample from /proc/slabinfo
 * (slabinfo.csv): objects in use and allocated, object size, objects and
 * pages per slab, slabs in use and allocated.  Occupancy (active_objs /
 * num_objs) is derived in analysis: a cache whose occupancy falls while
 * num_objs stays up is slab fragmentation — memory the shrinkers freed
 * objects from but could not give back.
 *
 * The file is tens of KiB (read to EOF, several pages), readable by
 * root only, and costs the kernel a walk of every cache's partial slabs,
 * hence the 1 s default interval.  Format version 2.x is understood; the
 * extra statistics columns of SLAB debug kernels ("2.1 (statistics)") are
 * ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/proc.h"
#include "lib/mmab.h"

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

/* Room for N rows in every per-row array. */
static void slab_grow(struct slab_info *si, size_t n)
{
	if (n <= si->cap)
		return;
	si->cap = si->cap ? si->cap * 2 : 256;
	if (si->cap < n)
		si->cap = n;
	si->r = xrealloc(si->r, si->cap * sizeof(*si->r));
	si->off = xrealloc(si->off, si->cap * sizeof(*si->off));
	si->prev_off = xrealloc(si->prev_off, si->cap * sizeof(*si->prev_off));
	si->llen = xrealloc(si->llen, si->cap * sizeof(*si->llen));
	si->prev_llen = xrealloc(si->prev_llen, si->cap * sizeof(*si->prev_llen));
	si->body_off = xrealloc(si->body_off, (si->cap + 1) * sizeof(*si->body_off));
	si->next_off = xrealloc(si->next_off, (si->cap + 1) * sizeof(*si->next_off));
}

/* After a failed read nothing cached can be trusted. */
static int slab_forget(struct slab_info *si, int r)
{
	si->nprev = 0;
	si->nbody = 0;
	return r;
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
		return slab_forget(si, r < 0 ? r : cur_err(&c, "empty"));
	if (!cur_starts(&c, version))
		return slab_forget(si, cur_err(&c, "expected '%s2.x'", version));
	c.p += strlen(version);
	if (!cur_starts(&c, "2."))
		return slab_forget(si, cur_err(&c, "unsupported slabinfo version '%.*s'",
					       (int)(c.eol - c.p < 16 ? c.eol - c.p : 16), c.p));
	r = cur_next(&c);
	if (r <= 0)
		return slab_forget(si, r < 0 ? r : cur_err(&c, "truncated: no column header"));
	if (!cur_starts(&c, "# name"))
		return slab_forget(si, cur_err(&c, "expected the '# name ...' column header"));
	while ((r = cur_next(&c)) > 0) {
		size_t i = si->n, ll = (size_t)(c.eol - c.line);
		struct slab_row *row;

		slab_grow(si, i + 1);
		row = &si->r[i];
		si->off[i] = (uint32_t)(c.line - text);
		si->llen[i] = (uint32_t)ll;
		if (i < si->nprev && si->prev_llen[i] == ll &&
		    !memcmp(si->prev + si->prev_off[i], c.line, ll)) {
			/* as last time: only the name moves, to this read's text */
			row->name = c.line;
		} else {
			r = slab_line(&c, row);
			if (r)
				return slab_forget(si, r);
			row->changed = true;
		}
		si->n++;
	}
	if (r < 0)
		return slab_forget(si, r);
	/* keep this read to compare the next one with */
	if (si->prev_cap < len) {
		si->prev_cap = len;
		si->prev = xrealloc(si->prev, len);
	}
	memcpy(si->prev, text, len);
	if (si->n) {
		memcpy(si->prev_off, si->off, si->n * sizeof(*si->off));
		memcpy(si->prev_llen, si->llen, si->n * sizeof(*si->llen));
	}
	si->nprev = si->n;
	return 0;
}

void slab_free(struct slab_info *si)
{
	free(si->r);
	free(si->prev);
	free(si->off);
	free(si->prev_off);
	free(si->llen);
	free(si->prev_llen);
	rb_free(&si->body);
	rb_free(&si->next_body);
	free(si->body_off);
	free(si->next_off);
	memset(si, 0, sizeof(*si));
}

void slab_header(struct rowbuf *b)
{
	rb_str(b, "t,cache,active_objs,num_objs,objsize,objperslab,pagesperslab,"
		  "active_slabs,num_slabs\n");
}

/* Row S without `t`: "cache,active_objs,...,num_slabs\n". */
static void slab_body(const struct slab_row *s, struct rowbuf *b)
{
	char *w;

	rb_field(b, s->name, s->nlen);
	rb_reserve(b, 8 * 21);
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

void slab_rows(struct slab_info *si, double t, struct rowbuf *b)
{
	struct rowbuf nb = si->next_body;
	char tb[32];
	size_t tl = proc_fmt_time(tb, t);

	tb[tl++] = ',';
	nb.len = 0;
	slab_grow(si, 1);	/* next_off[n] exists even without a cache */
	for (size_t i = 0; i < si->n; i++) {
		struct slab_row *s = &si->r[i];
		size_t start;

		/* the body: kept from last time when the row did not change */
		si->next_off[i] = (uint32_t)nb.len;
		if (!s->changed && i < si->nbody)
			rb_mem(&nb, si->body.p + si->body_off[i], si->body_off[i + 1] - si->body_off[i]);
		else
			slab_body(s, &nb);
		s->changed = false;
		start = si->next_off[i];
		rb_reserve(b, tl + nb.len - start);
		memcpy(b->p + b->len, tb, tl);
		memcpy(b->p + b->len + tl, nb.p + start, nb.len - start);
		b->len += tl + nb.len - start;
	}
	si->next_off[si->n] = (uint32_t)nb.len;
	/* this time's bodies are next time's */
	si->next_body = si->body;
	si->body = nb;
	{
		uint32_t *o = si->body_off;

		si->body_off = si->next_off;
		si->next_off = o;
	}
	si->nbody = si->n;
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

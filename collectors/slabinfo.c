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

		rb_mem(b, tb, tl);
		rb_putc(b, ',');
		rb_field(b, s->name, s->nlen);
		rb_putc(b, ',');
		rb_u64(b, s->active_objs);
		rb_putc(b, ',');
		rb_u64(b, s->num_objs);
		rb_putc(b, ',');
		rb_u64(b, s->objsize);
		rb_putc(b, ',');
		rb_u64(b, s->objperslab);
		rb_putc(b, ',');
		rb_u64(b, s->pagesperslab);
		rb_putc(b, ',');
		rb_u64(b, s->active_slabs);
		rb_putc(b, ',');
		rb_u64(b, s->num_slabs);
		rb_putc(b, '\n');
	}
}

/* ---- the collector ---- */

struct slab_priv {
	struct proc_src src;
	struct slab_info si;
	struct rowbuf rb;
};

static int slabinfo_available(char *why, size_t whylen)
{
	return proc_available(SLABINFO_PATH, why, whylen);
}

static int slabinfo_close(struct collector_inst *ci, double t)
{
	struct slab_priv *p = ci->priv;

	(void)t;
	if (!p)
		return 0;
	proc_src_close(&p->src);
	slab_free(&p->si);
	rb_free(&p->rb);
	free(p);
	ci->priv = NULL;
	return 0;
}

static int slabinfo_open(struct collector_inst *ci)
{
	struct slab_priv *p = xcalloc(1, sizeof(*p));
	int ret;

	ci->priv = p;
	ret = proc_src_open(&p->src, SLABINFO_PATH, ci->err, sizeof(ci->err));
	if (!ret) {
		slab_header(&p->rb);
		ret = rb_flush(&p->rb, ci->out);
	}
	if (ret)
		slabinfo_close(ci, 0);
	return ret;
}

static int slabinfo_sample(struct collector_inst *ci, double t)
{
	struct slab_priv *p = ci->priv;
	int ret;

	ret = proc_src_read(&p->src, ci->err, sizeof(ci->err));
	if (!ret)
		ret = slab_parse(&p->si, SLABINFO_PATH, p->src.buf, p->src.len, ci->err,
				 sizeof(ci->err));
	if (ret)
		return ret;
	slab_rows(&p->si, t, &p->rb);
	return rb_flush(&p->rb, ci->out);
}

const struct collector col_slabinfo = {
	.name = "slabinfo",
	.summary = "objects and slabs per slab cache (root)",
	.flags = COL_PERIODIC | COL_NEEDS_ROOT | COL_DEFAULT,
	.default_interval_ms = 1000,
	.available = slabinfo_available,
	.open = slabinfo_open,
	.sample = slabinfo_sample,
	.close = slabinfo_close,
};

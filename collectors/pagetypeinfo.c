/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pagetypeinfo: free blocks per node, zone, migratetype and order
 * (pagetypeinfo.csv) and pageblocks per migratetype
 * (pagetypeinfo-blocks.csv) from /proc/pagetypeinfo.  This is where
 * anti-fragmentation shows: unmovable allocations falling back into movable
 * pageblocks, pageblocks changing type.
 *
 * Reading the file is not free for the machine: the kernel walks every free
 * list under the zone lock (it stops counting at 100000 blocks per list and
 * prints ">100000"; the `capped` column says so), about 140 us per read on
 * a 24 GiB VM, hence its 1 s default interval.  It is readable by root only
 * (since Linux 5.6).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/proc.h"
#include "lib/mmab.h"

#define PAGETYPEINFO_PATH "/proc/pagetypeinfo"
#define BLOCKS_FLUSH_S 2.0		/* like the sampler's own CSVs */

static void *grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	return xrealloc(p, *cap * size);
}

/* "Free pages count per migrate type at order 0 1 ... N" */
static int pt_orders(struct cursor *c, struct pagetype_info *pi)
{
	int n = 0;

	while (!cur_eol(c)) {
		uint64_t o;
		int r = cur_u64(c, &o, "order");

		if (r)
			return r;
		if (o != (uint64_t)n || n == BUDDY_MAX_ORDERS)
			return cur_err(c, "orders must count up from 0 to at most %d",
				       BUDDY_MAX_ORDERS - 1);
		n++;
	}
	if (!n || (pi->norders && n != pi->norders))
		return cur_err(c, "%d orders, expected %d", n, pi->norders);
	pi->norders = n;
	return 0;
}

/* "Number of blocks type  Unmovable  Movable ..." into TYPES */
static int pt_types(struct cursor *c, char types[][PROC_NAME_MAX], int *ntypes)
{
	int n = 0;

	while (!cur_eol(c)) {
		int r;

		if (n == PT_MAX_TYPES)
			return cur_err(c, "more than %d migratetypes", PT_MAX_TYPES);
		r = cur_name(c, types[n], PROC_NAME_MAX, "migratetype", NULL);
		if (r)
			return r;
		n++;
	}
	if (!n)
		return cur_err(c, "no migratetypes");
	*ntypes = n;
	return 0;
}

/* "Node N, zone Z, type T  c0 c1 ... cN", a count may be ">100000" */
static int pt_free_line(struct cursor *c, struct pagetype_info *pi, struct pt_free *f)
{
	bool comma;
	int r, n = 0;

	r = cur_node_zone(c, &f->node, f->zone, sizeof(f->zone), &comma);
	if (!r && !comma)
		r = cur_err(c, "expected ',' after the zone name");
	if (!r)
		r = cur_expect(c, "type");
	if (!r)
		r = cur_name(c, f->type, sizeof(f->type), "migratetype", NULL);
	if (r)
		return r;
	f->capped = 0;
	while (!cur_eol(c)) {
		if (n == pi->norders)
			return cur_err(c, "more counts than the %d orders", pi->norders);
		cur_spaces(c);
		if (*c->p == '>') {
			c->p++;
			f->capped |= 1u << n;
		}
		r = cur_u64(c, &f->blocks[n], "free block count");
		if (r)
			return r;
		n++;
	}
	if (n != pi->norders)
		return cur_err(c, "%d counts for %d orders", n, pi->norders);
	return 0;
}

/* "Node N, zone Z  c0 ... c<ntypes-1>" */
static int pt_block_line(struct cursor *c, int ntypes, struct pt_blocks *b)
{
	int r = cur_node_zone(c, &b->node, b->zone, sizeof(b->zone), NULL);
	int n = 0;

	if (r)
		return r;
	while (!cur_eol(c)) {
		if (n == ntypes)
			return cur_err(c, "more counts than the %d migratetypes", ntypes);
		r = cur_u64(c, &b->count[n], "pageblock count");
		if (r)
			return r;
		n++;
	}
	if (n != ntypes)
		return cur_err(c, "%d counts for %d migratetypes", n, ntypes);
	b->ntypes = ntypes;
	return 0;
}

/* Where the parser is: which table, with which migratetype columns. */
struct pt_state {
	enum { PT_NONE, PT_FREE, PT_BLOCKS, PT_MIXED } table;
	char types[PT_MAX_TYPES][PROC_NAME_MAX];
	int ntypes;
};

/* A line that starts a table (or states the pageblock size): 1 if it was one, else 0 or -errno. */
static int pt_heading(struct cursor *c, struct pagetype_info *pi, struct pt_state *ps,
		      int *r)
{
	uint64_t v;

	if (cur_starts(c, "Page block order:")) {
		c->p += strlen("Page block order:");
		*r = cur_u64(c, &v, "page block order");
		if (!*r && v >= BUDDY_MAX_ORDERS)
			*r = cur_err(c, "page block order %llu is too big", (unsigned long long)v);
		pi->pageblock_order = (int)v;
		ps->table = PT_NONE;
	} else if (cur_starts(c, "Pages per block:")) {
		c->p += strlen("Pages per block:");
		*r = cur_u64(c, &v, "pages per block");
	} else if (cur_starts(c, "Free pages count per migrate type at order")) {
		c->p += strlen("Free pages count per migrate type at order");
		*r = pt_orders(c, pi);
		ps->table = PT_FREE;
	} else if (cur_starts(c, "Number of blocks type")) {
		c->p += strlen("Number of blocks type");
		*r = pt_types(c, ps->types, &ps->ntypes);
		ps->table = PT_BLOCKS;
	} else if (cur_starts(c, "Number of mixed blocks")) {
		c->p += strlen("Number of mixed blocks");
		*r = pt_types(c, ps->types, &ps->ntypes);
		ps->table = PT_MIXED;
	} else {
		return 0;
	}
	return 1;
}

/* One "Node ..." row of the current table.  0 or -errno. */
static int pt_row(struct cursor *c, struct pagetype_info *pi, struct pt_state *ps)
{
	struct pt_blocks mixed;
	int r;

	if (!cur_starts(c, "Node") || ps->table == PT_NONE)
		return cur_err(c, "unexpected line '%.*s'",
			       (int)(c->eol - c->p < 40 ? c->eol - c->p : 40), c->p);
	if (ps->table == PT_FREE) {
		pi->free = grow(pi->free, pi->nfree, &pi->free_cap, sizeof(*pi->free));
		r = pt_free_line(c, pi, &pi->free[pi->nfree]);
		pi->nfree += !r;
	} else if (ps->table == PT_BLOCKS) {
		pi->blk = grow(pi->blk, pi->nblk, &pi->blk_cap, sizeof(*pi->blk));
		r = pt_block_line(c, ps->ntypes, &pi->blk[pi->nblk]);
		if (!r)
			memcpy(pi->blk[pi->nblk++].type, ps->types, sizeof(ps->types));
	} else {
		r = pt_block_line(c, ps->ntypes, &mixed);	/* checked, not kept */
	}
	return r;
}

int pagetype_parse(struct pagetype_info *pi, const char *file, const char *text, size_t len,
		   char *err, size_t errlen)
{
	struct pt_state ps = { .table = PT_NONE };
	struct cursor c;
	int r;

	pi->nfree = pi->nblk = 0;
	pi->norders = 0;
	pi->pageblock_order = -1;
	cur_init(&c, file, text, len, err, errlen);
	while ((r = cur_next(&c)) > 0) {
		if (cur_eol(&c))
			continue;
		if (!pt_heading(&c, pi, &ps, &r))
			r = pt_row(&c, pi, &ps);
		if (!r && !cur_eol(&c))
			r = cur_err(&c, "unexpected text at the end of the line");
		if (r)
			return r;
	}
	if (r < 0)
		return r;
	if (!pi->nfree)
		return cur_err(&c, "no free block counts");
	return 0;
}

void pagetype_free(struct pagetype_info *pi)
{
	free(pi->free);
	free(pi->blk);
	memset(pi, 0, sizeof(*pi));
}

void pagetype_free_header(struct rowbuf *b)
{
	rb_str(b, "t,node,zone,migratetype,order,free_blocks,capped\n");
}

void pagetype_free_rows(const struct pagetype_info *pi, double t, struct rowbuf *b)
{
	char tb[32];
	size_t tl = proc_fmt_time(tb, t);

	for (size_t i = 0; i < pi->nfree; i++) {
		const struct pt_free *f = &pi->free[i];

		for (int o = 0; o < pi->norders; o++) {
			rb_mem(b, tb, tl);
			rb_putc(b, ',');
			rb_u64(b, (uint64_t)f->node);
			rb_putc(b, ',');
			rb_field(b, f->zone, strlen(f->zone));
			rb_putc(b, ',');
			rb_field(b, f->type, strlen(f->type));
			rb_putc(b, ',');
			rb_u64(b, (uint64_t)o);
			rb_putc(b, ',');
			rb_u64(b, f->blocks[o]);
			rb_str(b, f->capped & (1u << o) ? ",1\n" : ",0\n");
		}
	}
}

void pagetype_block_header(struct rowbuf *b)
{
	rb_str(b, "t,node,zone,migratetype,pageblocks\n");
}

void pagetype_block_rows(const struct pagetype_info *pi, double t, struct rowbuf *b)
{
	char tb[32];
	size_t tl = proc_fmt_time(tb, t);

	for (size_t i = 0; i < pi->nblk; i++) {
		const struct pt_blocks *k = &pi->blk[i];

		for (int m = 0; m < k->ntypes; m++) {
			rb_mem(b, tb, tl);
			rb_putc(b, ',');
			rb_u64(b, (uint64_t)k->node);
			rb_putc(b, ',');
			rb_field(b, k->zone, strlen(k->zone));
			rb_putc(b, ',');
			rb_field(b, k->type[m], strlen(k->type[m]));
			rb_putc(b, ',');
			rb_u64(b, k->count[m]);
			rb_putc(b, '\n');
		}
	}
}

/* ---- the collector ---- */

struct pt_priv {
	struct proc_src src;
	struct pagetype_info pi;
	struct rowbuf rb;
	char *blocks_path;
	FILE *blocks;			/* pagetypeinfo-blocks.csv */
	double flushed;			/* t of the last flush of blocks */
};

static int pagetypeinfo_available(char *why, size_t whylen)
{
	return proc_available(PAGETYPEINFO_PATH, why, whylen);
}

static int pagetypeinfo_close(struct collector_inst *ci, double t)
{
	struct pt_priv *p = ci->priv;
	int ret = 0;

	(void)t;
	if (!p)
		return 0;
	if (p->blocks) {
		bool bad = ferror(p->blocks);

		if (fclose(p->blocks) || bad) {
			ret = -EIO;
			snprintf(ci->err, sizeof(ci->err), "cannot write '%s'", p->blocks_path);
		}
	}
	proc_src_close(&p->src);
	pagetype_free(&p->pi);
	rb_free(&p->rb);
	free(p->blocks_path);
	free(p);
	ci->priv = NULL;
	return ret;
}

static int pagetypeinfo_open(struct collector_inst *ci)
{
	struct pt_priv *p = xcalloc(1, sizeof(*p));
	int ret, fd;

	ci->priv = p;
	ret = proc_src_open(&p->src, PAGETYPEINFO_PATH, ci->err, sizeof(ci->err));
	if (ret)
		goto out_close;
	p->blocks_path = xasprintf("%s/pagetypeinfo-blocks.csv", ci->dir);
	fd = open(p->blocks_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(p->blocks = fdopen(fd, "w"))) {
		ret = -errno;
		snprintf(ci->err, sizeof(ci->err), "cannot create '%s': %s", p->blocks_path,
			 strerror(-ret));
		if (fd >= 0)
			close(fd);
		goto out_close;
	}
	pagetype_block_header(&p->rb);
	ret = rb_flush(&p->rb, p->blocks);
	pagetype_free_header(&p->rb);
	if (!ret)
		ret = rb_flush(&p->rb, ci->out);
	if (!ret)
		return 0;
out_close:
	pagetypeinfo_close(ci, 0);
	return ret;
}

static int pagetypeinfo_sample(struct collector_inst *ci, double t)
{
	struct pt_priv *p = ci->priv;
	int ret;

	ret = proc_src_read(&p->src, ci->err, sizeof(ci->err));
	if (!ret)
		ret = pagetype_parse(&p->pi, PAGETYPEINFO_PATH, p->src.buf, p->src.len, ci->err,
				     sizeof(ci->err));
	if (ret)
		return ret;
	pagetype_free_rows(&p->pi, t, &p->rb);
	ret = rb_flush(&p->rb, ci->out);
	if (ret) {
		snprintf(ci->err, sizeof(ci->err), "cannot write '%s/pagetypeinfo.csv'", ci->dir);
		return ret;
	}
	pagetype_block_rows(&p->pi, t, &p->rb);
	ret = rb_flush(&p->rb, p->blocks);
	/* The sampler flushes ci->out; this second file is ours to flush. */
	if (!ret && t - p->flushed >= BLOCKS_FLUSH_S) {
		p->flushed = t;
		if (fflush(p->blocks))
			ret = -errno;
	}
	if (ret)
		snprintf(ci->err, sizeof(ci->err), "cannot write '%s': %s", p->blocks_path,
			 strerror(-ret));
	return ret;
}

const struct collector col_pagetypeinfo = {
	.name = "pagetypeinfo",
	.summary = "free blocks per migratetype and order, pageblocks per migratetype (root)",
	.flags = COL_PERIODIC | COL_NEEDS_ROOT,
	.default_interval_ms = 1000,
	.available = pagetypeinfo_available,
	.open = pagetypeinfo_open,
	.sample = pagetypeinfo_sample,
	.close = pagetypeinfo_close,
};

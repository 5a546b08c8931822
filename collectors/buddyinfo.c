/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * buddyinfo: free blocks per node, zone and order from /proc/buddyinfo, in
 * long form (buddyinfo.csv: one row per zone and order), with what the
 * kernel derives from the same counts for its debugfs extfrag files: the
 * zone's free pages, the unusable free space index and the fragmentation
 * index.  The indices use the kernel's own integer arithmetic in
 * thousandths (mm/vmstat.c unusable_free_index, __fragmentation_index), so
 * they equal what debugfs prints for the same counts, without debugfs.
 *
 * workloads/frag.c sums the zones of this parser for its own metrics: the
 * project has one buddyinfo parser.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/proc.h"
#include "lib/mmab.h"

#define BUDDYINFO_PATH "/proc/buddyinfo"

/* "Node N, zone NAME  b0 b1 ... bN" */
static int buddy_line(struct cursor *c, struct buddy_zone *z)
{
	int r = cur_node_zone(c, &z->node, z->zone, sizeof(z->zone), NULL);

	if (r)
		return r;
	z->norders = 0;
	while (!cur_eol(c)) {
		if (z->norders == BUDDY_MAX_ORDERS)
			return cur_err(c, "more than %d orders", BUDDY_MAX_ORDERS);
		r = cur_u64(c, &z->blocks[z->norders], "free block count");
		if (r)
			return r;
		z->norders++;
	}
	if (!z->norders)
		return cur_err(c, "no free block counts");
	return 0;
}

int buddy_parse(struct buddy_info *bi, const char *file, const char *text, size_t len,
		char *err, size_t errlen)
{
	struct cursor c;
	int r;

	bi->n = 0;
	cur_init(&c, file, text, len, err, errlen);
	while ((r = cur_next(&c)) > 0) {
		size_t ll = (size_t)(c.eol - c.line);
		struct buddy_zone *z;
		bool same;

		if (bi->n == bi->cap) {
			bi->cap = bi->cap ? bi->cap * 2 : 8;
			bi->z = xrealloc(bi->z, bi->cap * sizeof(*bi->z));
			bi->line = xrealloc(bi->line, bi->cap * sizeof(*bi->line));
		}
		z = &bi->z[bi->n];
		/*
		 * A line as it was last time (DMA, DMA32 nearly always) still has
		 * its zone parsed in z: most of a sample is then memcmp.
		 */
		same = bi->n < bi->nline && bi->line[bi->n].len == ll &&
		       !memcmp(bi->line[bi->n].text, c.line, ll);
		if (!same) {
			bi->nline = bi->n;	/* lines after a change are parsed anew */
			r = buddy_line(&c, z);
			if (r)
				return r;
		}
		if (bi->n && z->norders != bi->z[0].norders)
			return cur_err(&c, "%d orders, the first zone had %d", z->norders,
				       bi->z[0].norders);
		if (!same && ll <= sizeof(bi->line[0].text)) {
			memcpy(bi->line[bi->n].text, c.line, ll);
			bi->line[bi->n].len = ll;
			bi->nline = bi->n + 1;
		}
		bi->n++;
	}
	if (r < 0)
		return r;
	if (!bi->n)
		return cur_err(&c, "empty");
	return 0;
}

void buddy_free(struct buddy_info *bi)
{
	for (size_t i = 0; i < bi->ntext; i++)
		free(bi->text[i].rows);
	free(bi->text);
	free(bi->line);
	free(bi->z);
	memset(bi, 0, sizeof(*bi));
}

uint64_t buddy_free_pages(const struct buddy_zone *z)
{
	uint64_t pages = 0;

	for (int o = 0; o < z->norders; o++)
		pages += z->blocks[o] << o;
	return pages;
}

/* Blocks of ORDER the zone's free lists could serve (larger blocks split). */
static uint64_t suitable_blocks(const struct buddy_zone *z, int order)
{
	uint64_t n = 0;

	for (int o = order; o < z->norders; o++)
		n += z->blocks[o] << (o - order);
	return n;
}

int buddy_unusable_index(const struct buddy_zone *z, int order)
{
	uint64_t free_pages = buddy_free_pages(z);

	/* No free memory is all unusable, as the kernel says. */
	if (!free_pages)
		return 1000;
	return (int)((free_pages - (suitable_blocks(z, order) << order)) * 1000 / free_pages);
}

int buddy_fragmentation_index(const struct buddy_zone *z, int order)
{
	uint64_t total = 0, requested = 1ull << order;

	for (int o = 0; o < z->norders; o++)
		total += z->blocks[o];
	if (!total)
		return 0;
	/* Only meaningful when the allocation would fail. */
	if (suitable_blocks(z, order))
		return -1000;
	return (int)(1000 - (int64_t)((1000 + buddy_free_pages(z) * 1000 / requested) / total));
}

void buddy_header(struct rowbuf *b)
{
	rb_str(b, "t,node,zone,order,free_blocks,free_pages,unusable_index,"
		  "fragmentation_index\n");
}

/*
 * The same indices for every order of Z at once, in one pass from the top
 * order down (suitable(o) = blocks(o) + 2 suitable(o + 1)) instead of one
 * pass per order: this runs ten times a second.
 */
static void zone_indices(const struct buddy_zone *z, int *unusable, int *frag)
{
	uint64_t suitable = 0, free_pages = buddy_free_pages(z), total = 0;

	for (int o = 0; o < z->norders; o++)
		total += z->blocks[o];
	for (int o = z->norders - 1; o >= 0; o--) {
		suitable = z->blocks[o] + 2 * suitable;
		unusable[o] = free_pages ? (int)((free_pages - (suitable << o)) * 1000 / free_pages)
					 : 1000;
		if (!total)
			frag[o] = 0;
		else if (suitable)
			frag[o] = -1000;
		else
			frag[o] = (int)(1000 - (int64_t)((1000 + free_pages * 1000 / (1ull << o)) /
							 total));
	}
}

static bool same_zone(const struct buddy_zone *a, const struct buddy_zone *b)
{
	return a->node == b->node && a->norders == b->norders && !strcmp(a->zone, b->zone) &&
	       !memcmp(a->blocks, b->blocks, (size_t)a->norders * sizeof(a->blocks[0]));
}

/* Format zone Z's rows without `t`: "node,zone,order,free_blocks,free_pages,u,f\n". */
static void zone_text(struct buddy_text *x, const struct buddy_zone *z)
{
	int unusable[BUDDY_MAX_ORDERS], frag[BUDDY_MAX_ORDERS];
	char pre[24 + PROC_NAME_MAX], fp[24], *w;
	size_t pl = 0, fl, zl = strlen(z->zone), need;

	zone_indices(z, unusable, frag);
	pl = (size_t)(put_u64(pre, (uint64_t)z->node) - pre);
	pre[pl++] = ',';
	pl = (size_t)(put_mem(pre + pl, z->zone, zl) - pre);	/* no ',' or '"' in it */
	pre[pl++] = ',';
	fp[0] = ',';
	fl = (size_t)(put_u64(fp + 1, buddy_free_pages(z)) - fp);
	fp[fl++] = ',';
	need = (size_t)z->norders * (pl + fl + 80);
	if (x->cap < need) {
		x->rows = xrealloc(x->rows, need);
		x->cap = need;
	}
	w = x->rows;
	for (int o = 0; o < z->norders; o++) {
		x->off[o] = (uint32_t)(w - x->rows);
		w = put_mem(w, pre, pl);
		w = put_u64(w, (uint64_t)o);
		*w++ = ',';
		w = put_u64(w, z->blocks[o]);
		w = put_mem(w, fp, fl);
		w = put_milli(w, unusable[o]);
		*w++ = ',';
		w = put_milli(w, frag[o]);
		*w++ = '\n';
	}
	x->off[z->norders] = (uint32_t)(w - x->rows);
	x->z = *z;
}

void buddy_rows(struct buddy_info *bi, double t, struct rowbuf *b)
{
	char tb[32];
	size_t tl = proc_fmt_time(tb, t);

	tb[tl++] = ',';
	if (bi->ntext < bi->n) {
		bi->text = xrealloc(bi->text, bi->n * sizeof(*bi->text));
		memset(bi->text + bi->ntext, 0, (bi->n - bi->ntext) * sizeof(*bi->text));
		for (size_t i = bi->ntext; i < bi->n; i++)
			bi->text[i].z.norders = -1;	/* matches no zone */
		bi->ntext = bi->n;
	}
	for (size_t i = 0; i < bi->n; i++) {
		struct buddy_text *x = &bi->text[i];
		const struct buddy_zone *z = &bi->z[i];

		if (!same_zone(&x->z, z))
			zone_text(x, z);
		rb_reserve(b, x->off[z->norders] + (size_t)z->norders * tl);
		for (int o = 0; o < z->norders; o++) {
			char *w = b->p + b->len;

			w = put_mem(w, tb, tl);
			memcpy(w, x->rows + x->off[o], x->off[o + 1] - x->off[o]);
			b->len = (size_t)(w - b->p) + (x->off[o + 1] - x->off[o]);
		}
	}
}

/* ---- the collector ---- */

static void ops_header(const void *st, struct rowbuf *b)
{
	(void)st;
	buddy_header(b);
}

static int ops_parse(void *st, const char *file, const char *text, size_t len, char *err,
		     size_t errlen)
{
	return buddy_parse(st, file, text, len, err, errlen);
}

static void ops_rows(void *st, double t, struct rowbuf *b)
{
	buddy_rows(st, t, b);
}

static void ops_free(void *st)
{
	buddy_free(st);
}

static const struct proc_ops buddy_ops = {
	sizeof(struct buddy_info), NULL, ops_header, ops_parse, ops_rows, ops_free,
};

static int buddyinfo_available(char *why, size_t whylen)
{
	return proc_available(BUDDYINFO_PATH, why, whylen);
}

static int buddyinfo_open(struct collector_inst *ci)
{
	return proc_collector_open(ci, BUDDYINFO_PATH, &buddy_ops);
}

const struct collector col_buddyinfo = {
	.name = "buddyinfo",
	.summary = "free blocks per zone and order, with the kernel's fragmentation indices",
	.flags = COL_PERIODIC | COL_DEFAULT,
	.default_interval_ms = 100,
	.available = buddyinfo_available,
	.open = buddyinfo_open,
	.sample = proc_collector_sample,
	.close = proc_collector_close,
};

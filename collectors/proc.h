/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the /proc collectors (vmstat, meminfo, buddyinfo, pagetypeinfo,
 * slabinfo, psi) share, and their parsers.  A collector keeps its file open
 * and re-reads it with pread (struct proc_src), parses the text with a line
 * cursor whose errors name FILE:LINE, and formats CSV rows into a row buffer
 * that is handed to stdio in one piece: per sample, the cost on top of the
 * kernel producing the file is a few microseconds of string handling, with no
 * printf and no allocation once the buffers have grown.
 *
 * Parsers take a buffer, never a path, so unit tests feed them fixture files
 * without root.  Every parser is strict: a line it does not understand, a
 * number that is not one, or a file cut short (every /proc file ends in a
 * newline) is an error with a message, never a silently wrong number.
 */
#ifndef MMAB_PROC_H
#define MMAB_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "collectors/collector.h"

/* ---- row buffer: CSV formatting without printf ---- */

struct rowbuf {
	char *p;
	size_t len, cap;
};

/* rb_grow - the slow path of rb_reserve. */
void rb_grow(struct rowbuf *b, size_t n);
/* rb_reserve - make room for N more bytes. */
static inline void rb_reserve(struct rowbuf *b, size_t n)
{
	if (b->len + n > b->cap)
		rb_grow(b, n);
}
void rb_mem(struct rowbuf *b, const char *s, size_t n);
void rb_str(struct rowbuf *b, const char *s);
static inline void rb_putc(struct rowbuf *b, char c)
{
	rb_reserve(b, 1);
	b->p[b->len++] = c;
}
/* rb_field - S[0..n) as a CSV field, quoted only when it holds , " or a newline. */
void rb_field(struct rowbuf *b, const char *s, size_t n);
void rb_u64(struct rowbuf *b, uint64_t v);
void rb_i64(struct rowbuf *b, int64_t v);
/* rb_time - seconds with six decimals (microseconds), as every `t` column. */
void rb_time(struct rowbuf *b, double t);
/* proc_fmt_time - the same into BUF (at least 32 bytes); returns the length. */
size_t proc_fmt_time(char *buf, double t);
/*
 * put_u64, put_milli, put_mem - V in decimal, V thousandths with three
 * places, N bytes of S at O (room reserved by the caller: 20, 24, N bytes);
 * return the end.  Inline, no call to memcpy: rows are made of many short
 * fields, where calls cost more than the bytes.
 */
static inline char *put_u64(char *o, uint64_t v)
{
	uint64_t p = 10;
	size_t n = 1;

	while (n < 20 && v >= p) {
		n++;
		p = n < 20 ? p * 10 : p;
	}
	for (size_t i = n; i-- > 0; v /= 10)
		o[i] = (char)('0' + v % 10);
	return o + n;
}

static inline char *put_milli(char *o, long v)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	if (v < 0)
		*o++ = '-';
	o = put_u64(o, a / 1000);
	*o++ = '.';
	*o++ = (char)('0' + a / 100 % 10);
	*o++ = (char)('0' + a / 10 % 10);
	*o++ = (char)('0' + a % 10);
	return o;
}

static inline char *put_mem(char *o, const char *s, size_t n)
{
	while (n--)
		*o++ = *s++;
	return o;
}

/* proc_fmt_u64 - V in decimal into BUF (at least 20 bytes); returns the length. */
size_t proc_fmt_u64(char *buf, uint64_t v);
/* rb_milli - V thousandths as a decimal with three places: -1000 -> "-1.000". */
void rb_milli(struct rowbuf *b, long v);
/*
 * rb_flush - append the buffer to F (one fwrite) and empty it.  Returns 0 or
 * -EIO (the stream's error flag is set; the sampler reports it).
 */
int rb_flush(struct rowbuf *b, FILE *f);
void rb_free(struct rowbuf *b);

/* ---- line cursor ---- */

struct cursor {
	const char *file;	/* name for messages: "/proc/vmstat" or a fixture */
	const char *next, *end;	/* text not yet split into lines */
	const char *p, *eol;	/* the current line: p moves as tokens are taken */
	const char *line;	/* start of the current line */
	unsigned lineno;
	char *err;		/* message buffer (may be NULL) */
	size_t errlen;
};

void cur_init(struct cursor *c, const char *file, const char *text, size_t len, char *err,
	      size_t errlen);
/*
 * cur_next - move to the next line.  Returns 1 with a line, 0 at the end of
 * the text, or -EINVAL (message set) when the text does not end in a
 * newline: a read cut short.
 */
int cur_next(struct cursor *c);
/* cur_err - write "FILE:LINE: MESSAGE" into the error buffer; returns -EINVAL. */
int cur_err(struct cursor *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* cur_spaces - skip blanks on the line; returns how many. */
size_t cur_spaces(struct cursor *c);
/* cur_eol - only blanks left on the line? */
bool cur_eol(struct cursor *c);
/*
 * cur_word - the next blank-separated token of the line (after blanks) in
 * *w, *n; 0, or -EINVAL when the line is exhausted.  Tokens hold only
 * printable ASCII: anything else is an error.
 */
int cur_word(struct cursor *c, const char **w, size_t *n);
/* cur_expect - skip blanks, then the literal LIT; 0 or -EINVAL (message set). */
int cur_expect(struct cursor *c, const char *lit);
/* cur_u64 - skip blanks, then a decimal number ending at a blank or the line's end. */
int cur_u64(struct cursor *c, uint64_t *v, const char *what);
/* cur_starts - does the current line (from p) start with LIT?  Nothing is consumed. */
bool cur_starts(const struct cursor *c, const char *lit);

/*
 * cur_name - the next token into BUF (SIZE bytes with the NUL): a zone or
 * migratetype name, which can go into a CSV unquoted (no ',' and no '"').
 * With COMMA non-NULL a trailing ',' is allowed, removed and reported
 * there.  0 or -EINVAL.
 */
int cur_name(struct cursor *c, char *buf, size_t size, const char *what, bool *comma);
/*
 * cur_node_zone - "Node N, zone NAME" as buddyinfo, pagetypeinfo and the
 * extfrag files start their lines; COMMA as for cur_name.  0 or -EINVAL.
 */
int cur_node_zone(struct cursor *c, int *node, char *zone, size_t zlen, bool *comma);

/* proc_u64 - strict decimal S[0..n) (digits only, no overflow) into *v; 0 or -EINVAL. */
int proc_u64(const char *s, size_t n, uint64_t *v);

/* ---- an open /proc file, re-read with pread ---- */

struct proc_src {
	const char *path;
	int fd;
	char *buf;		/* the last read, NUL-terminated */
	size_t cap;
	size_t len;
};

/* proc_src_open - open PATH read-only; 0 or -errno (ERR says "cannot open 'PATH': ..."). */
int proc_src_open(struct proc_src *s, const char *path, char *err, size_t errlen);
/* proc_src_read - re-read the whole file from offset 0 into s->buf; 0 or -errno. */
int proc_src_read(struct proc_src *s, char *err, size_t errlen);
void proc_src_close(struct proc_src *s);
/*
 * proc_available - can PATH be opened for reading here?  0, or -errno with
 * WHY naming the file and, for EACCES, that it needs root.
 */
int proc_available(const char *path, char *why, size_t whylen);

/* ---- the body of a collector that reads one file and writes one CSV ---- */

/*
 * What vmstat, meminfo, buddyinfo and slabinfo differ in: how the file is
 * parsed into a state and what rows the state makes.  Everything else
 * (open once, pread per sample, row buffer, errors) is proc_collector_*.
 */
struct proc_ops {
	size_t state_size;	/* the parsed state: zeroed at open, freed by ->free */
	/* init - optional: look at the first read, at open (vmstat fixes its columns) */
	int (*init)(void *st, const char *file, const char *text, size_t len, char *err,
		    size_t errlen);
	void (*header)(const void *st, struct rowbuf *b);
	int (*parse)(void *st, const char *file, const char *text, size_t len, char *err,
		     size_t errlen);
	void (*rows)(void *st, double t, struct rowbuf *b);	/* st may cache */
	void (*free)(void *st);
};

/*
 * proc_collector_open - open PATH, read it once for ->init, write the header.
 * proc_collector_sample - read, parse, write the rows for T.
 * proc_collector_close - free everything.
 * The collector's open() calls proc_collector_open with its path and ops;
 * the other two go straight into its struct collector.  0 or -errno, with
 * ci->err saying why.
 */
int proc_collector_open(struct collector_inst *ci, const char *path, const struct proc_ops *ops);
int proc_collector_sample(struct collector_inst *ci, double t);
int proc_collector_close(struct collector_inst *ci, double t);

/* ---- vmstat and meminfo: one "name value" line per counter ---- */

enum kv_style {
	KV_VMSTAT,		/* "name value" */
	KV_MEMINFO,		/* "Name:   value kB" or "Name:   value" */
};

/*
 * The columns of a keyed file are fixed by the first read (kv_init): later
 * reads fill them by name.  A name that appears later is ignored, one that
 * vanishes leaves an empty cell: a kernel that adds or drops a counter
 * never breaks a CSV, and a missing counter is n/a, never zero.
 */
struct kv_table {
	enum kv_style style;
	size_t n;
	char **names;
	size_t *nlen;
	const char **val;	/* spans into the last text parsed; NULL: absent */
	unsigned *vlen;
	unsigned *seen;		/* generation of the parse that filled the column */
	unsigned gen;
};

/* kv_init - fix the columns from TEXT (which must parse); 0 or -EINVAL (message in ERR). */
int kv_init(struct kv_table *t, enum kv_style style, const char *file, const char *text,
	    size_t len, char *err, size_t errlen);
/*
 * kv_parse - fill the columns from TEXT, which must stay alive until the row
 * is written.  0 or -EINVAL: a malformed line, a name given twice, or no
 * known counter at all.
 */
int kv_parse(struct kv_table *t, const char *file, const char *text, size_t len, char *err,
	     size_t errlen);
/* kv_header - "t,name,...\n". */
void kv_header(const struct kv_table *t, struct rowbuf *b);
/* kv_row - "T,value,...\n" from the last kv_parse; absent counters are empty cells. */
void kv_row(const struct kv_table *t, double ts, struct rowbuf *b);
void kv_free(struct kv_table *t);

/* The proc_ops of vmstat and meminfo (below): columns fixed by a first read at open. */
extern const struct proc_ops kv_vmstat_ops, kv_meminfo_ops;

/* ---- buddyinfo ---- */

#define BUDDY_MAX_ORDERS 16
#define PROC_NAME_MAX 24	/* zone, migratetype names */

struct buddy_zone {
	int node;
	char zone[PROC_NAME_MAX];
	int norders;
	uint64_t blocks[BUDDY_MAX_ORDERS];	/* free blocks of each order */
};

/* A zone's rows as last formatted, without `t`: reused while its counts stay. */
struct buddy_text {
	struct buddy_zone z;
	char *rows;
	size_t cap;
	uint32_t off[BUDDY_MAX_ORDERS + 1];	/* order o's row: rows[off[o]..off[o+1]) */
};

struct buddy_info {
	size_t n, cap;
	struct buddy_zone *z;
	size_t nline;
	struct { size_t len; char text[160]; } *line;	/* buddy_parse's: z[i] came from line[i] */
	size_t ntext;
	struct buddy_text *text;		/* buddy_rows' cache, per zone */
};

/*
 * buddy_parse - parse /proc/buddyinfo TEXT into *bi (zones in the file's
 * order; bi is reused across calls, buddy_free releases it).  Every zone
 * must list the same number of orders.  0 or -EINVAL (message in ERR).
 */
int buddy_parse(struct buddy_info *bi, const char *file, const char *text, size_t len,
		char *err, size_t errlen);
void buddy_free(struct buddy_info *bi);
/* buddy_free_pages - free pages in the zone: sum of blocks << order. */
uint64_t buddy_free_pages(const struct buddy_zone *z);
/*
 * buddy_unusable_index - the kernel's unusable free space index of the zone
 * for ORDER, in thousandths, computed exactly as mm/vmstat.c
 * unusable_free_index() (debugfs extfrag/unusable_index): 1000 when nothing
 * is free, else (free - suitable << order) * 1000 / free, truncated.
 */
int buddy_unusable_index(const struct buddy_zone *z, int order);
/*
 * buddy_fragmentation_index - mm/vmstat.c __fragmentation_index() in
 * thousandths (debugfs extfrag/extfrag_index): 0 with no free block, -1000
 * when an allocation of ORDER would succeed, else
 * 1000 - (1000 + free * 1000 / 2^order) / blocks, integer division.
 */
int buddy_fragmentation_index(const struct buddy_zone *z, int order);
/* buddy_header, buddy_rows - buddyinfo.csv (results/README.md). */
void buddy_header(struct rowbuf *b);
/*
 * buddy_rows - the rows of the last buddy_parse for time T.  A zone whose
 * counts did not change since the previous call reuses its formatted rows
 * (DMA and DMA32 hardly ever change): half the cost of a sample.
 */
void buddy_rows(struct buddy_info *bi, double t, struct rowbuf *b);

/* ---- pagetypeinfo ---- */

#define PT_MAX_TYPES 12

/* Free blocks of one migratetype in one zone, per order. */
struct pt_free {
	int node;
	char zone[PROC_NAME_MAX];
	char type[PROC_NAME_MAX];
	uint64_t blocks[BUDDY_MAX_ORDERS];
	uint32_t capped;		/* bit o: the kernel stopped counting (">100000") */
};

/* Pageblocks of each migratetype in one zone. */
struct pt_blocks {
	int node;
	char zone[PROC_NAME_MAX];
	int ntypes;
	char type[PT_MAX_TYPES][PROC_NAME_MAX];
	uint64_t count[PT_MAX_TYPES];
};

struct pagetype_info {
	int pageblock_order;		/* -1 when the file did not say */
	int norders;
	size_t nfree, free_cap;
	struct pt_free *free;
	size_t nblk, blk_cap;
	struct pt_blocks *blk;
};

/*
 * pagetype_parse - parse /proc/pagetypeinfo TEXT (one section per NUMA node)
 * into *pi, reused across calls.  The "Number of mixed blocks" table
 * (page_owner kernels) is checked and skipped.  0 or -EINVAL.
 */
int pagetype_parse(struct pagetype_info *pi, const char *file, const char *text, size_t len,
		   char *err, size_t errlen);
void pagetype_free(struct pagetype_info *pi);
/* pagetype_free_header/rows - pagetypeinfo.csv. */
void pagetype_free_header(struct rowbuf *b);
void pagetype_free_rows(const struct pagetype_info *pi, double t, struct rowbuf *b);
/* pagetype_block_header/rows - pagetypeinfo-blocks.csv. */
void pagetype_block_header(struct rowbuf *b);
void pagetype_block_rows(const struct pagetype_info *pi, double t, struct rowbuf *b);

/* ---- slabinfo ---- */

struct slab_row {
	const char *name;		/* span into the parsed text */
	size_t nlen;
	uint64_t active_objs, num_objs, objsize, objperslab, pagesperslab;
	uint64_t active_slabs, num_slabs;
	bool changed;			/* parsed since slab_rows last formatted it */
};

/*
 * Most caches do not change from one read to the next: slab_parse reuses
 * the row of a line that reads as it did last time, slab_rows the text it
 * formatted for a row that did not change.
 */
struct slab_info {
	size_t n, cap;
	struct slab_row *r;
	char *prev;			/* the last good read */
	size_t prev_cap, nprev;
	uint32_t *off, *prev_off;	/* line i of this read / the last: text + off[i] */
	uint32_t *llen, *prev_llen;
	struct rowbuf body, next_body;	/* slab_rows' rows without `t` */
	uint32_t *body_off, *next_off;	/* row i: body.p[body_off[i] .. body_off[i + 1]) */
	size_t nbody;
};

/*
 * slab_parse - parse /proc/slabinfo TEXT (version 2.x; the statistics
 * columns of SLAB debug kernels are ignored) into *si, reused across calls;
 * names point into TEXT.  0 or -EINVAL.
 */
int slab_parse(struct slab_info *si, const char *file, const char *text, size_t len,
	       char *err, size_t errlen);
void slab_free(struct slab_info *si);
void slab_header(struct rowbuf *b);
/* slab_rows - the rows of the last slab_parse for time T (names point into its TEXT). */
void slab_rows(struct slab_info *si, double t, struct rowbuf *b);

/* ---- psi ---- */

/* One line of a /proc/pressure file, numbers as the kernel printed them. */
struct psi_line {
	char kind[8];			/* "some" or "full" */
	char avg[3][16];		/* avg10, avg60, avg300: percent, two decimals */
	uint64_t total_us;
};

struct psi_info {
	int n;
	struct psi_line l[2];
};

/* psi_parse - parse one /proc/pressure/RESOURCE TEXT; 0 or -EINVAL. */
int psi_parse(struct psi_info *pi, const char *file, const char *text, size_t len, char *err,
	      size_t errlen);
void psi_header(struct rowbuf *b);
void psi_rows(const struct psi_info *pi, const char *resource, double t, struct rowbuf *b);

#endif

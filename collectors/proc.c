/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The helpers behind the /proc collectors (collectors/proc.h): CSV row
 * formatting by hand, a strict line cursor, a pread-based re-reader, and the
 * keyed-table parser and collector body that vmstat and meminfo share.  The
 * hand formatting is deliberate: a vmstat row is ~180 numbers ten times a
 * second, and printf would cost more than the kernel takes to produce them.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/proc.h"
#include "lib/csv.h"
#include "lib/mmab.h"

/*
 * Printable ASCII other than the space.  Not isgraph(): that is a call and
 * a locale lookup per byte, which was half of a vmstat sample's cost.
 */
static inline bool graph(unsigned char ch)
{
	return (unsigned char)(ch - 0x21) < 0x5e;
}

/* ---- row buffer ---- */

void rb_grow(struct rowbuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;

	while (cap < b->len + n)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void rb_mem(struct rowbuf *b, const char *s, size_t n)
{
	rb_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void rb_str(struct rowbuf *b, const char *s)
{
	rb_mem(b, s, strlen(s));
}

void rb_field(struct rowbuf *b, const char *s, size_t n)
{
	rb_reserve(b, 2 * n + 2);
	b->len += csv_quote(b->p + b->len, 2 * n + 2, s, n);
}

size_t proc_fmt_u64(char *buf, uint64_t v)
{
	return (size_t)(put_u64(buf, v) - buf);
}

void rb_u64(struct rowbuf *b, uint64_t v)
{
	rb_reserve(b, 20);
	b->len += proc_fmt_u64(b->p + b->len, v);
}

void rb_i64(struct rowbuf *b, int64_t v)
{
	if (v < 0) {
		rb_putc(b, '-');
		rb_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		rb_u64(b, (uint64_t)v);
	}
}

/* Fractional part of FRAC / 10^DIGITS with exactly DIGITS digits. */
static void rb_frac(struct rowbuf *b, uint64_t frac, int digits)
{
	char tmp[8];

	for (int i = digits - 1; i >= 0; i--) {
		tmp[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	rb_mem(b, tmp, (size_t)digits);
}

size_t proc_fmt_time(char *buf, double t)
{
	long long us = llround(t * 1e6);
	uint64_t a = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
	struct rowbuf b = { buf, 0, 32 };	/* never grows: 21 + 8 bytes at most */

	if (us < 0)
		rb_putc(&b, '-');
	rb_u64(&b, a / 1000000);
	rb_putc(&b, '.');
	rb_frac(&b, a % 1000000, 6);
	return b.len;
}

void rb_time(struct rowbuf *b, double t)
{
	rb_reserve(b, 32);
	b->len += proc_fmt_time(b->p + b->len, t);
}

void rb_milli(struct rowbuf *b, long v)
{
	rb_reserve(b, 24);
	b->len = (size_t)(put_milli(b->p + b->len, v) - b->p);
}

int rb_flush(struct rowbuf *b, FILE *f)
{
	size_t n = b->len;

	b->len = 0;
	if (n && fwrite_unlocked(b->p, 1, n, f) != n)
		return -EIO;
	return 0;
}

void rb_free(struct rowbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- line cursor ---- */

void cur_init(struct cursor *c, const char *file, const char *text, size_t len, char *err,
	      size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->file = file;
	c->next = text;
	c->end = text + len;
	c->p = c->eol = c->line = text;
	c->err = err;
	c->errlen = errlen;
}

int cur_err(struct cursor *c, const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	if (!c->err || !c->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->lineno)
		snprintf(c->err, c->errlen, "%s:%u: %s", c->file, c->lineno, msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->file, msg);
	return -EINVAL;
}

int cur_next(struct cursor *c)
{
	const char *nl;

	if (c->next >= c->end)
		return 0;
	nl = memchr(c->next, '\n', (size_t)(c->end - c->next));
	c->lineno++;
	c->line = c->p = c->next;
	if (!nl) {
		c->eol = c->end;
		return cur_err(c, "truncated: the last line has no newline");
	}
	c->eol = nl;
	c->next = nl + 1;
	return 1;
}

size_t cur_spaces(struct cursor *c)
{
	const char *s = c->p;

	while (c->p < c->eol && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
	return (size_t)(c->p - s);
}

bool cur_eol(struct cursor *c)
{
	cur_spaces(c);
	return c->p >= c->eol;
}

/* Quote at most 24 bytes of S for a message, escaping what is not printable. */
static const char *shown(const char *s, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && i < 24 && o + 5 < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (graph(ch) || ch == ' ')
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", ch);
	}
	if (n > 24 && o + 4 < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

int cur_word(struct cursor *c, const char **w, size_t *n)
{
	const char *s;

	cur_spaces(c);
	s = c->p;
	while (c->p < c->eol && *c->p != ' ' && *c->p != '\t') {
		unsigned char ch = (unsigned char)*c->p;

		if (!graph(ch)) {
			char b[32];

			return cur_err(c, "unexpected byte in '%s'",
				       shown(s, (size_t)(c->eol - s), b, sizeof(b)));
		}
		c->p++;
	}
	if (c->p == s)
		return cur_err(c, "line ends too early");
	*w = s;
	*n = (size_t)(c->p - s);
	return 0;
}

bool cur_starts(const struct cursor *c, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(c->eol - c->p) >= n && !memcmp(c->p, lit, n);
}

int cur_expect(struct cursor *c, const char *lit)
{
	char b[32];

	cur_spaces(c);
	if (cur_starts(c, lit)) {
		c->p += strlen(lit);
		return 0;
	}
	return cur_err(c, "expected '%s', got '%s'", lit,
		       shown(c->p, (size_t)(c->eol - c->p), b, sizeof(b)));
}

int cur_name(struct cursor *c, char *buf, size_t size, const char *what, bool *comma)
{
	const char *w;
	size_t n;

	if (cur_word(c, &w, &n))
		return cur_err(c, "missing %s", what);
	if (comma) {
		*comma = w[n - 1] == ',';
		n -= *comma;
	}
	if (!n || n >= size || memchr(w, ',', n) || memchr(w, '"', n))
		return cur_err(c, "bad %s '%.*s'", what, (int)(n < 40 ? n : 40), w);
	memcpy(buf, w, n);
	buf[n] = '\0';
	return 0;
}

int cur_node_zone(struct cursor *c, int *node, char *zone, size_t zlen, bool *comma)
{
	const char *w;
	size_t n;
	uint64_t v;
	int r;

	r = cur_expect(c, "Node");
	if (r)
		return r;
	if (cur_word(c, &w, &n) || n < 2 || w[n - 1] != ',' || proc_u64(w, n - 1, &v) ||
	    v > 1u << 20)
		return cur_err(c, "expected 'Node N,'");
	*node = (int)v;
	r = cur_expect(c, "zone");
	if (r)
		return r;
	return cur_name(c, zone, zlen, "zone name", comma);
}

int proc_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return -EINVAL;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

int cur_u64(struct cursor *c, uint64_t *v, const char *what)
{
	const char *s, *p;
	uint64_t x = 0;
	char b[32];

	cur_spaces(c);
	s = p = c->p;
	/*
	 * Digits straight into the number, no token pass first (the hot path);
	 * 19 digits cannot overflow, a 20th is checked.
	 */
	while (p < c->eol && (unsigned)(*p - '0') < 10 && p - s < 19)
		x = x * 10 + (unsigned)(*p++ - '0');
	if (p < c->eol && (unsigned)(*p - '0') < 10 && x <= (UINT64_MAX - (unsigned)(*p - '0')) / 10)
		x = x * 10 + (unsigned)(*p++ - '0');
	if (p == s || (p < c->eol && *p != ' ' && *p != '\t')) {
		const char *w;
		size_t n;

		if (cur_word(c, &w, &n))
			return cur_err(c, "missing %s", what);
		return cur_err(c, "%s is not a number: '%s'", what, shown(w, n, b, sizeof(b)));
	}
	c->p = p;
	*v = x;
	return 0;
}

/* ---- /proc sources ---- */

int proc_src_open(struct proc_src *s, const char *path, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->path = path;
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(e));
		return -e;
	}
	return 0;
}

int proc_src_read(struct proc_src *s, char *err, size_t errlen)
{
	ssize_t n = mmab_pread_all(s->fd, &s->buf, &s->cap);

	if (n < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", s->path, strerror((int)-n));
		return (int)n;
	}
	s->len = (size_t)n;
	return 0;
}

void proc_src_close(struct proc_src *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

int proc_available(const char *path, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int e;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	e = errno;
	if (e == EACCES || e == EPERM)
		snprintf(why, whylen, "needs root ('%s' is readable by root only)", path);
	else
		snprintf(why, whylen, "cannot open '%s': %s", path, strerror(e));
	return -e;
}

/* ---- keyed tables: vmstat and meminfo ---- */

/*
 * One line: "name value" (vmstat) or "Name:   value[ kB]" (meminfo); the
 * value is the kernel's decimal, kept as text (an optional '-' allowed).
 */
static int kv_line(struct cursor *c, enum kv_style style, const char **name, size_t *nlen,
		   const char **val, size_t *vlen)
{
	const char *p = c->p, *e = c->eol, *v;
	char b[32];

	while (p < e && *p != (style == KV_VMSTAT ? ' ' : ':')) {
		unsigned char ch = (unsigned char)*p;

		if (!graph(ch) || ch == ',' || ch == '"' || ch == ':')
			return cur_err(c, "expected '%s', got '%s'",
				       style == KV_VMSTAT ? "name value" : "Name: value",
				       shown(c->line, (size_t)(e - c->line), b, sizeof(b)));
		p++;
	}
	if (p == c->p || p == e)
		return cur_err(c, "expected '%s', got '%s'",
			       style == KV_VMSTAT ? "name value" : "Name: value",
			       shown(c->line, (size_t)(e - c->line), b, sizeof(b)));
	*name = c->p;
	*nlen = (size_t)(p - c->p);
	p++;
	while (p < e && *p == ' ')
		p++;
	v = p;
	if (p < e && *p == '-')
		p++;
	while (p < e && *p >= '0' && *p <= '9')
		p++;
	if (p == v || (*v == '-' && p == v + 1) || p - v > 21 || (p < e && *p != ' ')) {
		const char *ve = memchr(v, ' ', (size_t)(e - v));

		return cur_err(c, "the value of '%.*s' is not a number: '%s'", (int)*nlen, *name,
			       shown(v, (size_t)((ve ? ve : e) - v), b, sizeof(b)));
	}
	*val = v;
	*vlen = (size_t)(p - v);
	if (style == KV_MEMINFO && e - p >= 3 && !memcmp(p, " kB", 3))
		p += 3;
	while (p < e && *p == ' ')
		p++;
	if (p != e)
		return cur_err(c, "unexpected '%s' after the value of '%.*s'",
			       shown(p, (size_t)(e - p), b, sizeof(b)), (int)*nlen, *name);
	return 0;
}

static void kv_alloc(struct kv_table *t, size_t n)
{
	t->n = n;
	t->names = xcalloc(n, sizeof(*t->names));
	t->nlen = xcalloc(n, sizeof(*t->nlen));
	t->val = xcalloc(n, sizeof(*t->val));
	t->vlen = xcalloc(n, sizeof(*t->vlen));
	t->seen = xcalloc(n, sizeof(*t->seen));
}

int kv_init(struct kv_table *t, enum kv_style style, const char *file, const char *text,
	    size_t len, char *err, size_t errlen)
{
	struct cursor c;
	size_t n = 0;
	int r;

	memset(t, 0, sizeof(*t));
	t->style = style;
	cur_init(&c, file, text, len, err, errlen);
	while ((r = cur_next(&c)) > 0)
		n++;
	if (r < 0)
		return r;
	if (!n)
		return cur_err(&c, "empty");
	kv_alloc(t, n);
	cur_init(&c, file, text, len, err, errlen);
	for (size_t i = 0; cur_next(&c) > 0; i++) {
		const char *name, *val;
		size_t nlen, vlen;

		r = kv_line(&c, style, &name, &nlen, &val, &vlen);
		if (r)
			goto out_free;
		for (size_t j = 0; j < i; j++) {
			if (t->nlen[j] == nlen && !memcmp(t->names[j], name, nlen)) {
				r = cur_err(&c, "'%.*s' appears twice", (int)nlen, name);
				goto out_free;
			}
		}
		t->names[i] = xasprintf("%.*s", (int)nlen, name);
		t->nlen[i] = nlen;
	}
	return 0;
out_free:
	kv_free(t);
	return r;
}

/* N bytes of A and B equal?  Eight at a time, inline: names are short. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t x, y;

	for (; n >= 8; n -= 8, a += 8, b += 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return false;
	}
	while (n--)
		if (*a++ != *b++)
			return false;
	return true;
}

/*
 * Spaces from P on, eight at a time first: meminfo pads every value to the
 * same column, ~10 spaces a line.
 */
static inline const char *skip_blanks(const char *p, const char *end)
{
	static const uint64_t spaces = 0x2020202020202020ull;
	uint64_t w;

	while (end - p >= 8) {
		memcpy(&w, p, 8);
		if (w != spaces)
			break;
		p += 8;
	}
	while (p < end && *p == ' ')
		p++;
	return p;
}

/*
 * The fast path of kv_parse: the line at P starts with NAME and its
 * separator, followed by a well-formed value and the newline?  Returns the
 * start of the next line, or NULL to send the line to kv_line, which says
 * what is wrong with it.  One pass over the bytes, no memchr first: this is
 * most of a vmstat sample's own cost.
 */
static const char *kv_fast(const char *p, const char *end, enum kv_style style,
			   const char *name, size_t nlen, const char **val, size_t *vlen)
{
	const char *v;

	if ((size_t)(end - p) <= nlen || p[nlen] != (style == KV_VMSTAT ? ' ' : ':') ||
	    !same_bytes(p, name, nlen))
		return NULL;
	p = skip_blanks(p + nlen + 1, end);
	v = p;
	if (p < end && *p == '-')
		p++;
	while (p < end && (unsigned)(*p - '0') < 10)
		p++;
	if (p == v || (*v == '-' && p == v + 1) || p - v > 21)
		return NULL;
	*val = v;
	*vlen = (size_t)(p - v);
	if (style == KV_MEMINFO && end - p >= 3 && p[0] == ' ' && p[1] == 'k' && p[2] == 'B')
		p += 3;
	while (p < end && *p == ' ')
		p++;
	return p < end && *p == '\n' ? p + 1 : NULL;
}

int kv_parse(struct kv_table *t, const char *file, const char *text, size_t len, char *err,
	     size_t errlen)
{
	const char *p = text, *end = text + len;
	size_t hint = 0, found = 0;
	unsigned lineno = 0;
	struct cursor c;
	int r;

	if (++t->gen == 0)
		t->gen = 1;
	cur_init(&c, file, text, len, err, errlen);
	while (p < end) {
		const char *name, *val, *next = NULL;
		size_t nlen, vlen, j = hint;

		/* The kernel prints counters in a fixed order: try the next column first. */
		if (j < t->n)
			next = kv_fast(p, end, t->style, t->names[j], t->nlen[j], &val, &vlen);
		if (next) {
			name = t->names[j];
			nlen = t->nlen[j];
		} else {
			c.next = p;
			c.lineno = lineno;
			r = cur_next(&c);
			if (r < 0)
				return r;
			r = kv_line(&c, t->style, &name, &nlen, &val, &vlen);
			if (r)
				return r;
			next = c.next;
			for (j = 0; j < t->n; j++)
				if (t->nlen[j] == nlen && !memcmp(t->names[j], name, nlen))
					break;
		}
		lineno++;
		p = next;
		if (j == t->n)
			continue;	/* a counter the header does not know */
		if (t->seen[j] == t->gen) {
			c.lineno = lineno;
			return cur_err(&c, "'%.*s' appears twice", (int)nlen, name);
		}
		t->seen[j] = t->gen;
		t->val[j] = val;
		t->vlen[j] = (unsigned)vlen;
		hint = j + 1;
		found++;
	}
	if (!found)
		return cur_err(&c, len ? "no known counter" : "empty");
	for (size_t j = 0; j < t->n; j++)
		if (t->seen[j] != t->gen)
			t->val[j] = NULL;
	return 0;
}

void kv_header(const struct kv_table *t, struct rowbuf *b)
{
	rb_putc(b, 't');
	for (size_t j = 0; j < t->n; j++) {
		rb_putc(b, ',');
		rb_field(b, t->names[j], t->nlen[j]);
	}
	rb_putc(b, '\n');
}

void kv_row(const struct kv_table *t, double ts, struct rowbuf *b)
{
	rb_reserve(b, 32 + t->n * 22);
	rb_time(b, ts);
	for (size_t j = 0; j < t->n; j++) {
		const char *v = t->val[j];
		char *o = b->p + b->len;

		/* values are a few digits: a loop beats a call to memcpy */
		*o++ = ',';
		if (v)
			for (unsigned k = 0; k < t->vlen[j]; k++)
				*o++ = v[k];
		b->len = (size_t)(o - b->p);
	}
	b->p[b->len++] = '\n';
}

void kv_free(struct kv_table *t)
{
	for (size_t j = 0; j < t->n && t->names; j++)
		free(t->names[j]);
	free(t->names);
	free(t->nlen);
	free(t->val);
	free(t->vlen);
	free(t->seen);
	memset(t, 0, sizeof(*t));
}

/* ---- the body of single-file collectors ---- */

struct proc_priv {
	const struct proc_ops *ops;
	struct proc_src src;
	struct rowbuf rb;
	void *st;
};

int proc_collector_close(struct collector_inst *ci, double t)
{
	struct proc_priv *p = ci->priv;

	(void)t;
	if (!p)
		return 0;
	p->ops->free(p->st);
	free(p->st);
	proc_src_close(&p->src);
	rb_free(&p->rb);
	free(p);
	ci->priv = NULL;
	return 0;
}

int proc_collector_open(struct collector_inst *ci, const char *path, const struct proc_ops *ops)
{
	struct proc_priv *p = xcalloc(1, sizeof(*p));
	int ret;

	p->ops = ops;
	p->st = xcalloc(1, ops->state_size);
	ci->priv = p;
	ret = proc_src_open(&p->src, path, ci->err, sizeof(ci->err));
	if (!ret && ops->init) {
		ret = proc_src_read(&p->src, ci->err, sizeof(ci->err));
		if (!ret)
			ret = ops->init(p->st, path, p->src.buf, p->src.len, ci->err,
					sizeof(ci->err));
	}
	if (!ret) {
		ops->header(p->st, &p->rb);
		ret = rb_flush(&p->rb, ci->out);
	}
	if (ret)
		proc_collector_close(ci, 0);
	return ret;
}

int proc_collector_sample(struct collector_inst *ci, double t)
{
	struct proc_priv *p = ci->priv;
	int ret;

	ret = proc_src_read(&p->src, ci->err, sizeof(ci->err));
	if (!ret)
		ret = p->ops->parse(p->st, p->src.path, p->src.buf, p->src.len, ci->err,
				    sizeof(ci->err));
	if (ret)
		return ret;
	p->ops->rows(p->st, t, &p->rb);
	return rb_flush(&p->rb, ci->out);
}

/* ---- vmstat and meminfo as proc_ops ---- */

static int kv_vmstat_init(void *st, const char *file, const char *text, size_t len, char *err,
			  size_t errlen)
{
	return kv_init(st, KV_VMSTAT, file, text, len, err, errlen);
}

static int kv_meminfo_init(void *st, const char *file, const char *text, size_t len,
			   char *err, size_t errlen)
{
	return kv_init(st, KV_MEMINFO, file, text, len, err, errlen);
}

static void kv_ops_header(const void *st, struct rowbuf *b)
{
	kv_header(st, b);
}

static int kv_ops_parse(void *st, const char *file, const char *text, size_t len, char *err,
			size_t errlen)
{
	return kv_parse(st, file, text, len, err, errlen);
}

static void kv_ops_rows(void *st, double t, struct rowbuf *b)
{
	kv_row(st, t, b);
}

static void kv_ops_free(void *st)
{
	kv_free(st);
}

const struct proc_ops kv_vmstat_ops = {
	sizeof(struct kv_table), kv_vmstat_init, kv_ops_header, kv_ops_parse, kv_ops_rows,
	kv_ops_free,
};

const struct proc_ops kv_meminfo_ops = {
	sizeof(struct kv_table), kv_meminfo_init, kv_ops_header, kv_ops_parse, kv_ops_rows,
	kv_ops_free,
};

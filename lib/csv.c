/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CSV reader behind compare, plot and report.  The file is read whole
 * and split in place: cells point into one buffer, quoted fields are
 * unescaped where they lie (the unescaped text is never longer), so a
 * result set with thousands of rows loads without an allocation per cell.
 * Anything malformed is reported as FILE:LINE: message and skipped, the
 * rest still read: a result set cut short by a crash is still worth
 * analysing.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/csv.h"
#include "lib/mmab.h"

/* Past this many, a file's problems are counted, not printed one by one. */
#define CSV_MAX_REPORTS 5

/*
 * Whether this exact message was printed before: `mmab report` reads a
 * collector CSV for the comparison and again for the plots, and a problem
 * is reported once.  Each file prints at most CSV_MAX_REPORTS + 1 messages,
 * so a short list is enough; past its end, messages are printed again.
 */
static bool problem_seen(const char *text)
{
	static char *seen[1024];
	static size_t n;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(seen[i], text))
			return true;
	if (n < ARRAY_SIZE(seen))
		seen[n++] = xstrdup(text);
	return false;
}

void csv_problem(const char *path, size_t line, const char *fmt, ...)
{
	char msg[1024], *text;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	text = line ? xasprintf("%s:%zu: %s", path, line, msg) : xasprintf("%s: %s", path, msg);
	if (!problem_seen(text))
		mmab_err("%s", text);
	free(text);
}

struct parser {
	struct csv *c;
	char *p, *end;
	size_t line;		/* line of *p */
	char **fields;		/* where the record's fields go */
	size_t nfields, cap;
	bool grow;		/* the header: fields grows; rows: at most cap kept */
};

static void problem(struct parser *ps, size_t line, const char *fmt, ...) MMAB_PRINTF(3, 4);

static void problem(struct parser *ps, size_t line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (++ps->c->problems > CSV_MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	csv_problem(ps->c->path, line, "%s", msg);
}

/*
 * Rows are split straight into their place in c->cells; a row with too
 * many fields keeps counting them (for the message) without storing more.
 */
static inline void push_field(struct parser *ps, char *s)
{
	if (ps->nfields == ps->cap && ps->grow) {
		ps->cap = ps->cap ? 2 * ps->cap : 64;
		ps->fields = xrealloc(ps->fields, ps->cap * sizeof(*ps->fields));
	}
	if (ps->nfields < ps->cap)
		ps->fields[ps->nfields] = *s ? s : NULL;
	ps->nfields++;
}

/* After an error: drop the rest of the physical line. */
static void skip_line(struct parser *ps)
{
	char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));

	ps->p = nl ? nl + 1 : ps->end;
	if (nl)
		ps->line++;
}

enum rec { REC_OK, REC_BLANK, REC_BAD, REC_CUT, REC_EOF };

/* Bytes that end an unquoted field, or make it malformed. */
static const unsigned char stop[256] = { ['\0'] = 1, [','] = 1, ['\n'] = 1, ['"'] = 1 };

/*
 * The quoted field at ps->p: unquoted in place (a doubled quote becomes
 * one; the opening quote made room), NUL-terminated, ps->p left on the
 * comma or newline after it.  False when malformed (reported).
 */
static bool parse_quoted(struct parser *ps)
{
	char *dst = ++ps->p, *q;
	size_t qline = ps->line;

	for (;;) {
		if (ps->p >= ps->end) {
			problem(ps, qline, "unterminated quoted field");
			return false;
		}
		if (*ps->p == '"') {
			if (ps->p + 1 < ps->end && ps->p[1] == '"') {
				*dst++ = '"';
				ps->p += 2;
				continue;
			}
			ps->p++;
			break;
		}
		if (*ps->p == '\0') {
			problem(ps, ps->line, "NUL byte in a field");
			skip_line(ps);
			return false;
		}
		if (*ps->p == '\n')
			ps->line++;
		*dst++ = *ps->p++;
	}
	q = ps->p;
	if (q < ps->end && *q == '\r' && q + 1 < ps->end && q[1] == '\n')
		q++;
	if (q < ps->end && *q != ',' && *q != '\n') {
		problem(ps, ps->line, "text after a closing quote");
		skip_line(ps);
		return false;
	}
	*dst = '\0';
	ps->p = q;
	return true;
}

/*
 * parse_record - split the record at ps->p into ps->fields.  REC_CUT: the
 * file ended inside the record (no newline), REC_BAD: malformed (already
 * reported).
 */
static enum rec parse_record(struct parser *ps, size_t *start_line)
{
	*start_line = ps->line;
	ps->nfields = 0;
	if (ps->p >= ps->end)
		return REC_EOF;
	if (*ps->p == '\n' || (*ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n')) {
		skip_line(ps);
		return REC_BLANK;
	}
	for (;;) {
		char *start = ps->p, *q;

		if (ps->p < ps->end && *ps->p == '"') {
			start = ps->p + 1;
			if (!parse_quoted(ps))
				return REC_BAD;
		} else {
			/* the hot loop: the buffer ends in a NUL, which stops it */
			q = ps->p;
			while (!stop[(unsigned char)*q])
				q++;
			ps->p = q;
			if (*q == '"' || (*q == '\0' && q < ps->end)) {
				problem(ps, ps->line, *q ? "quote inside an unquoted field"
							 : "NUL byte in a field");
				skip_line(ps);
				return REC_BAD;
			}
			if (*q == '\n' && q > start && q[-1] == '\r')
				q[-1] = '\0';
		}
		if (ps->p >= ps->end) {
			/* the writers end every row with '\n': this one was cut */
			return REC_CUT;
		}
		if (*ps->p == ',') {
			*ps->p++ = '\0';
			push_field(ps, start);
			continue;
		}
		/* '\n' */
		*ps->p++ = '\0';
		ps->line++;
		push_field(ps, start);
		return REC_OK;
	}
}

/* Read PATH whole into a NUL-terminated buffer sized from fstat. */
static int read_whole(const char *path, char **buf, size_t *len)
{
	struct stat st;
	size_t cap;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	cap = (size_t)st.st_size + 2;	/* the NUL, and room to see EOF */
	*buf = xmalloc(cap < 4096 ? 4096 : cap);
	cap = cap < 4096 ? 4096 : cap;
	n = mmab_pread_all(fd, buf, &cap);
	close(fd);
	if (n < 0) {
		free(*buf);
		*buf = NULL;
		return (int)n;
	}
	*len = (size_t)n;
	return 0;
}

static size_t count_lines(const char *p, size_t len)
{
	const char *end = p + len;
	size_t n = 0;

	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

/* The header row into c->cols.  False when there is none (reported). */
static bool read_header(struct parser *ps, const char *path)
{
	struct csv *c = ps->c;
	size_t line;
	enum rec r;

	do
		r = parse_record(ps, &line);
	while (r == REC_BLANK);
	if (r != REC_OK) {
		/* a malformed header was reported as such by parse_record() */
		if (r == REC_CUT)
			csv_problem(path, line, "header has no end of line");
		else if (r == REC_EOF)
			csv_problem(path, 0, "empty file: no header");
		free(ps->fields);
		return false;
	}
	c->ncols = ps->nfields;
	c->cols = xcalloc(c->ncols, sizeof(*c->cols));
	for (size_t i = 0; i < c->ncols; i++)
		c->cols[i] = ps->fields[i] ? ps->fields[i] : (char *)"";
	free(ps->fields);
	return true;
}

int csv_load(const char *path, struct csv *c)
{
	struct parser ps = { .c = c, .line = 1, .grow = true };
	size_t len = 0, cap_rows = 0, line;
	enum rec r;
	int err;

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	err = read_whole(path, &c->buf, &len);
	if (err) {
		free(c->path);
		c->path = NULL;
		return err;
	}
	ps.p = c->buf;
	ps.end = c->buf + len;

	if (!read_header(&ps, path)) {
		csv_free(c);
		return -EINVAL;
	}
	/* no more rows than lines: one allocation, no copying as the table grows */
	cap_rows = count_lines(ps.p, (size_t)(ps.end - ps.p)) + 1;
	c->cells = xmalloc(cap_rows * c->ncols * sizeof(*c->cells));
	c->lines = xmalloc(cap_rows * sizeof(*c->lines));
	ps.grow = false;
	ps.cap = c->ncols;

	for (;;) {
		ps.fields = c->cells + c->nrows * c->ncols;
		r = parse_record(&ps, &line);
		if (r == REC_EOF)
			break;
		if (r == REC_BLANK || r == REC_BAD)
			continue;
		if (r == REC_CUT) {
			problem(&ps, line, "last row has no end of line (file cut short?): skipped");
			break;
		}
		if (ps.nfields != c->ncols) {
			problem(&ps, line, "expected %zu fields, found %zu", c->ncols, ps.nfields);
			continue;
		}
		c->lines[c->nrows++] = line;
	}
	if (c->problems > CSV_MAX_REPORTS)
		csv_problem(path, 0, "%u more problems not shown", c->problems - CSV_MAX_REPORTS);
	return 0;
}

int csv_col(const struct csv *c, const char *name)
{
	for (size_t i = 0; i < c->ncols; i++)
		if (!strcmp(c->cols[i], name))
			return (int)i;
	return -1;
}

const char *csv_str(const struct csv *c, size_t row, int col)
{
	if (col < 0 || (size_t)col >= c->ncols || row >= c->nrows)
		return NULL;
	return c->cells[row * c->ncols + (size_t)col];
}

double csv_num(const struct csv *c, size_t row, int col)
{
	const char *s = csv_str(c, row, col), *p;
	uint64_t u = 0;
	double v;

	if (!s)
		return NAN;
	/*
	 * Counters are integers, and most cells are counters: up to 15 digits
	 * are exact in a double, so they skip strtod, the cost of a large set.
	 */
	for (p = s; *p >= '0' && *p <= '9' && p - s < 15; p++)
		u = u * 10 + (uint64_t)(*p - '0');
	if (!*p && p > s)
		return (double)u;
	if (mmab_parse_double(s, &v))
		return NAN;
	return v;
}

size_t csv_row_line(const struct csv *c, size_t row)
{
	return row < c->nrows ? c->lines[row] : 0;
}

void csv_free(struct csv *c)
{
	free(c->path);
	free(c->cols);
	free(c->cells);
	free(c->lines);
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

size_t csv_quote(char *dst, size_t cap, const char *s, size_t n)
{
	size_t need = 0;
	bool quote = false;

#define PUT(c) do { if (need < cap) dst[need] = (c); need++; } while (0)
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (quote)
		PUT('"');
	for (size_t i = 0; i < n; i++) {
		if (quote && s[i] == '"')
			PUT('"');
		PUT(s[i]);
	}
	if (quote)
		PUT('"');
#undef PUT
	return need;
}

void csv_write_str(FILE *f, const char *s)
{
	char small[256], *buf = small;
	size_t n, need;

	if (!s)
		return;
	n = strlen(s);
	need = csv_quote(buf, sizeof(small), s, n);
	if (need > sizeof(small)) {
		buf = xmalloc(need);
		csv_quote(buf, need, s, n);
	}
	fwrite(buf, 1, need, f);
	if (buf != small)
		free(buf);
}

ssize_t csv_deltas(const char *path, struct csv_delta **out)
{
	struct csv c = { 0 };
	struct csv_delta *d;
	int ret = csv_load(path, &c);

	*out = NULL;
	if (ret)
		return ret;
	if (c.ncols < 2 || strcmp(c.cols[0], "t") || !c.nrows) {
		csv_free(&c);
		return -EINVAL;
	}
	d = xcalloc(c.ncols - 1, sizeof(*d));
	for (size_t i = 1; i < c.ncols; i++) {
		d[i - 1].name = xstrdup(c.cols[i]);
		d[i - 1].first = csv_num(&c, 0, (int)i);
		d[i - 1].last = csv_num(&c, c.nrows - 1, (int)i);
	}
	*out = d;
	ret = (int)c.ncols - 1;
	csv_free(&c);
	return ret;
}

void csv_deltas_free(struct csv_delta *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		free(d[i].name);
	free(d);
}

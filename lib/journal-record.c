/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal's record format (escaping, checksums) and the output it
 * needs while undoing: everything here is async-signal-safe, stack buffers
 * and system calls only, because the SIGINT handler runs the same code.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "lib/journal-int.h"
#include "lib/mmab.h"

static void msg_put(struct msg *m, const char *s, size_t len)
{
	if (len > sizeof(m->b) - 1 - m->n)
		len = sizeof(m->b) - 1 - m->n;
	memcpy(m->b + m->n, s, len);
	m->n += len;
}

void jrn_msg_str(struct msg *m, const char *s)
{
	msg_put(m, s, strlen(s));
}

void jrn_msg_num(struct msg *m, long long v)
{
	char d[24];
	size_t i = sizeof(d);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		d[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		d[--i] = '-';
	msg_put(m, d + i, sizeof(d) - i);
}

void jrn_msg_errno(struct msg *m, int err)
{
	const char *s = strerrordesc_np(err < 0 ? -err : err);

	if (s) {
		jrn_msg_str(m, s);
	} else {
		jrn_msg_str(m, "error ");
		jrn_msg_num(m, err < 0 ? -err : err);
	}
}


/* A value for a message: escaped, without the trailing newline. */
void jrn_msg_value(struct msg *m, const char *v, size_t len)
{
	size_t n;

	while (len && (v[len - 1] == '\n' || v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	jrn_msg_str(m, "'");
	n = jrn_escape(m->b + m->n, sizeof(m->b) - 2 - m->n, v, len);
	if (n == (size_t)-1)
		jrn_msg_str(m, "...");
	else
		m->n += n;
	jrn_msg_str(m, "'");
}

/* "mmab: " + the message + newline on stderr, with write(2). */
void jrn_msg_send(struct msg *m)
{
	const char *p = m->b;
	size_t len;

	m->b[m->n++] = '\n';
	len = m->n;
	while (len) {
		ssize_t n = write(STDERR_FILENO, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	m->n = 0;
}

void jrn_msg_start(struct msg *m, const char *s)
{
	m->n = 0;
	jrn_msg_str(m, "mmab: ");
	jrn_msg_str(m, s);
}

size_t jrn_escape(char *dst, size_t cap, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		char e[4];
		size_t k = 2;

		e[0] = '\\';
		if (c == '\\')
			e[1] = '\\';
		else if (c == '\t')
			e[1] = 't';
		else if (c == '\n')
			e[1] = 'n';
		else if (c < 0x20 || c == 0x7f) {
			e[1] = 'x';
			e[2] = hex[c >> 4];
			e[3] = hex[c & 15];
			k = 4;
		} else {
			e[0] = (char)c;
			k = 1;
		}
		if (n + k > cap)
			return (size_t)-1;
		memcpy(dst + n, e, k);
		n += k;
	}
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The inverse of jrn_escape(); -1 on a malformed escape or overflow. */
ssize_t jrn_unescape(char *dst, size_t cap, const char *src, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = src[i];

		if (c == '\\') {
			if (++i >= len)
				return -1;
			switch (src[i]) {
			case '\\': c = '\\'; break;
			case 't': c = '\t'; break;
			case 'n': c = '\n'; break;
			case 'x':
				if (i + 2 >= len || hexval(src[i + 1]) < 0 || hexval(src[i + 2]) < 0)
					return -1;
				c = (char)(hexval(src[i + 1]) * 16 + hexval(src[i + 2]));
				i += 2;
				break;
			default:
				return -1;
			}
		} else if ((unsigned char)c < 0x20 || c == 0x7f) {
			return -1;
		}
		if (n >= cap)
			return -1;
		dst[n++] = c;
	}
	return (ssize_t)n;
}

uint32_t jrn_fnv1a(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

void jrn_hex32(char *dst, uint32_t v)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 7; i >= 0; i--, v >>= 4)
		dst[i] = hex[v & 15];
}

ssize_t jrn_pread_full(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* A knob's whole content, NUL-terminated; -EFBIG past CAP - 1 bytes. */
ssize_t jrn_read_raw(const char *path, char *buf, size_t cap)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (err)
		return err;
	if (got == cap)
		return -EFBIG;
	buf[got] = '\0';
	return (ssize_t)got;
}

off_t jrn_file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -errno : st.st_size;
}

/* write() all of BUF, retrying short writes; 0 or -errno.  Async-signal-safe. */
int jrn_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}
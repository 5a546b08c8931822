/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The result-set format both sides use (layout in results/README.md): JSON
 * files written atomically and read with FILE:LINE errors, status.csv rows
 * that are on disk before the next iteration starts, and iteration
 * directories.  `mmab run` and `mmab collect` write through it, the
 * analysis and the history read the same names.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/csv.h"
#include "lib/mmab.h"
#include "lib/resultset.h"

int rset_json_write(const char *path, const json_t *root)
{
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *withnl;
	int ret;

	if (!text)
		return -ENOMEM;
	withnl = xasprintf("%s\n", text);
	ret = mmab_write_file_atomic(path, withnl, strlen(withnl));
	free(withnl);
	free(text);
	return ret;
}

int rset_json_read(const char *path, json_t **out, char *err, size_t errlen)
{
	json_error_t je;
	char *text;
	int ret;

	*out = NULL;
	ret = mmab_read_file(path, &text, NULL);
	if (ret) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(-ret));
		return ret == -ENOENT ? -ENOENT : -EINVAL;
	}
	*out = json_loads(text, 0, &je);
	free(text);
	if (!*out) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -EINVAL;
	}
	return 0;
}

/* Append S to buf at *pos as a CSV field; newlines become spaces: a row is one line. */
static void put_field(char *buf, size_t len, size_t *pos, const char *s)
{
	char *flat = xstrdup(s);

	for (char *p = flat; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	*pos += csv_quote(*pos < len ? buf + *pos : NULL, *pos < len ? len - *pos : 0, flat,
			  strlen(flat));
	free(flat);
}

int rset_status_format(char *buf, size_t len, const struct rset_status_row *r)
{
	char code[16] = "", sig[16] = "", dur[64] = "";
	size_t pos = 0;
	int n;

	if (r->exit_code >= 0)
		snprintf(code, sizeof(code), "%d", r->exit_code);
	if (r->signal > 0)
		snprintf(sig, sizeof(sig), "%d", r->signal);
	if (!isnan(r->duration_s))
		snprintf(dur, sizeof(dur), "%.3f", r->duration_s);
	put_field(buf, len, &pos, r->workload);
	n = snprintf(pos < len ? buf + pos : NULL, pos < len ? len - pos : 0, ",%d,%s,",
		     r->iteration, r->status);
	pos += (size_t)n;
	put_field(buf, len, &pos, r->reason ? r->reason : "");
	n = snprintf(pos < len ? buf + pos : NULL, pos < len ? len - pos : 0, ",%s,%s,%s\n",
		     code, sig, dur);
	pos += (size_t)n;
	if (pos >= len)
		return -ENOSPC;
	return (int)pos;
}

int rset_status_open(const char *path)
{
	size_t hlen = strlen(RSET_STATUS_HEADER);
	char *text = NULL;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ret = mmab_read_file(path, &text, &len);
	if (ret)
		goto out_close;
	if (len == 0) {
		ssize_t w = write(fd, RSET_STATUS_HEADER, hlen);

		if (w != (ssize_t)hlen)
			ret = w < 0 ? -errno : -EIO;
	} else if (len < hlen || strncmp(text, RSET_STATUS_HEADER, hlen)) {
		ret = -EINVAL;
	} else if (text[len - 1] != '\n') {
		/* a row cut short by a crash: drop it, the step is redone */
		char *nl = memrchr(text, '\n', len);

		if (ftruncate(fd, nl ? nl + 1 - text : 0))
			ret = -errno;
	}
	if (!ret && fsync(fd))
		ret = -errno;
out_close:
	free(text);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int rset_status_append(int fd, const struct rset_status_row *r)
{
	char line[1024];
	int n = rset_status_format(line, sizeof(line), r);
	ssize_t w;

	if (n < 0)
		return n;
	w = write(fd, line, (size_t)n);
	if (w < 0)
		return -errno;
	if (w != n)
		return -EIO;
	return fsync(fd) ? -errno : 0;
}

bool rset_status_has(const char *text, const char *workload, int iteration)
{
	size_t wlen = strlen(workload);
	const char *p = strchr(text, '\n');	/* skip the header */

	while (p && *++p) {
		const char *eol = strchr(p, '\n');
		char *end;
		long it;

		if (!eol)
			break;	/* a partial last row does not count */
		if (!strncmp(p, workload, wlen) && p[wlen] == ',') {
			it = strtol(p + wlen + 1, &end, 10);
			if (end != p + wlen + 1 && *end == ',' && it == iteration)
				return true;
		}
		p = eol;
	}
	return false;
}

char *rset_iter_dir(const char *set_dir, const char *workload, int iteration, int *errp)
{
	char *dir = xasprintf("%s/%s/%d", set_dir, workload, iteration);
	int ret;

	ret = mmab_rm_rf(dir);
	if (!ret)
		ret = mmab_mkdir_p(dir, 0755);
	if (ret) {
		*errp = ret;
		free(dir);
		return NULL;
	}
	return dir;
}


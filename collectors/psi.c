/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * psi: pressure stall information for memory, io and cpu from
 * /proc/pressure/ (psi.csv).  "some" is the share of time at least one task
 * was stalled on the resource, "full" the share when all non-idle tasks
 * were; avg10/avg60/avg300 are the kernel's running averages in percent,
 * total_us the cumulative stall time, from which analysis derives the
 * stall time of the iteration exactly (last - first).  cpu is kept because
 * a workload starved of CPU by the machine shows there, not in memory.
 * Memory pressure is required; io and cpu are taken when present (cpu has
 * no "full" line before Linux 5.13).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/proc.h"
#include "lib/mmab.h"

static const char *const psi_resources[] = { "memory", "io", "cpu" };
#define PSI_NRES ARRAY_SIZE(psi_resources)
#define PSI_REQUIRED "/proc/pressure/memory"

/* "key=12.34" into OUT (the kernel's text, checked to be a decimal). */
static int psi_avg(struct cursor *c, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key), n, dot = 0, digits = 0;
	const char *w;

	if (cur_word(c, &w, &n) || n <= klen || memcmp(w, key, klen))
		return cur_err(c, "expected '%sN.NN'", key);
	w += klen;
	n -= klen;
	for (size_t i = 0; i < n; i++) {
		if (w[i] == '.')
			dot++;
		else if (w[i] >= '0' && w[i] <= '9')
			digits++;
		else
			break;
	}
	if (dot != 1 || digits + dot != n || w[0] == '.' || w[n - 1] == '.' || n >= outlen)
		return cur_err(c, "%s is not a decimal: '%.*s'", key, (int)(n < 20 ? n : 20), w);
	memcpy(out, w, n);
	out[n] = '\0';
	return 0;
}

static int psi_line(struct cursor *c, struct psi_line *l)
{
	const char *w;
	size_t n;
	int r;

	if (cur_word(c, &w, &n) || !((n == 4 && !memcmp(w, "some", 4)) ||
				     (n == 4 && !memcmp(w, "full", 4))))
		return cur_err(c, "expected 'some' or 'full'");
	memcpy(l->kind, w, 4);
	l->kind[4] = '\0';
	r = psi_avg(c, "avg10=", l->avg[0], sizeof(l->avg[0]));
	if (!r)
		r = psi_avg(c, "avg60=", l->avg[1], sizeof(l->avg[1]));
	if (!r)
		r = psi_avg(c, "avg300=", l->avg[2], sizeof(l->avg[2]));
	if (r)
		return r;
	if (cur_word(c, &w, &n) || n <= 6 || memcmp(w, "total=", 6) ||
	    proc_u64(w + 6, n - 6, &l->total_us))
		return cur_err(c, "expected 'total=N' (microseconds)");
	if (!cur_eol(c))
		return cur_err(c, "unexpected text after total");
	return 0;
}

int psi_parse(struct psi_info *pi, const char *file, const char *text, size_t len, char *err,
	      size_t errlen)
{
	struct cursor c;
	int r;

	pi->n = 0;
	cur_init(&c, file, text, len, err, errlen);
	while ((r = cur_next(&c)) > 0) {
		if (pi->n == 2)
			return cur_err(&c, "more than two lines");
		r = psi_line(&c, &pi->l[pi->n]);
		if (r)
			return r;
		if (pi->n && !strcmp(pi->l[0].kind, pi->l[1].kind))
			return cur_err(&c, "'%s' twice", pi->l[1].kind);
		pi->n++;
	}
	if (r < 0)
		return r;
	if (!pi->n)
		return cur_err(&c, "empty");
	return 0;
}

void psi_header(struct rowbuf *b)
{
	rb_str(b, "t,resource,kind,avg10,avg60,avg300,total_us\n");
}

void psi_rows(const struct psi_info *pi, const char *resource, double t, struct rowbuf *b)
{
	char tb[32];
	size_t tl = proc_fmt_time(tb, t);

	for (int i = 0; i < pi->n; i++) {
		rb_mem(b, tb, tl);
		rb_putc(b, ',');
		rb_str(b, resource);
		rb_putc(b, ',');
		rb_str(b, pi->l[i].kind);
		for (int a = 0; a < 3; a++) {
			rb_putc(b, ',');
			rb_str(b, pi->l[i].avg[a]);
		}
		rb_putc(b, ',');
		rb_u64(b, pi->l[i].total_us);
		rb_putc(b, '\n');
	}
}

/* ---- the collector ---- */

struct psi_priv {
	struct proc_src src[PSI_NRES];
	char *path[PSI_NRES];
	const char *res[PSI_NRES];
	size_t n;
	struct psi_info pi;
	struct rowbuf rb;
};

static int psi_available(char *why, size_t whylen)
{
	int r = proc_available(PSI_REQUIRED, why, whylen);

	if (r == -ENOENT)
		snprintf(why, whylen, "PSI is off: no %s (kernel without CONFIG_PSI, or booted "
			 "with psi=0)", PSI_REQUIRED);
	return r;
}

static int psi_close(struct collector_inst *ci, double t)
{
	struct psi_priv *p = ci->priv;

	(void)t;
	if (!p)
		return 0;
	for (size_t i = 0; i < p->n; i++) {
		proc_src_close(&p->src[i]);
		free(p->path[i]);
	}
	rb_free(&p->rb);
	free(p);
	ci->priv = NULL;
	return 0;
}

static int psi_open(struct collector_inst *ci)
{
	struct psi_priv *p = xcalloc(1, sizeof(*p));
	int ret = 0;

	ci->priv = p;
	for (size_t i = 0; i < PSI_NRES; i++) {
		char *path = xasprintf("/proc/pressure/%s", psi_resources[i]);

		ret = proc_src_open(&p->src[p->n], path, ci->err, sizeof(ci->err));
		if (ret && i > 0) {
			/* io and cpu are a bonus */
			ci->err[0] = '\0';
			ret = 0;
			free(path);
			continue;
		}
		if (ret) {
			free(path);
			goto out_close;
		}
		p->path[p->n] = path;
		p->res[p->n++] = psi_resources[i];
	}
	psi_header(&p->rb);
	ret = rb_flush(&p->rb, ci->out);
	if (!ret)
		return 0;
out_close:
	psi_close(ci, 0);
	return ret;
}

static int psi_sample(struct collector_inst *ci, double t)
{
	struct psi_priv *p = ci->priv;

	for (size_t i = 0; i < p->n; i++) {
		int ret = proc_src_read(&p->src[i], ci->err, sizeof(ci->err));

		if (!ret)
			ret = psi_parse(&p->pi, p->path[i], p->src[i].buf, p->src[i].len, ci->err,
					sizeof(ci->err));
		if (ret)
			return ret;
		psi_rows(&p->pi, p->res[i], t, &p->rb);
	}
	return rb_flush(&p->rb, ci->out);
}

const struct collector col_psi = {
	.name = "psi",
	.summary = "pressure stall information: memory, io, cpu",
	.flags = COL_PERIODIC | COL_DEFAULT,
	.default_interval_ms = 100,
	.available = psi_available,
	.open = psi_open,
	.sample = psi_sample,
	.close = psi_close,
};

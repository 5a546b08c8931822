/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plot driver (analysis/plot.h): names files, fills the gnuplot
 * templates of analysis/plots/ (embedded in the binary) and runs gnuplot
 * on them, a few at a time, through fork/exec.  The data comes from
 * plot-data.c.  Nothing from a result set reaches gnuplot except through
 * gp_quote, and nothing from one reaches a file name except through
 * gp_safe_name (gnuplot.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/gnuplot.h"
#include "analysis/plot-data.h"
#include "analysis/plot.h"
#include "lib/embed.h"
#include "lib/mmab.h"

/* ---- writing one plot ---- */

struct ctx {
	struct rset *sets;
	size_t n;
	const struct plot_opts *o;
	struct plot_list *out;
	size_t first;		/* the first item of this call in out */
	const char *ext;
	int err;
};

static void set_err(struct ctx *c, int err)
{
	if (!c->err)
		c->err = err;
}

static struct plot_item *item_new(struct ctx *c)
{
	struct plot_item *it;

	c->out->items = xrealloc(c->out->items, (c->out->n + 1) * sizeof(*c->out->items));
	it = &c->out->items[c->out->n++];
	memset(it, 0, sizeof(*it));
	return it;
}

/* W-ID made safe and unique among this call's plots. */
static char *base_name(struct ctx *c, const char *w, const char *id)
{
	char *raw = xasprintf("%s-%s", w, id), safe[128], *name = NULL;

	gp_safe_name(safe, sizeof(safe), raw);
	free(raw);
	for (int k = 1; !name; k++) {
		bool taken = false;

		name = k == 1 ? xstrdup(safe) : xasprintf("%s-%d", safe, k);
		for (size_t i = c->first; i < c->out->n && !taken; i++)
			taken = c->out->items[i].base && !strcmp(c->out->items[i].base, name);
		if (taken) {
			free(name);
			name = NULL;
		}
	}
	return name;
}

static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	/* O_NOFOLLOW: a symlink planted in the directory is not written through */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644), err = 0;

	if (fd < 0) {
		err = -errno;
	} else {
		for (size_t off = 0; off < len && !err;) {
			ssize_t w = write(fd, data + off, len - off);

			if (w < 0 && errno != EINTR)
				err = -errno;
			else if (w > 0)
				off += (size_t)w;
		}
		if (close(fd) && !err)
			err = -errno;
	}
	if (err)
		mmab_err("cannot write '%s': %s", path, strerror(-err));
	free(path);
	return err;
}

static void unlink_in(const char *dir, const char *name, const char *ext)
{
	char *path = xasprintf("%s/%s.%s", dir, name, ext);

	unlink(path);
	free(path);
}

/* S cut to MAX characters (not bytes), a '~' marking the cut. */
static char *cut_label(const char *s, size_t max)
{
	size_t chars = 0, i = 0;

	for (; s[i]; i++) {
		if ((s[i] & 0xc0) != 0x80 && ++chars > max)
			break;
	}
	return s[i] ? xasprintf("%.*s~", (int)i, s) : xstrdup(s);
}

/*
 * The tick label of the I-th set P draws.  Sets of one run share a long
 * label prefix ("6.18.44-fc-v595-madvise", "6.18.44-fc-v595-defer"): side
 * by side under a bar panel the full labels run into each other, so the
 * shared part is shown as '~' ("~madvise", "~defer"), as compare's text
 * output does (rset_label_short); what still does not fit is cut.
 */
static char *short_label(const struct ctx *c, const struct pd_plot *p, size_t i)
{
	const char **labels = xcalloc(p->nsets + 1, sizeof(*labels));
	char *tmp, *out;

	for (size_t k = 0; k < p->nsets; k++)
		labels[k] = c->sets[p->sets[k]].label;
	/* two labels of 13 characters already run into each other under a third of 800 px */
	tmp = rset_label_short(labels, p->nsets, i, 0);
	out = cut_label(tmp, 16);
	free(tmp);
	free(labels);
	return out;
}

/* NSETS, SETLABEL, SETSHORT and SETLT of the sets P draws. */
static char *sets_block(const struct ctx *c, const struct pd_plot *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fprintf(f, "NSETS = %zu\narray SETLABEL[%zu] = [", p->nsets, p->nsets);
	for (size_t i = 0; i < p->nsets; i++) {
		char *q = gp_quote(p->keys[i]);

		fprintf(f, "%s%s", i ? ", " : "", q);
		free(q);
	}
	fprintf(f, "]\narray SETSHORT[%zu] = [", p->nsets);
	for (size_t i = 0; i < p->nsets; i++) {
		char *s = short_label(c, p, i), *q = gp_quote(s);

		fprintf(f, "%s%s", i ? ", " : "", q);
		free(q);
		free(s);
	}
	fprintf(f, "]\narray SETLT[%zu] = [", p->nsets);
	for (size_t i = 0; i < p->nsets; i++)
		fprintf(f, "%s%zu", i ? ", " : "", p->sets[i] + 1);
	fputs("]", f);
	if (fclose(f))
		abort();
	return buf;
}

static char *template(const char *name)
{
	char *path = xasprintf("analysis/plots/%s.gp", name);
	const char *t = embed_find(path, NULL);

	free(path);
	return t ? xstrdup(t) : NULL;
}

/*
 * P's title as a gnuplot expression that fits its width: about 10 pixels
 * a character at the title's font, broken at the last space (or comma,
 * parenthesis) that fits into a second line, and cut with a '~' beyond two
 * lines.  The HTML caption keeps the whole title.
 */
static char *title_expr(const struct pd_plot *p)
{
	size_t max = (size_t)p->width / 10, len = strlen(p->title), cut = 0;
	char *first, *rest, *qa, *qb, *out;

	if (len <= max)
		return gp_quote(p->title);
	for (size_t i = max / 2; i < max; i++)
		if (strchr(" ,(", p->title[i]))
			cut = p->title[i] == ' ' ? i : i + 1;
	if (!cut)
		cut = max;
	first = xasprintf("%.*s", (int)cut, p->title);
	rest = p->title[cut] == ' ' ? xstrdup(p->title + cut + 1) : xstrdup(p->title + cut);
	if (strlen(rest) > max) {
		char *t = xasprintf("%.*s~", (int)max - 1, rest);

		free(rest);
		rest = t;
	}
	qa = gp_quote(first);
	qb = gp_quote(rest);
	out = xasprintf("%s.\"\\n\".%s", qa, qb);
	free(qa);
	free(qb);
	free(first);
	free(rest);
	return out;
}

/* The script of P: its template filled with the common and its own variables. */
static int script_of(struct ctx *c, const struct pd_plot *p, const char *base, char **out)
{
	struct gp_var vars[6 + PD_MAX_VARS];
	char *tpl = template(p->tpl), *style = template("style"), *file, *img;
	size_t nv = 0, sl;
	int err;

	if (!tpl || !style) {
		mmab_err("plot template '%s' is not built into mmab", tpl ? "style" : p->tpl);
		free(tpl);
		free(style);
		return -ENOENT;
	}
	sl = strlen(style);
	while (sl && style[sl - 1] == '\n')
		style[--sl] = '\0';
	file = xasprintf("%s.csv", base);
	img = xasprintf("%s.%s", base, c->ext);
	vars[nv++] = (struct gp_var){ "TERMINAL", c->o->fmt == PLOT_SVG
		? xasprintf("set terminal svg size %d,%d font 'DejaVu Sans,10' noenhanced "
			    "background '#ffffff'", p->width, p->height)
		: xasprintf("set terminal pngcairo size %d,%d font 'DejaVu Sans,10' noenhanced",
			    p->width, p->height) };
	vars[nv++] = (struct gp_var){ "STYLE", style };
	vars[nv++] = (struct gp_var){ "SETS", sets_block(c, p) };
	vars[nv++] = (struct gp_var){ "OUTPUT", gp_quote(img) };
	vars[nv++] = (struct gp_var){ "DATA", gp_quote(file) };
	vars[nv++] = (struct gp_var){ "TITLE", title_expr(p) };
	for (size_t i = 0; i < p->nvars; i++)
		vars[nv++] = p->vars[i];
	err = gp_fill(tpl, vars, nv, out);
	for (size_t i = 0; i < 6; i++)
		if (i != 1)
			free((char *)vars[i].value);
	free(style);
	free(tpl);
	free(file);
	free(img);
	return err;
}

static void emit(struct ctx *c, const char *w, struct pd_plot *p)
{
	struct plot_item *it = item_new(c);
	const char *dir = c->o->outdir;
	char *name, *script;
	int err;

	it->kind = p->kind;
	it->workload = xstrdup(w);
	it->set = p->set;
	it->title = xstrdup(p->title);
	it->base = base_name(c, w, p->id);
	it->note = p->note ? xstrdup(p->note) : NULL;
	if (!p->data) {
		/* what an earlier run drew under this name would now be a lie */
		static const char *const exts[] = { "csv", "gp", "png", "svg", "log" };

		for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
			unlink_in(dir, it->base, exts[i]);
		return;
	}
	name = xasprintf("%s.csv", it->base);
	err = write_file(dir, name, p->data, strlen(p->data));
	if (err) {
		free(name);
		goto fail;
	}
	it->data = name;
	err = script_of(c, p, it->base, &script);
	if (err)
		goto fail;
	name = xasprintf("%s.gp", it->base);
	err = write_file(dir, name, script, strlen(script));
	free(script);
	if (err) {
		free(name);
		goto fail;
	}
	it->script = name;
	return;
fail:
	set_err(c, err);
	free(it->note);
	it->note = xasprintf("not drawn: its script could not be written (%s)", strerror(-err));
}

/* ---- running gnuplot ---- */

struct job {
	size_t item;
	pid_t pid;
};

/*
 * The last line of gnuplot's messages, for the error: gnuplot echoes the
 * command, marks the place with '^', then says what is wrong
 * ("NAME.gp" line 33: invalid expression).
 */
static char *log_line(const char *path)
{
	char *text, *line = NULL;

	if (mmab_read_file(path, &text, NULL))
		return xstrdup("no message");
	for (char *p = strtok(text, "\n"); p; p = strtok(NULL, "\n")) {
		while (*p == ' ' || *p == '\t' || *p == '^')
			p++;
		if (*p) {
			free(line);
			line = xstrdup(p);
		}
	}
	free(text);
	return line ? line : xstrdup("no message");
}

static void job_done(struct ctx *c, struct job *j, int status)
{
	struct plot_item *it = &c->out->items[j->item];
	const char *dir = c->o->outdir;
	char *img = xasprintf("%s.%s", it->base, c->ext), *path = xasprintf("%s/%s", dir, img);
	char *log = xasprintf("%s/%s.log", dir, it->base);
	struct stat st;

	if (WIFEXITED(status) && !WEXITSTATUS(status) && !stat(path, &st) && st.st_size > 0) {
		it->image = img;
		unlink(log);
	} else {
		char *why = log_line(log);

		mmab_err("gnuplot failed on '%s/%s' (%s %d): %s; its messages are in '%s'", dir,
			 it->script, WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), why, log);
		unlink(path);	/* gnuplot opens its output before it fails */
		free(it->note);
		it->note = xasprintf("not drawn: gnuplot failed: %s", why);
		free(why);
		free(img);
		set_err(c, -EIO);
	}
	free(path);
	free(log);
}

static int wait_job(struct ctx *c, struct job *j)
{
	int status;

	while (waitpid(j->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	job_done(c, j, status);
	return 0;
}

/* Run gnuplot on every script of this call, a few at once. */
static void render(struct ctx *c)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t width = cpus < 1 ? 1 : cpus > 4 ? 4 : (size_t)cpus, running = 0;
	const char *gp = c->o->gnuplot ? c->o->gnuplot : "gnuplot";
	struct job jobs[4];
	char *cd, *cdq = gp_quote(c->o->outdir);
	bool broken = false;

	cd = xasprintf("cd %s", cdq);
	free(cdq);
	for (size_t i = c->first; i < c->out->n; i++) {
		struct plot_item *it = &c->out->items[i];
		char *argv[] = { (char *)gp, (char *)"-d", (char *)"-e", cd, it->script, NULL };
		char *log;
		pid_t pid;

		if (!it->script)
			continue;
		if (broken) {
			free(it->note);
			it->note = xasprintf("not drawn: '%s' could not run", gp);
			continue;
		}
		unlink_in(c->o->outdir, it->base, c->ext);	/* never pass off an old image */
		if (running == width) {
			if (wait_job(c, &jobs[0]))
				set_err(c, -ECHILD);
			memmove(jobs, jobs + 1, --running * sizeof(*jobs));
		}
		log = xasprintf("%s/%s.log", c->o->outdir, it->base);
		pid = mmab_spawn(argv, "/dev/null", log);
		free(log);
		if (pid < 0) {
			mmab_err("cannot run '%s': %s%s", gp, strerror((int)-pid),
				 pid == -ENOENT ? " (Debian: apt-get install gnuplot-nox); the "
				 "data files and scripts are written" : "");
			unlink_in(c->o->outdir, it->base, "log");
			set_err(c, (int)pid);
			broken = true;
			i--;		/* this item gets its note too */
			continue;
		}
		jobs[running++] = (struct job){ i, pid };
	}
	for (size_t k = 0; k < running; k++)
		if (wait_job(c, &jobs[k]))
			set_err(c, -ECHILD);
	free(cd);
}

/* ---- the whole set of plots ---- */

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* The context of one call writing into O->outdir, created if needed. */
static int ctx_open(struct ctx *c, struct rset *sets, size_t n, const struct plot_opts *o,
		    struct plot_list *out)
{
	int err;

	*c = (struct ctx){ sets, n, o, out, out->n, o->fmt == PLOT_SVG ? "svg" : "png", 0 };
	if (has_control(o->outdir)) {
		mmab_err("plot: the output directory's name holds control characters");
		return -EINVAL;
	}
	err = mmab_mkdir_p(o->outdir, 0755);
	if (err)
		mmab_err("cannot create '%s': %s", o->outdir, strerror(-err));
	return err;
}

/* Every plot of workload W. */
static void plot_workload(struct ctx *c, const char *w)
{
	struct pd_set *ps = xcalloc(c->n, sizeof(*ps));
	struct pd_out po = { NULL, 0 };

	for (size_t s = 0; s < c->n; s++)
		pd_load(&c->sets[s], w, &ps[s]);
	pd_timeseries(ps, c->n, w, &po);
	pd_bars(ps, c->n, w, &po);
	pd_cdfs(ps, c->n, w, &po);
	pd_heatmaps(ps, c->n, w, &po);
	pd_slabs(ps, c->n, w, &po);
	for (size_t i = 0; i < po.n; i++) {
		emit(c, w, &po.v[i]);
		pd_plot_free(&po.v[i]);
	}
	free(po.v);
	for (size_t s = 0; s < c->n; s++)
		pd_free(&ps[s]);
	free(ps);
}

int plot_all(struct rset *sets, size_t n, const struct plot_opts *o, struct plot_list *out)
{
	struct ctx c;
	char **ws = NULL;
	size_t nw = 0;
	int err = ctx_open(&c, sets, n, o, out);

	if (err)
		return err;
	/* every workload of every set, in the order the first set ran them */
	for (size_t s = 0; s < n; s++)
		for (size_t i = 0; i < sets[s].n_workloads; i++) {
			bool seen = false;

			for (size_t k = 0; k < nw && !seen; k++)
				seen = !strcmp(ws[k], sets[s].workloads[i]);
			if (!seen) {
				ws = xrealloc(ws, (nw + 1) * sizeof(*ws));
				ws[nw++] = sets[s].workloads[i];
			}
		}
	for (size_t k = 0; k < nw; k++)
		plot_workload(&c, ws[k]);
	free(ws);
	if (o->render)
		render(&c);
	return c.err;
}

int plot_verdicts(const struct cmp_table *t, const struct plot_opts *o, struct plot_list *out)
{
	struct ctx c;
	size_t drawn = 0;
	int err = ctx_open(&c, t->sets, t->n_sets, o, out);

	if (err)
		return err;
	for (size_t r = 0; r < t->n_rows && drawn < PLOT_VERDICTS_MAX; r++) {
		const struct cmp_row *row = &t->rows[r];
		struct pd_out po = { NULL, 0 };
		bool proven = false;

		for (size_t s = 0; s < t->n_sets; s++)
			proven |= row->cells[s].verdict >= CMP_BETTER;
		if (!proven)
			continue;
		pd_values(t, row, &po);
		for (size_t i = 0; i < po.n; i++) {
			emit(&c, row->workload, &po.v[i]);
			c.out->items[c.out->n - 1].row = row;
			pd_plot_free(&po.v[i]);
		}
		free(po.v);
		drawn++;
	}
	if (o->render)
		render(&c);
	return c.err;
}

void plot_list_free(struct plot_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct plot_item *it = &l->items[i];

		free(it->workload);
		free(it->title);
		free(it->base);
		free(it->data);
		free(it->script);
		free(it->image);
		free(it->note);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

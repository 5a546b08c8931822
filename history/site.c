/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The history site (site.h): index.html, a page per workload, the trend
 * plots (trend.h) under plots/, regressions.xml and history.json.  Pages
 * are static: no script, no inline handler, nothing fetched from
 * elsewhere.  Every string from the store goes through html_escape (in
 * the Atom feed too: its entities are XML's), every file name through
 * gp_safe_name.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis/gnuplot.h"
#include "analysis/html.h"
#include "history/site.h"
#include "history/trend.h"
#include "lib/embed.h"
#include "lib/mmab.h"

#define esc html_escape

struct site {
	const char *dir;
	char *plots;			/* DIR/plots */
	const struct history_data *d;
	const struct history_result *r;
	char **base;			/* per series: its plot's file name */
	bool *drawn;
	bool *empty;			/* per series: no value in any run, not drawn */
	const struct history_cp ***cps;	/* per series, in time order */
	size_t *ncps;
	const struct history_newest **newest;	/* per series, NULL: not judged */
	const char **wl;		/* workloads, in series order */
	char **page;			/* their pages */
	size_t nwl;
};

/* ---- names ---- */

static size_t workload_of(const struct site *s, const char *w)
{
	for (size_t i = 0; i < s->nwl; i++)
		if (!strcmp(s->wl[i], w))
			return i;
	return s->nwl;
}

/* Unique safe names: the plot of each series, the page of each workload. */
static void name_things(struct site *s)
{
	const struct history_data *d = s->d;

	s->base = xcalloc(d->nseries + 1, sizeof(*s->base));
	s->wl = xcalloc(d->nseries + 1, sizeof(*s->wl));
	s->page = xcalloc(d->nseries + 1, sizeof(*s->page));
	for (size_t i = 0; i < d->nseries; i++) {
		const struct history_series *se = &d->series[i];
		char raw[1024], safe[160];

		if (workload_of(s, se->workload) == s->nwl) {
			gp_safe_name(safe, sizeof(safe), se->workload);
			s->wl[s->nwl] = se->workload;
			s->page[s->nwl] = xasprintf("wl-%zu-%s.html", s->nwl + 1, safe);
			s->nwl++;
		}
		snprintf(raw, sizeof(raw), "%s-%s-%s-%s-%s", se->label, se->kernel, se->variant,
			 se->workload, se->metric);
		gp_safe_name(safe, sizeof(safe), raw);
		/* the index keeps it unique whatever the cut and the replaced bytes made equal */
		s->base[i] = xasprintf("s%zu-%s", i + 1, safe);
	}
}

/* Each series' change points in time order and its newest-night verdict. */
static void index_results(struct site *s)
{
	const struct history_data *d = s->d;
	const struct history_result *r = s->r;

	s->cps = xcalloc(d->nseries + 1, sizeof(*s->cps));
	s->ncps = xcalloc(d->nseries + 1, sizeof(*s->ncps));
	s->newest = xcalloc(d->nseries + 1, sizeof(*s->newest));
	s->drawn = xcalloc(d->nseries + 1, sizeof(*s->drawn));
	s->empty = xcalloc(d->nseries + 1, sizeof(*s->empty));
	/* r->cps is newest first: walk it backwards */
	for (size_t k = r->ncps; k-- > 0;) {
		size_t i = r->cps[k].series;

		s->cps[i] = xrealloc(s->cps[i], (s->ncps[i] + 1) * sizeof(**s->cps));
		s->cps[i][s->ncps[i]++] = &r->cps[k];
	}
	for (size_t i = 0; i < d->nseries; i++)
		for (size_t a = 1; a < s->ncps[i]; a++)	/* same set: by point */
			for (size_t b = a; b > 0 && s->cps[i][b - 1]->point > s->cps[i][b]->point; b--) {
				const struct history_cp *t = s->cps[i][b];

				s->cps[i][b] = s->cps[i][b - 1];
				s->cps[i][b - 1] = t;
			}
	for (size_t k = 0; k < r->nnewest; k++)
		s->newest[r->newest[k].series] = &r->newest[k];
}

/* ---- pieces of pages ---- */

static FILE *open_page(const struct site *s, const char *name, char **tmp)
{
	FILE *f;

	*tmp = xasprintf("%s/.%s.tmp", s->dir, name);
	f = fopen(*tmp, "we");
	if (!f)
		mmab_err("cannot write '%s': %s", *tmp, strerror(errno));
	return f;
}

static int close_page(const struct site *s, FILE *f, const char *name, char *tmp)
{
	char *path = xasprintf("%s/%s", s->dir, name);
	int err = 0;

	if (ferror(f) | fclose(f))
		err = -EIO;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		mmab_err("cannot write '%s': %s", path, strerror(-err));
		unlink(tmp);
	}
	free(path);
	free(tmp);
	return err;
}

static void head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
	esc(f, title);
	fputs("</title>\n<link rel=\"stylesheet\" href=\"style.css\">\n<link rel=\"alternate\" "
	      "type=\"application/atom+xml\" title=\"regressions\" href=\"regressions.xml\">\n"
	      "</head>\n<body>\n<header>\n<h1>", f);
	esc(f, title);
	fputs("</h1>\n", f);
}

static void nav(FILE *f, bool index)
{
	fprintf(f, "<nav><a href=\"index.html%s\">newest night</a><a href=\"index.html#changes\">"
		"change points</a><a href=\"index.html#workloads\">workloads</a>"
		"<a href=\"regressions.xml\">regressions (Atom)</a><a href=\"history.json\">"
		"history.json</a></nav>\n</header>\n<main>\n", index ? "#newest" : "");
}

static void foot(FILE *f)
{
	fprintf(f, "</main>\n<footer>mmab %s &middot; mmab history site: static, no JavaScript"
		"</footer>\n</body>\n</html>\n", MMAB_VERSION);
}

static const char *kind_class(enum history_kind k)
{
	switch (k) {
	case HK_REGRESSION: return "regression";
	case HK_IMPROVEMENT: return "improvement";
	case HK_CHANGE: return "change";
	default: return "nodiff";
	}
}

static void fnum(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("<span class=\"na\">n/a</span>", f);
	else if (fabs(v) >= 1e7 || (v != 0 && fabs(v) < 1e-3))
		fprintf(f, "%.3e", v);
	else
		fprintf(f, "%.4g", v);
}

static void fpct(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("<span class=\"na\">n/a</span>", f);
	else
		fprintf(f, fabs(v) < 100 ? "%+.1f%%" : "%+.0f%%", v);
}

static void fprob(FILE *f, double p)
{
	if (!isfinite(p))
		fputs("<span class=\"na\">n/a</span>", f);
	else
		fprintf(f, p < 1e-3 ? "%.1e" : "%.3f", p);
}

/* A link to series I's plot on its workload page, the text being its metric. */
static void series_link(const struct site *s, FILE *f, size_t i)
{
	const struct history_series *se = &s->d->series[i];

	fprintf(f, "<a href=\"%s#%s\">", s->page[workload_of(s, se->workload)], s->base[i]);
	esc(f, se->metric);
	fputs("</a>", f);
}

static void group_cell(FILE *f, const struct history_series *se)
{
	char *g = history_group(se);

	fputs("<td>", f);
	esc(f, g);
	fputs("</td>", f);
	free(g);
}

/*
 * The cells the two tables of the index share: kind, workload, metric (a
 * link to its plot), unit, the means before and after, the change and a
 * probability, then whose series it is.  The row's first cells are the
 * caller's.
 */
static void result_cells(const struct site *s, FILE *f, size_t series, enum history_kind kind,
			 double before, double after, double pct, double p)
{
	const struct history_series *se = &s->d->series[series];

	fprintf(f, "<td class=\"%s\">%s</td><td>", kind_class(kind), history_kind_name(kind));
	esc(f, se->workload);
	fputs("</td><td>", f);
	series_link(s, f, series);
	fputs("</td><td>", f);
	esc(f, se->unit);
	fputs("</td><td class=\"num\">", f);
	fnum(f, before);
	fputs("</td><td class=\"num\">", f);
	fnum(f, after);
	fputs("</td><td class=\"num\">", f);
	fpct(f, pct);
	fputs("</td><td class=\"num\">", f);
	fprob(f, p);
	fputs("</td>", f);
	group_cell(f, se);
}

/* ---- index.html ---- */

static void newest_table(const struct site *s, FILE *f)
{
	const struct history_result *r = s->r;
	size_t tally[HK_NA + 1] = { 0 }, shown = 0;

	fprintf(f, "<section id=\"newest\">\n<h2>The newest night</h2>\n<p class=\"note\">Each "
		"series of each host's newest run against its current segment (the runs since "
		"its last change point), with the iteration values: Welch's t-test, "
		"Benjamini-Hochberg over the %zu series judged, q &lt; %g.</p>\n", r->nnewest,
		r->params.fdr);
	for (size_t k = 0; k < r->nnewest; k++) {
		const struct history_newest *nw = &r->newest[k];

		tally[nw->kind]++;
		if (nw->kind > HK_CHANGE)
			continue;
		if (!shown++)
			fputs("<div class=\"scroll\"><table class=\"history\">\n<thead><tr><th>verdict"
			      "</th><th>workload</th><th>metric</th><th>unit</th><th>segment</th>"
			      "<th>night</th><th>change</th><th>q</th><th>series</th></tr></thead>\n"
			      "<tbody>\n", f);
		fputs("<tr>", f);
		result_cells(s, f, nw->series, nw->kind, nw->seg.mean, nw->night.mean,
			     nw->change_pct, nw->q);
		fputs("</tr>\n", f);
	}
	if (shown)
		fputs("</tbody></table></div>\n", f);
	fprintf(f, "<p>%zu regression%s, %zu improvement%s, %zu change%s, %zu no difference proven, "
		"%zu cannot judge (fewer than 3 values a side), %zu n/a.</p>\n</section>\n",
		tally[HK_REGRESSION], tally[HK_REGRESSION] == 1 ? "" : "s", tally[HK_IMPROVEMENT],
		tally[HK_IMPROVEMENT] == 1 ? "" : "s", tally[HK_CHANGE],
		tally[HK_CHANGE] == 1 ? "" : "s", tally[HK_NO_DIFF], tally[HK_CANNOT_JUDGE],
		tally[HK_NA]);
}

static void changes_table(const struct site *s, FILE *f)
{
	const struct history_result *r = s->r;
	const struct cpd_params *p = &r->params.cpd;

	fprintf(f, "<section id=\"changes\">\n<h2>Change points</h2>\n<p class=\"note\">Newest "
		"first.  E-Divisive means with Student's t-test, as Apache Otava finds them: "
		"windows of %d runs, p &lt; %g after the merge (%g in the first pass), relative "
		"change &gt; %g, at least %d runs on either side.  The date is the first run "
		"after the change.</p>\n", p->window, p->max_p, cpd_weak_p(p->max_p),
		p->min_magnitude, p->min_segment);
	if (!r->ncps) {
		fputs("<p>None.</p>\n</section>\n", f);
		return;
	}
	fputs("<div class=\"scroll\"><table class=\"history\">\n<thead><tr><th>first run after"
	      "</th><th>kind</th><th>workload</th><th>metric</th><th>unit</th><th>before</th>"
	      "<th>after</th><th>change</th><th>p</th><th>series</th><th>kernel</th></tr></thead>\n"
	      "<tbody>\n", f);
	for (size_t k = 0; k < r->ncps; k++) {
		const struct history_cp *c = &r->cps[k];
		const struct history_series *se = &s->d->series[c->series];
		const struct history_set *set = &s->d->sets[se->pts[c->point].set];

		fputs("<tr><td>", f);
		esc(f, set->start);
		fprintf(f, "<br><span class=\"note\">");
		esc(f, set->run_id);
		fputs("</span></td>", f);
		result_cells(s, f, c->series, c->kind, c->cp.mean_before, c->cp.mean_after,
			     c->change_pct, c->cp.p);
		fputs("<td>", f);
		esc(f, set->release);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table></div>\n</section>\n", f);
}

static void stopped_list(const struct site *s, FILE *f)
{
	const struct history_result *r = s->r;

	if (!r->nstopped)
		return;
	fprintf(f, "<section id=\"stopped\">\n<h2>Stopped</h2>\n<p class=\"note\">%zu series "
		"without a value in their host's newest run: not judged.</p>\n<ul>\n", r->nstopped);
	for (size_t k = 0; k < r->nstopped; k++) {
		const struct history_series *se = &s->d->series[r->stopped[k].series];
		char *g = history_group(se);

		fputs("<li>", f);
		esc(f, se->workload);
		fputc(' ', f);
		series_link(s, f, r->stopped[k].series);
		fputs(" (", f);
		esc(f, g);
		fputs("), last in ", f);
		esc(f, s->d->sets[se->pts[r->stopped[k].last].set].run_id);
		fputs("</li>\n", f);
		free(g);
	}
	fputs("</ul>\n</section>\n", f);
}

static int write_index(const struct site *s)
{
	const struct history_data *d = s->d;
	char *tmp;
	FILE *f = open_page(s, "index.html", &tmp);

	if (!f)
		return -errno;
	head(f, "mmab history");
	fprintf(f, "<p class=\"meta\">%zu result sets of %zu host%s, %zu series", d->nsets,
		d->nhosts, d->nhosts == 1 ? "" : "s", d->nseries);
	if (d->nsets) {
		fputs("; from ", f);
		esc(f, d->sets[0].start);
		fputs(" to ", f);
		esc(f, d->sets[d->nsets - 1].start);
	}
	fputs(".</p>\n<p class=\"meta\">Newest run", f);
	for (size_t h = 0; h < d->nhosts; h++) {
		size_t i = d->newest_of_host[h];

		fputs(" &middot; ", f);
		esc(f, d->sets[i].host);
		fputs(": ", f);
		esc(f, d->sets[i].run_id);
		fputs(" (", f);
		esc(f, d->sets[i].start);
		fputs(")", f);
	}
	fputs("</p>\n", f);
	nav(f, true);
	newest_table(s, f);
	changes_table(s, f);
	stopped_list(s, f);
	fputs("<section id=\"workloads\">\n<h2>Workloads</h2>\n<ul>\n", f);
	for (size_t w = 0; w < s->nwl; w++) {
		size_t n = 0, ncp = 0;

		for (size_t i = 0; i < d->nseries; i++)
			if (!strcmp(d->series[i].workload, s->wl[w])) {
				n++;
				ncp += s->ncps[i];
			}
		fprintf(f, "<li><a href=\"%s\">", s->page[w]);
		esc(f, s->wl[w]);
		fprintf(f, "</a>: %zu series, %zu change point%s</li>\n", n, ncp, ncp == 1 ? "" : "s");
	}
	fputs("</ul>\n</section>\n", f);
	foot(f);
	return close_page(s, f, "index.html", tmp);
}

/* ---- a workload's page ---- */

static void figure(const struct site *s, FILE *f, size_t i)
{
	const struct history_series *se = &s->d->series[i];
	const struct history_newest *nw = s->newest[i];
	const char *b = s->base[i];

	fprintf(f, "<figure id=\"%s\">\n", b);
	if (s->drawn[i])
		fprintf(f, "<img src=\"plots/%s.png\" width=\"800\" height=\"380\" "
			"alt=\"trend plot (its caption below)\">\n", b);
	else if (s->empty[i])
		fputs("<p class=\"skipped\">Not drawn: n/a in every run (a counter or event this "
		      "kernel lacks, or that never happened).</p>\n", f);
	else
		fputs("<p class=\"skipped failed\">Not drawn (gnuplot failed: see plots/gnuplot.log)"
		      "</p>\n", f);
	fputs("<figcaption>", f);
	esc(f, se->metric);
	if (*se->unit) {
		fputs(" (", f);
		esc(f, se->unit);
		fputc(')', f);
	}
	fprintf(f, ", %s is better, %zu runs, %zu change point%s", metric_dir_name(se->dir), se->n,
		s->ncps[i], s->ncps[i] == 1 ? "" : "s");
	if (nw)
		fprintf(f, "; newest night: <span class=\"%s\">%s</span>", kind_class(nw->kind),
			history_kind_name(nw->kind));
	fprintf(f, ". <span class=\"files\"><a href=\"plots/%s.svg\">SVG</a> <a href=\"plots/%s.csv"
		"\">data</a> <a href=\"plots/%s.gp\">gnuplot</a></span></figcaption>\n</figure>\n",
		b, b, b);
}

static int write_workload(const struct site *s, size_t w)
{
	const struct history_data *d = s->d;
	char *tmp, *title = xasprintf("mmab history: %s", s->wl[w]), *group = NULL;
	FILE *f = open_page(s, s->page[w], &tmp);

	if (!f) {
		free(title);
		return -errno;
	}
	head(f, title);
	free(title);
	fputs("<p class=\"meta\">One plot per series: each run's value (the metric's aggregate over "
	      "its iterations) with the iterations' min-max band, the mean of each segment as "
	      "steps, change points as labelled lines, the kernel release under the axis where it "
	      "changed.</p>\n", f);
	nav(f, false);
	for (size_t i = 0; i < d->nseries; i++) {
		char *g;

		if (strcmp(d->series[i].workload, s->wl[w]))
			continue;
		g = history_group(&d->series[i]);
		if (!group || strcmp(g, group)) {
			fputs(group ? "</div>\n</section>\n<section>\n<h2>" : "<section>\n<h2>", f);
			esc(f, g);
			fputs("</h2>\n<div class=\"grid\">\n", f);
			free(group);
			group = g;
		} else {
			free(g);
		}
		figure(s, f, i);
	}
	if (group)
		fputs("</div>\n</section>\n", f);
	free(group);
	foot(f);
	return close_page(s, f, s->page[w], tmp);
}

/* ---- regressions.xml, history.json, style.css ---- */

/* A stable id for an entry: FNV-1a of what it is about. */
static unsigned long long fnv(const char *a, const char *b, const char *c)
{
	unsigned long long h = 1469598103934665603ULL;
	const char *parts[] = { a, "\n", b, "\n", c };

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		for (const char *p = parts[i]; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static void atom_entry(const struct site *s, FILE *f, size_t series, size_t point,
		       const char *what, double before, double after, double pct)
{
	const struct history_series *se = &s->d->series[series];
	const struct history_set *set = &s->d->sets[se->pts[point].set];
	char *title = history_series_title(se), *g = history_group(se);

	fprintf(f, "<entry>\n<id>urn:mmab:history:%016llx</id>\n<title>regression: ",
		fnv(se->key, set->run_id, what));
	esc(f, title);
	fputs(" ", f);
	if (isfinite(pct))
		fprintf(f, "%+.1f%%", pct);
	fputs("</title>\n<updated>", f);
	esc(f, set->start);
	fprintf(f, "</updated>\n<link href=\"%s#%s\"/>\n<summary>", s->page[workload_of(s, se->workload)],
		s->base[series]);
	esc(f, what);
	fprintf(f, ": %.6g to %.6g in run ", before, after);
	esc(f, set->run_id);
	fputs(" of ", f);
	esc(f, g);
	fputs(", kernel ", f);
	esc(f, set->release);
	fputs(".</summary>\n</entry>\n", f);
	free(title);
	free(g);
}

static int write_feed(const struct site *s)
{
	const struct history_data *d = s->d;
	const struct history_result *r = s->r;
	char *tmp;
	FILE *f = open_page(s, "regressions.xml", &tmp);

	if (!f)
		return -errno;
	fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom"
	      "\">\n<title>mmab history: regressions</title>\n<id>urn:mmab:history:regressions</id>\n"
	      "<link href=\"index.html\"/>\n<author><name>mmab</name></author>\n<updated>", f);
	esc(f, d->nsets ? d->sets[d->nsets - 1].start : "1970-01-01T00:00:00Z");
	fputs("</updated>\n", f);
	for (size_t k = 0; k < r->nnewest; k++) {
		const struct history_newest *nw = &r->newest[k];

		if (nw->kind == HK_REGRESSION)
			atom_entry(s, f, nw->series, nw->point, "the newest night", nw->seg.mean,
				   nw->night.mean, nw->change_pct);
	}
	for (size_t k = 0; k < r->ncps; k++) {
		const struct history_cp *c = &r->cps[k];

		if (c->kind == HK_REGRESSION)
			atom_entry(s, f, c->series, c->point, "a change point", c->cp.mean_before,
				   c->cp.mean_after, c->change_pct);
	}
	fputs("</feed>\n", f);
	return close_page(s, f, "regressions.xml", tmp);
}

static int write_json(const struct site *s)
{
	char *tmp;
	FILE *f = open_page(s, "history.json", &tmp);
	int err;

	if (!f)
		return -errno;
	err = history_json_write(f, s->d, s->r);
	return close_page(s, f, "history.json", tmp) ? -EIO : err;
}

static int write_style(const struct site *s)
{
	const char *a = embed_find("analysis/report/style.css", NULL);
	const char *b = embed_find("history/site.css", NULL);
	char *tmp;
	FILE *f = open_page(s, "style.css", &tmp);

	if (!f)
		return -errno;
	fputs(a ? a : "", f);
	fputs(b ? b : "", f);
	return close_page(s, f, "style.css", tmp);
}

/* ---- the whole site ---- */

static int plots(struct site *s)
{
	const struct history_data *d = s->d;
	char **bases = xcalloc(d->nseries + 1, sizeof(*bases));
	size_t n = 0;
	size_t *who = xcalloc(d->nseries + 1, sizeof(*who));
	bool *ok = xcalloc(d->nseries + 1, sizeof(*ok));
	int err = 0;

	for (size_t i = 0; i < d->nseries && !err; i++) {
		const struct history_series *se = &d->series[i];
		char *title, *g, *full;

		s->empty[i] = true;
		for (size_t k = 0; k < se->n && s->empty[i]; k++)
			s->empty[i] = !isfinite(se->pts[k].value);
		if (s->empty[i])
			continue;
		title = history_series_title(se);
		g = history_group(se);
		full = xasprintf("%s: %s", g, title);

		err = trend_write(s->plots, s->base[i], d, se, s->cps[i], s->ncps[i], full);
		bases[n] = s->base[i];
		who[n++] = i;
		free(full);
		free(title);
		free(g);
	}
	if (!err && n)
		err = trend_render(s->plots, bases, n, ok);
	for (size_t k = 0; k < n; k++)
		s->drawn[who[k]] = ok[k];
	free(bases);
	free(who);
	free(ok);
	return err;
}

static void site_free(struct site *s)
{
	for (size_t i = 0; i < s->d->nseries; i++) {
		free(s->base[i]);
		free(s->cps[i]);
	}
	for (size_t w = 0; w < s->nwl; w++)
		free(s->page[w]);
	free(s->base);
	free(s->cps);
	free(s->ncps);
	free(s->newest);
	free(s->drawn);
	free(s->empty);
	free(s->wl);
	free(s->page);
	free(s->plots);
}

int history_site(const char *dir, const struct history_data *d, const struct history_result *r)
{
	struct site s = { .dir = dir, .d = d, .r = r };
	int err, first = 0;

	for (const char *p = dir; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			mmab_err("history site: the output directory's name holds control characters");
			return -EINVAL;
		}
	s.plots = xasprintf("%s/plots", dir);
	err = mmab_mkdir_p(s.plots, 0755);
	if (err) {
		mmab_err("cannot create '%s': %s", s.plots, strerror(-err));
		free(s.plots);
		return -EINVAL;
	}
	name_things(&s);
	index_results(&s);
	/* the pages are written even when a plot could not be drawn: they say so */
	first = plots(&s);
	err = write_style(&s);
	for (size_t w = 0; w < s.nwl && !err; w++)
		err = write_workload(&s, w);
	if (!err)
		err = write_feed(&s);
	if (!err)
		err = write_json(&s);
	if (!err)
		err = write_index(&s);
	site_free(&s);
	return first ? first : err;
}

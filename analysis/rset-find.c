/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Finding result sets from what the user typed (rset.h): a result-set
 * directory, a run directory (every set it holds, in the order of its
 * run.json), or a label or run id under ./results.  Also the few file
 * helpers the loader shares (rset-int.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/rset-int.h"
#include "analysis/rset.h"
#include "lib/mmab.h"

bool rset_is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

bool rset_is_set(const char *dir)
{
	char *p = xasprintf("%s/metadata.json", dir);
	struct stat st;
	bool ok = !stat(p, &st) && S_ISREG(st.st_mode);

	free(p);
	return ok;
}

static const char *results_root(void)
{
	const char *r = getenv("MMAB_RESULTS");

	return r && *r ? r : "results";
}

/* "a/b/" -> "a/b": paths are printed and joined, keep them tidy */
char *rset_trim_slashes(const char *s)
{
	char *d = xstrdup(s);
	size_t n = strlen(d);

	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	return d;
}

void rset_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

int rset_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Subdirectories of DIR that are result sets, sorted by name. */
static void sets_below(const char *dir, char ***v, size_t *n)
{
	size_t first = *n;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (rset_is_dir(p) && rset_is_set(p))
			rset_push(v, n, p);
		else
			free(p);
	}
	closedir(d);
	qsort(*v + first, *n - first, sizeof(**v), rset_cmp_str);
}

/*
 * The sets of a run directory in the order of run.json's "sets" (the order
 * the user declared the variants in), then any others by name.
 */
static void sets_of_run(const char *dir, char ***v, size_t *n)
{
	char *path = xasprintf("%s/run.json", dir);
	json_t *run = json_load_file(path, 0, NULL);
	char **found = NULL;
	size_t nfound = 0;

	free(path);
	sets_below(dir, &found, &nfound);
	if (run) {
		json_t *sets = json_object_get(run, "sets"), *s;
		size_t i;

		json_array_foreach(sets, i, s) {
			const char *sub = json_string_value(json_object_get(s, "dir"));

			if (!sub)
				sub = json_string_value(json_object_get(s, "label"));
			if (!sub || !mmab_label_valid(sub))
				continue;
			for (size_t k = 0; k < nfound; k++) {
				if (found[k] && !strcmp(strrchr(found[k], '/') + 1, sub)) {
					rset_push(v, n, found[k]);
					found[k] = NULL;
					break;
				}
			}
		}
		json_decref(run);
	}
	for (size_t k = 0; k < nfound; k++)
		if (found[k])
			rset_push(v, n, found[k]);
	free(found);
}

/* ARG, a directory: the result set it is, or the sets of the run it holds. */
static int expand_dir(const char *arg, char ***dirs, size_t *n)
{
	char *path = rset_trim_slashes(arg), **cand = NULL;
	size_t ncand = 0;

	if (rset_is_set(path)) {
		rset_push(dirs, n, path);
		return 0;
	}
	sets_of_run(path, &cand, &ncand);
	free(path);
	if (!ncand) {
		mmab_err("'%s' is neither a result set (no metadata.json) nor a run directory", arg);
		return -ENOENT;
	}
	for (size_t i = 0; i < ncand; i++)
		rset_push(dirs, n, cand[i]);
	free(cand);
	return 0;
}

/* Every ROOT/RUN/LABEL that is a result set. */
static void sets_labelled(const char *root, const char *label, char ***cand, size_t *ncand)
{
	DIR *d = opendir(root);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char *path;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s/%s", root, de->d_name, label);
		if (rset_is_dir(path) && rset_is_set(path))
			rset_push(cand, ncand, path);
		else
			free(path);
	}
	if (d)
		closedir(d);
}

int rset_expand(const char *arg, char ***dirs, size_t *n)
{
	const char *root = results_root();
	char **cand = NULL, *path;
	size_t ncand = 0;
	int err;

	if (rset_is_dir(arg))
		return expand_dir(arg, dirs, n);
	if (strchr(arg, '/') || !mmab_label_valid(arg)) {
		mmab_err("no result set at '%s'", arg);
		return -ENOENT;
	}
	/* a run id (results/RUN) or a label (results/RUN/LABEL, results/LABEL) */
	path = xasprintf("%s/%s", root, arg);
	err = rset_is_dir(path) ? expand_dir(path, dirs, n) : 1;
	free(path);
	if (err <= 0)
		return err;
	sets_labelled(root, arg, &cand, &ncand);
	if (!ncand) {
		mmab_err("no result set '%s': not a directory, nor a label under '%s'", arg, root);
		return -ENOENT;
	}
	if (ncand > 1) {
		qsort(cand, ncand, sizeof(*cand), rset_cmp_str);
		mmab_err("'%s' is ambiguous: %zu result sets have that label; give one of these:",
			 arg, ncand);
		for (size_t i = 0; i < ncand; i++) {
			fprintf(stderr, "\t%s\n", cand[i]);
			free(cand[i]);
		}
		free(cand);
		return -EINVAL;
	}
	rset_push(dirs, n, cand[0]);
	free(cand);
	return 0;
}

int rset_resolve(const char *arg, char *out, size_t len)
{
	char **dirs = NULL;
	size_t n = 0;
	int err = rset_expand(arg, &dirs, &n);

	if (!err && n > 1) {
		mmab_err("'%s' holds %zu result sets; name one of these:", arg, n);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "\t%s\n", dirs[i]);
		err = -EINVAL;
	}
	if (!err && (size_t)snprintf(out, len, "%s", dirs[0]) >= len) {
		mmab_err("path too long: '%s'", dirs[0]);
		err = -ENAMETOOLONG;
	}
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	return err;
}

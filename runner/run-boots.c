/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A run that boots its kernels (`mmab run --kernel`, [kernel] sections):
 * the kernels gathered from the suite and the command line, resolved and
 * named (boot/kernel.h) before anything is touched, every mistake an exit
 * 2 that names its origin.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/kernel.h"
#include "lib/mmab.h"
#include "runner/run.h"

/* The directory relative images of a suite file are taken from; NULL: the working one. */
static char *suite_dir(const struct suite *s)
{
	char *copy, *d;

	if (!strchr(s->file, '/') || !strncmp(s->file, "builtin:", 8))
		return NULL;
	copy = xstrdup(s->file);
	d = xstrdup(dirname(copy));
	free(copy);
	return d;
}

/* [kernel NAME] section I of the suite as a kernel to resolve.  0 or -EINVAL (err). */
static int from_section(const struct suite *s, size_t i, struct kernel *k, char *err,
			size_t errlen)
{
	const struct suite_kernel *sk = &s->kernels[i];
	int ret = kernel_parse_arg(sk->image, k, err, errlen);

	k->origin = xasprintf("%s:%d: [kernel %s]", s->file, sk->line, sk->name);
	if (!ret && k->name) {
		snprintf(err, errlen, "image = %s: the name is the section's; write "
			 "image = %s", sk->image, k->spec);
		ret = -EINVAL;
	}
	free(k->name);
	k->name = xstrdup(sk->name);
	k->append = sk->append ? xstrdup(sk->append) : NULL;
	k->memory = sk->memory;
	k->cpus = sk->cpus;
	return ret;
}

int run_gather_kernels(struct run *r, struct kernel **out, size_t *nout)
{
	size_t n = r->suite.nkernels + r->o.nkernels;
	struct kernel *ks = xcalloc(n ? n : 1, sizeof(*ks));
	char *base = suite_dir(&r->suite), err[1024];
	int ret = 0;
	size_t i;

	for (i = 0; i < n && !ret; i++) {
		bool section = i < r->suite.nkernels;
		const char *arg = section ? NULL : r->o.kernels[i - r->suite.nkernels];

		if (section) {
			ret = from_section(&r->suite, i, &ks[i], err, sizeof(err));
		} else {
			ret = kernel_parse_arg(arg, &ks[i], err, sizeof(err));
			ks[i].origin = xasprintf("--kernel '%s'", arg);
		}
		if (!ret)
			ret = kernel_resolve(&ks[i], section ? base : NULL, "/", err, sizeof(err));
		if (ret)
			mmab_err("%s: %s", ks[i].origin, err);
	}
	if (!ret && kernels_name(ks, n, err, sizeof(err))) {
		mmab_err("%s", err);
		ret = -EINVAL;
	}
	free(base);
	if (ret) {
		for (i = 0; i < n; i++)
			kernel_free(&ks[i]);
		free(ks);
		return MMAB_EXIT_USAGE;
	}
	*out = ks;
	*nout = n;
	return 0;
}

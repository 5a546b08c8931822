/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the slab workload reads of /proc/slabinfo: its caches' rows (through
 * the collectors' one parser), their pages and their occupancy.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "collectors/proc.h"
#include "workloads/slab.h"
#include "workloads/wl-io.h"

/* The collectors' parser (collectors/slabinfo.c): one slabinfo parser for the project. */
int slabinfo_parse(const char *text, const char *const *names, size_t n,
		   struct slab_cache *out)
{
	struct slab_info si = { 0 };
	size_t found = 0;
	int ret;

	memset(out, 0, n * sizeof(*out));
	ret = slab_parse(&si, "/proc/slabinfo", text, strlen(text), NULL, 0);
	for (size_t r = 0; !ret && r < si.n; r++) {
		const struct slab_row *row = &si.r[r];

		for (size_t i = 0; i < n; i++) {
			if (out[i].name[0] || strlen(names[i]) != row->nlen ||
			    strncmp(names[i], row->name, row->nlen) || row->nlen >= sizeof(out[i].name))
				continue;
			memcpy(out[i].name, row->name, row->nlen);
			out[i].active_objs = row->active_objs;
			out[i].num_objs = row->num_objs;
			out[i].objsize = row->objsize;
			out[i].objperslab = row->objperslab;
			out[i].pagesperslab = row->pagesperslab;
			out[i].active_slabs = row->active_slabs;
			out[i].num_slabs = row->num_slabs;
			found++;
		}
	}
	slab_free(&si);
	if (ret)
		return -EINVAL;
	return found == n ? 0 : -ENOENT;
}

uint64_t slab_pages(const struct slab_cache *c)
{
	return c->num_slabs * c->pagesperslab;
}

double slab_occupancy_pct(const struct slab_cache *c, size_t n)
{
	double live = 0, slots = 0;

	for (size_t i = 0; i < n; i++) {
		live += (double)c[i].active_objs * (double)c[i].objsize;
		slots += (double)c[i].num_objs * (double)c[i].objsize;
	}
	return wlio_pct(live, slots);
}

double slab_pages_per_1k(double pages, double objects)
{
	return objects > 0 ? 1000.0 * pages / objects : NAN;
}


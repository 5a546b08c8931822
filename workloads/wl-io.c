/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the file-system workloads `dirty-mmap` and `slab` (API and
 * contracts in wl-io.h): where their files go, what file system that is,
 * /proc/vmstat deltas and the reclaim rows of metrics.csv.  Tracepoint
 * counts come from workloads/tracepoint.c.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/mmab.h"
#include "workloads/wl-io.h"
#include "workloads/workload.h"

/* ---- working directory and file system ---- */

int wlio_workdir(struct wl_ctx *ctx, const char *dir, const char *name, char **out)
{
	char *path;
	int ret;

	*out = NULL;
	if (!dir || !*dir) {
		path = xasprintf("%s/%s", ctx->scratch_dir, name);
	} else {
		path = xasprintf("%s/mmab-%s-%ld", dir, name, (long)getpid());
		/* journaled first: a crash between here and teardown still removes it */
		ret = wl_journal_path(ctx, path);
		if (ret) {
			mmab_err("cannot journal '%s': %s", path, strerror(-ret));
			free(path);
			return ret;
		}
	}
	if (mkdir(path, 0700) < 0) {
		ret = -errno;
		mmab_err("cannot create '%s': %s", path, strerror(-ret));
		free(path);
		return ret;
	}
	*out = path;
	return 0;
}

const char *wlio_inode_cache(const char *fstype)
{
	static const char *const map[][2] = {
		/* ext3 and ext4 mounts are both driven by the ext4 code */
		{ "ext4", "ext4_inode_cache" },
		{ "ext3", "ext4_inode_cache" },
		{ "ext2", "ext2_inode_cache" },
		{ "xfs", "xfs_inode" },
		{ "btrfs", "btrfs_inode" },
		{ "f2fs", "f2fs_inode_cache" },
		{ "tmpfs", "shmem_inode_cache" },
		{ "nfs", "nfs_inode_cache" },
		{ "nfs4", "nfs_inode_cache" },
		{ "fuse", "fuse_inode" },
		{ "bcachefs", "bcachefs_inode_cache" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(fstype, map[i][0]))
			return map[i][1];
	return NULL;
}

bool wlio_fs_writes_back(const char *fstype)
{
	return strcmp(fstype, "tmpfs") && strcmp(fstype, "ramfs");
}

/* ---- /proc/vmstat ---- */

double wlio_vmstat_get(const char *text, const char *name)
{
	size_t nlen = strlen(name);
	const char *line = text;

	while (line && *line) {
		if (!strncmp(line, name, nlen) && line[nlen] == ' ') {
			char *end;
			double v = strtod(line + nlen + 1, &end);

			return end == line + nlen + 1 ? NAN : v;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NAN;
}

double wlio_vmstat_sum(const char *text, const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *line = text;
	double sum = NAN;

	while (line && *line) {
		if (!strncmp(line, prefix, plen)) {
			const char *sp = strchr(line, ' ');
			char *end;
			double v;

			if (sp) {
				v = strtod(sp + 1, &end);
				if (end != sp + 1)
					sum = isnan(sum) ? v : sum + v;
			}
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return sum;
}

double wlio_vmstat_delta(const char *before, const char *after, const char *name)
{
	return wlio_vmstat_get(after, name) - wlio_vmstat_get(before, name);
}

double wlio_vmstat_sum_delta(const char *before, const char *after, const char *prefix)
{
	return wlio_vmstat_sum(after, prefix) - wlio_vmstat_sum(before, prefix);
}

double wlio_pct(double num, double den)
{
	if (isnan(num) || isnan(den) || den <= 0)
		return NAN;
	return 100.0 * num / den;
}

int wlio_reclaim_metrics(struct wl_ctx *ctx, const char *before, const char *after)
{
	double scan_k = wlio_vmstat_delta(before, after, "pgscan_kswapd");
	double scan_d = wlio_vmstat_delta(before, after, "pgscan_direct");
	double steal_k = wlio_vmstat_delta(before, after, "pgsteal_kswapd");
	double steal_d = wlio_vmstat_delta(before, after, "pgsteal_direct");
	const struct {
		const char *name;
		double v;
		const char *unit;
		enum metric_dir dir;
	} rows[] = {
		{ "pgscan_kswapd", scan_k, "pages", METRIC_NONE },
		{ "pgscan_direct", scan_d, "pages", METRIC_NONE },
		{ "pgsteal_kswapd", steal_k, "pages", METRIC_NONE },
		{ "pgsteal_direct", steal_d, "pages", METRIC_NONE },
		/* allocstall_{dma,dma32,normal,movable,device}: whichever this kernel has */
		{ "direct_reclaim_stalls", wlio_vmstat_sum_delta(before, after, "allocstall_"),
		  "events", METRIC_LOWER },
		{ "kswapd_efficiency_pct", wlio_pct(steal_k, scan_k), "%", METRIC_HIGHER },
		{ "direct_efficiency_pct", wlio_pct(steal_d, scan_d), "%", METRIC_HIGHER },
		{ "slabs_scanned", wlio_vmstat_delta(before, after, "slabs_scanned"), "objects",
		  METRIC_NONE },
		{ "workingset_refault_file",
		  wlio_vmstat_delta(before, after, "workingset_refault_file"), "pages",
		  METRIC_LOWER },
	};
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		int r = wl_metric(ctx, rows[i].name, rows[i].v, rows[i].unit, rows[i].dir,
				  AGG_MEAN);

		if (r && !ret)
			ret = r;
	}
	return ret;
}

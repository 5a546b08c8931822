/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How free memory lies (API in freemem.h).  Parsing is the collectors'
 * (collectors/proc.c): one parser per /proc file for the project.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/proc.h"
#include "lib/mmab.h"
#include "workloads/freemem.h"

int freemem_buddy_parse(const char *text, struct buddy_sum *bs)
{
	struct buddy_info bi = { 0 };
	size_t len = strlen(text);
	char *copy = NULL;
	int ret;

	memset(bs, 0, sizeof(*bs));
	/* This API always took text without its last newline too. */
	if (len && text[len - 1] != '\n')
		text = copy = xasprintf("%s\n", text);
	ret = buddy_parse(&bi, "/proc/buddyinfo", text, strlen(text), NULL, 0);
	free(copy);
	for (size_t i = 0; !ret && i < bi.n; i++) {
		bs->norders = bi.z[i].norders;
		for (int o = 0; o < bi.z[i].norders; o++)
			bs->blocks[o] += bi.z[i].blocks[o];
	}
	buddy_free(&bi);
	return ret;
}

int freemem_buddy_read(struct buddy_sum *bs)
{
	char *buf;
	int ret = mmab_read_file("/proc/buddyinfo", &buf, NULL);

	if (ret)
		return ret;
	ret = freemem_buddy_parse(buf, bs);
	free(buf);
	return ret;
}

uint64_t freemem_pages(const struct buddy_sum *bs)
{
	uint64_t pages = 0;

	for (int o = 0; o < bs->norders; o++)
		pages += bs->blocks[o] << o;
	return pages;
}

uint64_t freemem_blocks(const struct buddy_sum *bs, int order)
{
	uint64_t blocks = 0;

	for (int o = order; o < bs->norders; o++)
		blocks += bs->blocks[o] << (o - order);
	return blocks;
}

double freemem_unusable_index(const struct buddy_sum *bs, int order)
{
	uint64_t free_pages = freemem_pages(bs);

	if (!free_pages)
		return 1.0;
	return (double)(free_pages - (freemem_blocks(bs, order) << order)) /
	       (double)free_pages;
}

void freemem_nonmovable(long long *free_pages, long long *blocks)
{
	struct pagetype_info pi = { 0 };
	char *buf, err[256];
	size_t len;

	*free_pages = *blocks = -1;
	if (mmab_read_file("/proc/pagetypeinfo", &buf, &len))
		return;
	if (pagetype_parse(&pi, "/proc/pagetypeinfo", buf, len, err, sizeof(err)) == 0) {
		*free_pages = *blocks = 0;
		for (size_t i = 0; i < pi.nfree; i++)
			if (!strcmp(pi.free[i].type, "Unmovable") ||
			    !strcmp(pi.free[i].type, "Reclaimable"))
				for (int o = 0; o < pi.norders; o++)
					*free_pages += (long long)(pi.free[i].blocks[o] << o);
		for (size_t i = 0; i < pi.nblk; i++)
			for (int t = 0; t < pi.blk[i].ntypes; t++)
				if (!strcmp(pi.blk[i].type[t], "Unmovable") ||
				    !strcmp(pi.blk[i].type[t], "Reclaimable"))
					*blocks += (long long)pi.blk[i].count[t];
	}
	pagetype_free(&pi);
	free(buf);
}

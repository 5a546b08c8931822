/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory probes: what the kernel says about memory right now, read from
 * /proc/meminfo, /proc/vmstat and /proc/zoneinfo.  Used to size workloads,
 * the effective memory and the ballast; the collectors sample the same
 * files on their own schedule.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/mmab.h"

static long long keyed_value(const char *path, const char *key, bool colon)
{
	size_t klen = strlen(key);
	long long v = -1;
	char *buf, *p;

	if (mmab_read_file(path, &buf, NULL))
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen))
			continue;
		if (colon ? p[klen] != ':' : p[klen] != ' ')
			continue;
		v = strtoll(p + klen + 1, NULL, 10);
		break;
	}
	free(buf);
	return v;
}

long long mem_meminfo_kb(const char *field)
{
	return keyed_value("/proc/meminfo", field, true);
}

long long mem_vmstat(const char *name)
{
	return keyed_value("/proc/vmstat", name, false);
}

double mem_vmstat_delta(const char *name, long long start)
{
	long long now = mem_vmstat(name);

	if (start < 0 || now < 0)
		return NAN;
	return (double)(now - start);
}

uint64_t mem_total(void)
{
	long long kb = mem_meminfo_kb("MemTotal");

	return kb < 0 ? 0 : (uint64_t)kb * 1024;
}

uint64_t mem_available_bytes(void)
{
	long long kb = mem_meminfo_kb("MemAvailable");

	return kb > 0 ? (uint64_t)kb << 10 : 0;
}

int mem_reachable_parse(const char *zoneinfo, uint64_t *reach)
{
	char *zi = xstrdup(zoneinfo);
	long long free_pages = -1, low = -1;
	int ret = 0, zones = 0;

	*reach = 0;
	/* a zone's numbers are complete at its protection line */
	for (char *line = zi, *next; line && *line; line = next) {
		long long room, prot = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "Node ", 5) && strstr(line, ", zone ")) {
			free_pages = low = -1;
			continue;
		}
		if (sscanf(line, " pages free %lld", &free_pages) == 1 ||
		    (low < 0 && sscanf(line, " low %lld", &low) == 1) ||
		    !strstr(line, "protection: ("))
			continue;
		for (char *q = strchr(line, '(') + 1; *q && *q != ')';) {
			long long v = strtoll(q, &q, 10);

			prot = v > prot ? v : prot;
			while (*q == ',' || *q == ' ')
				q++;
		}
		if (free_pages < 0 || low < 0) {
			ret = -EINVAL;
			break;
		}
		zones++;
		room = free_pages - low - prot;
		if (room > 0)
			*reach += (uint64_t)room * 4096;
	}
	if (!ret && !zones)
		ret = -EINVAL;
	free(zi);
	return ret;
}

int mem_reachable(uint64_t *reach)
{
	char *zi = NULL;
	int ret;

	*reach = 0;
	ret = mmab_read_file("/proc/zoneinfo", &zi, NULL);
	if (!ret)
		ret = mem_reachable_parse(zi, reach);
	free(zi);
	return ret;
}

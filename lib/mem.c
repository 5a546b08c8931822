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
#include <time.h>

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

/* The background reclaim and compaction counters, summed (-1 when none is there). */
static long long background_work(void)
{
	static const char *const keys[] = {
		"pgscan_kswapd", "compact_daemon_migrate_scanned", "compact_daemon_free_scanned",
	};
	long long sum = -1;
	char *buf;

	if (mmab_read_file("/proc/vmstat", &buf, NULL))
		return -1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t klen = strlen(keys[i]);

		for (char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
			if (!strncmp(p, keys[i], klen) && p[klen] == ' ') {
				sum = (sum < 0 ? 0 : sum) + strtoll(p + klen + 1, NULL, 10);
				break;
			}
	}
	free(buf);
	return sum;
}

double mem_wait_quiet(double quiet_s, double max_s, volatile int *stop, bool *quiet)
{
	double t0 = mmab_now(), still_since = t0;
	long long last = background_work();
	bool q = false;

	while (mmab_now() - t0 < max_s && !(stop && *stop)) {
		struct timespec nap = { 0, 100 * 1000 * 1000 };
		long long now;

		nanosleep(&nap, NULL);
		now = background_work();
		if (now != last) {
			last = now;
			still_since = mmab_now();
		} else if (mmab_now() - still_since >= quiet_s) {
			q = true;
			break;
		}
	}
	if (quiet)
		*quiet = q;
	return mmab_now() - t0;
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

int mem_pcp_parse(const char *zoneinfo, long long *count, long long *high)
{
	long long v;

	*count = *high = -1;
	for (const char *p = strchr(zoneinfo, '\n'); p; p = strchr(p + 1, '\n')) {
		if (sscanf(p + 1, " count: %lld", &v) == 1)
			*count = (*count < 0 ? 0 : *count) + v;
		else if (sscanf(p + 1, " high: %lld", &v) == 1)
			*high = (*high < 0 ? 0 : *high) + v;
	}
	return *count < 0 || *high < 0 ? -EINVAL : 0;
}

static int pcp_now(long long *count, long long *high)
{
	char *zi = NULL;
	int ret = mmab_read_file("/proc/zoneinfo", &zi, NULL);

	if (!ret)
		ret = mem_pcp_parse(zi, count, high);
	free(zi);
	return ret;
}

int mem_drain_pcp(int max_writes, long long *before, long long *after)
{
	long long count = -1, high = -1, c, h;
	int writes = 0, still = 0, ret = pcp_now(&count, &high);

	if (before)
		*before = ret ? -1 : count;
	/*
	 * Each write lowers the lists' high marks by an eighth (not below their
	 * floor) and frees what is above them: done when three writes in a row
	 * lowered neither the count nor the marks.
	 */
	while (!ret && writes < (max_writes > 0 ? max_writes : 1) && still < 3) {
		ret = mmab_write_file("/proc/sys/vm/stat_refresh", "1");
		/* EINVAL: a counter was negative (older kernels); the refresh ran all the same */
		if (ret == -EINVAL)
			ret = 0;
		if (!ret)
			ret = pcp_now(&c, &h);
		if (ret)
			break;
		writes++;
		still = c < count || h < high ? 0 : still + 1;
		count = c;
		high = h;
	}
	if (after)
		*after = count;
	return ret ? ret : writes;
}

uint64_t mem_usable_bytes(void)
{
	long long count, high;

	if (pcp_now(&count, &high))
		count = 0;
	return mem_available_bytes() + (uint64_t)count * MEM_PAGE;
}

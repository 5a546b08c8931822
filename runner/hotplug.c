/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Taking memory blocks offline for the effective size, and bringing them
 * back (API in hotplug.h).  The kernel migrates what is in a block before
 * it goes offline and refuses blocks holding unmovable pages; a block whose
 * migration keeps failing would keep the write busy for as long as it
 * likes, so each write is bounded by a timer signal (the kernel gives up
 * with EINTR).  Blocks go from the top of memory down, so what stays online
 * is the low memory a small machine has (DMA32 first), plus the blocks the
 * kernel would not give up.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/journal.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "runner/hotplug.h"

#define MEMORY_DIR "/sys/devices/system/memory"
/* A block still migrating after this long is given up (left online). */
#define HOTPLUG_BLOCK_TIMEOUT_NS 1000000000L
/* What must stay available above the effective size after one more block. */
#define HOTPLUG_MARGIN (16ULL << 20)

int hotplug_supported(char *why, size_t whylen)
{
	if (!mmab_is_root()) {
		snprintf(why, whylen, "not root");
		return -EPERM;
	}
	if (access(MEMORY_DIR "/block_size_bytes", R_OK)) {
		snprintf(why, whylen, "no memory hotplug (%s)", MEMORY_DIR);
		return -ENOENT;
	}
	return 0;
}

static uint64_t block_bytes(void)
{
	char *buf;
	uint64_t v = 0;

	if (mmab_read_file(MEMORY_DIR "/block_size_bytes", &buf, NULL) == 0) {
		v = strtoull(buf, NULL, 16);
		free(buf);
	}
	return v;
}

static int cmp_desc(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return (x < y) - (x > y);
}

/* The online blocks, highest first, into *OUT (malloc'd); their count, or -errno. */
static ssize_t online_blocks(unsigned long **out)
{
	DIR *d = opendir(MEMORY_DIR);
	struct dirent *de;
	size_t n = 0;

	*out = NULL;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *path, *state;
		unsigned long nr;
		char *end;

		if (strncmp(de->d_name, "memory", 6) || de->d_name[6] < '0' || de->d_name[6] > '9')
			continue;
		nr = strtoul(de->d_name + 6, &end, 10);
		if (*end)
			continue;
		path = xasprintf("%s/%s/state", MEMORY_DIR, de->d_name);
		if (mmab_read_file(path, &state, NULL) == 0) {
			if (!strncmp(state, "online", 6)) {
				*out = xrealloc(*out, (n + 1) * sizeof(**out));
				(*out)[n++] = nr;
			}
			free(state);
		}
		free(path);
	}
	closedir(d);
	qsort(*out, n, sizeof(**out), cmp_desc);
	return (ssize_t)n;
}

static void on_timer(int sig)
{
	(void)sig;	/* only there to interrupt the write */
}

/* Write VALUE to PATH, interrupted after TIMEOUT_NS (then -EINTR).  0 or -errno. */
static int write_bounded(const char *path, const char *value, long timeout_ns)
{
	struct sigaction sa = { .sa_handler = on_timer }, old;
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGALRM };
	struct itimerspec its = { .it_value = { timeout_ns / 1000000000L,
						timeout_ns % 1000000000L } };
	sigset_t alrm, oldmask;
	timer_t t;
	int ret;

	sev._sigev_un._tid = gettid();	/* glibc has no name for it here */
	/* no SA_RESTART: the signal must cut the write short */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alrm, &oldmask);
	if (timer_create(CLOCK_MONOTONIC, &sev, &t)) {
		ret = -errno;
		goto out;
	}
	timer_settime(t, 0, &its, NULL);
	ret = mmab_write_file(path, value);
	timer_delete(t);
out:
	pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	sigaction(SIGALRM, &old, NULL);
	return ret;
}

static char *state_path(unsigned long nr)
{
	return xasprintf("%s/memory%lu/state", MEMORY_DIR, nr);
}

/* Block NR offline, journaled first in J.  0, -EAGAIN (it refused) or -errno (journal). */
static int take_block(unsigned long nr, struct journal *j)
{
	char *dir = xasprintf("%s/memory%lu", MEMORY_DIR, nr), *state = state_path(nr);
	int ret = journal_add_memblock(j, dir);

	if (!ret && write_bounded(state, "offline", HOTPLUG_BLOCK_TIMEOUT_NS))
		ret = -EAGAIN;
	free(dir);
	free(state);
	return ret;
}

int hotplug_take(struct hotplug **hp, uint64_t effective, struct journal *j)
{
	struct hotplug *h = xcalloc(1, sizeof(*h));
	double t0 = mmab_now();
	unsigned long *cand;
	ssize_t n;
	int ret = 0;

	*hp = NULL;
	h->block_bytes = block_bytes();
	n = online_blocks(&cand);
	if (!h->block_bytes || n < 0) {
		free(h);
		return n < 0 ? (int)n : -ENOENT;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (mem_usable_bytes() < effective + h->block_bytes + HOTPLUG_MARGIN)
			break;
		ret = take_block(cand[i], j);
		if (ret == -EAGAIN) {
			h->refused++;
			ret = 0;
			continue;
		}
		if (ret)
			break;
		h->blocks = xrealloc(h->blocks, (h->n + 1) * sizeof(*h->blocks));
		h->blocks[h->n++] = cand[i];
	}
	free(cand);
	h->seconds = mmab_now() - t0;
	if (ret || !h->n) {
		hotplug_release(h, NULL);
		return ret;
	}
	*hp = h;
	return 0;
}

int hotplug_release(struct hotplug *h, double *seconds)
{
	double t0 = mmab_now();
	int ret = 0;

	if (seconds)
		*seconds = 0;
	if (!h)
		return 0;
	/* lowest first: the zones grow back from where they stopped */
	for (size_t i = h->n; i-- > 0;) {
		char *state = state_path(h->blocks[i]), *cur;
		int err = 0;

		if (mmab_read_file(state, &cur, NULL) == 0) {
			if (!strncmp(cur, "offline", 7))
				err = mmab_write_file(state, "online");
			free(cur);
		}
		if (err) {
			mmab_warn("cannot bring memory block %lu back online: %s (the journal "
				  "tries again at exit)", h->blocks[i], strerror(-err));
			if (!ret)
				ret = err;
		}
		free(state);
	}
	if (seconds)
		*seconds = mmab_now() - t0;
	free(h->blocks);
	free(h);
	return ret;
}

void hotplug_release_now(const struct hotplug *h)
{
	static const char pre[] = MEMORY_DIR "/memory", post[] = "/state";

	for (size_t i = 0; h && i < h->n; i++) {
		char path[sizeof(pre) + 24 + sizeof(post)], digits[24];
		size_t k = 0, len = sizeof(pre) - 1;
		unsigned long v = h->blocks[i];
		int fd;

		do
			digits[k++] = (char)('0' + v % 10);
		while ((v /= 10));
		memcpy(path, pre, len);
		while (k)
			path[len++] = digits[--k];
		memcpy(path + len, post, sizeof(post));
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			/* an online block refuses with EINVAL: nothing to do then */
			if (write(fd, "online", 6) < 0) {
			}
			close(fd);
		}
	}
}

uint64_t hotplug_bytes(const struct hotplug *h)
{
	return h ? (uint64_t)h->n * h->block_bytes : 0;
}

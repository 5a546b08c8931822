/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * System-wide tracepoint counts for workloads (contracts in tracepoint.h):
 * one perf counter per CPU on the tracepoint, exact whatever the rate, and
 * optionally one numeric field of each event summed from the samples in
 * per-CPU ring buffers.  No trace instance is used and nothing in tracefs
 * is changed; tracefs itself, when nothing has mounted it, is mounted in a
 * private mount namespace of the calling process, so no mount outlives the
 * workload (libtracefs' tracefs_tracing_dir() would mount it for the whole
 * machine and leave it).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <event-parse.h>
#include <tracefs.h>

#include "lib/mmab.h"
#include "workloads/tracepoint.h"


#define TP_RING_PAGES 64	/* per CPU: 256 KiB, a few thousand samples */

struct tp_counter {
	int n;
	int *fds;
	char **rings;
	size_t page, ring_len;
	struct tep_handle *tep;
	struct tep_format_field *field;
	pthread_mutex_t lock;
	double sum;
	uint64_t samples, lost;
	char *rec;		/* one record, copied out when it wraps the ring */
};

static bool tracefs_mounted(void)
{
	char *text, *line, *save = NULL;
	bool found = false;

	if (mmab_read_file("/proc/self/mounts", &text, NULL))
		return false;
	for (line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		char dev[256], dir[4096], type[64];

		found = sscanf(line, "%255s %4095s %63s", dev, dir, type) == 3 &&
			!strcmp(type, "tracefs");
	}
	free(text);
	return found;
}

/*
 * The event's id and format live in tracefs.  Mounting it for the whole
 * machine would leave a mount behind; a private mount namespace of this
 * process sees it alone and loses it when the process exits.
 */
static int tracefs_private(void)
{
	if (tracefs_mounted())
		return 0;
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0)
		return -errno;
	return 0;
}

static double field_value(const struct tep_format_field *f, const void *data)
{
	unsigned long long v;

	if (tep_read_number_field((struct tep_format_field *)f, data, &v))
		return NAN;
	if (f->flags & TEP_FIELD_IS_SIGNED) {
		switch (f->size) {
		case 1:
			return (int8_t)v;
		case 2:
			return (int16_t)v;
		case 4:
			return (int32_t)v;
		default:
			return (double)(long long)v;
		}
	}
	return (double)v;
}

static void copy_out(const char *data, size_t size, uint64_t off, void *dst, size_t len)
{
	size_t at = (size_t)(off % size), first = len < size - at ? len : size - at;

	memcpy(dst, data + at, first);
	memcpy((char *)dst + first, data, len - first);
}

static void drain_ring(struct tp_counter *tp, char *ring)
{
	struct perf_event_mmap_page *meta = (void *)ring;
	char *data = ring + tp->page;
	size_t size = tp->ring_len - tp->page;
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = meta->data_tail;

	while (tail < head) {
		struct perf_event_header hdr;

		copy_out(data, size, tail, &hdr, sizeof(hdr));
		if (hdr.size < sizeof(hdr) || hdr.size > size)
			break;
		copy_out(data, size, tail, tp->rec, hdr.size);
		if (hdr.type == PERF_RECORD_SAMPLE && hdr.size >= sizeof(hdr) + 4) {
			uint32_t raw_size;

			memcpy(&raw_size, tp->rec + sizeof(hdr), 4);
			if (sizeof(hdr) + 4 + raw_size <= hdr.size &&
			    tp->field->offset + tp->field->size <= (int)raw_size) {
				double v = field_value(tp->field, tp->rec + sizeof(hdr) + 4);

				if (!isnan(v))
					tp->sum += v;
				tp->samples++;
			}
		} else if (hdr.type == PERF_RECORD_LOST && hdr.size >= sizeof(hdr) + 16) {
			uint64_t lost;

			memcpy(&lost, tp->rec + sizeof(hdr) + 8, 8);
			tp->lost += lost;
		}
		tail += hdr.size;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

void tp_counter_drain(struct tp_counter *tp)
{
	if (!tp)
		return;
	pthread_mutex_lock(&tp->lock);
	for (int i = 0; i < tp->n && tp->field; i++)
		drain_ring(tp, tp->rings[i]);
	pthread_mutex_unlock(&tp->lock);
}

/* One counter per CPU for ATTR (with a ring when sampling a field), FILTER applied.  0 or -errno. */
static int tp_open_cpus(struct tp_counter *tp, struct perf_event_attr *attr, const char *filter)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);

	tp->fds = xcalloc((size_t)ncpu, sizeof(*tp->fds));
	tp->rings = xcalloc((size_t)ncpu, sizeof(*tp->rings));
	for (long cpu = 0; cpu < ncpu; cpu++) {
		int fd = (int)syscall(SYS_perf_event_open, attr, -1, (int)cpu, -1,
				      PERF_FLAG_FD_CLOEXEC);
		void *ring = NULL;

		if (fd < 0) {
			if (errno == ENODEV || errno == EINVAL)	/* offline CPU */
				continue;
			return -errno;
		}
		if (tp->field) {
			ring = mmap(NULL, tp->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (ring == MAP_FAILED) {
				int ret = -errno;

				close(fd);
				return ret;
			}
		}
		tp->fds[tp->n] = fd;
		tp->rings[tp->n++] = ring;
		if (filter && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter) < 0)
			return -errno;
	}
	return tp->n ? 0 : -ENODEV;
}

int tp_counter_open(struct tp_counter **tpp, const char *system, const char *event,
		    const char *field, const char *filter)
{
	const char *systems[] = { system, NULL };
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.sample_period = 1,
		.sample_type = PERF_SAMPLE_RAW,
		.disabled = 1,
	};
	struct tep_event *ev;
	struct tp_counter *tp;
	int ret;

	*tpp = NULL;
	ret = tracefs_private();
	if (ret)
		return ret;
	tp = xcalloc(1, sizeof(*tp));
	pthread_mutex_init(&tp->lock, NULL);
	tp->page = (size_t)sysconf(_SC_PAGESIZE);
	tp->ring_len = (1 + TP_RING_PAGES) * tp->page;
	tp->rec = xmalloc(tp->ring_len);
	tp->tep = tracefs_local_events_system(NULL, systems);
	ev = tp->tep ? tep_find_event_by_name(tp->tep, system, event) : NULL;
	tp->field = ev && field ? tep_find_field(ev, field) : NULL;
	if (!ev || (field && !tp->field)) {
		ret = -ENOENT;
		goto out_err;
	}
	if (!field) {
		/* a count needs no samples */
		attr.sample_period = 0;
		attr.sample_type = 0;
	}
	attr.config = (uint64_t)ev->id;
	ret = tp_open_cpus(tp, &attr, filter);
	for (int i = 0; !ret && i < tp->n; i++)
		if (ioctl(tp->fds[i], PERF_EVENT_IOC_ENABLE, 0) < 0)
			ret = -errno;
	if (ret)
		goto out_err;
	*tpp = tp;
	return 0;
out_err:
	tp_counter_close(tp);
	return ret;
}

int tp_counter_read(struct tp_counter *tp, double *count, double *sum)
{
	uint64_t total = 0;

	*count = *sum = NAN;
	if (!tp)
		return -EBADF;
	for (int i = 0; i < tp->n; i++)
		ioctl(tp->fds[i], PERF_EVENT_IOC_DISABLE, 0);
	tp_counter_drain(tp);
	for (int i = 0; i < tp->n; i++) {
		uint64_t v;

		if (read(tp->fds[i], &v, sizeof(v)) != sizeof(v))
			return -EIO;
		total += v;
	}
	*count = (double)total;
	*sum = tp->lost || !tp->field ? NAN : tp->sum;
	return 0;
}

void tp_counter_close(struct tp_counter *tp)
{
	if (!tp)
		return;
	for (int i = 0; i < tp->n; i++) {
		if (tp->rings[i])
			munmap(tp->rings[i], tp->ring_len);
		close(tp->fds[i]);
	}
	if (tp->tep)
		tep_free(tp->tep);
	pthread_mutex_destroy(&tp->lock);
	free(tp->fds);
	free(tp->rings);
	free(tp->rec);
	free(tp);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the file-system workloads `dirty-mmap` and `slab` (API and
 * contracts in wl-io.h): where their files go, what file system that is,
 * /proc/vmstat deltas and the reclaim rows of metrics.csv, and a
 * system-wide tracepoint sampler that sums one numeric field of the events
 * (perf ring buffers, one per CPU, read without any trace instance, so
 * nothing in tracefs is changed and nothing needs undoing).
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <event-parse.h>
#include <tracefs.h>

#include "runner/mmab.h"
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

int wlio_mountinfo_fstype(const char *text, unsigned major, unsigned minor, char *type,
			  size_t len)
{
	const char *line = text;

	while (line && *line) {
		const char *eol = strchr(line, '\n'), *sep;
		unsigned ma, mi;
		size_t n;

		if (!eol)
			eol = line + strlen(line);
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - TYPE SOURCE SUPER" */
		if (sscanf(line, "%*u %*u %u:%u", &ma, &mi) != 2)
			return -EINVAL;
		sep = strstr(line, " - ");
		if (!sep || sep >= eol)
			return -EINVAL;
		if (ma == major && mi == minor) {
			sep += 3;
			n = strcspn(sep, " \n");
			if (!n || sep + n > eol || n >= len)
				return -EINVAL;
			memcpy(type, sep, n);
			type[n] = '\0';
			return 0;
		}
		line = *eol ? eol + 1 : eol;
	}
	return -ENOENT;
}

int wlio_fstype(const char *path, char *type, size_t len)
{
	struct stat st;
	char *text;
	int ret;

	if (stat(path, &st) < 0)
		return -errno;
	ret = mmab_read_file("/proc/self/mountinfo", &text, NULL);
	if (ret)
		return ret;
	ret = wlio_mountinfo_fstype(text, major(st.st_dev), minor(st.st_dev), type, len);
	free(text);
	return ret;
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

/* ---- tracepoint field sums ---- */

#define TP_RING_PAGES 64	/* per CPU: 256 KiB, a few thousand samples */

struct wlio_tp {
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

static void drain_ring(struct wlio_tp *tp, char *ring)
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

void wlio_tp_drain(struct wlio_tp *tp)
{
	if (!tp)
		return;
	pthread_mutex_lock(&tp->lock);
	for (int i = 0; i < tp->n; i++)
		drain_ring(tp, tp->rings[i]);
	pthread_mutex_unlock(&tp->lock);
}

int wlio_tp_open(struct wlio_tp **tpp, const char *system, const char *event,
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
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	struct tep_event *ev;
	struct wlio_tp *tp;
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
	tp->field = ev ? tep_find_field(ev, field) : NULL;
	if (!tp->field) {
		ret = -ENOENT;
		goto out_err;
	}
	attr.config = (uint64_t)ev->id;
	tp->fds = xcalloc((size_t)ncpu, sizeof(*tp->fds));
	tp->rings = xcalloc((size_t)ncpu, sizeof(*tp->rings));
	for (long cpu = 0; cpu < ncpu; cpu++) {
		int fd = (int)syscall(SYS_perf_event_open, &attr, -1, (int)cpu, -1,
				      PERF_FLAG_FD_CLOEXEC);
		void *ring;

		if (fd < 0) {
			if (errno == ENODEV || errno == EINVAL)	/* offline CPU */
				continue;
			ret = -errno;
			goto out_err;
		}
		ring = mmap(NULL, tp->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (ring == MAP_FAILED) {
			ret = -errno;
			close(fd);
			goto out_err;
		}
		tp->fds[tp->n] = fd;
		tp->rings[tp->n++] = ring;
		if (filter && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter) < 0) {
			ret = -errno;
			goto out_err;
		}
	}
	if (!tp->n) {
		ret = -ENODEV;
		goto out_err;
	}
	for (int i = 0; i < tp->n; i++)
		if (ioctl(tp->fds[i], PERF_EVENT_IOC_ENABLE, 0) < 0) {
			ret = -errno;
			goto out_err;
		}
	*tpp = tp;
	return 0;
out_err:
	wlio_tp_close(tp);
	return ret;
}

int wlio_tp_read(struct wlio_tp *tp, double *count, double *sum)
{
	uint64_t total = 0;

	*count = *sum = NAN;
	if (!tp)
		return -EBADF;
	for (int i = 0; i < tp->n; i++)
		ioctl(tp->fds[i], PERF_EVENT_IOC_DISABLE, 0);
	wlio_tp_drain(tp);
	for (int i = 0; i < tp->n; i++) {
		uint64_t v;

		if (read(tp->fds[i], &v, sizeof(v)) != sizeof(v))
			return -EIO;
		total += v;
	}
	*count = (double)total;
	*sum = tp->lost ? NAN : tp->sum;
	return 0;
}

void wlio_tp_close(struct wlio_tp *tp)
{
	if (!tp)
		return;
	for (int i = 0; i < tp->n; i++) {
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

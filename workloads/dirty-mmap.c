/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `dirty-mmap` workload, the seeds' case: writers dirty MAP_SHARED file
 * mappings larger than the effective memory, so that global reclaim meets
 * dirty file pages and the dirty throttling of balance_dirty_pages() meets
 * reclaim.  Under the runner the ballast leaves only the effective size
 * available: a memory cgroup limit alone would only exercise memcg reclaim,
 * which never reaches global reclaim's paths (README.md has the measurement).
 *
 * What is timed, exactly: write faults.  Every first store to a page in a
 * pass is timed (the mapping is fresh for the first pass and its page
 * table entries are zapped with MADV_DONTNEED, which keeps the page cache
 * and its dirty state, before every later pass), and the writer thread's
 * own fault count (getrusage RUSAGE_THREAD) is read around the pass.  Not
 * every first store faults: a file system with large folios (ext4 since
 * 6.16) may map a whole folio on one fault.  The N slowest stores of the
 * pass, N the faults the thread took, are the faults: a store that does not
 * fault costs tens of nanoseconds, a fault microseconds.  stores_per_fault
 * says how many pages one fault mapped.  The latency includes what the
 * fault path does for dirty pages: block allocation in ->page_mkwrite, and
 * the writer's pauses in balance_dirty_pages(), which runs at the end of a
 * shared write fault.
 *
 * Pages written by reclaim itself (nr_vmscan_write) were the seeds'
 * concern; kernels since then stopped direct reclaim from writing file
 * pages, and newer ones leave it to the flushers entirely, so 0 is a
 * legitimate result there.  The throttling that replaced it is reported
 * beside it: balance_dirty_pages pauses, vmscan:mm_vmscan_throttled and
 * pages reclaim found under writeback (nr_vmscan_immediate_reclaim).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/machine.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "lib/rand.h"
#include "workloads/hist.h"
#include "workloads/tracepoint.h"
#include "workloads/dirty-mmap.h"
#include "workloads/wl-io.h"
#include "workloads/workload.h"

#define MONITOR_MS 100

enum dmap_pattern { DMAP_SEQ, DMAP_RANDOM };
enum dmap_layout { DMAP_PER_WRITER, DMAP_SHARED };
enum dmap_advice { DMAP_ADV_AUTO, DMAP_ADV_NONE, DMAP_ADV_RANDOM, DMAP_ADV_SEQUENTIAL };

static const char *const dmap_pattern_names[] = { "seq", "random", NULL };
static const char *const dmap_layout_names[] = { "per-writer", "shared", NULL };
static const char *const dmap_advice_names[] = { "auto", "none", "random", "sequential", NULL };

struct dmap_opts {
	struct opt_size size;
	long writers;
	int pattern;
	int layout;
	long passes;
	double duration_s;
	bool fill;
	bool msync;
	bool fallocate;
	int advice;
	char *dir;
};

static const struct opt_spec dmap_specs[] = {
	{ "size", OPT_SIZE, offsetof(struct dmap_opts, size), "150%", 1 << 20, 1ULL << 50, "bytes",
	  "file data mapped and dirtied, over all writers (absolute, or % of the "
	  "effective memory: above 100% reclaim must take dirty pages)", NULL },
	{ "writers", OPT_LONG, offsetof(struct dmap_opts, writers), "2", 1, 1024, "threads",
	  "writer threads, each dirtying its own part of the data", NULL },
	{ "pattern", OPT_CHOICE, offsetof(struct dmap_opts, pattern), "random", 0, 0, NULL,
	  "order each writer touches its pages in: seq, or random (a seeded "
	  "permutation: every page once per pass)", dmap_pattern_names },
	{ "layout", OPT_CHOICE, offsetof(struct dmap_opts, layout), "per-writer", 0, 0, NULL,
	  "per-writer: one file per writer; shared: one file, a slice per writer",
	  dmap_layout_names },
	{ "passes", OPT_LONG, offsetof(struct dmap_opts, passes), "1", 1, 1000, "passes",
	  "times each writer dirties all of its pages", NULL },
	{ "duration", OPT_SECONDS, offsetof(struct dmap_opts, duration_s), "0", 0, 86400, "s",
	  "stop writing after this long even if passes remain (0: no limit)", NULL },
	{ "fill", OPT_BOOL, offsetof(struct dmap_opts, fill), "1", 0, 0, NULL,
	  "write the whole 4 KiB page after the timed first store (0: one byte per page)",
	  NULL },
	{ "msync", OPT_BOOL, offsetof(struct dmap_opts, msync), "1", 0, 0, NULL,
	  "msync(MS_SYNC) the mappings after writing, timed as msync_seconds", NULL },
	{ "fallocate", OPT_BOOL, offsetof(struct dmap_opts, fallocate), "0", 0, 0, NULL,
	  "allocate the files' blocks up front instead of leaving them sparse", NULL },
	{ "madvise", OPT_CHOICE, offsetof(struct dmap_opts, advice), "auto", 0, 0, NULL,
	  "access advice for the mappings, which decides the read-around on faults: "
	  "auto (random for pattern = random, none for seq), none, random, sequential",
	  dmap_advice_names },
	{ "dir", OPT_STRING, offsetof(struct dmap_opts, dir), "", 0, 0, "path",
	  "directory for the files (default: the iteration's scratch dir, on the "
	  "results directory's file system)", NULL },
	OPT_END
};

double dmap_mb_per_s(uint64_t bytes, double seconds)
{
	return seconds > 0 ? (double)bytes / 1e6 / seconds : NAN;
}

/* ---- writers ---- */

struct dmap_writer {
	pthread_t tid;
	const struct dmap_opts *o;
	volatile int *stop;
	double deadline;	/* mmab_now() to stop at; 0: none */
	char *base;		/* its pages in the mapping */
	uint64_t pages, seed;
	struct hist *lat;	/* write fault latencies, us */
	uint64_t faults, majflt;
	uint64_t stored;	/* pages stored so far: read by the monitor */
	double t_end;
	int done;		/* set with t_end, read by the monitor */
	bool started;
};

static double ts_us(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e6 + (double)(b->tv_nsec - a->tv_nsec) / 1e3;
}

static bool writer_should_stop(const struct dmap_writer *w)
{
	return *w->stop || (w->deadline > 0 && mmab_now() >= w->deadline);
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y) - (x > y);
}

/* The FAULTS slowest of the N store latencies in V are the faults: into H. */
void dmap_keep_faults(double *v, uint64_t n, uint64_t faults, struct hist *h)
{
	if (faults > n)
		faults = n;
	qsort(v, n, sizeof(*v), cmp_desc);
	for (uint64_t i = 0; i < faults; i++)
		hist_add(h, v[i]);
}

static uint64_t thread_faults(uint64_t *majflt)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		return 0;
	*majflt = (uint64_t)ru.ru_majflt;
	return (uint64_t)ru.ru_minflt + (uint64_t)ru.ru_majflt;
}

static void *writer_fn(void *arg)
{
	struct dmap_writer *w = arg;
	char tag = (char)(0x5a ^ (w->seed & 0xff));
	double *v = xmalloc((w->pages ? w->pages : 1) * sizeof(*v));
	uint64_t stored = 0;
	bool stop = false;

	/* faulted in now (not zero: that could become a lazy calloc): no fault inside a pass */
	memset(v, 0xff, (w->pages ? w->pages : 1) * sizeof(*v));
	for (long pass = 0; pass < w->o->passes && !stop; pass++) {
		uint64_t f0, f1, mj0 = 0, mj1 = 0, n = 0;
		struct rand_perm perm;

		/* later passes must fault again: drop the PTEs, keep the page cache */
		if (pass)
			madvise(w->base, w->pages * MEM_PAGE, MADV_DONTNEED);
		rand_perm_init(&perm, w->pages, w->seed + (uint64_t)pass);
		tag++;
		f0 = thread_faults(&mj0);
		for (uint64_t i = 0; i < w->pages; i++) {
			uint64_t idx = w->o->pattern == DMAP_RANDOM ? rand_perm_at(&perm, i) : i;
			volatile char *p = w->base + idx * MEM_PAGE;
			struct timespec a, b;

			if (!(i & 255) && writer_should_stop(w)) {
				stop = true;
				break;
			}
			clock_gettime(CLOCK_MONOTONIC, &a);
			p[0] = tag;
			clock_gettime(CLOCK_MONOTONIC, &b);
			v[n++] = ts_us(&a, &b);
			if (w->o->fill)
				memset((char *)p + 1, tag, MEM_PAGE - 1);
			__atomic_store_n(&w->stored, ++stored, __ATOMIC_RELAXED);
		}
		f1 = thread_faults(&mj1);
		dmap_keep_faults(v, n, f1 - f0, w->lat);
		w->faults += f1 - f0 < n ? f1 - f0 : n;
		w->majflt += mj1 - mj0;
	}
	free(v);
	w->t_end = mmab_now();
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ---- state from setup to teardown (ctx->state) ---- */

struct dmap_file {
	int fd;
	char *path;
	char *map;
	uint64_t len;
};

struct dmap_state {
	char *dir;
	bool dir_is_ours;	/* outside scratch_dir: removed in teardown */
	struct dmap_file *files;
	size_t nfiles;
	struct tp_counter *bdp;	/* writeback:balance_dirty_pages, pause > 0 */
	struct tp_counter *vthr;	/* vmscan:mm_vmscan_throttled */
};

static int dmap_supported(const void *opts, char *why, size_t whylen)
{
	const struct dmap_opts *o = opts;
	char type[64];

	if (o && o->dir && *o->dir) {
		struct stat s;

		if (stat(o->dir, &s) < 0 || !S_ISDIR(s.st_mode)) {
			snprintf(why, whylen, "dir '%s' is not a directory", o->dir);
			return -ENOTDIR;
		}
		if (access(o->dir, W_OK | X_OK)) {
			snprintf(why, whylen, "dir '%s' is not writable", o->dir);
			return -EACCES;
		}
		if (machine_fstype(o->dir, type, sizeof(type)) == 0 && !wlio_fs_writes_back(type)) {
			snprintf(why, whylen, "dir '%s' is on %s, which has no writeback",
				 o->dir, type);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static double dmap_estimate(const void *opts, uint64_t mem_bytes)
{
	const struct dmap_opts *o = opts;
	double t = (double)opt_size_bytes(&o->size, mem_bytes) * (double)o->passes / 150e6;

	/* writeback-bound: a plan's guess of 150 MB/s of dirtying under reclaim */
	if (o->duration_s > 0 && t > o->duration_s)
		t = o->duration_s;
	return 2.0 + t;
}

/*
 * Without advice, a fault on a page that is not cached reads around it
 * (the device's read_ahead_kb, megabytes on some disks), so random faults
 * under reclaim mostly measure read-around: MADV_RANDOM by default makes
 * every fault one page whatever the device's setting.
 */
static int dmap_advice(const struct dmap_opts *o)
{
	switch (o->advice) {
	case DMAP_ADV_AUTO:
		return o->pattern == DMAP_RANDOM ? MADV_RANDOM : -1;
	case DMAP_ADV_RANDOM:
		return MADV_RANDOM;
	case DMAP_ADV_SEQUENTIAL:
		return MADV_SEQUENTIAL;
	default:
		return -1;
	}
}

/* The directory: made, on a file system with writeback, with room for SIZE.  0 or -errno. */
static int dmap_workdir(struct wl_ctx *ctx, const struct dmap_opts *o, struct dmap_state *st,
			uint64_t size, size_t nfiles)
{
	uint64_t need = size + size / 20 + ((uint64_t)64 << 20);
	struct statvfs vfs;
	char type[64] = "?";
	int ret;

	ret = wlio_workdir(ctx, o->dir, "dirty-mmap", &st->dir);
	if (ret)
		return ret;
	st->dir_is_ours = o->dir && *o->dir;
	if (machine_fstype(st->dir, type, sizeof(type)) == 0 && !wlio_fs_writes_back(type)) {
		mmab_err("dirty-mmap: '%s' is on %s, which has no writeback: use dir = "
			 "a directory on a disk file system", st->dir, type);
		return -EOPNOTSUPP;
	}
	/* a sparse file that cannot be filled ends in SIGBUS, not in an error */
	if (statvfs(st->dir, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < need) {
		mmab_err("dirty-mmap: '%s' has %" PRIu64 " MiB free, %" PRIu64 " MiB needed",
			 st->dir, (uint64_t)vfs.f_bavail * vfs.f_frsize >> 20, need >> 20);
		return -ENOSPC;
	}
	mmab_info("dirty-mmap: %" PRIu64 " MiB in %zu file(s) under '%s' (%s)", size >> 20,
		  nfiles, st->dir, type);
	return 0;
}

/* File F: created, sized to LEN, mapped shared with ADVICE (-1: none).  0 or -errno. */
static int dmap_open_file(struct dmap_file *f, const struct dmap_opts *o, uint64_t len,
			  int advice)
{
	int ret;

	f->fd = open(f->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (f->fd < 0) {
		ret = -errno;
		mmab_err("cannot create '%s': %s", f->path, strerror(-ret));
		return ret;
	}
	ret = o->fallocate ? -posix_fallocate(f->fd, 0, (off_t)len) :
		(ftruncate(f->fd, (off_t)len) < 0 ? -errno : 0);
	if (ret) {
		mmab_err("cannot size '%s' to %" PRIu64 " bytes: %s", f->path, len,
			 strerror(-ret));
		return ret;
	}
	f->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	if (f->map == MAP_FAILED) {
		ret = -errno;
		f->map = NULL;
		mmab_err("cannot map '%s': %s", f->path, strerror(-ret));
		return ret;
	}
	f->len = len;
	if (advice >= 0 && madvise(f->map, len, advice) < 0)
		mmab_warn("madvise on '%s' failed: %s", f->path, strerror(errno));
	return 0;
}

static int dmap_prepare(struct wl_ctx *ctx, struct dmap_opts *o, struct dmap_state *st)
{
	uint64_t size = opt_size_bytes(&o->size, ctx->mem_bytes) / MEM_PAGE * MEM_PAGE;
	size_t nfiles = o->layout == DMAP_SHARED ? 1 : (size_t)o->writers;
	int ret;

	if (size < (uint64_t)o->writers * MEM_PAGE) {
		mmab_err("dirty-mmap: size %" PRIu64 " is less than a page per writer", size);
		return -EINVAL;
	}
	ret = dmap_workdir(ctx, o, st, size, nfiles);
	if (ret)
		return ret;
	st->files = xcalloc(nfiles, sizeof(*st->files));
	for (size_t i = 0; i < nfiles; i++) {
		struct dmap_file *f = &st->files[i];

		f->path = xasprintf("%s/data.%zu", st->dir, i);
		st->nfiles = i + 1;
		ret = dmap_open_file(f, o, size / nfiles / MEM_PAGE * MEM_PAGE, dmap_advice(o));
		if (ret)
			return ret;
	}

	/* before any thread exists: the sampler may need a private mount namespace */
	ret = tp_counter_open(&st->bdp, "writeback", "balance_dirty_pages", "pause", "pause > 0");
	if (ret)
		mmab_warn("dirty_throttle_* n/a: cannot sample writeback:balance_dirty_pages: %s",
			  strerror(-ret));
	ret = tp_counter_open(&st->vthr, "vmscan", "mm_vmscan_throttled", "usec_delayed", NULL);
	if (ret)
		mmab_warn("vmscan_throttled_* n/a: cannot sample vmscan:mm_vmscan_throttled: %s",
			  strerror(-ret));
	return 0;
}

static void dmap_teardown(struct wl_ctx *ctx, void *opts)
{
	struct dmap_state *st = ctx->state;

	(void)opts;
	if (!st)
		return;
	tp_counter_close(st->bdp);
	tp_counter_close(st->vthr);
	/* unlinking drops the dirty page cache without writing it */
	for (size_t i = 0; i < st->nfiles; i++) {
		struct dmap_file *f = &st->files[i];

		if (f->map)
			munmap(f->map, f->len);
		if (f->fd >= 0)
			close(f->fd);
		unlink(f->path);
		free(f->path);
	}
	free(st->files);
	if (st->dir && st->dir_is_ours)
		mmab_rm_rf(st->dir);
	else if (st->dir)
		rmdir(st->dir);
	free(st->dir);
	free(st);
	ctx->state = NULL;
}

/* The runner skips teardown when setup fails: undo a partial setup here. */
static int dmap_setup(struct wl_ctx *ctx, void *opts)
{
	int ret;

	ctx->state = xcalloc(1, sizeof(struct dmap_state));
	ret = dmap_prepare(ctx, opts, ctx->state);
	if (ret)
		dmap_teardown(ctx, opts);
	return ret;
}

/* Split the mapping(s) into one contiguous part per writer. */
static void assign(const struct dmap_state *st, struct dmap_writer *w, long writers,
		   uint64_t seed)
{
	for (long i = 0; i < writers; i++) {
		struct dmap_file *f;
		uint64_t pages, first, n;

		if (st->nfiles == 1) {
			f = &st->files[0];
			pages = f->len / MEM_PAGE;
			first = pages * (uint64_t)i / (uint64_t)writers;
			n = pages * (uint64_t)(i + 1) / (uint64_t)writers - first;
		} else {
			f = &st->files[i];
			first = 0;
			n = f->len / MEM_PAGE;
		}
		w[i].base = f->map + first * MEM_PAGE;
		w[i].pages = n;
		w[i].seed = rand_mix64(seed + (uint64_t)i);
	}
}

static double meminfo_mib(const char *field)
{
	long long kb = mem_meminfo_kb(field);

	return kb < 0 ? NAN : (double)kb / 1024;
}

static void tp_metrics(struct wl_ctx *ctx, struct tp_counter *tp, const char *events,
		       const char *ms, double scale)
{
	double count = NAN, sum = NAN;

	if (tp && tp_counter_read(tp, &count, &sum))
		count = sum = NAN;
	if (tp && !isnan(count) && isnan(sum))
		mmab_warn("%s n/a: samples were lost", ms);
	wl_metric(ctx, events, count, "events", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, ms, sum * scale, "ms", METRIC_LOWER, AGG_MEAN);
}

/* What the writers did, summed. */
struct dmap_result {
	struct hist *lat;
	uint64_t stored, faults, majflt;
	double t_write, t_sync;
	char *vm0, *vm1;	/* /proc/vmstat before the writers and after the msync */
};

/* Start O's writers on W (deadline DEADLINE s from now, 0: none).  0 or -errno. */
static int dmap_start_writers(struct wl_ctx *ctx, const struct dmap_opts *o,
			      struct dmap_writer *w, double t0, double deadline)
{
	for (long i = 0; i < o->writers; i++) {
		int ret;

		w[i].o = o;
		w[i].stop = ctx->stop;
		w[i].deadline = deadline > 0 ? t0 + deadline : 0;
		w[i].lat = hist_new();
		ret = -pthread_create(&w[i].tid, NULL, writer_fn, &w[i]);
		if (ret) {
			mmab_err("cannot start a writer thread: %s", strerror(-ret));
			*ctx->stop = 1;
			return ret;
		}
		w[i].started = true;
	}
	return 0;
}

/* Until every writer is done: drain the samplers, log progress to PROGRESS (may be NULL). */
static void dmap_monitor(struct dmap_state *st, struct dmap_writer *w, long writers, double t0,
			 FILE *progress)
{
	long running;

	do {
		struct timespec nap = { 0, MONITOR_MS * 1000000L };
		uint64_t stored = 0;

		nanosleep(&nap, NULL);
		tp_counter_drain(st->bdp);
		tp_counter_drain(st->vthr);
		running = 0;
		for (long i = 0; i < writers; i++) {
			stored += __atomic_load_n(&w[i].stored, __ATOMIC_RELAXED);
			if (w[i].started && !__atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE))
				running++;
		}
		if (progress)
			fprintf(progress, "%.3f,%.3f,%.3f,%.3f\n", mmab_now() - t0,
				(double)stored * MEM_PAGE / (1 << 20), meminfo_mib("Dirty"),
				meminfo_mib("Writeback"));
	} while (running);
}

/* Join the writers, summing what they measured into R. */
static void dmap_join(struct dmap_writer *w, long writers, double t0, struct dmap_result *r)
{
	for (long i = 0; i < writers; i++) {
		if (!w[i].started)
			continue;
		pthread_join(w[i].tid, NULL);
		hist_merge(r->lat, w[i].lat);
		r->stored += w[i].stored;
		r->faults += w[i].faults;
		r->majflt += w[i].majflt;
		if (w[i].t_end - t0 > r->t_write)
			r->t_write = w[i].t_end - t0;
	}
}

static int dmap_msync(struct dmap_state *st, double *seconds)
{
	double s0 = mmab_now();
	int ret = 0;

	for (size_t i = 0; i < st->nfiles; i++)
		if (msync(st->files[i].map, st->files[i].len, MS_SYNC) < 0 && !ret) {
			ret = -errno;
			mmab_err("msync of '%s' failed: %s", st->files[i].path, strerror(-ret));
		}
	*seconds = mmab_now() - s0;
	return ret;
}

static void dmap_metrics(struct wl_ctx *ctx, struct dmap_state *st, const struct dmap_result *r)
{
	static const char *const vm[] = { "nr_dirtied", "nr_written", "nr_throttled_written" };

	wl_metric(ctx, "write_mb_per_s", dmap_mb_per_s(r->stored * MEM_PAGE, r->t_write), "MB/s",
		  METRIC_HIGHER, AGG_HMEAN);
	wl_metric(ctx, "write_seconds", r->t_write, "s", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "written_mib", (double)r->stored * MEM_PAGE / (1 << 20), "MiB", METRIC_NONE,
		  AGG_MEAN);
	wl_metric(ctx, "fault_latency_us_p50", hist_quantile(r->lat, 0.5), "us", METRIC_LOWER,
		  AGG_MEAN);
	wl_metric(ctx, "fault_latency_us_p99", hist_quantile(r->lat, 0.99), "us", METRIC_LOWER,
		  AGG_MEAN);
	wl_metric(ctx, "fault_latency_us_max", hist_max(r->lat), "us", METRIC_LOWER, AGG_MAX);
	wl_metric(ctx, "fault_latency_us_mean", hist_mean(r->lat), "us", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "faults", (double)r->faults, "faults", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "faults_major", (double)r->majflt, "faults", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "stores_per_fault", r->faults ? (double)r->stored / (double)r->faults :
		  NAN, "pages", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "msync_seconds", r->t_sync, "s", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "reclaim_writes", wlio_vmstat_delta(r->vm0, r->vm1, "nr_vmscan_write"),
		  "pages", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "immediate_reclaim",
		  wlio_vmstat_delta(r->vm0, r->vm1, "nr_vmscan_immediate_reclaim"), "pages",
		  METRIC_LOWER, AGG_MEAN);
	for (size_t i = 0; i < ARRAY_SIZE(vm); i++)
		wl_metric(ctx, vm[i], wlio_vmstat_delta(r->vm0, r->vm1, vm[i]), "pages",
			  METRIC_NONE, AGG_MEAN);
	/* pause is in ms already; usec_delayed in us */
	tp_metrics(ctx, st->bdp, "dirty_throttle_events", "dirty_throttle_ms", 1.0);
	tp_metrics(ctx, st->vthr, "vmscan_throttled_events", "vmscan_throttled_ms", 1e-3);
	wlio_reclaim_metrics(ctx, r->vm0, r->vm1);
}

static FILE *dmap_progress_open(const char *iter_dir)
{
	char *path = xasprintf("%s/dirty-mmap.csv", iter_dir);
	FILE *f = fopen(path, "w");

	if (!f)
		mmab_warn("cannot create '%s': %s", path, strerror(errno));
	else
		fputs("write_s,written_mib,dirty_mib,writeback_mib\n", f);
	free(path);
	return f;
}

static int dmap_run(struct wl_ctx *ctx, void *opts)
{
	struct dmap_opts *o = opts;
	struct dmap_state *st = ctx->state;
	struct dmap_writer *w = xcalloc((size_t)o->writers, sizeof(*w));
	struct dmap_result r = { .lat = hist_new(), .t_sync = NAN };
	double t0, deadline = o->duration_s > 0 ? o->duration_s : 0;
	FILE *progress = dmap_progress_open(ctx->iter_dir);
	int ret;

	/* leave the runner time to collect before it kills us */
	if (ctx->timeout_s > 0 && (deadline == 0 || deadline > ctx->timeout_s * 0.7))
		deadline = ctx->timeout_s * 0.7;
	assign(st, w, o->writers, ctx->seed);
	ret = mmab_read_file("/proc/vmstat", &r.vm0, NULL);
	if (ret) {
		mmab_err("cannot read '/proc/vmstat': %s", strerror(-ret));
		goto out;
	}
	t0 = mmab_now();
	ret = dmap_start_writers(ctx, o, w, t0, deadline);
	dmap_monitor(st, w, o->writers, t0, progress);
	dmap_join(w, o->writers, t0, &r);
	if (!ret && o->msync)
		ret = dmap_msync(st, &r.t_sync);
	if (ret)
		goto out;
	ret = mmab_read_file("/proc/vmstat", &r.vm1, NULL);
	if (ret) {
		mmab_err("cannot read '/proc/vmstat': %s", strerror(-ret));
		goto out;
	}
	dmap_metrics(ctx, st, &r);
	ret = hist_append_file(ctx->iter_dir, "fault_latency", "us", r.lat);
	if (ret)
		mmab_err("cannot write '%s/histograms.csv': %s", ctx->iter_dir, strerror(-ret));
out:
	for (long i = 0; i < o->writers; i++)
		hist_free(w[i].lat);
	free(w);
	hist_free(r.lat);
	free(r.vm0);
	free(r.vm1);
	if (progress && fclose(progress))
		mmab_warn("cannot write '%s/dirty-mmap.csv'", ctx->iter_dir);
	return ret;
}

const struct workload wl_dirty_mmap = {
	.name = "dirty-mmap",
	.summary = "dirty MAP_SHARED file mappings larger than memory: reclaim meets dirty pages",
	.flags = 0,
	.opts = dmap_specs,
	.priv_size = sizeof(struct dmap_opts),
	.supported = dmap_supported,
	.estimate = dmap_estimate,
	.setup = dmap_setup,
	.run = dmap_run,
	.teardown = dmap_teardown,
};

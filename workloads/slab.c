/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `slab` workload, after the seeds' buffer-head defragmentation thread:
 * create many small files (a dentry, an inode of the file system's own
 * cache, and buffer heads for each file's data page and for the inode table
 * and directory blocks), delete a scattered share of them, then apply real
 * memory pressure and measure what the shrinkers and page reclaim give back.
 *
 * Why the deletions leave the caches fragmented: objects are packed into a
 * slab in creation order, so deleting a random share frees objects all over
 * the slabs, and a slab page only goes back to the page allocator when every
 * object in it is free.  Occupancy (live objects / object slots) falls,
 * memory does not.  How much memory reclaim can then recover per object it
 * frees is the number slab defragmentation work tries to improve.
 *
 * Pressure (option pressure): by default a child process allocates
 * anonymous memory past the free memory of the effective size until
 * reclaim has given back pressure_pct of what it could (the file LRU and
 * SReclaimable, as /proc/meminfo has them when the pressure starts), by the
 * kernel's own count (pressure_child()).  The
 * allocations then run into the watermarks, and kswapd and direct reclaim
 * scan the LRUs and call the shrinkers in proportion, as on a machine that
 * runs out of memory.  (MemAvailable is no target: it deducts the lowmem
 * reserves, so allocating it may reclaim nothing at all.)  drop_caches,
 * for comparison, frees every unused object at once, which no real
 * workload does.  The child exits once it has its memory (or is
 * OOM-killed: recorded as pressure_oom), so the measurement after it sees
 * what reclaim freed, not what the child holds.
 *
 * /proc/slabinfo counts are system-wide: the runner drops caches when
 * settling, so the workload's objects dominate, but other activity is in
 * the numbers too.  SLUB counts objects of per-CPU slabs as active.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collectors/proc.h"
#include "lib/machine.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "lib/rand.h"
#include "workloads/slab.h"
#include "workloads/wl-io.h"
#include "workloads/workload.h"

/* memory per file besides its data: dentry, inode (ext4: 1.1 KiB), buffer heads, extent status */
#define FILE_OVERHEAD 1700UL
#define NCACHES 3
#define SETTLE_MAX_S 3.0

enum slab_pattern { SLAB_DEL_RANDOM, SLAB_DEL_STRIDE };
enum slab_pressure { SLAB_P_ANON, SLAB_P_DROP, SLAB_P_NONE };

static const char *const slab_pattern_names[] = { "random", "stride", NULL };
static const char *const slab_pressure_names[] = { "anon", "drop_caches", "none", NULL };
/* metric suffixes, in the order of the caches measured */
static const char *const cache_keys[NCACHES] = { "dentry", "inode", "buffer_head" };

struct slab_opts {
	struct opt_size size;
	long files;
	struct opt_size file_size;
	long per_dir;
	double delete_pct;
	int pattern;
	bool fsync;
	int pressure;
	double pressure_pct;
	char *inode_cache;
	char *dir;
};

static const struct opt_spec slab_specs[] = {
	{ "size", OPT_SIZE, offsetof(struct slab_opts, size), "50%", 1 << 20, 1ULL << 50, "bytes",
	  "memory the files should take (page cache and slab, estimated at file_size "
	  "rounded up to a page + 1.7 KiB each), when files = 0", NULL },
	{ "files", OPT_LONG, offsetof(struct slab_opts, files), "0", 0, 100000000, "files",
	  "files to create (0: as many as size allows)", NULL },
	{ "file_size", OPT_SIZE, offsetof(struct slab_opts, file_size), "1K", 0, 1 << 20,
	  "bytes", "data written to each file: its page gets buffer heads (0: empty files)",
	  NULL },
	{ "per_dir", OPT_LONG, offsetof(struct slab_opts, per_dir), "1000", 1, 10000000,
	  "files", "files per directory", NULL },
	{ "delete_pct", OPT_DOUBLE, offsetof(struct slab_opts, delete_pct), "75", 0, 100, "%",
	  "share of the files deleted before the pressure", NULL },
	{ "delete_pattern", OPT_CHOICE, offsetof(struct slab_opts, pattern), "random", 0, 0,
	  NULL, "which files are deleted: random (seeded, exactly delete_pct of them) or "
	  "stride (evenly spaced in creation order)", slab_pattern_names },
	{ "fsync", OPT_BOOL, offsetof(struct slab_opts, fsync), "0", 0, 0, NULL,
	  "fsync every file after writing it (journal commits: slow)", NULL },
	{ "pressure", OPT_CHOICE, offsetof(struct slab_opts, pressure), "anon", 0, 0, NULL,
	  "how memory is reclaimed after the deletions: anon (a child allocates "
	  "anonymous memory, global reclaim runs), drop_caches (echo 3, for "
	  "comparison), none", slab_pressure_names },
	{ "pressure_pct", OPT_DOUBLE, offsetof(struct slab_opts, pressure_pct), "75", 0, 200,
	  "%", "anonymous memory allocated beyond MemFree, as a share of the reclaimable "
	  "memory (file LRU + SReclaimable) when the pressure starts (near 100 and "
	  "above: expect an OOM kill of the child)", NULL },
	{ "inode_cache", OPT_STRING, offsetof(struct slab_opts, inode_cache), "auto", 0, 0,
	  "name", "slab cache of the file system's inodes (auto: from the file system "
	  "type, e.g. ext4_inode_cache)", NULL },
	{ "dir", OPT_STRING, offsetof(struct slab_opts, dir), "", 0, 0, "path",
	  "directory for the files (default: the iteration's scratch dir)", NULL },
	OPT_END
};

/* ---- state from setup to teardown (ctx->state) ---- */

struct slab_state {
	char *dir;
	const char *names[NCACHES];
	char inode_cache[64];
	long files, dirs;
	uint8_t *deleted;
	FILE *csv;		/* slab.csv: the raw rows behind the metrics */
};

static int slab_supported(const void *opts, char *why, size_t whylen)
{
	const struct slab_opts *o = opts;
	char *text;

	(void)o;
	if (!mmab_is_root()) {
		snprintf(why, whylen, "not root (/proc/slabinfo is readable by root only)");
		return -EPERM;
	}
	if (mmab_read_file("/proc/slabinfo", &text, NULL)) {
		snprintf(why, whylen, "/proc/slabinfo is not readable");
		return -ENOENT;
	}
	free(text);
	if (o && o->dir && *o->dir && access(o->dir, W_OK | X_OK)) {
		snprintf(why, whylen, "dir '%s' is not a writable directory", o->dir);
		return -EACCES;
	}
	return 0;
}

static long slab_nfiles(const struct slab_opts *o, uint64_t mem_bytes)
{
	uint64_t per = (opt_size_bytes(&o->file_size, mem_bytes) + MEM_PAGE - 1) / MEM_PAGE *
		MEM_PAGE + FILE_OVERHEAD;
	uint64_t n = o->files ? (uint64_t)o->files : opt_size_bytes(&o->size, mem_bytes) / per;

	return n < 1 ? 1 : n > 100000000 ? 100000000 : (long)n;
}

static double slab_estimate(const void *opts, uint64_t mem_bytes)
{
	const struct slab_opts *o = opts;
	double n = (double)slab_nfiles(o, mem_bytes);

	/* a plan's guess: 40k creates/s and 9k unlinks/s (ext4), fsync 1 ms each */
	return 5.0 + n / 40e3 + n * o->delete_pct / 100 / 9e3 + (o->fsync ? n * 1e-3 : 0) +
		(double)mem_bytes / 1e9;
}

/* Report caches that share their slabs with others: their counts include them. */
static void note_merged(const char *name)
{
	char link[PATH_MAX], target[256], *path = xasprintf("/sys/kernel/slab/%s", name);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	DIR *d;
	struct dirent *de;

	free(path);
	if (n <= 0)
		return;
	target[n] = '\0';
	d = opendir("/sys/kernel/slab");
	if (!d)
		return;
	while ((de = readdir(d))) {
		char other[256];
		ssize_t m;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, name))
			continue;
		snprintf(link, sizeof(link), "/sys/kernel/slab/%s", de->d_name);
		m = readlink(link, other, sizeof(other) - 1);
		if (m <= 0)
			continue;
		other[m] = '\0';
		if (!strcmp(other, target))
			mmab_info("slab: %s shares its slabs with %s (%s): counted together",
				  name, de->d_name, target);
	}
	closedir(d);
}

static int read_caches(const struct slab_state *st, struct slab_cache *c)
{
	char *text;
	int ret = mmab_read_file("/proc/slabinfo", &text, NULL);

	if (ret) {
		mmab_err("cannot read '/proc/slabinfo': %s", strerror(-ret));
		return ret;
	}
	ret = slabinfo_parse(text, st->names, NCACHES, c);
	free(text);
	if (ret)
		mmab_err("/proc/slabinfo: %s", ret == -ENOENT ? "a cache measured is missing" :
			 "unexpected format");
	return ret;
}

/*
 * Freed inodes and dentries reach the slab after an RCU grace period: wait
 * until the object counts stop moving (or SETTLE_MAX_S) before measuring.
 */
static int settle_caches(const struct slab_state *st, struct slab_cache *c, volatile int *stop)
{
	uint64_t prev = UINT64_MAX;
	double t0 = mmab_now();
	int ret;

	for (;;) {
		uint64_t active = 0;

		ret = read_caches(st, c);
		if (ret)
			return ret;
		for (int i = 0; i < NCACHES; i++)
			active += c[i].active_objs + c[i].num_slabs;
		if (active == prev || mmab_now() - t0 > SETTLE_MAX_S || *stop)
			return 0;
		prev = active;
		usleep(200 * 1000);
	}
}

static void csv_rows(struct slab_state *st, const char *phase, const struct slab_cache *c)
{
	if (!st->csv)
		return;
	for (int i = 0; i < NCACHES; i++)
		fprintf(st->csv, "%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			",%" PRIu64 "\n", phase, c[i].name, c[i].active_objs, c[i].num_objs,
			c[i].objsize, c[i].objperslab, c[i].pagesperslab, c[i].num_slabs);
	fflush(st->csv);
}

static int slab_prepare(struct wl_ctx *ctx, const struct slab_opts *o, struct slab_state *st)
{
	struct slab_cache c[NCACHES];
	char type[64] = "?", *path;
	const char *ic;
	int ret;

		ret = wlio_workdir(ctx, o->dir, "slab", &st->dir);
	if (ret)
		return ret;
	ret = machine_fstype(st->dir, type, sizeof(type));
	if (ret)
		mmab_warn("cannot tell the file system of '%s': %s", st->dir, strerror(-ret));
	if (o->inode_cache && *o->inode_cache && strcmp(o->inode_cache, "auto")) {
		ic = o->inode_cache;
	} else {
		ic = wlio_inode_cache(type);
		if (!ic) {
			mmab_err("slab: no known inode cache for file system '%s' under '%s': "
				 "set inode_cache", type, st->dir);
			return -EOPNOTSUPP;
		}
	}
	snprintf(st->inode_cache, sizeof(st->inode_cache), "%s", ic);
	st->names[0] = "dentry";
	st->names[1] = st->inode_cache;
	st->names[2] = "buffer_head";
	ret = read_caches(st, c);
	if (ret)
		return ret == -ENOENT ? -EOPNOTSUPP : ret;
	for (int i = 0; i < NCACHES; i++)
		note_merged(st->names[i]);
	mmab_info("slab: files under '%s' (%s): caches dentry, %s, buffer_head", st->dir, type,
		  st->inode_cache);

	path = xasprintf("%s/slab.csv", ctx->iter_dir);
	st->csv = fopen(path, "w");
	if (!st->csv)
		mmab_warn("cannot create '%s': %s", path, strerror(errno));
	else
		fputs("phase,cache,active_objs,num_objs,objsize,objperslab,pagesperslab,"
		      "num_slabs\n", st->csv);
	free(path);
	csv_rows(st, "start", c);
	return 0;
}

static void slab_teardown(struct wl_ctx *ctx, void *opts)
{
	struct slab_state *st = ctx->state;

	(void)opts;
	if (!st)
		return;
	if (st->csv)
		fclose(st->csv);
	/* the scratch dir goes with the runner; a dir of the user's goes now */
	if (st->dir)
		mmab_rm_rf(st->dir);
	free(st->dir);
	free(st->deleted);
	}

/* The runner skips teardown when setup fails: undo a partial setup here. */
static int slab_setup(struct wl_ctx *ctx, void *opts)
{
	int ret;

	ctx->state = xcalloc(1, sizeof(struct slab_state));
	ret = slab_prepare(ctx, opts, ctx->state);

	if (ret)
		slab_teardown(ctx, opts);
	return ret;
}

void slab_choose_deletions(long n, double pct, bool random, uint64_t seed, uint8_t *del)
{
	long k = (long)floor((double)n * pct / 100.0);

	memset(del, 0, (size_t)n);
	if (random) {
		struct rand_perm p;

		/* the first k of a seeded permutation: exactly k files, scattered */
		rand_perm_init(&p, (uint64_t)n, seed);
		for (long i = 0; i < k; i++)
			del[rand_perm_at(&p, (uint64_t)i)] = 1;
	} else {
		/* Bresenham: file i goes when floor((i + 1) pct) passes floor(i pct) */
		for (long i = 0; i < n; i++)
			del[i] = (long)floor((double)(i + 1) * pct / 100.0) >
				 (long)floor((double)i * pct / 100.0);
	}
}

static int create_files(struct slab_state *st, const struct slab_opts *o, uint64_t file_size,
			volatile int *stop)
{
	char *buf = xmalloc(file_size ? file_size : 1);
	int dfd = -1, ret = 0;

	memset(buf, 0x5a, file_size ? file_size : 1);
	for (long i = 0; i < st->files && !*stop; i++) {
		char name[32];
		int fd;

		if (i % o->per_dir == 0) {
			snprintf(name, sizeof(name), "d%ld", i / o->per_dir);
			if (dfd >= 0)
				close(dfd);
			dfd = -1;
			if (mkdirat(AT_FDCWD, name, 0700) < 0 && errno != EEXIST) {
				ret = -errno;
				break;
			}
			dfd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd < 0) {
				ret = -errno;
				break;
			}
			st->dirs++;
		}
		snprintf(name, sizeof(name), "f%ld", i);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			ret = -errno;
			break;
		}
		if (file_size && write(fd, buf, file_size) != (ssize_t)file_size)
			ret = errno ? -errno : -EIO;
		if (!ret && o->fsync && fsync(fd) < 0)
			ret = -errno;
		close(fd);
		if (ret)
			break;
	}
	if (dfd >= 0)
		close(dfd);
	free(buf);
	return ret;
}

static void sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		syncfs(fd);
		close(fd);
	}
}

static int delete_files(const struct slab_state *st, const struct slab_opts *o, long *deleted,
			volatile int *stop)
{
	*deleted = 0;
	for (long i = 0; i < st->files && !*stop; i++) {
		char name[64];

		if (!st->deleted[i])
			continue;
		snprintf(name, sizeof(name), "d%ld/f%ld", i / o->per_dir, i);
		if (unlink(name) < 0)
			return -errno;
		(*deleted)++;
	}
	return 0;
}

/*
 * What reclaim has given back so far, in bytes: file pages reclaimed
 * (vmstat pgsteal_file, or pgsteal_kswapd + pgsteal_direct on kernels
 * without it) plus what SReclaimable lost, since the figures in V0.
 */
struct reclaimed {
	long long steal0, srecl0_kb;
};

static long long steal_now(void)
{
	long long f = mem_vmstat("pgsteal_file"), k, d;

	if (f >= 0)
		return f;
	k = mem_vmstat("pgsteal_kswapd");
	d = mem_vmstat("pgsteal_direct");
	return k < 0 || d < 0 ? -1 : k + d;
}

static void reclaimed_start(struct reclaimed *r)
{
	r->steal0 = steal_now();
	r->srecl0_kb = mem_meminfo_kb("SReclaimable");
}

static uint64_t reclaimed_bytes(const struct reclaimed *r)
{
	long long steal = steal_now(), srecl = mem_meminfo_kb("SReclaimable");
	uint64_t b = 0;

	if (r->steal0 >= 0 && steal > r->steal0)
		b += (uint64_t)(steal - r->steal0) * MEM_PAGE;
	if (r->srecl0_kb >= 0 && srecl >= 0 && srecl < r->srecl0_kb)
		b += (uint64_t)(r->srecl0_kb - srecl) * 1024;
	return b;
}

/*
 * The pressure child: allocate anonymous base pages (no THP: this is
 * about reclaim, not compaction), 4 MiB at a time, publishing progress in
 * *DONE so the parent knows how far it got if the OOM killer takes it,
 * until reclaim gave back RECLAIM bytes, counted by the kernel itself
 * (reclaimed_bytes()): free memory read from the zones dips for seconds
 * in a VM with free page reporting, which made a child that judged by it
 * stop before anything was reclaimed.  TARGET, the free memory and the
 * reclaim share when the pressure started, sizes the address space (twice
 * over).  Then exit, giving it all back.
 */
static void __attribute__((noreturn)) pressure_child(uint64_t target, uint64_t reclaim,
						     volatile uint64_t *done)
{
	const uint64_t step = 4ULL << 20;
	uint64_t cap = 2 * target + (256ULL << 20);
	struct reclaimed r;
	char *p;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "mmab-pressure");
	p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		_exit(1);
	madvise(p, cap, MADV_NOHUGEPAGE);
	reclaimed_start(&r);
	for (uint64_t off = 0; off + step <= cap && reclaimed_bytes(&r) < reclaim; off += step) {
		for (uint64_t q = 0; q < step; q += MEM_PAGE)
			p[off + q] = 1;
		*done = off + step;
	}
	_exit(0);
}

uint64_t slab_pressure_bytes(long long free_kb, long long file_kb, long long srecl_kb,
			     double pct)
{
	return (uint64_t)((double)free_kb * 1024 + (double)(file_kb + srecl_kb) * 1024 * pct / 100);
}

static int slab_pressure_target(double pct, uint64_t *target, uint64_t *reclaim)
{
	/*
	 * Not MemFree: it counts free memory no user allocation can get (below
	 * the watermarks, and the lowmem protection a zone keeps against
	 * allocations that could use a higher zone: hundreds of MiB of DMA32
	 * with a ballast holding Normal).  Allocating that on top of the
	 * reclaimable share runs the pressure child into the OOM killer.
	 */
	uint64_t reach;
	long long free_kb = mem_reachable(&reach) ? mem_meminfo_kb("MemFree")
							     : (long long)(reach >> 10);
	long long act = mem_meminfo_kb("Active(file)"), inact = mem_meminfo_kb("Inactive(file)");
	long long srecl = mem_meminfo_kb("SReclaimable");

	if (free_kb < 0 || act < 0 || inact < 0 || srecl < 0)
		return -EIO;
	*target = slab_pressure_bytes(free_kb, act + inact, srecl, pct);
	*reclaim = slab_pressure_bytes(0, act + inact, srecl, pct);
	return 0;
}

struct pressure_result {
	double seconds;
	uint64_t bytes;
	bool oom;
};

static int apply_pressure(const struct slab_opts *o, struct pressure_result *r)
{
	volatile uint64_t *done;
	uint64_t target, reclaim;
	double t0 = mmab_now();
	int status, ret = 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (o->pressure == SLAB_P_NONE)
		return 0;
	if (o->pressure == SLAB_P_DROP) {
		sync();
		ret = mmab_write_file("/proc/sys/vm/drop_caches", "3");
		if (ret)
			mmab_err("cannot write '/proc/sys/vm/drop_caches': %s", strerror(-ret));
		r->seconds = mmab_now() - t0;
		return ret;
	}
	ret = slab_pressure_target(o->pressure_pct, &target, &reclaim);
	if (ret) {
		mmab_err("cannot read MemFree, Active(file), Inactive(file) and SReclaimable "
			 "from '/proc/meminfo'");
		return ret;
	}
	done = mmap(NULL, sizeof(*done), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		    -1, 0);
	if (done == MAP_FAILED)
		return -errno;
	*done = 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0)
		pressure_child(target, reclaim, done);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			goto out;
		}
	}
	r->seconds = mmab_now() - t0;
	r->bytes = *done;
	/* SIGKILL while allocating is the OOM killer's (or the runner's) doing */
	r->oom = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
	if (!r->oom && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		mmab_err("the pressure child failed (status 0x%x)", status);
		ret = -ECHILD;
	}
out:
	munmap((void *)done, sizeof(*done));
	return ret;
}

static void cache_metrics(struct wl_ctx *ctx, const char *what, const struct slab_cache *c)
{
	char name[96];

	snprintf(name, sizeof(name), "occupancy_pct_%s", what);
	wl_metric(ctx, name, slab_occupancy_pct(c, NCACHES), "%", METRIC_NONE, AGG_MEAN);
	for (int i = 0; i < NCACHES; i++) {
		snprintf(name, sizeof(name), "occupancy_pct_%s_%s", what, cache_keys[i]);
		wl_metric(ctx, name, slab_occupancy_pct(&c[i], 1), "%", METRIC_NONE, AGG_MEAN);
	}
}

/* What one iteration measured. */
struct slab_result {
	struct slab_cache created[NCACHES], before[NCACHES], after[NCACHES];
	double t_create, t_delete, sr0, sr1;
	long deleted;
	struct pressure_result pr;
	char *vm0, *vm1;	/* /proc/vmstat around the pressure */
};

/* Create the files, then delete the chosen ones, measuring the caches after each.  0 or -errno. */
static int slab_files(struct wl_ctx *ctx, const struct slab_opts *o, struct slab_state *st,
		      struct slab_result *r)
{
	uint64_t file_size = opt_size_bytes(&o->file_size, ctx->mem_bytes);
	double t0 = mmab_now();
	int ret;

	mmab_info("slab: %ld files of %" PRIu64 " bytes, %ld per directory", st->files,
		  file_size, o->per_dir);
	ret = create_files(st, o, file_size, ctx->stop);
	if (!ret && *ctx->stop)
		ret = -EINTR;
	if (ret) {
		mmab_err("cannot create the files under '%s': %s", st->dir, strerror(-ret));
		return ret;
	}
	/* written back, so the data pages (and their buffer heads) are reclaimable */
	sync_dir(".");
	r->t_create = mmab_now() - t0;
	ret = settle_caches(st, r->created, ctx->stop);
	if (ret)
		return ret;
	csv_rows(st, "created", r->created);

	t0 = mmab_now();
	ret = delete_files(st, o, &r->deleted, ctx->stop);
	if (!ret && *ctx->stop)
		ret = -EINTR;
	if (ret) {
		mmab_err("cannot delete files under '%s': %s", st->dir, strerror(-ret));
		return ret;
	}
	r->t_delete = mmab_now() - t0;
	ret = settle_caches(st, r->before, ctx->stop);
	if (!ret)
		csv_rows(st, "before", r->before);
	return ret;
}

/* The pressure, with /proc/vmstat and the caches around it.  0 or -errno. */
static int slab_pressure(struct wl_ctx *ctx, const struct slab_opts *o, struct slab_state *st,
			 struct slab_result *r)
{
	int ret;

	r->sr0 = (double)mem_meminfo_kb("SReclaimable");
	ret = mmab_read_file("/proc/vmstat", &r->vm0, NULL);
	if (!ret) {
		ret = apply_pressure(o, &r->pr);
		if (ret)
			return ret;
		ret = mmab_read_file("/proc/vmstat", &r->vm1, NULL);
	}
	if (ret) {
		mmab_err("cannot read '/proc/vmstat': %s", strerror(-ret));
		return ret;
	}
	ret = settle_caches(st, r->after, ctx->stop);
	if (ret)
		return ret;
	r->sr1 = (double)mem_meminfo_kb("SReclaimable");
	csv_rows(st, "after", r->after);
	return 0;
}

/* Per cache, what the pressure freed; the sums into *PAGES and *OBJS, the deletions' into *DEL_*. */
static void freed_metrics(struct wl_ctx *ctx, const struct slab_result *r, double *pages,
			  double *objs, double *del_pages, double *del_objs)
{
	*pages = *objs = *del_pages = *del_objs = 0;
	for (int i = 0; i < NCACHES; i++) {
		double p = (double)slab_pages(&r->before[i]) - (double)slab_pages(&r->after[i]);
		double ob = (double)r->before[i].active_objs - (double)r->after[i].active_objs;
		char name[96];

		snprintf(name, sizeof(name), "slab_pages_freed_%s", cache_keys[i]);
		wl_metric(ctx, name, p, "pages", METRIC_HIGHER, AGG_MEAN);
		snprintf(name, sizeof(name), "objects_freed_%s", cache_keys[i]);
		wl_metric(ctx, name, ob, "objects", METRIC_NONE, AGG_MEAN);
		*pages += p;
		*objs += ob;
		*del_pages += (double)slab_pages(&r->created[i]) - (double)slab_pages(&r->before[i]);
		*del_objs += (double)r->created[i].active_objs - (double)r->before[i].active_objs;
	}
}

static void slab_metrics(struct wl_ctx *ctx, const struct slab_opts *o,
			 const struct slab_state *st, const struct slab_result *r)
{
	double pages, objs, del_pages, del_objs;
	bool anon = o->pressure == SLAB_P_ANON;

	cache_metrics(ctx, "created", r->created);
	cache_metrics(ctx, "before", r->before);
	cache_metrics(ctx, "after", r->after);
	freed_metrics(ctx, r, &pages, &objs, &del_pages, &del_objs);
	wl_metric(ctx, "slab_pages_freed", pages, "pages", METRIC_HIGHER, AGG_MEAN);
	wl_metric(ctx, "objects_freed", objs, "objects", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "pages_freed_per_1k_objects", slab_pages_per_1k(pages, objs), "pages",
		  METRIC_HIGHER, AGG_MEAN);
	wl_metric(ctx, "delete_slab_pages_freed", del_pages, "pages", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "delete_objects_freed", del_objs, "objects", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "sreclaimable_freed_mib", r->sr0 < 0 || r->sr1 < 0 ? NAN :
		  (r->sr0 - r->sr1) / 1024, "MiB", METRIC_HIGHER, AGG_MEAN);
	wl_metric(ctx, "files_created", (double)st->files, "files", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "files_deleted", (double)r->deleted, "files", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "create_seconds", r->t_create, "s", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "delete_seconds", r->t_delete, "s", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "pressure_seconds", r->pr.seconds, "s", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "pressure_mib", anon ? (double)r->pr.bytes / (1 << 20) : NAN, "MiB",
		  METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "pressure_oom", anon ? r->pr.oom : NAN, "bool", METRIC_LOWER, AGG_MEAN);
	wlio_reclaim_metrics(ctx, r->vm0, r->vm1);
}

static int slab_run(struct wl_ctx *ctx, void *opts)
{
	struct slab_opts *o = opts;
	struct slab_state *st = ctx->state;
	struct slab_result r = { 0 };
	int cwd, ret;

	st->files = slab_nfiles(o, ctx->mem_bytes);
	st->deleted = xcalloc((size_t)st->files, 1);
	slab_choose_deletions(st->files, o->delete_pct, o->pattern == SLAB_DEL_RANDOM, ctx->seed,
			      st->deleted);
	/* relative names from here: shorter paths, less time in path walks */
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || chdir(st->dir) < 0) {
		ret = -errno;
		mmab_err("cannot enter '%s': %s", st->dir, strerror(-ret));
		goto out;
	}
	ret = slab_files(ctx, o, st, &r);
	if (!ret)
		ret = slab_pressure(ctx, o, st, &r);
	if (!ret)
		slab_metrics(ctx, o, st, &r);
out:
	if (cwd >= 0) {
		if (fchdir(cwd) < 0)
			ret = ret ? ret : -errno;
		close(cwd);
	}
	free(r.vm0);
	free(r.vm1);
	return ret;
}

const struct workload wl_slab = {
	.name = "slab",
	.summary = "many small files, a scattered share deleted, then pressure: what slab comes back",
	.flags = WL_NEEDS_ROOT | WL_MAY_OOM,
	.opts = slab_specs,
	.priv_size = sizeof(struct slab_opts),
	.supported = slab_supported,
	.estimate = slab_estimate,
	.setup = slab_setup,
	.run = slab_run,
	.teardown = slab_teardown,
};

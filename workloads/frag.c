/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `frag` workload and the fragmenter behind it (API in frag.h).
 *
 * Why it fragments: the page allocator groups pages by mobility, so
 * unmovable kernel allocations only spread over movable pageblocks when
 * their own blocks are full and they must fall back (the
 * kmem:mm_page_alloc_extfrag event).  The fill therefore interleaves, in
 * time and so in physical memory, small movable chunks (anonymous memory
 * and page cache, alternately) with unmovable allocations: pipe buffers
 * (whole pages the kernel cannot move), page-table pages (one per 2 MiB of
 * sparse address space touched once) and dentries/inodes of small empty
 * files (reclaimable slab, but never migrated).  Then a pattern of the
 * movable chunks is freed (and of the small files, which leaves slab pages
 * partly used), so free memory lies in chunk-sized holes between pages
 * compaction cannot move.  The movable part is reclaimable or migratable,
 * as on a real machine: what a later huge page allocation pays is the work
 * of getting it out of the way.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>


#include "collectors/proc.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "workloads/frag.h"
#include "workloads/tracepoint.h"
#include "workloads/workload.h"

const char *const frag_pattern_names[] = { "alternate", "random", "stride", NULL };
const char *const frag_source_names[] = { "none", "frag", "fio", NULL };

#define PAGE 4096UL
#define HPAGE (2UL << 20)
#define FILE_BYTES (64UL << 20)		/* page cache file size: chunks are ranges */
#define PIPE_BYTES (1UL << 20)		/* pipe buffer capacity asked for */
#define SLAB_FILE_BYTES 1024UL		/* dentry + inode of one empty file, roughly */
#define PT_REGION_SLOTS 1024UL		/* 2 GiB of address space per page-table region */
#define READY_TIMEOUT_MS (900 * 1000)

struct fragmenter {
	pid_t pid;
	char *dir;
};

/* splitmix64: small, seedable, good enough to pick chunks */
static uint64_t rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rnd_unit(uint64_t *s)
{
	return (rnd_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* Does the pattern free chunk I?  (the random pattern draws from RS) */
static bool pattern_frees(const struct frag_opts *o, uint64_t i, uint64_t *rs)
{
	uint64_t keep_every;

	switch (o->pattern) {
	case FRAG_RANDOM:
		return rnd_unit(rs) * 100.0 < o->free_pct;
	case FRAG_STRIDE:
		keep_every = (uint64_t)llround(100.0 / (100.0 - o->free_pct));
		if (keep_every < 1)
			keep_every = 1;
		return i % keep_every != 0;
	case FRAG_ALTERNATE:
	default:
		return i % 2 == 1;
	}
}

/* ---- the fragmenter child ---- */

struct fill {
	const struct frag_opts *o;
	const char *dir;
	uint64_t chunk, nchunks;		/* chunk size; chunks allocated */
	uint64_t nbudget, nmax;		/* chunks the size asks for; room to fill up */
	bool until_full;
	char *anon;			/* reservation for the anonymous chunks */
	int *files;			/* page cache files, FILE_BYTES each */
	size_t nfiles;
	int cur_pipe;			/* fd of the pipe being filled, -1 none */
	size_t pipe_left;
	int *pipes;
	size_t npipes, pipes_cap;
	char **pt;			/* page-table regions */
	size_t npt, pt_slot;
	uint64_t slab_files;
	uint8_t *freed;			/* per movable chunk: 1 freed, 2 to be freed */
	char *buf;			/* one chunk of data for page cache writes */
	char page[PAGE];
	struct frag_report rep;
};

/*
 * Movable chunks come in pairs of a kind: 0 1 anonymous, 2 3 page cache,
 * 4 5 anonymous...  so that the alternate pattern (every other chunk) frees
 * both kinds, and the two kinds, which the allocator serves from different
 * places (base pages from per-CPU lists, large page cache folios from the
 * buddy lists), are both holed.
 */
static bool chunk_is_anon(uint64_t i)
{
	return !((i >> 1) & 1);
}

/* index of chunk I among the chunks of its kind */
static uint64_t chunk_slot(uint64_t i)
{
	return ((i >> 2) << 1) | (i & 1);
}

static int chunk_alloc(struct fill *f, uint64_t i)
{
	uint64_t slot = chunk_slot(i);

	if (chunk_is_anon(i)) {
		volatile char *p = f->anon + slot * f->chunk;

		for (uint64_t off = 0; off < f->chunk; off += PAGE)
			p[off] = 1;
		return 0;
	} else {
		uint64_t fidx = slot * f->chunk / FILE_BYTES;
		uint64_t off = slot * f->chunk % FILE_BYTES;

		while (f->nfiles <= fidx) {
			char *path = xasprintf("%s/cache-%zu", f->dir, f->nfiles);
			int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

			free(path);
			if (fd < 0)
				return -errno;
			f->files = xrealloc(f->files, (f->nfiles + 1) * sizeof(*f->files));
			f->files[f->nfiles++] = fd;
		}
		if (pwrite(f->files[fidx], f->buf, f->chunk, (off_t)off) != (ssize_t)f->chunk)
			return errno ? -errno : -EIO;
		return 0;
	}
}

static void chunk_free(struct fill *f, uint64_t i)
{
	uint64_t slot = chunk_slot(i);

	if (chunk_is_anon(i)) {
		madvise(f->anon + slot * f->chunk, f->chunk, MADV_DONTNEED);
	} else {
		uint64_t fidx = slot * f->chunk / FILE_BYTES;
		uint64_t off = slot * f->chunk % FILE_BYTES;

		if (fallocate(f->files[fidx], FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)off, (off_t)f->chunk) < 0) {
			/* no hole punching here: write back, then drop the clean pages */
			sync_file_range(f->files[fidx], (off_t)off, (off_t)f->chunk,
					SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
					SYNC_FILE_RANGE_WAIT_AFTER);
			posix_fadvise(f->files[fidx], (off_t)off, (off_t)f->chunk,
				      POSIX_FADV_DONTNEED);
		}
	}
}

/* one page of pipe buffer: unmovable, held while the read end is open */
static int unmovable_pipe(struct fill *f)
{
	if (f->cur_pipe < 0 || f->pipe_left < PAGE) {
		int p[2], sz;

		if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
			return -errno;
		sz = fcntl(p[1], F_SETPIPE_SZ, (int)PIPE_BYTES);
		if (sz < 0)
			sz = fcntl(p[1], F_GETPIPE_SZ);
		if (f->cur_pipe >= 0)
			close(f->cur_pipe);
		/* the buffered pages stay as long as the read end is open */
		if (f->npipes == f->pipes_cap) {
			f->pipes_cap = f->pipes_cap ? 2 * f->pipes_cap : 256;
			f->pipes = xrealloc(f->pipes, f->pipes_cap * sizeof(*f->pipes));
		}
		f->pipes[f->npipes++] = p[0];
		f->cur_pipe = p[1];
		f->pipe_left = sz > 0 ? (size_t)sz : PAGE;
		f->rep.pipes++;
	}
	if (write(f->cur_pipe, f->page, PAGE) != (ssize_t)PAGE) {
		/* full early (pipe-user-pages limit when not root): the next call opens another */
		f->pipe_left = 0;
		return errno == EAGAIN ? 0 : -errno;
	}
	f->pipe_left -= PAGE;
	f->rep.unmovable_bytes += PAGE;
	return 0;
}

/* one page-table page: touch one byte in a fresh 2 MiB slot */
static int unmovable_pt(struct fill *f)
{
	if (!f->npt || f->pt_slot == PT_REGION_SLOTS) {
		char *r = mmap(NULL, PT_REGION_SLOTS * HPAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (r == MAP_FAILED)
			return -errno;
		/* a huge page here would defeat the point: one PTE page per slot */
		madvise(r, PT_REGION_SLOTS * HPAGE, MADV_NOHUGEPAGE);
		f->pt = xrealloc(f->pt, (f->npt + 1) * sizeof(*f->pt));
		f->pt[f->npt++] = r;
		f->pt_slot = 0;
	}
	((volatile char *)f->pt[f->npt - 1])[f->pt_slot++ * HPAGE] = 1;
	f->rep.pt_pages++;
	f->rep.unmovable_bytes += PAGE;
	f->rep.movable_bytes += PAGE;	/* the data page touched */
	return 0;
}

/* about one page of dentries and inodes: a few empty files */
static int unmovable_slab(struct fill *f)
{
	for (unsigned i = 0; i < PAGE / SLAB_FILE_BYTES; i++) {
		char *path = xasprintf("%s/s%" PRIu64, f->dir, f->slab_files);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		free(path);
		if (fd < 0)
			return -errno;
		close(fd);
		f->slab_files++;
	}
	f->rep.files = f->slab_files;
	f->rep.unmovable_bytes += PAGE;
	return 0;
}

/*
 * Read every page cache chunk twice, in a random order, so the kernel moves
 * them to the active list in that order: reclaim then takes them back
 * scattered over memory, not in the order they were written, which is
 * also their physical order.
 */
static void shuffle_cache(struct fill *f, uint64_t *rs)
{
	uint64_t *perm = xmalloc(f->nchunks * sizeof(*perm)), n = 0;

	for (uint64_t i = 0; i < f->nchunks; i++)
		if (!chunk_is_anon(i))
			perm[n++] = i;
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = rnd_next(rs) % i, t = perm[i - 1];

		perm[i - 1] = perm[j];
		perm[j] = t;
	}
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t k = 0; k < n; k++) {
			uint64_t slot = chunk_slot(perm[k]);

			if (pread(f->files[slot * f->chunk / FILE_BYTES], f->buf, f->chunk,
				  (off_t)(slot * f->chunk % FILE_BYTES)) < 0)
				break;
		}
	free(perm);
}

/* one page of unmovable memory of the next kind: half pipe buffers, a quarter page tables, a quarter slab */
static int unmovable_page(struct fill *f, uint64_t n)
{
	switch (n % 4) {
	case 0:
	case 2:
		return unmovable_pipe(f);
	case 1:
		return unmovable_pt(f);
	default:
		return unmovable_slab(f);
	}
}

static void free_chunk_once(struct fill *f, uint64_t i)
{
	chunk_free(f, i);
	f->freed[i] = 1;
	f->rep.freed_bytes += f->chunk;
}

/*
 * From /proc/pagetypeinfo, every zone: free pages in Unmovable and
 * Reclaimable pageblocks (*FREE_PAGES) and how many such pageblocks there
 * are (*BLOCKS).  -1 and -1 when it cannot be read (not root).
 */
static void nonmovable_blocks(long long *free_pages, long long *blocks)
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

/*
 * Is the memory full: at most a little left that allocations can take
 * without reclaim (above the low watermarks and lowmem protection)?
 */
static bool memory_full(uint64_t size)
{
	uint64_t reach;

	if (mem_reachable(&reach))
		return true;
	return reach <= size / 200 + (4ULL << 20);
}

/* free memory in blocks of at least a pageblock, every zone */
static uint64_t whole_block_pages(void)
{
	struct buddy_counts bc;

	if (frag_buddy_read(&bc))
		return 0;
	return frag_free_blocks(&bc, 9) << 9;
}

/*
 * The fill, in the order that makes unmovable pages land in movable
 * pageblocks, which the kernel's anti-fragmentation works to prevent:
 *
 * 1. Movable chunks, anonymous and page cache in pairs, up to the size;
 *    at a size of 100% or more on until the memory is full (nothing left
 *    above the watermarks), so no free pageblock is left to give away.
 *    The page cache is then read twice in a random order, which puts it
 *    on the active list in that order: what reclaim takes back later is
 *    scattered, not the oldest and physically contiguous chunks.
 * 2. Unmovable pages ("primed") as many as the kernel would place without
 *    mixing: the free memory left in unmovable and reclaimable pageblocks
 *    and the free blocks of pageblock size and more (watermark reserves
 *    and lowmem protection keep some), which unmovable allocations claim
 *    whole.  Reclaim makes room for them from the page cache chunks.
 * 3. A sparse share of the chunks the pattern frees, spread evenly and
 *    as large as the unmovable share: holes of one chunk with full
 *    neighbours, far below the half pageblock that would let an unmovable
 *    allocation take the block over.
 * 4. The unmovable share, which now has to steal pages inside movable
 *    pageblocks (kmem:mm_page_alloc_extfrag, change_ownership=0).
 * 5. The rest of the pattern, and a pattern of the small files (leaving
 *    their slab pages part-used).
 *
 * The free memory is then scattered over pageblocks that hold unmovable
 * pages, as on a machine that has been up for weeks.
 */
static int fill_run(struct fill *f, uint64_t *rs, uint64_t size, uint64_t unmovable_pages)
{
	const struct frag_opts *o = f->o;
	uint64_t ndoomed = 0, seed_every, k = 0;
	int ret;

	for (uint64_t i = 0; i < f->nmax; i++) {
		if (i >= f->nbudget && (!f->until_full || (i % 32 == 0 && memory_full(size))))
			break;
		ret = chunk_alloc(f, i);
		if (ret)
			return ret;
		f->nchunks = i + 1;
		f->rep.movable_bytes += f->chunk;
	}
	shuffle_cache(f, rs);

	if (f->until_full) {
		long long other, unused;
		uint64_t prime;

		nonmovable_blocks(&other, &unused);
		prime = (other > 0 ? (uint64_t)other : 0) + whole_block_pages();
		if (prime > size / 2 / PAGE)
			prime = size / 2 / PAGE;
		for (uint64_t n = 0; n < prime; n++) {
			ret = unmovable_pipe(f);
			if (ret)
				return ret;
		}
		f->rep.primed_bytes = f->rep.unmovable_bytes;
	}

	for (uint64_t i = 0; i < f->nchunks; i++)
		if (pattern_frees(o, i, rs)) {
			f->freed[i] = 2;	/* to be freed */
			ndoomed++;
		}
	seed_every = unmovable_pages ? ndoomed * f->chunk / (unmovable_pages * PAGE) : 0;
	if (!seed_every)
		seed_every = 1;
	for (uint64_t i = 0; i < f->nchunks; i++)
		if (f->freed[i] == 2 && k++ % seed_every == 0)
			free_chunk_once(f, i);

	for (uint64_t n = 0; n < unmovable_pages; n++) {
		ret = unmovable_page(f, n);
		if (ret)
			return ret;
	}

	for (uint64_t i = 0; i < f->nchunks; i++)
		if (f->freed[i] == 2)
			free_chunk_once(f, i);
	/* deleting a pattern of the small files leaves their slab pages part-used */
	for (uint64_t i = 0; i < f->slab_files; i++)
		if (pattern_frees(o, i, rs)) {
			char *path = xasprintf("%s/s%" PRIu64, f->dir, i);

			unlink(path);
			free(path);
		}
	return 0;
}

struct frag_msg {
	int err;
	struct frag_report rep;
};

static void __attribute__((noreturn)) fragmenter_child(int fd, pid_t parent, const char *dir,
						       const struct frag_opts *o, uint64_t size,
						       uint64_t seed, bool churn, bool until_full)
{
	struct frag_msg msg = { 0 };
	struct rlimit rl;
	struct fill *f;
	uint64_t rs = seed;
	double t0 = mmab_now();

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	prctl(PR_SET_NAME, "mmab-frag");
	/* one descriptor per pipe: take all the hard limit allows */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	f = xcalloc(1, sizeof(*f));
	memset(f->page, 0x5a, sizeof(f->page));
	f->o = o;
	f->dir = dir;
	f->cur_pipe = -1;
	f->chunk = opt_size_bytes(&o->chunk, size);
	f->chunk = (f->chunk + PAGE - 1) & ~(PAGE - 1);
	if (!f->chunk)
		f->chunk = PAGE;
	f->nbudget = size * (1.0 - o->unmovable_pct / 100.0) / f->chunk;
	if (f->nbudget < 4)
		f->nbudget = 4;
	/* filling up may take more than the size: the effective size leaves reserves */
	f->until_full = until_full;
	f->nmax = until_full ? 2 * f->nbudget : f->nbudget;
	f->freed = xcalloc(f->nmax, 1);
	f->buf = xmalloc(f->chunk);
	memset(f->buf, 0x5a, f->chunk);
	f->anon = mmap(NULL, (f->nmax / 2 + 2) * f->chunk, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (f->anon == MAP_FAILED) {
		msg.err = -errno;
		goto out_reply;
	}
	/* base pages, as the page cache chunks: holes of chunk size, not 2 MiB */
	madvise(f->anon, (f->nmax / 2 + 2) * f->chunk, MADV_NOHUGEPAGE);
	msg.err = fill_run(f, &rs, size, (uint64_t)(size * o->unmovable_pct / 100.0) / PAGE);
out_reply:
	msg.rep = f->rep;
	msg.rep.fill_seconds = mmab_now() - t0;
	/* the parent reads it whole or sees the pipe close: nothing to add here */
	(void)mmab_write_full(fd, &msg, sizeof(msg));
	close(fd);
	if (msg.err)
		_exit(1);
	if (!churn)
		for (;;)
			pause();
	/* background: flip random chunks between held and freed until killed */
	for (;;) {
		uint64_t i = rnd_next(&rs) % f->nchunks;

		if (f->freed[i]) {
			if (chunk_alloc(f, i) == 0)
				f->freed[i] = 0;
		} else {
			chunk_free(f, i);
			f->freed[i] = 1;
		}
	}
}

static int wait_ready(int fd, void *buf, size_t len, volatile int *stop)
{
	size_t got = 0;
	int waited = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, 100);
		ssize_t n;

		if (r < 0 && errno != EINTR)
			return -errno;
		if (stop && *stop)
			return -EINTR;
		if (r <= 0) {
			waited += 100;
			if (waited > READY_TIMEOUT_MS)
				return -ETIMEDOUT;
			continue;
		}
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECHILD;
		got += (size_t)n;
	}
	return 0;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static volatile int *frag_stop_flag;

void frag_set_stop(volatile int *stop)
{
	frag_stop_flag = stop;
}

int frag_start(struct fragmenter **fp, const struct frag_opts *opts, uint64_t effective,
	       uint64_t seed, const char *dir, bool churn, struct frag_report *rep)
{
	uint64_t size = opt_size_bytes(&opts->size, effective);
	struct frag_msg msg;
	struct fragmenter *f;
	int fds[2], ret;
	char *sub;
	pid_t pid;

	*fp = NULL;
	if (opts->seed)
		seed = (uint64_t)opts->seed;
	sub = xasprintf("%s/frag", dir);
	if (mkdir(sub, 0700) < 0 && errno != EEXIST) {
		ret = -errno;
		free(sub);
		return ret;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		ret = -errno;
		free(sub);
		return ret;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		free(sub);
		return ret;
	}
	if (pid == 0) {
		close(fds[0]);
		fragmenter_child(fds[1], getppid(), sub, opts, size, seed, churn, size >= effective);
	}
	close(fds[1]);
	ret = wait_ready(fds[0], &msg, sizeof(msg), frag_stop_flag);
	close(fds[0]);
	if (!ret)
		ret = msg.err;
	f = xcalloc(1, sizeof(*f));
	f->pid = pid;
	f->dir = sub;
	if (ret) {
		frag_stop(f);
		return ret;
	}
	if (rep)
		*rep = msg.rep;
	*fp = f;
	return 0;
}

static uint64_t dir_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t sum = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			sum += (uint64_t)st.st_size;
	}
	closedir(d);
	return sum;
}

int frag_fio_start(struct fragmenter **fp, uint64_t size, const char *dir, const char *log,
		   struct frag_report *rep)
{
	/* thpchallenge's fio job: many small files of page cache, rewritten for ever */
	uint64_t filesize = 64 << 10, nrfiles = size / filesize;
	char a_dir[4096], a_size[64], a_nrfiles[64], a_filesize[64];
	const char *argv[] = {
		"fio", "--name=mmab-frag", a_dir, "--ioengine=sync", "--rw=write",
		"--bs=4k", "--direct=0", "--invalidate=0", "--fallocate=none",
		"--create_on_open=1", "--openfiles=64", a_nrfiles, a_filesize, a_size,
		"--time_based", "--runtime=86400", "--numjobs=1",
		/* jobs as threads: killing fio's pid then stops every writer */
		"--thread", NULL
	};
	struct fragmenter *f;
	double t0 = mmab_now();
	pid_t pid;
	char *sub;

	*fp = NULL;
	if (nrfiles < 1)
		nrfiles = 1;
	sub = xasprintf("%s/fio-frag", dir);
	if (mkdir(sub, 0700) < 0 && errno != EEXIST) {
		int ret = -errno;

		free(sub);
		return ret;
	}
	snprintf(a_dir, sizeof(a_dir), "--directory=%s", sub);
	snprintf(a_nrfiles, sizeof(a_nrfiles), "--nrfiles=%" PRIu64, nrfiles);
	snprintf(a_filesize, sizeof(a_filesize), "--filesize=%" PRIu64, filesize);
	snprintf(a_size, sizeof(a_size), "--size=%" PRIu64, nrfiles * filesize);
	/* execvp's argv is char *const[] for historical reasons; it never writes */
	pid = mmab_spawn((char *const *)argv, "/dev/null", log);
	if (pid < 0) {
		free(sub);
		return (int)pid;
	}
	f = xcalloc(1, sizeof(*f));
	f->pid = pid;
	f->dir = sub;
	/* ready when the first pass has laid out (nearly) all the files */
	for (;;) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			f->pid = 0;
			frag_stop(f);
			return -ECHILD;
		}
		if (dir_bytes(sub) >= nrfiles * filesize * 9 / 10)
			break;
		if ((frag_stop_flag && *frag_stop_flag) ||
		    mmab_now() - t0 > READY_TIMEOUT_MS / 1000.0) {
			frag_stop(f);
			return frag_stop_flag && *frag_stop_flag ? -EINTR : -ETIMEDOUT;
		}
		usleep(100 * 1000);
	}
	if (rep) {
		memset(rep, 0, sizeof(*rep));
		rep->fill_seconds = mmab_now() - t0;
		rep->movable_bytes = nrfiles * filesize;
		rep->files = nrfiles;
	}
	*fp = f;
	return 0;
}

void frag_stop(struct fragmenter *f)
{
	if (!f)
		return;
	if (f->pid > 0)
		reap(f->pid);
	if (f->dir)
		mmab_rm_rf(f->dir);
	free(f->dir);
	free(f);
}

/* ---- buddyinfo and the unusable free space index ---- */

/* The zones of collectors/buddyinfo.c's parser, summed: one parser for the project. */
int frag_buddy_parse(const char *text, struct buddy_counts *bc)
{
	struct buddy_info bi = { 0 };
	size_t len = strlen(text);
	char *copy = NULL;
	int ret;

	memset(bc, 0, sizeof(*bc));
	/* This API always took text without its last newline too. */
	if (len && text[len - 1] != '\n')
		text = copy = xasprintf("%s\n", text);
	ret = buddy_parse(&bi, "/proc/buddyinfo", text, strlen(text), NULL, 0);
	free(copy);
	for (size_t i = 0; !ret && i < bi.n; i++) {
		bc->norders = bi.z[i].norders;
		for (int o = 0; o < bi.z[i].norders; o++)
			bc->blocks[o] += bi.z[i].blocks[o];
	}
	buddy_free(&bi);
	return ret;
}

int frag_buddy_read(struct buddy_counts *bc)
{
	char *buf;
	int ret = mmab_read_file("/proc/buddyinfo", &buf, NULL);

	if (ret)
		return ret;
	ret = frag_buddy_parse(buf, bc);
	free(buf);
	return ret;
}

uint64_t frag_free_pages(const struct buddy_counts *bc)
{
	uint64_t pages = 0;

	for (int o = 0; o < bc->norders; o++)
		pages += bc->blocks[o] << o;
	return pages;
}

uint64_t frag_free_blocks(const struct buddy_counts *bc, int order)
{
	uint64_t blocks = 0;

	for (int o = order; o < bc->norders; o++)
		blocks += bc->blocks[o] << (o - order);
	return blocks;
}

double frag_unusable_index(const struct buddy_counts *bc, int order)
{
	uint64_t free_pages = frag_free_pages(bc);

	if (!free_pages)
		return 1.0;
	return (double)(free_pages - (frag_free_blocks(bc, order) << order)) / (double)free_pages;
}

double frag_vmstat_delta(const char *name, long long start)
{
	long long now = mem_vmstat(name);

	if (start < 0 || now < 0)
		return NAN;
	return (double)(now - start);
}

/* ---- the frag workload ---- */

struct frag_wl_opts {
	struct frag_opts f;
};

static const struct opt_spec frag_wl_specs[] = {
	FRAG_OPT_SPECS(struct frag_wl_opts, f, "", "100%"),
	OPT_END
};

static int frag_supported(const void *opts, char *why, size_t whylen)
{
	struct buddy_counts bc;

	(void)opts;
	if (!mmab_is_root()) {
		snprintf(why, whylen, "not root");
		return -EPERM;
	}
	if (frag_buddy_read(&bc)) {
		snprintf(why, whylen, "/proc/buddyinfo is not readable");
		return -ENOENT;
	}
	return 0;
}

static double frag_estimate(const void *opts, uint64_t mem_bytes)
{
	const struct frag_wl_opts *o = opts;

	/* ~300 MB/s of mixed page cache writes, faults and pipe writes here */
	return 2.0 + (double)opt_size_bytes(&o->f.size, mem_bytes) / 300e6;
}

static struct fragmenter *frag_wl_running;

static int frag_run(struct wl_ctx *ctx, void *opts)
{
	struct frag_wl_opts *o = opts;
	struct buddy_counts before, after;
	struct tp_counter *ef = NULL, *steals = NULL;
	struct frag_report rep;
	double events = NAN, stolen = NAN, unused;
	long long blocks0, blocks1, unused_free;
	int ret;

	ret = frag_buddy_read(&before);
	if (ret) {
		mmab_err("cannot read '/proc/buddyinfo': %s", strerror(-ret));
		return ret;
	}
	/* before the fragmenter forks: the counter is system-wide, it sees the fill */
	ret = tp_counter_open(&ef, "kmem", "mm_page_alloc_extfrag", NULL, NULL);
	if (ret)
		mmab_warn("extfrag_events n/a: cannot count kmem:mm_page_alloc_extfrag: %s",
			  strerror(-ret));
	/* unmovable and reclaimable pages taken from a pageblock left to its type */
	else if (tp_counter_open(&steals, "kmem", "mm_page_alloc_extfrag", NULL,
				 "alloc_migratetype != 1 && change_ownership == 0"))
		steals = NULL;
	nonmovable_blocks(&unused_free, &blocks0);

	frag_set_stop(ctx->stop);
	ret = frag_start(&frag_wl_running, &o->f, ctx->mem_bytes, ctx->seed, ctx->scratch_dir,
			 false, &rep);
	if (ret) {
		mmab_err("fragmenter failed: %s", strerror(-ret));
		goto out_close;
	}
	if (ef && tp_counter_read(ef, &events, &unused))
		events = NAN;
	if (steals && tp_counter_read(steals, &stolen, &unused))
		stolen = NAN;
	nonmovable_blocks(&unused_free, &blocks1);
	ret = frag_buddy_read(&after);
	if (ret) {
		mmab_err("cannot read '/proc/buddyinfo': %s", strerror(-ret));
		goto out_stop;
	}

	wl_metric(ctx, "unusable_index_order9", frag_unusable_index(&after, 9), "ratio",
		  METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "unusable_index_order9_start", frag_unusable_index(&before, 9), "ratio",
		  METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "free_order9_blocks", (double)frag_free_blocks(&after, 9), "blocks",
		  METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "free_mib", (double)(frag_free_pages(&after) * PAGE) / (1 << 20), "MiB",
		  METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "fill_seconds", rep.fill_seconds, "s", METRIC_LOWER, AGG_MEAN);
	wl_metric(ctx, "extfrag_events", events, "events", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "extfrag_steal_events", stolen, "events", METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "nonmovable_pageblocks_delta",
		  blocks0 >= 0 && blocks1 >= 0 ? (double)(blocks1 - blocks0) : NAN, "pageblocks",
		  METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "primed_mib", (double)rep.primed_bytes / (1 << 20), "MiB", METRIC_NONE,
		  AGG_MEAN);
	wl_metric(ctx, "movable_mib", (double)rep.movable_bytes / (1 << 20), "MiB",
		  METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "unmovable_mib", (double)rep.unmovable_bytes / (1 << 20), "MiB",
		  METRIC_NONE, AGG_MEAN);
	wl_metric(ctx, "freed_mib", (double)rep.freed_bytes / (1 << 20), "MiB",
		  METRIC_NONE, AGG_MEAN);
out_stop:
	frag_stop(frag_wl_running);
	frag_wl_running = NULL;
out_close:
	tp_counter_close(ef);
	tp_counter_close(steals);
	return ret;
}

static void frag_teardown(struct wl_ctx *ctx, void *opts)
{
	(void)ctx;
	(void)opts;
	frag_stop(frag_wl_running);
	frag_wl_running = NULL;
}

const struct workload wl_frag = {
	.name = "frag",
	.summary = "fragment physical memory: unmovable allocations between freed movable chunks",
	.flags = WL_NEEDS_ROOT,
	.opts = frag_wl_specs,
	.priv_size = sizeof(struct frag_wl_opts),
	.supported = frag_supported,
	.estimate = frag_estimate,
	.run = frag_run,
	.teardown = frag_teardown,
};

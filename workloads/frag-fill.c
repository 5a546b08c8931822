/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fragmenter's child process (frag-fill.h): the fill that leaves free
 * memory scattered between unmovable pages, then either holding still or
 * churning until killed.
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
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/mem.h"
#include "lib/mmab.h"
#include "lib/rand.h"
#include "workloads/freemem.h"
#include "workloads/frag-fill.h"

#define FILE_BYTES (64UL << 20)		/* page cache file size: chunks are ranges */
#define PIPE_BYTES (1UL << 20)		/* pipe buffer capacity asked for */
#define SLAB_FILE_BYTES 1024UL		/* dentry + inode of one empty file, roughly */
#define PT_REGION_SLOTS 1024UL		/* 2 GiB of address space per page-table region */

/* Does the pattern free chunk I?  (the random pattern draws from RS) */
static bool pattern_frees(const struct frag_opts *o, uint64_t i, uint64_t *rs)
{
	uint64_t keep_every;

	switch (o->pattern) {
	case FRAG_RANDOM:
		return rand_unit(rs) * 100.0 < o->free_pct;
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
	char page[MEM_PAGE];
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

		for (uint64_t off = 0; off < f->chunk; off += MEM_PAGE)
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
	if (f->cur_pipe < 0 || f->pipe_left < MEM_PAGE) {
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
		f->pipe_left = sz > 0 ? (size_t)sz : MEM_PAGE;
		f->rep.pipes++;
	}
	if (write(f->cur_pipe, f->page, MEM_PAGE) != (ssize_t)MEM_PAGE) {
		/* full early (pipe-user-pages limit when not root): the next call opens another */
		f->pipe_left = 0;
		return errno == EAGAIN ? 0 : -errno;
	}
	f->pipe_left -= MEM_PAGE;
	f->rep.unmovable_bytes += MEM_PAGE;
	return 0;
}

/* one page-table page: touch one byte in a fresh 2 MiB slot */
static int unmovable_pt(struct fill *f)
{
	if (!f->npt || f->pt_slot == PT_REGION_SLOTS) {
		char *r = mmap(NULL, PT_REGION_SLOTS * MEM_HPAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (r == MAP_FAILED)
			return -errno;
		/* a huge page here would defeat the point: one PTE page per slot */
		madvise(r, PT_REGION_SLOTS * MEM_HPAGE, MADV_NOHUGEPAGE);
		f->pt = xrealloc(f->pt, (f->npt + 1) * sizeof(*f->pt));
		f->pt[f->npt++] = r;
		f->pt_slot = 0;
	}
	((volatile char *)f->pt[f->npt - 1])[f->pt_slot++ * MEM_HPAGE] = 1;
	f->rep.pt_pages++;
	f->rep.unmovable_bytes += MEM_PAGE;
	f->rep.movable_bytes += MEM_PAGE;	/* the data page touched */
	return 0;
}

/* about one page of dentries and inodes: a few empty files */
static int unmovable_slab(struct fill *f)
{
	for (unsigned i = 0; i < MEM_PAGE / SLAB_FILE_BYTES; i++) {
		char *path = xasprintf("%s/s%" PRIu64, f->dir, f->slab_files);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		free(path);
		if (fd < 0)
			return -errno;
		close(fd);
		f->slab_files++;
	}
	f->rep.files = f->slab_files;
	f->rep.unmovable_bytes += MEM_PAGE;
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
		uint64_t j = rand_next(rs) % i, t = perm[i - 1];

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
	struct buddy_sum bs;

	if (freemem_buddy_read(&bs))
		return 0;
	return freemem_blocks(&bs, 9) << 9;
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
/* Step 1: movable chunks up to the budget (until full), the page cache shuffled. */
static int fill_movable(struct fill *f, uint64_t *rs, uint64_t size)
{
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
	/*
	 * Written back before anything has to reclaim it: clean page cache
	 * goes in LRU order (which shuffle_cache seeds), dirty page cache
	 * only once writeback reached it, and when that happens depends on
	 * the disk and the flusher threads, not on the seed.  A machine up
	 * for weeks has little dirty data, too.
	 */
	for (size_t k = 0; k < f->nfiles; k++)
		if (fdatasync(f->files[k]) < 0)
			return -errno;
	shuffle_cache(f, rs);
	return 0;
}

/* Step 2: what the kernel can place without mixing (when filling up). */
static int fill_prime(struct fill *f, uint64_t size)
{
	long long other, unused;
	uint64_t prime;
	int ret;

	if (!f->until_full)
		return 0;
	freemem_nonmovable(&other, &unused);
	prime = (other > 0 ? (uint64_t)other : 0) + whole_block_pages();
	if (prime > size / 2 / MEM_PAGE)
		prime = size / 2 / MEM_PAGE;
	for (uint64_t n = 0; n < prime; n++) {
		ret = unmovable_pipe(f);
		if (ret)
			return ret;
	}
	f->rep.primed_bytes = f->rep.unmovable_bytes;
	return 0;
}

/* Step 5: the rest of the pattern, and a pattern of the small files. */
static void fill_free_rest(struct fill *f, uint64_t *rs)
{
	for (uint64_t i = 0; i < f->nchunks; i++)
		if (f->freed[i] == 2)
			free_chunk_once(f, i);
	/* deleting a pattern of the small files leaves their slab pages part-used */
	for (uint64_t i = 0; i < f->slab_files; i++)
		if (pattern_frees(f->o, i, rs)) {
			char *path = xasprintf("%s/s%" PRIu64, f->dir, i);

			unlink(path);
			free(path);
		}
}

static int fill_run(struct fill *f, uint64_t *rs, uint64_t size, uint64_t unmovable_pages)
{
	uint64_t ndoomed = 0, seed_every, k = 0;
	int ret;

	ret = fill_movable(f, rs, size);
	if (!ret)
		ret = fill_prime(f, size);
	if (ret)
		return ret;
	/* steps 3 and 4 */
	for (uint64_t i = 0; i < f->nchunks; i++)
		if (pattern_frees(f->o, i, rs)) {
			f->freed[i] = 2;	/* to be freed */
			ndoomed++;
		}
	seed_every = unmovable_pages ? ndoomed * f->chunk / (unmovable_pages * MEM_PAGE) : 0;
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
	fill_free_rest(f, rs);
	return 0;
}

/* The fill's state for SIZE bytes of O under DIR; NULL when the address space is refused. */
static struct fill *fill_new(const struct frag_opts *o, const char *dir, uint64_t size,
			     bool until_full)
{
	struct fill *f = xcalloc(1, sizeof(*f));

	memset(f->page, 0x5a, sizeof(f->page));
	f->o = o;
	f->dir = dir;
	f->cur_pipe = -1;
	f->chunk = opt_size_bytes(&o->chunk, size);
	f->chunk = (f->chunk + MEM_PAGE - 1) & ~(MEM_PAGE - 1);
	if (!f->chunk)
		f->chunk = MEM_PAGE;
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
	if (f->anon == MAP_FAILED)
		return NULL;
	/* base pages, as the page cache chunks: holes of chunk size, not 2 MiB */
	madvise(f->anon, (f->nmax / 2 + 2) * f->chunk, MADV_NOHUGEPAGE);
	return f;
}

/* Background: flip random chunks between held and freed until killed. */
static void __attribute__((noreturn)) churn_forever(struct fill *f, uint64_t *rs)
{
	for (;;) {
		uint64_t i = rand_next(rs) % f->nchunks;

		if (f->freed[i]) {
			if (chunk_alloc(f, i) == 0)
				f->freed[i] = 0;
		} else {
			chunk_free(f, i);
			f->freed[i] = 1;
		}
	}
}

void frag_fill_child(int fd, pid_t parent, const struct frag_fill_args *a)
{
	struct frag_msg msg = { 0 };
	struct rlimit rl;
	struct fill *f;
	uint64_t rs = a->seed;
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
	f = fill_new(a->opts, a->dir, a->size, a->until_full);
	if (!f)
		msg.err = -errno;
	else
		msg.err = fill_run(f, &rs, a->size,
				   (uint64_t)(a->size * a->opts->unmovable_pct / 100.0) / MEM_PAGE);
	if (f)
		msg.rep = f->rep;
	msg.rep.fill_seconds = mmab_now() - t0;
	if (!msg.err)
		msg.rep.quiet_seconds = mem_wait_quiet(FRAG_QUIET_S, FRAG_QUIET_MAX_S, NULL,
						       &msg.rep.quiet);
	/* the parent reads it whole or sees the pipe close: nothing to add here */
	(void)mmab_write_full(fd, &msg, sizeof(msg));
	close(fd);
	if (msg.err)
		_exit(1);
	if (!a->churn)
		for (;;)
			pause();
	churn_forever(f, &rs);
}

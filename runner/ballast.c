/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ballast: a holder process that takes memory out of play so a workload
 * meets global reclaim and compaction at a small effective size.  It mlocks
 * anonymous memory (unevictable: reclaim cannot take it) with
 * vm.compact_unevictable_allowed=0 (compaction cannot move it), asks for
 * oom_score_adj -1000 (refused without CAP_SYS_RESOURCE: the runner then
 * relies on the workload's own +1000, see runner/step.c) and
 * dies with its parent (PR_SET_PDEATHSIG), so a crashed runner never leaves
 * 20 GiB locked.  Memory is locked in chunks, re-reading MemAvailable before
 * each one, so the ballast stops where EFFECTIVE bytes are left available
 * even when page cache had to be reclaimed on the way or something else
 * grew meanwhile.  Readiness (or the error) comes back through a socket,
 * which then stays open: ballast_adjust() asks the holder to follow
 * MemAvailable again, a fraction of a second where a new ballast costs
 * seconds, with the same physical pages kept out of play.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/journal.h"
#include "lib/knob.h"
#include "lib/mem.h"
#include "lib/mmab.h"
#include "runner/ballast.h"
#include "runner/hotplug.h"

#define BALLAST_CHUNK (1ULL << 30)
/* After the first pass: follow MemAvailable until it holds still. */
#define BALLAST_SETTLE_STEP_MS 100
#define BALLAST_STABLE_READS 3
#define BALLAST_CONVERGE_MS 6000
#define BALLAST_MAX_THREADS 16
#define BALLAST_ALIGN (2ULL << 20)
/* Locking 20 GiB takes seconds; a holder silent for this long is stuck. */
#define BALLAST_TIMEOUT_MS (600 * 1000)
/* What the runner writes to the holder's socket: follow MemAvailable again. */
#define BALLAST_CMD_ADJUST 'a'

struct ballast {
	pid_t pid;
	int fd;			/* the socket to the holder */
	uint64_t bytes;		/* locked by the holder */
	double seconds;		/* taking memory offline and locking */
	bool oom_protected;
	bool dead;
	struct hotplug *hp;	/* the memory blocks taken offline; NULL: none */
};

/*
 * In the holder process only: the blocks the runner took offline, which
 * the holder brings back if the runner dies without doing it (kill -9).
 * A signal handler's data, hence file-level.
 */
static const struct hotplug *holder_blocks;

/* What the holder writes back once it is done locking or adjusting (or has failed). */
struct ballast_msg {
	int err;		/* 0 or -errno */
	uint64_t bytes;
	double seconds;
	int oom_protected;	/* oom_score_adj -1000 took */
};

struct populate_slice {
	pthread_t tid;
	char *p;
	size_t len;
	int err;
};

static void *populate_fn(void *arg)
{
	struct populate_slice *s = arg;

	if (madvise(s->p, s->len, MADV_POPULATE_WRITE) < 0)
		s->err = -errno;
	return NULL;
}

/*
 * Fault LEN bytes at P in on every CPU at once: zeroing pages (and, in a
 * VM, the host faulting them back in) is the whole cost of the ballast, and
 * one thread does a third of what two do here.  mlock() afterwards only
 * marks the pages.  Failure is harmless: mlock() populates on its own.
 */
static void populate(char *p, size_t len)
{
	struct populate_slice sl[BALLAST_MAX_THREADS];
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	size_t per;
	int started = 0;

	if (n < 1)
		n = 1;
	if (n > BALLAST_MAX_THREADS)
		n = BALLAST_MAX_THREADS;
	per = (len / (size_t)n + BALLAST_ALIGN - 1) & ~(BALLAST_ALIGN - 1);
	for (long i = 0; i < n && (size_t)i * per < len; i++) {
		sl[i].p = p + (size_t)i * per;
		sl[i].len = len - (size_t)i * per < per ? len - (size_t)i * per : per;
		sl[i].err = 0;
		if (i > 0 && pthread_create(&sl[i].tid, NULL, populate_fn, &sl[i]))
			break;
		started++;
	}
	populate_fn(&sl[0]);
	for (int i = 1; i < started; i++)
		pthread_join(sl[i].tid, NULL);
}

/*
 * Give back LEN locked bytes at P but keep the address range reserved:
 * converge() may lock there again (after a munmap, that mlock failed with
 * ENOMEM, which made the whole ballast fail now and then).
 */
static void release(char *p, uint64_t len)
{
	munlock(p, len);
	madvise(p, len, MADV_DONTNEED);
}

/* How far MemAvailable may sit from the effective size once converged. */
static uint64_t ballast_slack(uint64_t effective)
{
	uint64_t slack = effective / 128;

	return slack < (8ULL << 20) ? 8ULL << 20 : slack;
}

/*
 * Lock LEN more bytes at the end of what is held.  0 or -errno.
 */
static int grow(char *base, uint64_t *held, uint64_t len)
{
	populate(base + *held, len);
	if (mlock(base + *held, len) < 0)
		return -errno;
	*held += len;
	return 0;
}

/*
 * MemAvailable read while locking can be low for a while: in a VM with free
 * page reporting (page_reporting_order on the kernel command line), the
 * kernel takes free blocks off the free lists to report them to the host
 * for some seconds after a large free, and a first pass sized on such a
 * reading leaves the workload hundreds of MiB more than asked.  (What the
 * per-CPU lists hold, MemAvailable leaves out: every reading here adds it,
 * mem_usable_bytes().)  So
 * after the first pass the holder follows MemAvailable: it locks more while
 * more than the slack stays available above EFFECTIVE, gives back its last
 * locked bytes while less does, and is done after BALLAST_STABLE_READS
 * readings in a row within the slack (or after BALLAST_CONVERGE_MS).
 */
static int converge(char *base, uint64_t *held, uint64_t room, uint64_t effective)
{
	uint64_t slack = ballast_slack(effective);
	double deadline = mmab_now() + BALLAST_CONVERGE_MS / 1000.0;
	int stable = 0, ret;

	while (stable < BALLAST_STABLE_READS && mmab_now() < deadline) {
		uint64_t avail, len;

		usleep(BALLAST_SETTLE_STEP_MS * 1000);
		avail = mem_usable_bytes();
		if (avail > effective + slack && *held < room) {
			len = (avail - effective) & ~(BALLAST_ALIGN - 1);
			if (len > room - *held)
				len = room - *held;
			if (len > BALLAST_CHUNK)
				len = BALLAST_CHUNK;
			if (len) {
				ret = grow(base, held, len);
				if (ret)
					return ret;
			}
			stable = 0;
		} else if (avail + slack < effective && *held) {
			len = (effective - avail + BALLAST_ALIGN - 1) & ~(BALLAST_ALIGN - 1);
			if (len > *held)
				len = *held;
			release(base + *held - len, len);
			*held -= len;
			stable = 0;
		} else {
			stable++;
		}
	}
	return 0;
}

/* The runner died (PR_SET_PDEATHSIG): bring its offline memory back, then go. */
static void holder_on_orphan(int sig)
{
	(void)sig;
	hotplug_release_now(holder_blocks);
	_exit(0);
}

/*
 * The holder's start: dies with PARENT, holds none of the runner's
 * descriptors but its socket (moved to 3, returned), may lock without
 * limit, and asks to be spared by the OOM killer (*OOM_PROTECTED: granted).
 */
static int holder_init(int fd, pid_t parent, int *oom_protected)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	struct sigaction sa = { .sa_handler = holder_on_orphan };
	int null;

	sigfillset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, holder_blocks ? SIGTERM : SIGKILL);
	if (getppid() != parent)
		_exit(1);
	prctl(PR_SET_NAME, "mmab-ballast");
	/* hold no descriptor of the runner's (pipes, CSVs) open past its use */
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		close(null);
	}
	if (fd != 3) {
		dup2(fd, 3);
		fd = 3;
	}
	close_range(4, ~0U, 0);
	/*
	 * Lowering it takes CAP_SYS_RESOURCE, which root in a container or VM
	 * sandbox may lack: then the OOM killer picks the ballast first, the
	 * biggest process there is; the runner is told.
	 */
	*oom_protected = mmab_write_file("/proc/self/oom_score_adj", "-1000") == 0;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0 && getrlimit(RLIMIT_MEMLOCK, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &rl);
	}
	return fd;
}

/* The first pass: lock up to TARGET bytes, a chunk at a time, while more than EFFECTIVE stays available. */
static int holder_first_pass(char *base, uint64_t *held, uint64_t target, uint64_t effective)
{
	while (*held < target) {
		uint64_t len = target - *held, avail = mem_usable_bytes();
		int ret;

		if (len > BALLAST_CHUNK)
			len = BALLAST_CHUNK;
		if (avail < effective + BALLAST_ALIGN)
			break;
		if (avail - effective < len)
			len = (avail - effective) & ~(BALLAST_ALIGN - 1);
		if (!len)
			break;
		ret = grow(base, held, len);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Hold until killed (the parent's death kills us too), adjusting when
 * asked.  A failed adjustment is reported and the parent makes a new
 * ballast; what is held stays held until then.
 */
static void __attribute__((noreturn)) holder_serve(int fd, struct ballast_msg *msg, char *base,
						   uint64_t room, uint64_t effective)
{
	for (;;) {
		double t0;
		char cmd;
		ssize_t n = read(fd, &cmd, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (cmd != BALLAST_CMD_ADJUST)
			continue;
		t0 = mmab_now();
		msg->err = converge(base, &msg->bytes, room, effective);
		msg->seconds = mmab_now() - t0;
		if (mmab_write_full(fd, msg, sizeof(*msg)))
			break;
	}
	close(fd);
	for (;;)
		pause();
}

/* The holder: lock up to TARGET bytes while more than EFFECTIVE stays available. */
static void __attribute__((noreturn)) holder(int fd, pid_t parent, uint64_t target,
					     uint64_t effective)
{
	struct ballast_msg msg = { 0 };
	double t0 = mmab_now();
	uint64_t room;
	char *base;

	fd = holder_init(fd, parent, &msg.oom_protected);
	/* address space for what converge() may add: reserved, not committed */
	room = target + (target >> 2) + BALLAST_CHUNK;
	base = mmap(NULL, room, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		msg.err = -errno;
	} else {
		/* whole pageblocks where possible: faster, and leaves no partial blocks behind */
		madvise(base, room, MADV_HUGEPAGE);
		msg.err = holder_first_pass(base, &msg.bytes, target, effective);
		if (!msg.err && msg.bytes)
			msg.err = converge(base, &msg.bytes, room, effective);
	}
	if (msg.err)
		msg.bytes = 0;
	msg.seconds = mmab_now() - t0;
	/* the parent reads it whole or sees the socket close: nothing to add here */
	(void)mmab_write_full(fd, &msg, sizeof(msg));
	if (msg.err)
		_exit(1);
	holder_serve(fd, &msg, base, room, effective);
}

/* compaction must not migrate the ballast back into the workload's way */
static int protect_ballast(struct journal *j)
{
	char cur[32];

	if (knob_read("/proc/sys/vm/compact_unevictable_allowed", cur, sizeof(cur)) ||
	    !strcmp(cur, "0"))
		return 0;
	return j ? journal_set_knob(j, "/proc/sys/vm/compact_unevictable_allowed", "0") : -EINVAL;
}

/* Take memory offline where METHOD allows it and the machine can.  0 or -errno. */
static int take_offline(struct ballast *b, uint64_t effective, struct journal *j,
			enum ballast_method method)
{
	char why[256];
	int ret;

	if (method == BALLAST_MLOCK)
		return 0;
	ret = hotplug_supported(why, sizeof(why));
	if (ret) {
		if (method == BALLAST_HOTPLUG)
			mmab_err("cannot take memory offline for the effective size: %s", why);
		return method == BALLAST_HOTPLUG ? -EOPNOTSUPP : 0;
	}
	return hotplug_take(&b->hp, effective, j);
}

/* Fork the holder to lock TARGET bytes (0: only stand guard over B->hp).  0 or -errno. */
static int start_holder(struct ballast *b, uint64_t target, uint64_t effective)
{
	struct ballast_msg msg;
	int fds[2], ret;
	pid_t pid;

	holder_blocks = b->hp;		/* the child's copy is the one that matters */
	pid = mmab_fork_channel(fds, true);
	holder_blocks = NULL;
	if (pid < 0)
		return (int)pid;
	if (pid == 0) {
		holder_blocks = b->hp;
		holder(fds[1], getppid(), target, effective);
	}
	ret = mmab_read_reply(fds[0], &msg, sizeof(msg), BALLAST_TIMEOUT_MS, NULL);
	if (!ret)
		ret = msg.err;
	if (ret || (!msg.bytes && !b->hp)) {
		/* !msg.bytes: between sizing and locking, MemAvailable fell below EFFECTIVE */
		close(fds[0]);
		mmab_kill_reap(pid);
		return ret;
	}
	b->pid = pid;
	b->fd = fds[0];
	b->bytes = msg.bytes;
	b->seconds += msg.seconds;
	b->oom_protected = msg.oom_protected;
	return 0;
}

int ballast_start(struct ballast **bp, uint64_t effective, struct journal *j,
		  enum ballast_method method)
{
	struct ballast *b;
	uint64_t avail;
	int ret;

	*bp = NULL;
	if (mem_usable_bytes() <= effective + BALLAST_ALIGN)
		return 0;
	ret = protect_ballast(j);
	if (ret)
		return ret;
	b = xcalloc(1, sizeof(*b));
	b->fd = -1;
	ret = take_offline(b, effective, j, method);
	b->seconds = b->hp ? b->hp->seconds : 0;
	avail = mem_usable_bytes();
	if (!ret)
		ret = start_holder(b, avail > effective + BALLAST_ALIGN ?
				   (avail - effective) & ~(BALLAST_ALIGN - 1) : 0, effective);
	if (ret || !b->pid) {
		ballast_stop(b);
		return ret;
	}
	*bp = b;
	return 0;
}

int ballast_adjust(struct ballast *b, double *seconds)
{
	struct ballast_msg msg;
	char cmd = BALLAST_CMD_ADJUST;
	int ret;

	*seconds = 0;
	if (!b)
		return 0;
	if (!ballast_alive(b))
		return -ECHILD;
	/* no SIGPIPE for the runner should the holder die meanwhile */
	ret = send(b->fd, &cmd, 1, MSG_NOSIGNAL) == 1 ? 0 : -errno;
	if (!ret)
		ret = mmab_read_reply(b->fd, &msg, sizeof(msg), BALLAST_TIMEOUT_MS, NULL);
	if (!ret)
		ret = msg.err;
	if (ret)
		return ret;
	b->bytes = msg.bytes;
	*seconds = msg.seconds;
	return 0;
}

bool ballast_oom_protected(const struct ballast *b)
{
	return !b || b->oom_protected;
}

bool ballast_alive(struct ballast *b)
{
	int status;

	if (!b)
		return true;
	if (!b->dead && waitpid(b->pid, &status, WNOHANG) == b->pid)
		b->dead = true;
	return !b->dead;
}

uint64_t ballast_bytes(const struct ballast *b)
{
	return b ? b->bytes : 0;
}

double ballast_seconds(const struct ballast *b)
{
	return b ? b->seconds : 0;
}

void ballast_stop(struct ballast *b)
{
	if (!b)
		return;
	if (!b->dead)
		mmab_kill_reap(b->pid);
	if (b->fd >= 0)
		close(b->fd);
	hotplug_release(b->hp, NULL);
	free(b);
}

const char *ballast_method_name(const struct ballast *b)
{
	return b ? (b->hp ? "hotplug" : "mlock") : NULL;
}

uint64_t ballast_offline_bytes(const struct ballast *b)
{
	return b ? hotplug_bytes(b->hp) : 0;
}

unsigned ballast_offline_refused(const struct ballast *b)
{
	return b && b->hp ? b->hp->refused : 0;
}

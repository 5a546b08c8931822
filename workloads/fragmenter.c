/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Starting and stopping a fragmenter (API in fragmenter.h): the frag
 * fragmenter's child (workloads/frag-fill.c) or fio writing small files.
 * Either is a process of its own that dies with the workload.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/mmab.h"
#include "workloads/frag-fill.h"
#include "workloads/fragmenter.h"
#include "workloads/workload.h"

#define READY_TIMEOUT_MS (900 * 1000)

const char *const frag_pattern_names[] = { "alternate", "random", "stride", NULL };
const char *const frag_source_names[] = { "none", "frag", "fio", NULL };
const char *const frag_background_names[] = { "off", "keep", NULL };

struct fragmenter {
	pid_t pid;
	char *dir;
};

/* what the kernel does in the background on fragmented memory, by itself */
static const char *const bg_knobs[] = {
	"/proc/sys/vm/compaction_proactiveness",	/* 5.9 on */
	"/proc/sys/vm/watermark_boost_factor",		/* 5.0 on */
};

/*
 * Background compaction off for the iteration (MODE, enum frag_background),
 * journaled: the runner's rollback after the step puts it back.  A kernel
 * without a knob has nothing of that kind to stop.  0 or -errno.
 */
static int bg_off(struct wl_ctx *ctx, int mode)
{
	if (mode == FRAG_BG_KEEP)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(bg_knobs); i++) {
		int ret;

		if (access(bg_knobs[i], W_OK))
			continue;
		ret = wl_knob_set(ctx, bg_knobs[i], "0");
		if (ret) {
			mmab_err("cannot set '%s' to 0: %s", bg_knobs[i], strerror(-ret));
			return ret;
		}
	}
	return 0;
}

bool frag_background_knob(const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(bg_knobs); i++)
		if (!strcmp(path, bg_knobs[i]))
			return true;
	return false;
}

const char *frag_background_off(const struct opt_spec *spec, const void *opts)
{
	for (const struct opt_spec *o = spec; o && o->name; o++)
		if (o->choices == frag_background_names &&
		    *(const int *)((const char *)opts + o->offset) == FRAG_BG_OFF)
			return o->name;
	return NULL;
}

/* DIR/NAME made (or there already): malloc'd in *SUB.  0 or -errno. */
static int make_subdir(const char *dir, const char *name, char **sub)
{
	int ret = 0;

	*sub = xasprintf("%s/%s", dir, name);
	if (mkdir(*sub, 0700) < 0 && errno != EEXIST) {
		ret = -errno;
		free(*sub);
		*sub = NULL;
	}
	return ret;
}

int frag_start(struct fragmenter **fp, struct wl_ctx *ctx, const struct frag_opts *opts,
	       bool churn, struct frag_report *rep)
{
	struct frag_fill_args a = {
		.opts = opts, .size = opt_size_bytes(&opts->size, ctx->mem_bytes),
		.seed = opts->seed ? (uint64_t)opts->seed : ctx->seed, .churn = churn,
	};
	struct frag_msg msg;
	struct fragmenter *f;
	int fds[2], ret;
	char *sub;
	pid_t pid;

	*fp = NULL;
	a.until_full = a.size >= ctx->mem_bytes;
	ret = make_subdir(ctx->scratch_dir, "frag", &sub);
	if (ret)
		return ret;
	a.dir = sub;
	ret = bg_off(ctx, opts->background);
	if (ret) {
		free(sub);
		return ret;
	}
	pid = mmab_fork_channel(fds, false);
	if (pid < 0) {
		free(sub);
		return (int)pid;
	}
	if (pid == 0)
		frag_fill_child(fds[1], getppid(), &a);
	ret = mmab_read_reply(fds[0], &msg, sizeof(msg), READY_TIMEOUT_MS, ctx->stop);
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

/* Wait until fio has laid out (nearly) all of its BYTES in F->dir.  0 or -errno. */
static int fio_wait_ready(struct fragmenter *f, uint64_t bytes, volatile int *stop)
{
	double t0 = mmab_now();
	int status;

	for (;;) {
		if (waitpid(f->pid, &status, WNOHANG) == f->pid) {
			f->pid = 0;
			return -ECHILD;
		}
		if (dir_bytes(f->dir) >= bytes * 9 / 10)
			return 0;
		if (stop && *stop)
			return -EINTR;
		if (mmab_now() - t0 > READY_TIMEOUT_MS / 1000.0)
			return -ETIMEDOUT;
		usleep(100 * 1000);
	}
}

int frag_fio_start(struct fragmenter **fp, struct wl_ctx *ctx, uint64_t size,
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
	char *sub, *log;
	pid_t pid;
	int ret;

	*fp = NULL;
	if (nrfiles < 1)
		nrfiles = 1;
	ret = make_subdir(ctx->scratch_dir, "fio-frag", &sub);
	if (ret)
		return ret;
	snprintf(a_dir, sizeof(a_dir), "--directory=%s", sub);
	snprintf(a_nrfiles, sizeof(a_nrfiles), "--nrfiles=%" PRIu64, nrfiles);
	snprintf(a_filesize, sizeof(a_filesize), "--filesize=%" PRIu64, filesize);
	snprintf(a_size, sizeof(a_size), "--size=%" PRIu64, nrfiles * filesize);
	log = xasprintf("%s/fio-frag.log", ctx->iter_dir);
	/* execvp's argv is char *const[] for historical reasons; it never writes */
	pid = mmab_spawn((char *const *)argv, "/dev/null", log);
	free(log);
	if (pid < 0) {
		free(sub);
		return (int)pid;
	}
	f = xcalloc(1, sizeof(*f));
	f->pid = pid;
	f->dir = sub;
	ret = fio_wait_ready(f, nrfiles * filesize, ctx->stop);
	if (ret) {
		frag_stop(f);
		return ret;
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

int frag_source_start(struct fragmenter **fp, struct wl_ctx *ctx, int source,
		      const struct frag_opts *opts, bool churn, struct frag_report *rep)
{
	int ret = 0;

	*fp = NULL;
	memset(rep, 0, sizeof(*rep));
	if (source == FRAG_SRC_FRAG)
		ret = frag_start(fp, ctx, opts, churn, rep);
	else if (!(ret = bg_off(ctx, opts->background)) && source == FRAG_SRC_FIO)
		ret = frag_fio_start(fp, ctx, opt_size_bytes(&opts->size, ctx->mem_bytes), rep);
	if (ret)
		mmab_err("fragmenter (%s) failed: %s", frag_source_names[source], strerror(-ret));
	return ret;
}

void frag_stop(struct fragmenter *f)
{
	if (!f)
		return;
	mmab_kill_reap(f->pid);
	if (f->dir)
		mmab_rm_rf(f->dir);
	free(f->dir);
	free(f);
}

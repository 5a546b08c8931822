/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hardware watchdog while a kernel under test runs its iterations: a
 * kernel that hangs without panicking stops every process, the pings stop
 * and the watchdog resets the machine into its stock kernel, where the
 * resumed run records the boot as failed.  A pinger process holds the
 * device, memory locked and at real-time priority so that memory pressure
 * (the workloads' whole point) cannot starve it into a false reset.  It
 * stops the watchdog with the magic close when mmab asks or when mmab
 * itself goes away: only a hung kernel lets it fire.  (Drivers stop their
 * watchdog on kexec, so it never spans the next kernel's early boot.)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boot/kexec.h"
#include "lib/mmab.h"

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* Report RET and the timeout to the parent over FD. */
static void report(int fd, int ret, int timeout)
{
	int msg[2] = { ret, timeout };

	if (write(fd, msg, sizeof(msg)) != (ssize_t)sizeof(msg))
		_exit(1);
	close(fd);
}

/*
 * The pinger: open DEV, set the timeout, tell the parent, then ping every
 * quarter of it until told to stop or orphaned.  Never returns.
 */
static void pinger(const char *dev, int timeout_s, int fd, pid_t parent)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct sched_param sp = { .sched_priority = 1 };
	int wd, t = timeout_s;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	/* nothing of mmab's (the journal's lock above all) stays open here */
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0U, 0);
	wd = open(dev, O_WRONLY | O_CLOEXEC);
	if (wd < 0) {
		report(fd, -errno, 0);
		_exit(1);
	}
	if (ioctl(wd, WDIOC_SETTIMEOUT, &t) && ioctl(wd, WDIOC_GETTIMEOUT, &t))
		t = timeout_s;
	ioctl(wd, WDIOC_KEEPALIVE, 0);
	report(fd, 0, t);
	mlockall(MCL_CURRENT | MCL_FUTURE);
	sched_setscheduler(0, SCHED_FIFO, &sp);
	while (!stop && getppid() == parent) {
		struct timespec ts = { .tv_sec = t / 4 > 0 ? t / 4 : 1 };

		if (ioctl(wd, WDIOC_KEEPALIVE, 0) && write(wd, "\0", 1) < 0)
			break;
		nanosleep(&ts, NULL);
	}
	/* the magic close: the watchdog stops instead of firing */
	if (write(wd, "V", 1) < 0)
		_exit(1);
	close(wd);
	_exit(0);
}

pid_t watchdog_arm(const char *dev, int timeout_s, int *got)
{
	pid_t parent = getpid(), pid;
	int p[2], msg[2] = { -EIO, 0 };
	ssize_t n;

	if (access(dev, F_OK))
		return -ENOENT;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[0]);
		pinger(dev, timeout_s, p[1], parent);
	}
	close(p[1]);
	do {
		n = read(p[0], msg, sizeof(msg));
	} while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n != (ssize_t)sizeof(msg) || msg[0]) {
		waitpid(pid, NULL, 0);
		return n == (ssize_t)sizeof(msg) ? msg[0] : -EIO;
	}
	if (got)
		*got = msg[1];
	return pid;
}

int watchdog_disarm(pid_t pid)
{
	int st;

	if (pid <= 0)
		return 0;
	if (kill(pid, SIGTERM))
		return -errno;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -EIO;
}

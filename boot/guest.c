/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside a booted kernel (boot/guest.h): the virtio port found by its name
 * under /sys/class/virtio-ports (its device number depends on the order
 * qemu's devices were probed in), one write per message, the heartbeat
 * thread, the exit through I/O port 0xf4.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#include "boot/channel.h"
#include "boot/guest.h"

int guest_channel_open(void)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *e;
	int fd = -ENOENT;

	while (d && fd == -ENOENT && (e = readdir(d))) {
		char *path = xasprintf("/sys/class/virtio-ports/%s/name", e->d_name), *name = NULL;

		if (e->d_name[0] != '.' && !mmab_read_file(path, &name, NULL) &&
		    !strncmp(name, CHANNEL_PORT_NAME "\n", strlen(CHANNEL_PORT_NAME) + 1)) {
			char *dev = xasprintf("/dev/%s", e->d_name);

			/* read for the host's bye; a port that cannot be read still carries the rest */
			fd = open(dev, O_RDWR | O_CLOEXEC);
			if (fd < 0)
				fd = open(dev, O_WRONLY | O_CLOEXEC);
			if (fd < 0)
				fd = -errno;
			free(dev);
		}
		free(name);
		free(path);
	}
	if (d)
		closedir(d);
	return fd;
}

int guest_send(int fd, const char *fmt, ...)
{
	char line[CHANNEL_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) - 1)
		return -EMSGSIZE;
	line[n++] = '\n';
	return mmab_write_full(fd, line, (size_t)n);
}

static void *heartbeat(void *arg)
{
	int fd = (int)(long)arg;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		guest_send(fd, "hb");
		next.tv_sec++;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	return NULL;
}

int guest_heartbeat_start(int fd)
{
	pthread_t t;
	int ret = pthread_create(&t, NULL, heartbeat, (void *)(long)fd);

	if (!ret)
		pthread_detach(t);
	return -ret;
}

int guest_await_bye(int fd, double timeout_s)
{
	double end = mmab_now() + timeout_s;
	char buf[64];

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int left = (int)((end - mmab_now()) * 1000), n;
		ssize_t r;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -ETIMEDOUT;
		r = read(fd, buf, sizeof(buf) - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r ? -errno : -EPIPE;
		buf[r] = '\0';
		if (strstr(buf, "bye"))
			return 0;
	}
}

bool guest_cmdline_opt(const char *key, char *buf, size_t len)
{
	char *text = NULL, *save = NULL;
	size_t klen = strlen(key);
	bool found = false;

	if (mmab_read_file("/proc/cmdline", &text, NULL))
		return false;
	for (char *t = strtok_r(text, " \n", &save); t && !found; t = strtok_r(NULL, " \n", &save))
		if (!strncmp(t, key, klen) && t[klen] == '=') {
			snprintf(buf, len, "%s", t + klen + 1);
			found = true;
		}
	free(text);
	return found;
}

int guest_channel_fd(void)
{
	const char *v = getenv(GUEST_CHANNEL_ENV);
	long fd;

	if (!v || mmab_parse_long(v, &fd) || fd < 0 || fd > 65535 || fcntl((int)fd, F_GETFD) < 0)
		return -1;
	return (int)fd;
}

void guest_exit(void)
{
	sync();
	if (!ioperm(GUEST_EXIT_PORT, 4, 1))
		outl(GUEST_EXIT_DONE, GUEST_EXIT_PORT);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

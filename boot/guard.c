/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The temporary-file guardian (boot/guard.h).  Its protocol is one line
 * per change on a pipe: "+PATH" to guard, "-PATH" to forget; paths hold no
 * newline (refused).  EOF means mmab is done or dead: what is listed is
 * removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot/guard.h"
#include "lib/mmab.h"

struct guard {
	int fd;			/* the pipe's write end */
	pid_t pid;
};

/* In the guardian: nothing but the pipe, no signals from mmab's terminal or group. */
static void detach(int keep)
{
	int null = open("/dev/null", O_RDWR);
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	/* another pipe or socket held open here would keep its peer waiting */
	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd > 2 && fd != keep && fd != dirfd(d))
			close(fd);
	}
	if (d)
		closedir(d);
}

/* The guardian's life: keep the list the pipe describes, remove what is left at EOF. */
static void __attribute__((noreturn)) guardian(int fd)
{
	char **paths = NULL, line[PATH_MAX + 2];
	size_t n = 0;
	FILE *in;

	detach(fd);
	in = fdopen(fd, "r");
	while (in && fgets(line, sizeof(line), in)) {
		size_t len = strcspn(line, "\n");

		line[len] = '\0';
		if (line[0] == '+' && line[1] == '/') {
			paths = realloc(paths, (n + 1) * sizeof(*paths));
			if (paths && (paths[n] = strdup(line + 1)))
				n++;
		}
		for (size_t i = 0; line[0] == '-' && paths && i < n; i++) {
			if (!strcmp(paths[i], line + 1)) {
				free(paths[i]);
				paths[i] = paths[--n];
				break;
			}
		}
	}
	/* newest first: a file made inside a guarded directory goes before it */
	while (n-- > 0 && paths)
		mmab_rm_rf(paths[n]);
	_exit(0);
}

struct guard *guard_start(void)
{
	struct guard *g;
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		errno = e;
		return NULL;
	}
	if (pid == 0) {
		close(p[1]);
		guardian(p[0]);
	}
	close(p[0]);
	g = xcalloc(1, sizeof(*g));
	g->fd = p[1];
	g->pid = pid;
	return g;
}

static int tell(struct guard *g, char op, const char *path)
{
	char *msg;
	int ret;

	if (!g)
		return 0;
	if (path[0] != '/' || strchr(path, '\n'))
		return -EINVAL;
	msg = xasprintf("%c%s\n", op, path);
	ret = mmab_write_full(g->fd, msg, strlen(msg));
	free(msg);
	return ret;
}

int guard_add(struct guard *g, const char *path)
{
	return tell(g, '+', path);
}

int guard_forget(struct guard *g, const char *path)
{
	return tell(g, '-', path);
}

int guard_stop(struct guard *g)
{
	int st = 0;

	if (!g)
		return 0;
	close(g->fd);
	while (waitpid(g->pid, &st, 0) < 0 && errno == EINTR)
		;
	free(g);
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -EIO;
}

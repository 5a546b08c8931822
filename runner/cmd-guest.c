/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmab guest: stage 2 of a kernel under test booted by `mmab run
 * --kernel` in qemu, PID 1 after boot/guest-init.sh's switch_root; never
 * run by hand (it refuses unless it is PID 1).  It greets the host over
 * the channel (boot/channel.h) with the kernel's uname and command line,
 * keeps a heartbeat going, runs this boot's share of the plan with the
 * ordinary runner (`mmab run --guest /data/job`) as its child, reaps every
 * orphan meanwhile (PID 1's duty), then syncs, unmounts the data disk,
 * says `done RC` and leaves qemu through isa-debug-exit.  The test faults
 * the host may ask for with mmab.test_fault= on the command line
 * (`panic`, `hang`, `stall`, `exit`) stand in for a kernel that dies,
 * stops, never gets anywhere, or loses its init.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "boot/guest.h"
#include "lib/mmab.h"
#include "runner/cmds.h"

#define GUEST_JOB "/data/job"
#define GUEST_STATE "/data/state"

const char cmd_guest_help[] =
"usage: mmab guest\n"
"\n"
"Stage 2 of a kernel booted by `mmab run --kernel` (PID 1 in the guest):\n"
"runs the boot's share of the plan, then leaves the VM.  Not for use by hand.\n";

static void hello(int fd)
{
	json_t *o = json_object();
	char *cmdline = NULL, *text;
	struct utsname u;

	if (!uname(&u))
		json_object_set_new(o, "uname", json_pack("{s:s, s:s, s:s, s:s, s:s}",
			"sysname", u.sysname, "nodename", u.nodename, "release", u.release,
			"version", u.version, "machine", u.machine));
	if (!mmab_read_file("/proc/cmdline", &cmdline, NULL)) {
		cmdline[strcspn(cmdline, "\n")] = '\0';
		json_object_set_new(o, "cmdline", json_string(cmdline));
	}
	text = json_dumps(o, JSON_COMPACT);
	guest_send(fd, "hello %s", text);
	free(text);
	free(cmdline);
	json_decref(o);
}

/* What mmab.test_fault= asks for, before anything runs. */
static void test_fault(int fd)
{
	char fault[32];

	if (!guest_cmdline_opt("mmab.test_fault", fault, sizeof(fault)))
		return;
	if (!strcmp(fault, "panic"))
		mmab_write_file("/proc/sysrq-trigger", "c");
	else if (!strcmp(fault, "hang"))
		for (;;)
			pause();	/* no heartbeat: the host must call it a hang */
	else if (!strcmp(fault, "exit"))
		exit(3);		/* init dies: the kernel panics */
	else if (!strcmp(fault, "stall") && !guest_heartbeat_start(fd))
		for (;;)
			pause();	/* alive, going nowhere: the host's timeout */
}

/* Start `mmab run --guest JOB` with the channel's fd; its pid or -errno. */
static pid_t start_runner(int fd)
{
	char fdenv[64];
	char *const argv[] = { (char *)"/usr/bin/mmab", (char *)"run", (char *)"--guest",
			       (char *)GUEST_JOB, NULL };
	char *const envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			       (char *)"MMAB_STATE_DIR=" GUEST_STATE, (char *)"HOME=/",
			       (char *)"TERM=dumb", fdenv, NULL };
	struct mmab_spawn sp = { .argv = argv, .envp = envp, .keep_fds = &fd, .nkeep = 1 };

	snprintf(fdenv, sizeof(fdenv), GUEST_CHANNEL_ENV "=%d", fd);
	mmab_mkdir_p(GUEST_STATE, 0755);
	return mmab_spawn_with(&sp);
}

/* Reap every child until RUNNER ends (PID 1 inherits orphans); its exit code. */
static int wait_runner(pid_t runner)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, 0);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			return MMAB_EXIT_FAIL;
		if (pid == runner)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
}

int cmd_guest(int argc, char **argv)
{
	int fd, rc;
	pid_t runner;

	(void)argv;
	if (argc > 1 || getpid() != 1) {
		mmab_err("guest: this is the init of a kernel booted by `mmab run --kernel`");
		return MMAB_EXIT_USAGE;
	}
	fd = guest_channel_open();
	if (fd < 0) {
		mmab_err("guest: no virtio port named mmab.0: %s", strerror(-fd));
		guest_exit();
	}
	hello(fd);
	test_fault(fd);
	guest_heartbeat_start(fd);
	runner = start_runner(fd);
	if (runner < 0)
		mmab_err("guest: cannot start the runner: %s", strerror((int)-runner));
	rc = runner < 0 ? MMAB_EXIT_FAIL : wait_runner(runner);
	sync();
	if (umount("/data"))
		mmab_warn("guest: cannot unmount /data: %s", strerror(errno));
	guest_send(fd, "done %d", rc);
	guest_exit();
}

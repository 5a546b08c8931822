/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One qemu boot (boot/qemu.h): the command line, the start (argv, the two
 * socketpairs' ends inherited, PR_SET_PDEATHSIG), the watch (poll on the
 * console and the channel, deadlines for the heartbeat and the whole
 * boot) and how the end is read: qemu's exit status (33: the guest left
 * through isa-debug-exit; 1 with a panic on the console: pvpanic) and what
 * the console said.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boot/guest.h"
#include "boot/qemu.h"
#include "lib/mmab.h"

#define QEMU "qemu-system-x86_64"
#define EXIT_GUEST_DONE ((GUEST_EXIT_DONE << 1) | 1)
#define EXIT_PVPANIC 1
#define CMDLINE "console=ttyS0 panic=-1 oops=panic softlockup_panic=1 rdinit=/init"

struct watch {
	const struct qemu_vm *vm;
	struct qemu_result *res;
	int con_fd, chan_fd, log_fd;
	char con[8192], chan[CHANNEL_LINE_MAX];
	size_t con_len, chan_len;
	double t0, last_hb;
	bool panic, oops, done, hello;
	char fatal[256];	/* the first panic/oops line */
	char init_fail[256];	/* stage 1's reason, when it gave up */
};

bool qemu_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int qemu_version(char *buf, size_t len)
{
	char *const argv[] = { (char *)QEMU, (char *)"--version", NULL };
	char out[256], *v;
	int st, ret = mmab_spawn_output(argv, out, sizeof(out), &st);

	if (ret)
		return ret;
	v = strstr(out, "version ");
	if (!v)
		return -EINVAL;
	v += 8;
	snprintf(buf, len, "%.*s", (int)strcspn(v, " \n"), v);
	return 0;
}

const char *qemu_reason(enum qemu_outcome outcome)
{
	static const char *const names[] = { "", "boot-failed", "boot-panic", "boot-oops",
					     "boot-hang", "boot-timeout" };

	return (unsigned)outcome < ARRAY_SIZE(names) ? names[outcome] : "boot-failed";
}

/* qemu's argv: malloc'd strings in a NULL-terminated malloc'd array. */
static char **build_argv(const struct qemu_vm *vm, int con_fd, int chan_fd)
{
	const bool kvm = qemu_kvm();
	char **a = xcalloc(64, sizeof(*a));
	size_t n = 0;

#define ARG(...) (a[n++] = xasprintf(__VA_ARGS__))
	ARG(QEMU);
	ARG("-accel");
	ARG(kvm ? "kvm" : "tcg");
	if (kvm) {
		ARG("-cpu");
		ARG("host");
	}
	ARG("-m");
	ARG("%lluM", (unsigned long long)(vm->memory >> 20));
	ARG("-smp");
	ARG("%d", vm->cpus);
	ARG("-nodefaults");
	ARG("-no-user-config");
	ARG("-display");
	ARG("none");
	ARG("-no-reboot");
	ARG("-kernel");
	ARG("%s", vm->image);
	ARG("-initrd");
	ARG("%s", vm->initrd);
	ARG("-append");
	ARG("%s%s%s", CMDLINE, vm->append ? " " : "", vm->append ? vm->append : "");
	ARG("-chardev");
	ARG("socket,id=con,fd=%d", con_fd);
	ARG("-serial");
	ARG("chardev:con");
	ARG("-drive");
	ARG("file=%s,format=raw,if=none,id=root,readonly=on", vm->root_img);
	ARG("-device");
	ARG("virtio-blk-pci,drive=root,serial=mmab-root");
	ARG("-drive");
	ARG("file=%s,format=raw,if=none,id=data,cache=unsafe", vm->data_img);
	ARG("-device");
	ARG("virtio-blk-pci,drive=data,serial=mmab-data");
	ARG("-device");
	ARG("virtio-serial-pci");
	ARG("-chardev");
	ARG("socket,id=chan,fd=%d", chan_fd);
	ARG("-device");
	ARG("virtserialport,chardev=chan,name=" CHANNEL_PORT_NAME);
	ARG("-device");
	ARG("isa-debug-exit,iobase=0x%x,iosize=0x04", GUEST_EXIT_PORT);
	ARG("-device");
	ARG("pvpanic-pci");
	ARG("-action");
	ARG("panic=exit-failure");
#undef ARG
	return a;
}

static void free_argv(char **a)
{
	for (size_t i = 0; a[i]; i++)
		free(a[i]);
	free(a);
}

static void console_line(struct watch *w, char *line)
{
	enum console_event ev = console_classify(line);
	const char *why = console_init_failure(line);
	size_t n = strlen(line);

	while (n && line[n - 1] == '\r')
		line[--n] = '\0';
	if (why && !w->init_fail[0])
		snprintf(w->init_fail, sizeof(w->init_fail), "%s", why);
	if ((ev == CON_PANIC || ev == CON_OOPS) && !w->fatal[0])
		snprintf(w->fatal, sizeof(w->fatal), "%s", line);
	w->panic |= ev == CON_PANIC;
	w->oops |= ev == CON_OOPS;
	if (w->vm->on_console)
		w->vm->on_console(w->vm->ctx, ev, line);
}

static void channel_line(struct watch *w, char *line)
{
	struct channel_msg m;

	switch (channel_parse(line, &m)) {
	case CHAN_OTHER:
		return;
	case CHAN_HELLO:
		w->hello = true;
		break;
	case CHAN_DONE:
		w->done = true;
		w->res->guest_rc = m.rc;
		/* the guest exits once it has this: `done` cannot be lost in qemu's exit */
		/* MSG_NOSIGNAL: qemu may be gone already (no SIGPIPE then) */
		if (send(w->chan_fd, "bye\n", 4, MSG_NOSIGNAL | MSG_DONTWAIT) != 4)
			mmab_info("the guest's done unanswered: %s", strerror(errno));
		break;
	default:
		break;
	}
	w->last_hb = mmab_now();
	if (w->vm->on_message)
		w->vm->on_message(w->vm->ctx, &m);
}

/*
 * Read what FD has into BUF (LEN bytes used of CAP), hand each complete line
 * to FN; a line longer than BUF is handed over in pieces.  false at EOF or
 * on an error.
 */
static bool drain(struct watch *w, int fd, char *buf, size_t *len, size_t cap,
		  void (*fn)(struct watch *, char *), bool is_console)
{
	for (;;) {
		ssize_t n = read(fd, buf + *len, cap - 1 - *len);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (n == 0)
			return false;
		if (is_console && w->log_fd >= 0)
			mmab_write_full(w->log_fd, buf + *len, (size_t)n);
		*len += (size_t)n;
		buf[*len] = '\0';
		while ((nl = memchr(buf, '\n', *len)) || *len == cap - 1) {
			size_t used = nl ? (size_t)(nl - buf) + 1 : *len;

			if (nl)
				*nl = '\0';
			fn(w, buf);
			memmove(buf, buf + used, *len - used);
			*len -= used;
			buf[*len] = '\0';
		}
	}
}

/* Watch until qemu exits (its wait status) or a deadline kills it (-1, RES set). */
static int watch(struct watch *w, pid_t pid)
{
	bool con_open = true, chan_open = true;
	int st;

	for (;;) {
		/* a socket at its end is polled no more: it would wake poll at once, forever */
		struct pollfd fds[2] = { { con_open ? w->con_fd : -1, POLLIN, 0 },
					 { chan_open ? w->chan_fd : -1, POLLIN, 0 } };
		double now = mmab_now();
		double hang = w->hello || w->vm->hang_s > QEMU_HELLO_S ? w->vm->hang_s : QEMU_HELLO_S;
		pid_t r;

		if (now - w->t0 > w->vm->timeout_s || now - w->last_hb > hang) {
			bool timeout = now - w->t0 > w->vm->timeout_s;

			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			w->res->outcome = timeout ? QEMU_TIMEOUT : QEMU_HANG;
			snprintf(w->res->why, sizeof(w->res->why), timeout ?
				 "still running after %.0f s: killed" :
				 w->hello ? "no heartbeat for %.0f s: killed" :
				 "no word from the guest's mmab in %.0f s: killed",
				 timeout ? w->vm->timeout_s : hang);
			return -1;
		}
		poll(fds, 2, 200);
		if (con_open)
			con_open = drain(w, w->con_fd, w->con, &w->con_len, sizeof(w->con),
					 console_line, true);
		if (chan_open)
			chan_open = drain(w, w->chan_fd, w->chan, &w->chan_len, sizeof(w->chan),
					  channel_line, false);
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR)) {
			/* what is still in the sockets came before the exit */
			drain(w, w->con_fd, w->con, &w->con_len, sizeof(w->con), console_line, true);
			drain(w, w->chan_fd, w->chan, &w->chan_len, sizeof(w->chan), channel_line,
			      false);
			return r == pid ? st : 0;
		}
	}
}

/* What qemu's wait status ST and the console say of a boot that ended by itself. */
static void judge(struct watch *w, int st)
{
	struct qemu_result *res = w->res;
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;

	/* done lost all the same (guest_rc -1): the data disk says what was done */
	if (code == EXIT_GUEST_DONE && (w->done || w->hello) && !w->panic && !w->oops) {
		res->outcome = QEMU_DONE;
		return;
	}
	if (w->panic || w->oops || code == EXIT_PVPANIC) {
		res->outcome = w->oops ? QEMU_OOPS : QEMU_PANIC;
		snprintf(res->why, sizeof(res->why), "%s", w->fatal[0] ? w->fatal :
			 "the kernel panicked (pvpanic)");
		if (w->panic || w->oops || w->hello)
			return;
	}
	res->outcome = QEMU_FAILED;
	if (w->init_fail[0])
		snprintf(res->why, sizeof(res->why), "the guest's init: %s", w->init_fail);
	else if (!w->hello)
		snprintf(res->why, sizeof(res->why), "no sign of the guest's mmab (qemu %s %d; "
			 "see the console and qemu.log)", WIFEXITED(st) ? "exit" : "signal",
			 WIFEXITED(st) ? code : WTERMSIG(st));
	else
		snprintf(res->why, sizeof(res->why), "the guest ended without finishing (qemu "
			 "exit %d)", code);
}

/* Start qemu for VM with the guest's ends of the two socketpairs; its pid or -errno. */
static pid_t start(const struct qemu_vm *vm, int con, int chan)
{
	int keep[2] = { con, chan }, null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char **argv = build_argv(vm, con, chan);
	struct mmab_spawn sp = { .argv = argv, .in_fd = null, .out_path = vm->qemu_log,
				 .err_path = vm->qemu_log, .keep_fds = keep, .nkeep = 2,
				 .die_with_parent = true };
	pid_t pid = mmab_spawn_with(&sp);

	if (null >= 0)
		close(null);
	free_argv(argv);
	return pid;
}

int qemu_boot(const struct qemu_vm *vm, struct qemu_result *res, char *err, size_t errlen)
{
	struct watch w = { .vm = vm, .res = res, .log_fd = -1 };
	int con[2], chan[2], st;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->guest_rc = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, con))
		return -errno;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, chan)) {
		close(con[0]);
		close(con[1]);
		return -errno;
	}
	w.log_fd = open(vm->console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	res->start = (double)time(NULL);
	w.t0 = w.last_hb = mmab_now();
	pid = start(vm, con[1], chan[1]);
	close(con[1]);
	close(chan[1]);
	w.con_fd = con[0];
	w.chan_fd = chan[0];
	fcntl(con[0], F_SETFL, O_NONBLOCK);
	fcntl(chan[0], F_SETFL, O_NONBLOCK);
	if (pid < 0)
		snprintf(err, errlen, "cannot start " QEMU ": %s (make deps installs it)",
			 strerror((int)-pid));
	else if ((st = watch(&w, pid)) >= 0)
		judge(&w, st);
	res->seconds = mmab_now() - w.t0;
	res->end = (double)time(NULL);
	close(con[0]);
	close(chan[0]);
	if (w.log_fd >= 0)
		close(w.log_fd);
	return pid < 0 ? (int)pid : 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a machine has for a multi-boot kexec run, and what it lacks: read
 * from /proc, /sys, /run and /boot (under a root prefix, for the unit
 * tests), never changed.  `mmab run --kexec` refuses (exit 4) when
 * kexec_lacks finds anything; `--dry-run` prints the same list on any
 * machine.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/kexec.h"
#include "lib/mmab.h"

/* ROOT + PATH into BUF; true when that exists. */
static bool exists_at(const char *root, const char *path, char *buf, size_t len)
{
	struct stat st;

	if ((size_t)snprintf(buf, len, "%s%s", root, path) >= len)
		return false;
	return !stat(buf, &st);
}

/* The first line of ROOT/PATH, trimmed, into BUF ("" when unreadable). */
static void read_line_at(const char *root, const char *path, char *buf, size_t len)
{
	char p[PATH_MAX], *text;

	buf[0] = '\0';
	snprintf(p, sizeof(p), "%s%s", root, path);
	if (mmab_read_file(p, &text, NULL))
		return;
	text[strcspn(text, "\n")] = '\0';
	snprintf(buf, len, "%s", text);
	free(text);
}

/* A program: in $PATH on this machine, else in the sbin directories under ROOT. */
static void find_tool(const char *root, const char *name, char *buf, size_t len)
{
	static const char *const dirs[] = { "/usr/sbin/", "/sbin/", "/usr/bin/", NULL };
	char p[PATH_MAX];

	buf[0] = '\0';
	if (!root[0] && !mmab_which(name, buf, len))
		return;
	for (size_t i = 0; dirs[i]; i++) {
		snprintf(p, sizeof(p), "%s%s%s", root, dirs[i], name);
		if (!access(p, X_OK)) {
			snprintf(buf, len, "%s", p);
			return;
		}
	}
	buf[0] = '\0';
}

/* "[none] integrity confidentiality" -> "none" */
static void lockdown_mode(const char *root, char *buf, size_t len)
{
	char line[256], *a, *b;

	read_line_at(root, "/sys/kernel/security/lockdown", line, sizeof(line));
	buf[0] = '\0';
	a = strchr(line, '[');
	b = a ? strchr(a, ']') : NULL;
	if (a && b && (size_t)(b - a - 1) < len)
		snprintf(buf, len, "%.*s", (int)(b - a - 1), a + 1);
}

/* Does ROOT/etc/default/kexec ask Debian's kexec-load to load a kernel on reboot? */
static bool debian_load_kexec(const char *root)
{
	char p[PATH_MAX], *text, *l;
	bool on = false;

	snprintf(p, sizeof(p), "%s/etc/default/kexec", root);
	if (mmab_read_file(p, &text, NULL))
		return false;
	for (l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, "LOAD_KEXEC=", 11))
			on = !strncmp(l + 11, "true", 4) || !strncmp(l + 11, "\"true\"", 6);
	free(text);
	return on;
}

static void probe_units(const char *root, struct kexec_probe *p)
{
	static const char *const dirs[] = { "/etc/systemd/system", "/usr/local/lib/systemd/system",
					    "/lib/systemd/system", "/usr/lib/systemd/system", NULL };
	char path[PATH_MAX];

	p->unit_path[0] = '\0';
	for (size_t i = 0; dirs[i] && !p->unit_path[0]; i++) {
		snprintf(path, sizeof(path), "%s/" KEXEC_UNIT, dirs[i]);
		if (exists_at(root, path, p->unit_path, sizeof(p->unit_path)))
			return;
		p->unit_path[0] = '\0';
	}
}

void kexec_probe(const char *root, struct kexec_probe *p)
{
	char buf[PATH_MAX], path[PATH_MAX + 64];
	long v;

	memset(p, 0, sizeof(*p));
	p->root = geteuid() == 0;
	p->systemd = exists_at(root, "/run/systemd/system", buf, sizeof(buf));
	find_tool(root, "kexec", p->kexec_tool, sizeof(p->kexec_tool));
	find_tool(root, "mkinitramfs", p->mkinitramfs, sizeof(p->mkinitramfs));
	p->kernel_kexec = exists_at(root, "/sys/kernel/kexec_loaded", buf, sizeof(buf));
	read_line_at(root, "/proc/sys/kernel/kexec_load_disabled", buf, sizeof(buf));
	p->load_disabled = mmab_parse_long(buf, &v) ? -1 : (int)v;
	lockdown_mode(root, p->lockdown, sizeof(p->lockdown));
	probe_units(root, p);
	if (!exists_at(root, "/dev/watchdog", p->watchdog, sizeof(p->watchdog)) &&
	    !exists_at(root, "/dev/watchdog0", p->watchdog, sizeof(p->watchdog)))
		p->watchdog[0] = '\0';
	read_line_at(root, "/proc/sys/kernel/osrelease", p->release, sizeof(p->release));
	read_line_at(root, "/proc/cmdline", p->cmdline, sizeof(p->cmdline));
	snprintf(path, sizeof(path), "/boot/vmlinuz-%s", p->release);
	if (!p->release[0] || !exists_at(root, path, p->stock_image, sizeof(p->stock_image)))
		p->stock_image[0] = '\0';
	snprintf(path, sizeof(path), "/boot/initrd.img-%s", p->release);
	if (!p->release[0] || !exists_at(root, path, p->stock_initrd, sizeof(p->stock_initrd)))
		p->stock_initrd[0] = '\0';
	p->state_dir_ok = !strcmp(mmab_state_dir(), KEXEC_STATE_DIR);
	p->load_kexec = debian_load_kexec(root);
}

/* Print one line (when F) and count it. */
static size_t say(FILE *f, const char *prefix, const char *fmt, ...) MMAB_PRINTF(3, 4);
static size_t say(FILE *f, const char *prefix, const char *fmt, ...)
{
	va_list ap;

	if (!f)
		return 1;
	fputs(prefix, f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	return 1;
}

size_t kexec_lacks(const struct kexec_probe *p, FILE *f, const char *prefix)
{
	size_t n = 0;

	if (!p->root)
		n += say(f, prefix, "root: a kexec run loads kernels and installs their modules");
	if (!p->systemd)
		n += say(f, prefix, "systemd as PID 1 (no /run/systemd/system): nothing would "
			 "resume the run after a kexec");
	if (!p->kexec_tool[0])
		n += say(f, prefix, "kexec-tools (no kexec program): apt-get install kexec-tools, "
			 "answering no to loading a kernel on every reboot");
	if (!p->kernel_kexec)
		n += say(f, prefix, "a kernel that can kexec (no /sys/kernel/kexec_loaded: "
			 "CONFIG_KEXEC is off in %s)", p->release[0] ? p->release : "this kernel");
	if (p->load_disabled > 0)
		n += say(f, prefix, "kexec is disabled (kernel.kexec_load_disabled = 1; only a "
			 "reboot clears it)");
	if (p->lockdown[0] && strcmp(p->lockdown, "none"))
		n += say(f, prefix, "kernel lockdown is '%s' (Secure Boot): kexec of kernels "
			 "not signed by a trusted key is refused", p->lockdown);
	if (!p->unit_path[0])
		n += say(f, prefix, KEXEC_UNIT " (`make install` installs it in "
			 "PREFIX/lib/systemd/system): it resumes the run after each boot");
	if (!p->stock_image[0])
		n += say(f, prefix, "the running kernel's image /boot/vmlinuz-%s, to come back "
			 "to after the last boot", p->release);
	if (!p->state_dir_ok)
		n += say(f, prefix, "the state directory " KEXEC_STATE_DIR " (MMAB_STATE_DIR is "
			 "'%s'): the resume unit reads the run's state there", mmab_state_dir());
	return n;
}

size_t kexec_warnings(const struct kexec_probe *p, FILE *f, const char *prefix)
{
	size_t n = 0;

	if (!p->watchdog[0])
		n += say(f, prefix, "no hardware watchdog (/dev/watchdog): a kernel that hangs "
			 "without panicking needs a manual reset");
	if (!p->mkinitramfs[0])
		n += say(f, prefix, "no mkinitramfs (initramfs-tools): a kernel that is not "
			 "installed boots without an initramfs, so its root file system's "
			 "drivers must be built in");
	if (p->load_kexec)
		n += say(f, prefix, "/etc/default/kexec says LOAD_KEXEC=true: every reboot "
			 "kexecs /vmlinuz instead of going through the boot loader (set it to "
			 "false for the manual reboot flow)");
	return n;
}

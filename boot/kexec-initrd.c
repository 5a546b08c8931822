/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The initramfs of a kernel that is not installed, built by initramfs-tools
 * into mmab's state directory, never into /boot.  mkinitramfs reads the
 * kernel's configuration from /boot/config-REL only; when that is absent,
 * it runs in a mount namespace of its own where /boot is a directory
 * holding just the configuration, so nothing is written to, or mounted on,
 * the machine's /boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot/kexec.h"
#include "lib/mmab.h"

/* In the child: /boot replaced by BOOT_DIR in a private mount namespace. */
static int private_boot(const char *boot_dir)
{
	if (unshare(CLONE_NEWNS))
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	return mount(boot_dir, "/boot", NULL, MS_BIND, NULL);
}

/* Fork mkinitramfs -o OUT REL, output in LOG, /boot from BOOT_DIR when not NULL. */
static int spawn_mkinitramfs(const char *tool, const char *out, const char *rel,
			     const char *boot_dir, const char *log)
{
	char *argv[] = { (char *)tool, (char *)"-o", (char *)out, (char *)rel, NULL };
	int st, fd;
	pid_t pid;

	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fd);
		return -errno;
	}
	if (pid == 0) {
		if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
			_exit(127);
		if (boot_dir && private_boot(boot_dir)) {
			dprintf(STDERR_FILENO, "mmab: cannot show mkinitramfs %s as /boot: %s\n",
				boot_dir, strerror(errno));
			_exit(127);
		}
		execv(tool, argv);
		dprintf(STDERR_FILENO, "mmab: cannot run %s: %s\n", tool, strerror(errno));
		_exit(127);
	}
	close(fd);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -EIO;
}

int kexec_build_initramfs(const char *mkinitramfs, const char *out, const char *rel,
			  const char *config, const char *log, char *err, size_t errlen)
{
	char *installed = xasprintf("/boot/config-%s", rel);
	char *boot_dir = NULL, *copy = NULL, *text = NULL;
	size_t len;
	int ret;

	if (access(installed, F_OK) && config) {
		boot_dir = xasprintf("%s.boot", out);
		copy = xasprintf("%s/config-%s", boot_dir, rel);
		mmab_rm_rf(boot_dir);
		ret = mmab_mkdir_p(boot_dir, 0755);
		if (!ret)
			ret = mmab_read_file(config, &text, &len);
		if (!ret)
			ret = mmab_write_file_atomic(copy, text, len);
		if (ret) {
			snprintf(err, errlen, "cannot copy '%s' for mkinitramfs: %s", config,
				 strerror(-ret));
			goto out;
		}
	}
	ret = spawn_mkinitramfs(mkinitramfs, out, rel, boot_dir, log);
	if (ret) {
		snprintf(err, errlen, "mkinitramfs -o %s %s failed (see %s)", out, rel, log);
		unlink(out);
	}
out:
	if (boot_dir)
		mmab_rm_rf(boot_dir);
	free(installed);
	free(boot_dir);
	free(copy);
	free(text);
	return ret ? -EIO : 0;
}

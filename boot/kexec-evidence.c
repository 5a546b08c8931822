/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A kernel under test that did not come back: the machine reset (panic=N,
 * the watchdog, or a hand) and its boot loader started the stock kernel,
 * where the resumed run finds the boot's mark missing from /proc/cmdline.
 * What is left of the failed boot is kept beside its results: the pstore
 * records it wrote (ramoops or EFI; systemd-pstore may have moved them to
 * /var/lib/systemd/pstore) and its journal, which loses the last second
 * before a panic but shows how far the boot got.  Together they tell a
 * panic from a hang from a boot that left no trace.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot/kexec.h"
#include "lib/mmab.h"

const char *kexec_failure_reason(enum kexec_failure f)
{
	switch (f) {
	case KEXEC_BOOT_PANIC: return "boot-panic";
	case KEXEC_BOOT_HANG: return "boot-hang";
	default: return "boot-failed";
	}
}

enum kexec_failure kexec_classify(const char *pstore, const char *journal)
{
	if (pstore && (strstr(pstore, "Kernel panic") || strstr(pstore, "Panic#")))
		return KEXEC_BOOT_PANIC;
	if (journal && strstr(journal, "Kernel panic"))
		return KEXEC_BOOT_PANIC;
	if ((pstore && *pstore) || (journal && *journal))
		return KEXEC_BOOT_HANG;
	return KEXEC_BOOT_FAILED;
}

/* "0c6f-..." or "0c6f..." -> 32 hex digits, lower case. */
static void boot_id_plain(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 1 < len; in++)
		if (*in != '-' && *in != '\n')
			out[n++] = *in;
	out[n] = '\0';
}

int kexec_boot_after(const char *text, const char *after, char *id, size_t len)
{
	char want[64], field[64];
	bool found = false;

	boot_id_plain(after, want, sizeof(want));
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		/* " -1 0c6f0f8bd2c247dfa3e4f1c9b5a0e5d7 Mon 2026-12-07 ...": the second field */
		if (sscanf(l, "%*s %63s", field) != 1)
			continue;
		if (found) {
			snprintf(id, len, "%s", field);
			return 0;
		}
		found = !strcmp(field, want);
	}
	return -ENOENT;
}

/* Append the text of FILE to *ALL (for classifying), NUL-terminated. */
static void gather(char **all, size_t *used, const char *file)
{
	char *text;
	size_t len;

	if (mmab_read_file(file, &text, &len))
		return;
	*all = xrealloc(*all, *used + len + 2);
	memcpy(*all + *used, text, len);
	*used += len;
	(*all)[(*used)++] = '\n';
	(*all)[*used] = '\0';
	free(text);
}

/* Copy the files under SRC (two levels deep) newer than SINCE into OUT, flattened. */
static size_t copy_newer(const char *src, const char *prefix, const char *out, double since,
			 int depth, char **all, size_t *used)
{
	DIR *d = opendir(src);
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d)) != NULL) {
		char *p, *name, *text;
		struct stat st;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", src, e->d_name);
		name = xasprintf("%s%s", prefix, e->d_name);
		if (!lstat(p, &st) && S_ISDIR(st.st_mode) && depth > 0) {
			char *sub = xasprintf("%s_", name);

			n += copy_newer(p, sub, out, since, depth - 1, all, used);
			free(sub);
		} else if (S_ISREG(st.st_mode) && (double)st.st_mtime >= since &&
			   !mmab_read_file(p, &text, &len)) {
			char *dst = xasprintf("%s/%s", out, name);

			if (!mmab_mkdir_p(out, 0755) && !mmab_write_file_atomic(dst, text, len)) {
				gather(all, used, dst);
				n++;
			}
			free(dst);
			free(text);
		}
		free(p);
		free(name);
	}
	if (d)
		closedir(d);
	return n;
}

/* `journalctl -b ID` into FILE; true when it holds the boot tagged TAG. */
static bool save_journal(const char *id, const char *tag, const char *file)
{
	char *mark = xasprintf("mmab.boot=%s", tag), *text = NULL;
	char *argv[] = { (char *)"journalctl", (char *)"--no-pager", (char *)"-q",
			 (char *)"-o", (char *)"short-monotonic", (char *)"-b", (char *)id, NULL };
	bool ours = false;
	int st;

	unlink(file);
	if (!mmab_spawn_wait(argv, file, "/dev/null", &st) && !mmab_read_file(file, &text, NULL))
		ours = strstr(text, mark) != NULL;
	if (!ours)
		unlink(file);
	free(text);
	free(mark);
	return ours;
}

/* The failed boot's journal (the boot after AFTER, when tagged TAG) into DIR/journal.txt. */
static bool failed_boot_journal(const char *dir, const char *after, const char *tag)
{
	char *list = xasprintf("%s/.boots", dir), *file = xasprintf("%s/journal.txt", dir);
	char *argv[] = { (char *)"journalctl", (char *)"--no-pager", (char *)"-q",
			 (char *)"--list-boots", NULL };
	char *text = NULL, id[64], now[64] = "", *cur = NULL;
	bool ok = false;
	int st;

	unlink(list);
	if (mmab_spawn_wait(argv, list, "/dev/null", &st) || mmab_read_file(list, &text, NULL))
		goto out;
	if (kexec_boot_after(text, after, id, sizeof(id)))
		goto out;
	if (!mmab_read_file("/proc/sys/kernel/random/boot_id", &cur, NULL))
		boot_id_plain(cur, now, sizeof(now));
	/* the boot after the hand-over is this one: the failed boot left no journal */
	if (!strcmp(id, now))
		goto out;
	ok = save_journal(id, tag, file);
out:
	unlink(list);
	free(list);
	free(file);
	free(text);
	free(cur);
	return ok;
}

/* The first line of TEXT holding NEEDLE, into BUF ("" when none). */
static void line_with(const char *text, const char *needle, char *buf, size_t len)
{
	const char *p = text ? strstr(text, needle) : NULL;
	const char *end;

	buf[0] = '\0';
	if (!p)
		return;
	end = strchr(p, '\n');
	snprintf(buf, len, "%.*s", (int)(end ? end - p : (long)strlen(p)), p);
}

enum kexec_failure kexec_collect_failed_boot(const char *root, const char *dir,
					     const char *after_boot_id, const char *tag,
					     double since, char *summary, size_t len)
{
	char *src = xasprintf("%s/sys/fs/pstore", root);
	char *arch = xasprintf("%s/var/lib/systemd/pstore", root);
	char *out = xasprintf("%s/pstore", dir), *ps = NULL, *jtext = NULL, *jfile;
	char panic[200];
	size_t used = 0, n;
	enum kexec_failure f;
	bool journal;

	mmab_mkdir_p(dir, 0755);
	n = copy_newer(src, "", out, since, 0, &ps, &used);
	n += copy_newer(arch, "", out, since, 2, &ps, &used);
	journal = failed_boot_journal(dir, after_boot_id, tag);
	jfile = xasprintf("%s/journal.txt", dir);
	if (journal)
		mmab_read_file(jfile, &jtext, NULL);
	f = kexec_classify(ps, jtext);
	line_with(ps ? ps : jtext, "Kernel panic", panic, sizeof(panic));
	if (!panic[0] && jtext)
		line_with(jtext, "Kernel panic", panic, sizeof(panic));
	snprintf(summary, len, "%s: %zu pstore record%s, %s%s%s%s", kexec_failure_reason(f), n,
		 n == 1 ? "" : "s", journal ? "its journal kept" : "no journal of the boot",
		 panic[0] ? " (" : "", panic, panic[0] ? ")" : "");
	free(src);
	free(arch);
	free(out);
	free(ps);
	free(jtext);
	free(jfile);
	return f;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Into the next kernel: the command line it boots with (the running one,
 * made safe: a panic or a lockup resets the machine, which comes back in
 * the boot loader's default, the stock kernel), loading it with
 * kexec-tools, the hand-over to systemd, and the resume unit that carries
 * the run on after the boot.  Programs run through fork/exec, never a
 * shell.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot/kexec.h"
#include "lib/mmab.h"

/* The tokens mmab sets itself, dropped from the base command line. */
static const char *const own_keys[] = { "BOOT_IMAGE", "initrd", "panic", "hung_task_panic",
					"softlockup_panic", "mmab.boot", NULL };

/*
 * The next token of a kernel command line at *P (spaces separate, double
 * quotes keep spaces inside a value): its start and length, *P moved past
 * it.  False at the end.
 */
static bool next_token(const char **p, const char **tok, size_t *len)
{
	const char *s = *p;
	bool quoted = false;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (!*s)
		return false;
	*tok = s;
	for (; *s && (quoted || (*s != ' ' && *s != '\t' && *s != '\n')); s++)
		if (*s == '"')
			quoted = !quoted;
	*len = (size_t)(s - *tok);
	*p = s;
	return true;
}

/* Is the token TOK (LEN bytes) KEY or KEY=...? */
static bool token_is(const char *tok, size_t len, const char *key)
{
	size_t k = strlen(key);

	return len >= k && !strncmp(tok, key, k) && (len == k || tok[k] == '=');
}

static void append_token(char **out, size_t *used, const char *tok, size_t len)
{
	*out = xrealloc(*out, *used + len + 2);
	if (*used)
		(*out)[(*used)++] = ' ';
	memcpy(*out + *used, tok, len);
	*used += len;
	(*out)[*used] = '\0';
}

char *kexec_cmdline(const char *base, const char *append, int panic_s, const char *tag)
{
	char *out = xstrdup(""), extra[160];
	const char *p = base ? base : "", *tok;
	size_t used = 0, len;

	while (next_token(&p, &tok, &len)) {
		bool own = false;

		/* everything after "--" is init's, and stays last */
		if (len == 2 && !strncmp(tok, "--", 2))
			break;
		for (size_t i = 0; own_keys[i] && !own; i++)
			own = token_is(tok, len, own_keys[i]);
		if (!own)
			append_token(&out, &used, tok, len);
	}
	p = append ? append : "";
	while (next_token(&p, &tok, &len))
		append_token(&out, &used, tok, len);
	if (panic_s > 0) {
		snprintf(extra, sizeof(extra), "panic=%d hung_task_panic=1 softlockup_panic=1",
			 panic_s);
		append_token(&out, &used, extra, strlen(extra));
	}
	snprintf(extra, sizeof(extra), "mmab.boot=%s", tag);
	append_token(&out, &used, extra, strlen(extra));
	/* init's arguments, as the running kernel had them */
	if (base && (p = strstr(base, " -- ")) != NULL)
		append_token(&out, &used, p + 1, strlen(p + 1));
	return out;
}

char *kexec_cmdline_tag(const char *cmdline, char *tag, size_t len)
{
	const char *p = cmdline ? cmdline : "", *tok;
	size_t n;

	tag[0] = '\0';
	while (next_token(&p, &tok, &n)) {
		if (n == 2 && !strncmp(tok, "--", 2))
			break;
		if (token_is(tok, n, "mmab.boot") && n > 10)
			snprintf(tag, len, "%.*s", (int)(n - 10), tok + 10);
	}
	return tag;
}

/* Run ARGV with its output appended to LOG (NULL: mmab's own); its exit status or -errno. */
static int run_tool(char *const argv[], const char *log)
{
	int st, ret;

	ret = mmab_spawn_wait(argv, log, log, &st);
	if (ret)
		return ret;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int kexec_load(const char *tool, const char *image, const char *initrd, const char *cmdline,
	       const char *log, char *err, size_t errlen)
{
	char *ird = initrd ? xasprintf("--initrd=%s", initrd) : NULL;
	char *cl = xasprintf("--command-line=%s", cmdline);
	char *argv[8];
	int n = 0, file_ret, ret;

	argv[n++] = (char *)tool;
	argv[n++] = (char *)"-s";
	argv[n++] = (char *)"-l";
	argv[n++] = (char *)image;
	if (ird)
		argv[n++] = ird;
	argv[n++] = cl;
	argv[n] = NULL;
	/* kexec_file_load first: the kernel checks signatures where it must */
	file_ret = run_tool(argv, log);
	ret = file_ret;
	if (ret) {
		for (int i = 1; i < n; i++)
			argv[i] = argv[i + 1];
		ret = run_tool(argv, log);
	}
	if (ret)
		snprintf(err, errlen, "kexec -s -l %s and kexec -l %s failed (exit %d and %d; "
			 "their output is in %s)", image, image, file_ret, ret, log ? log : "-");
	free(ird);
	free(cl);
	return ret ? -EIO : 0;
}

int kexec_unload(const char *tool)
{
	char *argv[] = { (char *)tool, (char *)"-u", NULL };

	return run_tool(argv, NULL) ? -EIO : 0;
}

int kexec_reboot(void)
{
	char *argv[] = { (char *)"systemctl", (char *)"--no-block", (char *)"kexec", NULL };

	sync();
	return run_tool(argv, NULL) ? -EIO : 0;
}

int kexec_unit(bool enable)
{
	char *argv[] = { (char *)"systemctl", (char *)"--quiet",
			 (char *)(enable ? "enable" : "disable"), (char *)KEXEC_UNIT, NULL };
	int ret = run_tool(argv, NULL);

	/* no systemctl, no systemd: nothing was enabled that needs disabling */
	if (ret == -ENOENT && !enable)
		return 0;
	return ret ? -EIO : 0;
}

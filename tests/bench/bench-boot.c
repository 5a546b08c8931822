/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-boot: what booting a kernel under test costs.  `mmab run --kernel`
 * with the newest Debian 6.1 cloud kernel in the cache ($MMAB_CACHE_DIR,
 * default /var/cache/mmab; `make deps` downloads it) is timed from its
 * start to the first workload iteration in the guest (the runner's
 * "[1/1] idle #1" progress line), once with an empty cache (the package
 * unpacked, the initramfs and the root disk made) and once cached; then
 * the same stress-ng vm run (one worker, write64, 256 MiB, 10 s) on this
 * machine and in the guest, as guest/host speed.  Needs root, qemu and the
 * package; SKIPs otherwise.
 *
 * Usage: bench-boot OUTDIR  (writes OUTDIR/bench-boot.csv)
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/csv.h"
#include "lib/mmab.h"

static const char idle_suite[] =
	"[suite]\nname = bench-boot\niterations = 1\nsettle = no\ncollectors = vmstat\n"
	"[idle]\nduration = 1\n";
static const char speed_suite[] =
	"[suite]\nname = bench-speed\niterations = 1\ncollectors = vmstat\n"
	"[stress-ng]\nstressors = vm\nworkers = 1\nruntime = 10\nbytes = 256M\n"
	"args = --vm-method write64\n";

struct timing {
	double first;		/* seconds to the first line holding MARK; NAN: never */
	double total;
	char run_dir[1024];
	int status;
};

/* Run ./mmab ARGV, timing it and the first stderr line holding MARK. */
static void timed(char *const argv[], const char *mark, const char *dir, struct timing *t)
{
	char *out = xasprintf("%s/stdout", dir), line[4096], *text = NULL, *last;
	struct mmab_spawn sp = { .argv = argv, .out_path = out };
	double t0 = mmab_now();
	int p[2];
	FILE *f;
	pid_t pid;

	t->first = NAN;
	unlink(out);
	if (pipe2(p, O_CLOEXEC))
		exit(1);
	sp.err_fd = p[1];
	pid = mmab_spawn_with(&sp);
	close(p[1]);
	f = fdopen(p[0], "r");
	while (pid > 0 && f && fgets(line, sizeof(line), f))
		if (isnan(t->first) && strstr(line, mark))
			t->first = mmab_now() - t0;
	if (f)
		fclose(f);
	waitpid(pid, &t->status, 0);
	t->total = mmab_now() - t0;
	t->run_dir[0] = '\0';
	if (!mmab_read_file(out, &text, NULL)) {
		while (strlen(text) && text[strlen(text) - 1] == '\n')
			text[strlen(text) - 1] = '\0';
		last = strrchr(text, '\n');
		snprintf(t->run_dir, sizeof(t->run_dir), "%s", last ? last + 1 : text);
	}
	free(text);
	free(out);
}

/* vm.bogo_ops_per_s of the set SET of RUN_DIR; NAN when absent. */
static double bogo(const char *run_dir, const char *set)
{
	char *path = xasprintf("%s/%s/stress-ng/1/metrics.csv", run_dir, set);
	struct csv c = { 0 };
	double v = NAN;

	if (!csv_load(path, &c))
		for (size_t r = 0; r < c.nrows; r++)
			if (!strcmp(csv_str(&c, r, 0) ?: "", "vm.bogo_ops_per_s"))
				v = csv_num(&c, r, 1);
	csv_free(&c);
	free(path);
	return v;
}

static char *newest_kernel(void)
{
	const char *cache = getenv("MMAB_CACHE_DIR");
	char *pat = xasprintf("%s/debs/linux-image-6.1.0-*-cloud-amd64-unsigned_*.deb",
			      cache && *cache ? cache : "/var/cache/mmab"), *k = NULL;
	glob_t g;

	if (!glob(pat, 0, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			if (!k || strverscmp(g.gl_pathv[i], k) > 0) {
				free(k);
				k = xstrdup(g.gl_pathv[i]);
			}
		globfree(&g);
	}
	free(pat);
	return k;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/mmab-bench-boot.XXXXXX", *deb, *kspec, *csv, *is, *ss, *cache, *res;
	struct timing uncached, cached, host, guest;
	double hb, gb;
	FILE *f;

	if (argc != 2)
		return 2;
	deb = newest_kernel();
	if (!mmab_is_root() || !mmab_found("qemu-system-x86_64") || !deb) {
		printf("boot: SKIP (needs root, qemu-system-x86_64 and a Debian 6.1 cloud kernel "
		       "package in the cache: make deps)\n");
		free(deb);
		return 0;
	}
	if (!mkdtemp(dir))
		return 1;
	kspec = xasprintf("k=%s", deb);
	is = xasprintf("%s/idle.ini", dir);
	ss = xasprintf("%s/speed.ini", dir);
	cache = xasprintf("%s/cache", dir);
	res = xasprintf("%s/results", dir);
	mmab_write_file_atomic(is, idle_suite, strlen(idle_suite));
	mmab_write_file_atomic(ss, speed_suite, strlen(speed_suite));
	{
		char *const boot[] = { (char *)"./mmab", (char *)"run", (char *)"-s", is, (char *)"-o",
				       res, (char *)"--boots", (char *)"1", (char *)"--kernel", kspec,
				       NULL };
		char *const here[] = { (char *)"./mmab", (char *)"run", (char *)"-s", ss,
				       (char *)"-o", res, NULL };
		char *const there[] = { (char *)"./mmab", (char *)"run", (char *)"-s", ss, (char *)"-o",
					res, (char *)"--boots", (char *)"1", (char *)"--kernel", kspec,
					NULL };

		setenv("MMAB_CACHE_DIR", cache, 1);
		timed(boot, "] idle #1", dir, &uncached);
		timed(boot, "] idle #1", dir, &cached);
		timed(here, "] stress-ng #1", dir, &host);
		hb = bogo(host.run_dir, "bench-speed");
		timed(there, "] stress-ng #1", dir, &guest);
		gb = bogo(guest.run_dir, "bench-speed-k");
	}
	printf("%-44s %10s %10s\n", "case", "first (s)", "total (s)");
	printf("%-44s %10.1f %10.1f\n", "mmab run --kernel, empty cache", uncached.first,
	       uncached.total);
	printf("%-44s %10.1f %10.1f\n", "mmab run --kernel, cached", cached.first, cached.total);
	printf("stress-ng vm (write64, 1 worker): host %.0f bogo ops/s, guest %.0f: %.2fx\n",
	       hb, gb, gb / hb);
	csv = xasprintf("%s/bench-boot.csv", argv[1]);
	f = fopen(csv, "w");
	if (f) {
		fprintf(f, "case,first_iteration_s,total_s,bogo_ops_per_s\n");
		fprintf(f, "uncached,%.3f,%.3f,\ncached,%.3f,%.3f,\n", uncached.first, uncached.total,
			cached.first, cached.total);
		fprintf(f, "host,,%.3f,%.1f\nguest,,%.3f,%.1f\n", host.total, hb, guest.total, gb);
		fclose(f);
	}
	mmab_rm_rf(dir);
	free(csv);
	free(deb);
	free(kspec);
	free(is);
	free(ss);
	free(cache);
	free(res);
	return uncached.status || cached.status || host.status || guest.status;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One session of a run on this machine, once prepared: what `mmab run`
 * does between the plan and the summary, and what each boot of a kexec
 * run does after its kexec (runner/run-kexec-boot.c).
 */
#include <string.h>
#include <time.h>

#include "lib/journal.h"
#include "lib/machine.h"
#include "lib/mmab.h"
#include "runner/run.h"

/*
 * The run proper, once the journal is open: on this kernel, the variants'
 * knobs tried, then the steps; with kernels to boot, their caches made
 * ready (a kernel that cannot boot is bad input, found before the run
 * directory exists), then the boots (runner/run-boots.c).  One boot of a
 * kexec run reopens the sets (the start made them) and does not finish
 * them: its end goes into its kernel's `boots` entry.
 */
static int run_all(struct run *r)
{
	bool boots = run_boots_here(r);
	int ret = boots ? run_boots_prepare(r) : run_preflight_variants(r);

	if (!ret && r->o.resume)
		ret = run_reopen_sets(r) ? MMAB_EXIT_FAIL : 0;
	else if (!ret && r->o.guest)
		ret = mmab_mkdir_p(r->run_dir, 0755) || run_create_sets(r) ? MMAB_EXIT_FAIL : 0;
	else if (!ret)
		ret = run_make_dir(r) || run_create_sets(r) ? MMAB_EXIT_FAIL : 0;
	if (!ret)
		ret = run_scratch_path(r) ? MMAB_EXIT_FAIL : 0;
	if (!ret)
		ret = run_open_status(r) ? MMAB_EXIT_FAIL : 0;
	if (!ret)
		ret = boots ? run_boots_execute(r) : run_execute(r);
	if (!ret && !r->one_boot)
		run_finish_sets(r);
	else if (r->one_boot && r->meta)
		run_end_boot(r);
	return ret;
}

int run_session(struct run *r)
{
	int ret, cret;

	/* facts and knob values before anything changes */
	r->machine = machine_info();
	r->before = machine_knob_values(NULL, r->knob_names);
	mmab_iso_time(r->start_iso, sizeof(r->start_iso), (double)time(NULL));
	ret = run_open_journal(r);
	if (ret)
		return ret;
	ret = run_all(r);
	cret = journal_close(r->journal);
	r->journal = NULL;
	if (cret) {
		mmab_err("cannot restore every knob: %s; run 'mmab restore'", strerror(-cret));
		ret = MMAB_EXIT_FAIL;
	}
	return ret;
}

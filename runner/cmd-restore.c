/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmab restore: put back what a run that was killed (kill -9, a crash, a
 * power cut) left changed, from the knob journal.  `mmab run` and `mmab
 * collect` do the same when they start; this is for the user who wants the
 * machine back now, without starting another run.
 */
#include <errno.h>
#include <string.h>

#include "lib/journal.h"
#include "lib/mmab.h"
#include "runner/cmds.h"
#include "runner/run.h"

const char cmd_restore_help[] =
	"usage: mmab restore\n"
	"\n"
	"Put back everything a run that did not end normally (kill -9, a crash,\n"
	"a power cut) left changed: knob values (sysctls, THP and huge page\n"
	"settings), memory cgroups (the processes still in them are killed),\n"
	"tracefs instances and the tracefs mount of the trace collectors, and\n"
	"files made outside the scratch directory.  Everything mmab changes is\n"
	"journaled in $MMAB_STATE_DIR/journal (default /var/lib/mmab) before the\n"
	"change is made; entries are undone newest first, one line each on\n"
	"stderr.  What cannot be put back (a cgroup whose tasks will not die, ...)\n"
	"is said and stays in the journal for the next try.  A journal from an\n"
	"earlier boot is discarded: the reboot already reset the knobs.  `mmab run`\n"
	"and `mmab collect` do this on their own when they start.\n"
	"\n"
	"A multi-boot run (`mmab run --kexec`) in progress is cancelled: "
	"mmab-resume.service\n"
	"is disabled, a kernel loaded for the next kexec is unloaded, the modules mmab\n"
	"installed in /lib/modules are removed and the run's state is discarded; its\n"
	"results stay.  The machine stays on the kernel it runs (reboot for the stock one).\n"
	"\n"
	"Needs root.  Exit status: 0 restored or nothing to restore, 1 something\n"
	"could not be put back (said why) or another mmab is running, 4 not root.\n";

int cmd_restore(int argc, char **argv)
{
	int n, k;

	if (argc > 1) {
		mmab_err("restore: unexpected argument '%s'", argv[1]);
		fputs(cmd_restore_help, stderr);
		return MMAB_EXIT_USAGE;
	}
	if (!mmab_is_root()) {
		mmab_err("restore: needs root (knobs, cgroups and the journal in '%s' are root's)",
			 mmab_state_dir());
		return MMAB_EXIT_SKIP;
	}
	n = journal_recover(true);
	/* never while another mmab runs: it may be the run's resume */
	k = n == -EBUSY ? 0 : run_kexec_cancel();
	if (n == -EBUSY) {
		mmab_err("restore: another mmab is running (it holds '%s/lock'); "
			 "it puts back its own changes when it ends", mmab_state_dir());
		return MMAB_EXIT_FAIL;
	}
	if (n == -EIO) {
		/* each entry that failed has said why */
		mmab_err("restore: not everything could be put back; what could not stays in "
			 "'%s/journal' for the next 'mmab restore' (remove it to give up)",
			 mmab_state_dir());
		return MMAB_EXIT_FAIL;
	}
	if (n < 0) {
		mmab_err("restore: cannot use the journal in '%s': %s", mmab_state_dir(),
			 strerror(-n));
		return MMAB_EXIT_FAIL;
	}
	if (k > 0)
		printf("cancelled the multi-boot run\n");
	if (n == 0 && !k)
		printf("nothing to restore\n");
	else if (n > 0)
		printf("restored %d setting%s\n", n, n == 1 ? "" : "s");
	return k < 0 ? MMAB_EXIT_FAIL : MMAB_EXIT_OK;
}

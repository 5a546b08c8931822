#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The kexec end-to-end test's driver inside the guest (mmab-test.service,
# after mmab-resume.service).  The first boot runs the dry run and starts
# `mmab run --kexec` with the arguments in $T/args (one a line); a boot
# where the run goes on never gets here (mmab-resume.service kexecs first);
# the boot where the run has ended records how the guest ended and powers
# it off.  "MMAB-TEST:" lines on the serial console are the host's markers.
T=/var/lib/mmab-test
say() { echo "MMAB-TEST: $*" > /dev/ttyS0; }
rel=$(uname -r)
mark=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^mmab\.boot=//p')

if [ ! -e $T/started ]; then
	touch $T/started
	xargs -d '\n' -a $T/args mmab run --dry-run --kexec > $T/dry-run.out 2>&1
	echo $? > $T/dry-run.rc
	sync
	# the shutdown for the kexec may stop this unit before the status is written
	xargs -d '\n' -a $T/args mmab run --kexec > $T/run.out 2> $T/run.err
	rc=$?
	echo $rc > $T/run.rc
	sync
	say "started: exit $rc"
	if [ $rc -ne 0 ]; then
		say "done: mmab run --kexec failed"
		systemctl --no-block poweroff
	fi
	exit 0
fi
if [ -e /var/lib/mmab/kexec/state.json ]; then
	# the run is in progress, yet mmab-resume.service did not kexec: it failed
	journalctl -b --no-pager -o short-monotonic > $T/failed-boot.log 2>&1
	sync
	say "done: mmab-resume.service did not go on (see failed-boot.log)"
	systemctl --no-block poweroff
	exit 0
fi
systemctl is-enabled mmab-resume.service > $T/unit-after 2>&1
ls /lib/modules > $T/modules-after
journalctl --no-pager -o short-monotonic -u mmab-resume.service > $T/resume.log 2>&1
sync
say "done: $rel, mark ${mark:--}"
systemctl --no-block poweroff

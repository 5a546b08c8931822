#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mmab-test-status.service, before mmab-resume.service on every boot (which
# may kexec away before anything ordered after it runs): the boot recorded
# in $T/boots.log ("N RELEASE MARK") and, while a multi-boot run is in
# progress, what `mmab run --dry-run --resume` says of it in $T/status.log.
T=/var/lib/mmab-test
n=$(($(cat $T/boots 2>/dev/null || echo 0) + 1))
echo $n > $T/boots
rel=$(uname -r)
mark=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^mmab\.boot=//p')
echo "$n $rel ${mark:--}" >> $T/boots.log
echo "MMAB-TEST: boot $n: $rel, mark ${mark:--}" > /dev/ttyS0
if [ -e /var/lib/mmab/kexec/state.json ] && [ -s $T/run.out ]; then
	echo "== boot $n" >> $T/status.log
	mmab run --dry-run --resume "$(tail -n 1 $T/run.out)" >> $T/status.log 2>&1
fi
sync
exit 0

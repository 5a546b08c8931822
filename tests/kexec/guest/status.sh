#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mmab-test-status.service, before mmab-resume.service on every boot: while
# a multi-boot run is in progress, what `mmab run --dry-run --resume` says
# of it, appended to $T/status.log.
T=/var/lib/mmab-test
[ -e /var/lib/mmab/kexec/state.json ] && [ -s $T/run.out ] || exit 0
echo "== boot $(($(cat $T/boots 2>/dev/null || echo 0) + 1))" >> $T/status.log
mmab run --dry-run --resume "$(tail -n 1 $T/run.out)" >> $T/status.log 2>&1
exit 0

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mmab-test-crash.service: a kernel booted with mmabtest.crash panics once
# pstore (ramoops) can keep the record, before the run resumes: the kernel
# under test that does not come back.
i=0
while [ ! -d /sys/module/ramoops ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
echo "MMAB-TEST: crashing $(uname -r)" > /dev/ttyS0
sync
echo 1 > /proc/sys/kernel/sysrq
echo c > /proc/sysrq-trigger

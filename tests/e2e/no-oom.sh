#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# No OOM at the default settings (issue 11, item 3): every workload of the
# quick suite (each built-in workload, with the options the suite gives it)
# at the quick scale, 5 iterations, one variant (madvise), as root and for
# real: every step ok, no OOM kill anywhere on the machine (vmstat
# oom_kill), no step recorded as oom or ballast-oom.  Budget: 5 minutes.
# Every knob as found, no cgroup left.
. tests/lib.sh

need_root
mktmp
knob_snapshot "$tmp/before"
oom_kills() { sed -n 's/^oom_kill //p' /proc/vmstat; }

sed 's/^iterations = .*/iterations = 5/' runner/suites/quick.ini > "$tmp/quick5.ini"
ooms0=$(oom_kills)
"$MMAB" run -s "$tmp/quick5.ini" --variant madvise -l q5 -o "$tmp/res" >"$tmp/out" 2>"$tmp/err"
rc=$?
ooms=$(( $(oom_kills) - ooms0 ))
check "quick suite, 5 iterations: exit 0 (got $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || tail -n 5 "$tmp/err" | sed 's/^/# /'
set=$(tail -n 1 "$tmp/out")/q5-madvise
steps=$(tail -n +2 "$set/status.csv" | wc -l)
bad=$(tail -n +2 "$set/status.csv" | awk -F, '$3 != "ok" && $3 != "skipped"' | wc -l)
oomsteps=$(tail -n +2 "$set/status.csv" | awk -F, '$4 ~ /oom/' | wc -l)
workloads=$(tail -n +2 "$set/status.csv" | cut -d, -f1 | sort -u | wc -l)
echo "# $steps steps of $workloads workloads, $bad not ok, $ooms OOM kills"
tail -n +2 "$set/status.csv" | awk -F, '$3 != "ok"' | sed 's/^/# not ok: /'
check "every workload of the suite ran 5 times ($steps steps, $workloads workloads)" \
	[ "$steps" -eq $((workloads * 5)) -a "$workloads" -ge 8 ]
check "every step ok or skipped ($bad failed)" [ "$bad" -eq 0 ]
check "no OOM kill on the machine ($ooms)" [ "$ooms" -eq 0 ]
check "no step recorded as oom or ballast-oom ($oomsteps)" [ "$oomsteps" -eq 0 ]

machine_as_found "no-oom"
echo "1..$_n"
exit $_failed

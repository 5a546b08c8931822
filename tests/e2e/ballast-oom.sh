#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The ballast against the global OOM killer, for real, as root.  At an
# effective size of 512 MiB, thp faults 2 GiB of anonymous memory (no
# memory cgroup limit: the OOM can only be global): the OOM killer must
# take the workload, which raised its oom_score_adj to 1000 because a
# ballast is in place, not the ballast holder (23 GiB, oom_score_adj 0 where
# the -1000 it asks for is refused, as on the test VM) nor the runner: the
# step is recorded as `oom`, the holder survives it and mmab exits 0.  Then
# the holder is killed during an idle step (SIGKILL from here, standing in
# for an OOM kill the score cannot prevent): that step is `ballast-oom`
# and the next one runs on a new ballast.  Every knob as found, no cgroup.
. tests/lib.sh

need_root
mktmp
knob_snapshot "$tmp/before"
oom_kills() { sed -n 's/^oom_kill //p' /proc/vmstat; }

printf '%s\n' '[suite]' 'settle = no' 'collectors = vmstat' 'iterations = 1' 'scale = 512M' \
	'timeout = 60' '' '[thp]' 'size = 400%' 'threads = 1' 'fragment = none' \
	'' '[idle killed]' 'duration = 6' '' \
	'[idle after]' 'duration = 0.5' > "$tmp/oom.ini"
ooms0=$(oom_kills)
"$MMAB" run -s "$tmp/oom.ini" -l oom -o "$tmp/res" >"$tmp/out" 2>"$tmp/err" &
pid=$!
# the idle step's cgroup shows it is running: kill the ballast holder then
killed=
for _ in $(seq 1 1200); do
	if [ -d /sys/fs/cgroup/memory/mmab-$pid-killed ] ||
	   [ -d /sys/fs/cgroup/unified/mmab-$pid-killed ] ||
	   [ -d /sys/fs/cgroup/mmab-$pid-killed ]; then
		bpid=$(pgrep -P $pid -x mmab-ballast)
		[ -n "$bpid" ] && kill -KILL $bpid && killed=$bpid
		break
	fi
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
wait $pid
rc=$?
check "exit 0 (got $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/err"
set=$(tail -n 1 "$tmp/out")/oom
st=$set/status.csv
sed 's/^/# /' "$st"

check "a global OOM kill happened (vmstat oom_kill $ooms0 -> $(oom_kills))" \
	[ "$(oom_kills)" -gt "$ooms0" ]
check "the workload was the OOM killer's choice: thp recorded as oom" \
	grep -q '^thp,1,failed,oom,' "$st"
check "its cgroup counted the kill" \
	grep -Eq '"oom_kills": [1-9]' "$set/thp/1/iteration.json"
check "the ballast survived the OOM (no ballast-oom on that step)" \
	sh -c "! grep -q '^thp,.*ballast-oom' '$st'"
# (whether the next step reuses it depends on how far MemAvailable drifted)
check "the OOM step's iteration.json does not say the ballast was killed" \
	sh -c "! grep -q ballast_killed '$set/thp/1/iteration.json'"

check "the ballast holder was found and killed during the idle step" [ -n "$killed" ]
check "that step: failed, ballast-oom" grep -q '^killed,1,failed,ballast-oom,0,,' "$st"
check "that step: iteration.json says so" \
	grep -q '"ballast_killed": true' "$set/killed/1/iteration.json"
check "that step: its stderr.log says so" \
	grep -q 'ballast holder was killed' "$set/killed/1/stderr.log"
check "the step after it: ok" grep -q '^after,1,ok,' "$st"
check "the step after it: a new ballast, not the dead one" \
	grep -q '"reused": false' "$set/after/1/iteration.json"
check "the step after it: the ballast holds memory" \
	grep -Eq '"bytes": [1-9][0-9]{9,}' "$set/after/1/iteration.json"
check "no ballast holder left" sh -c "! pgrep -P $pid -x mmab-ballast >/dev/null"

machine_as_found "ballast OOM"

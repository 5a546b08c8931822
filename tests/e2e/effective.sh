#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The effective size made by taking memory offline, for real, as root
# (skipped where /sys/devices/system/memory does not allow it): MemTotal
# shrinks during the step and comes back after the run; iteration.json
# says which method was used; kill -9 of the runner brings the memory back
# at once (the holder does it), kill -9 of the runner and its holder
# together leaves it to `mmab restore` (the journal); effective_method =
# mlock still makes an mlock ballast.  Every knob as found, no cgroup.
. tests/lib.sh

need_root
[ -r /sys/devices/system/memory/block_size_bytes ] || skip_all "no memory hotplug here"
mktmp
knob_snapshot "$tmp/before"

offline() { grep -l '^offline' /sys/devices/system/memory/memory*/state 2>/dev/null | wc -l; }
memtotal() { sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
off0=$(offline)
total0=$(memtotal)

suite() {	# suite METHOD DURATION
	printf '%s\n' '[suite]' 'collectors = meminfo' 'iterations = 1' 'scale = 1G' \
		"effective_method = $1" 'timeout = 60' '' '[idle]' "duration = $2" '' \
		'[idle second]' 'duration = 0.2'
}

# ---- a run ----
suite hotplug 1 > "$tmp/hp.ini"
"$MMAB" run -s "$tmp/hp.ini" -l hp -o "$tmp/res" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "hotplug run: exit 0 (got $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/err"
set=$(tail -n 1 "$tmp/out")/hp
check "iteration.json: effective_size_method hotplug" \
	grep -q '"effective_size_method": "hotplug"' "$set/idle/1/iteration.json"
check "iteration.json: memory went offline" \
	grep -Eq '"offline_bytes": [1-9]' "$set/idle/1/iteration.json"
check "the second step kept it" grep -q '"reused": true' "$set/second/1/iteration.json"
# MemTotal as the step's meminfo collector saw it: the smaller machine
col=$(head -n 1 "$set/idle/1/meminfo.csv" | tr ',' '\n' | grep -n '^MemTotal$' | cut -d: -f1)
during=$(sed -n 2p "$set/idle/1/meminfo.csv" | cut -d, -f"$col")
echo "# MemTotal $total0 kB before, $during kB during the step, $(memtotal) kB after"
# how much goes offline depends on what else the machine holds (blocks with
# unmovable pages refuse); MemTotal must shrink by exactly what was reported
offb=$(sed -n 's/.*"offline_bytes": \([0-9]*\).*/\1/p' "$set/idle/1/iteration.json")
check "MemTotal during the step is smaller by offline_bytes ($offb)" \
	[ "$during" -eq $((total0 - ${offb:-0} / 1024)) ]
check "every block back online after the run" [ "$(offline)" -eq "$off0" ]
check "MemTotal back after the run" [ "$(memtotal)" -eq "$total0" ]

# ---- kill -9 of the runner: the holder brings the memory back ----
suite hotplug 30 > "$tmp/long.ini"
"$MMAB" run -s "$tmp/long.ini" -l k1 -o "$tmp/res" >/dev/null 2>&1 &
pid=$!
# the holder is forked once the blocks are offline: wait for it, or the
# runner dies before anyone stands guard
for _ in $(seq 1 300); do
	pgrep -P $pid -x mmab-ballast >/dev/null && [ "$(offline)" -gt "$off0" ] && break
	sleep 0.1
done
check "memory offline while the step runs" [ "$(offline)" -gt "$off0" ]
kill -KILL $pid
wait $pid 2>/dev/null
for _ in $(seq 1 50); do
	[ "$(offline)" -eq "$off0" ] && break
	sleep 0.1
done
check "kill -9 of the runner: every block back online" [ "$(offline)" -eq "$off0" ]
"$MMAB" restore >"$tmp/restore" 2>&1
check "mmab restore after it: exit 0 (got $?)" [ $? -eq 0 ]

# ---- kill -9 of the runner and its holder: the journal brings it back ----
"$MMAB" run -s "$tmp/long.ini" -l k2 -o "$tmp/res" >/dev/null 2>&1 &
pid=$!
holder=
for _ in $(seq 1 300); do
	holder=$(pgrep -P $pid -x mmab-ballast)
	[ -n "$holder" ] && [ "$(offline)" -gt "$off0" ] && break
	sleep 0.1
done
# the holder first: the runner's death would have it bring the memory back
kill -KILL $holder
kill -KILL $pid
wait $pid 2>/dev/null
sleep 1
check "kill -9 of both: memory still offline ($(offline) blocks)" [ "$(offline)" -gt "$off0" ]
"$MMAB" restore >"$tmp/restore" 2>&1
rc=$?
sed 's/^/# /' "$tmp/restore" | tail -n 3
check "mmab restore: exit 0 (got $rc)" [ $rc -eq 0 ]
check "mmab restore: every block back online" [ "$(offline)" -eq "$off0" ]
check "mmab restore: MemTotal back" [ "$(memtotal)" -eq "$total0" ]

# ---- the mlock ballast on request ----
suite mlock 0.5 > "$tmp/ml.ini"
"$MMAB" run -s "$tmp/ml.ini" -l ml -o "$tmp/res" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "mlock run: exit 0 (got $rc)" [ $rc -eq 0 ]
set=$(tail -n 1 "$tmp/out")/ml
check "iteration.json: effective_size_method mlock" \
	grep -q '"effective_size_method": "mlock"' "$set/idle/1/iteration.json"
check "no block offline after the mlock run" [ "$(offline)" -eq "$off0" ]

machine_as_found "effective"
echo "1..$_n"
exit $_failed

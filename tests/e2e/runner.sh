#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The runner's loose ends, end to end.  Without root: bad `events` lines
# (each collector's own check) refused as FILE:LINE with exit 2 before
# anything exists, and a step's dry-run estimate never above its timeout.
# As root, for real (a few seconds): with the results directory on tmpfs,
# dirty-mmap's setup finds no writeback there and the iteration is
# recorded as skipped with that reason, not failed; a fio job that cannot
# be read fails with the workload's own message said once; metadata.json
# records the results directory's file system and read-ahead, checked
# against findmnt and sysfs; every knob as found, no cgroup left.
. tests/lib.sh

mktmp
fx=tests/fixtures/suites

# ---- bad events: every bad line, exit 2, nothing created
"$MMAB" run -s $fx/events-bad.ini -o "$tmp/bad" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "bad events: exit 2 (got $rc)" [ $rc -eq 2 ]
for line in 9 10 14 17; do
	check "bad events: line $line reported" grep -q "^$fx/events-bad.ini:$line: " "$tmp/err"
done
check "bad events: nothing else reported" [ "$(wc -l < "$tmp/err")" -eq 4 ]
check "bad events: nothing created" [ ! -e "$tmp/bad" ]
"$MMAB" run --dry-run -s $fx/events-bad.ini >/dev/null 2>&1
check "bad events: --dry-run exits 2 too" [ $? -eq 2 ]

# ---- the plan's estimate of a step stops at its timeout
printf '%s\n' '[suite]' 'settle = no' 'collectors = vmstat' '' '[dirty-mmap]' 'size = 8G' \
	'timeout = 3' '' '[idle]' 'duration = 2' > "$tmp/eta.ini"
"$MMAB" run --dry-run -s "$tmp/eta.ini" -n 1 >"$tmp/out" 2>"$tmp/err"
check "dry run: exit 0" [ $? -eq 0 ]
check "dry run: 8G of dirty-mmap with timeout = 3 is estimated at 3s" \
	grep -Eq '^ +1  dirty-mmap #1 +3s$' "$tmp/out"
check "dry run: the total is the sum (3s + 2s)" grep -qx 'estimated time: 5s' "$tmp/out"

# ---- for real, as root
need_root
knob_snapshot "$tmp/before"
# json_in FILE KEY: the line of "KEY": in FILE, without indentation
json_in() { sed -n "s/^ *\"$2\": //p" "$1" | head -n 1; }

printf '%s\n' '[suite]' 'settle = no' 'collectors = vmstat' 'iterations = 1' '' \
	'[dirty-mmap]' 'size = 64M' 'timeout = 60' '' '[fio broken]' \
	'job = /nonexistent/mmab-job.fio' 'timeout = 60' '' '[idle]' 'duration = 0.2' \
	> "$tmp/real.ini"
shm=/dev/shm/mmab-e2e-runner.$$
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" != tmpfs ]; then
	skip "results on tmpfs: /dev/shm is not a tmpfs here"
else
	trap 'rm -rf "$tmp" "$shm"' EXIT
	"$MMAB" run -s "$tmp/real.ini" -l shm -o "$shm" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "tmpfs run: exit 0 (got $rc)" [ $rc -eq 0 ]
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/err"
	set=$(tail -n 1 "$tmp/out")/shm
	check "dirty-mmap on tmpfs: skipped with its reason, not failed" \
		grep -q "^dirty-mmap,1,skipped,\"\?dirty-mmap: '.*' is on tmpfs, which has no writeback" \
		"$set/status.csv"
	check "dirty-mmap on tmpfs: exit 4 recorded" grep -q '^dirty-mmap,1,skipped,.*,4,,' \
		"$set/status.csv"
	check "dirty-mmap on tmpfs: its scratch files are gone" \
		sh -c "! ls '$(dirname "$set")/scratch' >/dev/null 2>&1"
	if command -v fio >/dev/null 2>&1; then
		log=$set/broken/1/stderr.log
		check "a job fio cannot read: failed" grep -q '^broken,1,failed,exit,1,' "$set/status.csv"
		check "a job fio cannot read: the workload says why, once" \
			[ "$(grep -c "job '/nonexistent/mmab-job.fio' is neither" "$log")" -eq 1 ]
		check "a job fio cannot read: no second, vaguer message" \
			sh -c "! grep -q 'run failed' '$log'"
	else
		skip "a failing fio job: fio is not installed"
	fi
	check "idle beside them: ok" grep -q '^idle,1,ok,' "$set/status.csv"
	check "metadata.json: storage on tmpfs" \
		[ "$(json_in "$set/metadata.json" fs_type)" = '"tmpfs",' ]
	check "metadata.json: no read-ahead on tmpfs" \
		[ "$(json_in "$set/metadata.json" read_ahead_kb)" = 'null' ]
	rm -rf "$shm"
fi

# the same schema on the disk the tests run from
printf '%s\n' '[suite]' 'settle = no' 'collectors = vmstat' 'iterations = 1' '' \
	'[idle]' 'duration = 0.2' > "$tmp/disk.ini"
"$MMAB" run -s "$tmp/disk.ini" -l disk -o "$tmp/results" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "disk run: exit 0 (got $rc)" [ $rc -eq 0 ]
meta=$(tail -n 1 "$tmp/out")/disk/metadata.json
fstype=$(findmnt -n -o FSTYPE --target "$tmp/results")
check "metadata.json: the results' file system, as findmnt says ($fstype)" \
	[ "$(json_in "$meta" fs_type)" = "\"$fstype\"," ]
dev=$(findmnt -n -o MAJ:MIN --target "$tmp/results" | tr -d ' ')
ra=
for q in /sys/dev/block/$dev/queue/read_ahead_kb /sys/dev/block/$dev/../queue/read_ahead_kb; do
	[ -z "$ra" ] && [ -r "$q" ] && ra=$(cat "$q")
done
if [ -n "$ra" ]; then
	check "metadata.json: read_ahead_kb is the device's queue's ($ra)" \
		[ "$(json_in "$meta" read_ahead_kb)" = "$ra" ]
else
	check "metadata.json: no block device under the results ($dev): null" \
		[ "$(json_in "$meta" read_ahead_kb)" = 'null' ]
fi

machine_as_found "runner"
echo "1..$_n"
exit $_failed

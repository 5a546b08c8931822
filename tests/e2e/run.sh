#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mmab run for real, as root: bad input exits 2 naming FILE:LINE with nothing
# touched; --dry-run touches nothing; not root exits 4; a two-variant run of
# the idle workload writes two result sets, runs A B A B (seen by a witness
# sampling the variant knob from outside) and leaves every knob as found;
# kill -9 mid-iteration leaves the variant knob changed until `mmab restore`
# puts it back, and --resume completes the run; SIGTERM restores at once and
# exits 143; an OOM-killed iteration is recorded and the run carries on.
. tests/lib.sh

need_root
"$MMAB" run --dry-run -s tests/fixtures/suites/run-ab.ini >/dev/null 2>&1 ||
	skip_all "mmab run or the idle workload is not in this build"

mktmp
fx=tests/fixtures/suites
# (not $k or $d: tests/lib.sh uses them)
expire=/proc/sys/vm/dirty_expire_centisecs
k0=$(cat $expire)

# json_key FILE KEY: a top-level key of an mmab JSON file (indented by 2)
json_key() { grep -q "^  \"$2\": " "$1"; }

knob_snapshot "$tmp/before"

# ---- bad input: exit 2, FILE:LINE, nothing created or changed (refused: tests/lib.sh)
refused "bad suite" 'run-bad.ini:9: ' -s $fx/run-bad.ini
printf '[suite]\nname = x\n\n[idle]\nduration = 1\n\n[variant v]\n/etc/hostname = evil\n' \
	> "$tmp/badknob.ini"
refused "knob outside /proc/sys and /sys/kernel/mm" 'badknob.ini:8: ' -s "$tmp/badknob.ini"
refused "-l ../escape" "label '../escape' is not a plain name" -s $fx/run-ab.ini -l ../escape
refused "--only nosuch" "unknown workload 'nosuch'; valid: idle" -s $fx/run-ab.ini --only nosuch
refused "--scale 999T" "more than this machine's memory" -s $fx/run-ab.ini --scale 999T
refused "-n 0" "expected a number of iterations" -s $fx/run-ab.ini -n 0
# a value the kernel refuses is found before the first iteration, and undone
printf '%s\n' '[suite]' 'name = x' '' '[idle]' 'duration = 1' '' '[variant v]' \
	'vm.dirty_expire_centisecs = 1234' 'vm.swappiness = -5' > "$tmp/refused.ini"
refused "a value the kernel refuses" 'refused.ini:9: variant v: cannot set vm.swappiness' \
	-s "$tmp/refused.ini"
check "bad input created no results directory" [ ! -e "$tmp/bad" ]
machine_as_found "bad input"

# ---- --dry-run prints the plan and touches nothing
"$MMAB" run --dry-run -s $fx/run-ab.ini -l dry -o "$tmp/dry" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "--dry-run: exit 0 (got $rc)" [ $rc -eq 0 ]
check "--dry-run: knob change shown as current -> new" \
	grep -q "vm.dirty_expire_centisecs *$k0 -> 2999" "$tmp/out"
check "--dry-run: four steps, interleaved" \
	sh -c "grep -E '^ +[0-9]+  idle #' '$tmp/out' | awk '{print \$4}' | tr '\n' ' ' |
		grep -qx '\[a\] \[b\] \[a\] \[b\] '"
check "--dry-run: estimated time" grep -q '^estimated time: ' "$tmp/out"
check "--dry-run: no results directory" [ ! -e "$tmp/dry" ]
machine_as_found "--dry-run"

# ---- not root: exit 4, nothing done; --dry-run still works
if command -v setpriv >/dev/null 2>&1; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$MMAB" run -s $fx/run-ab.ini -o "$tmp/nr" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "not root: exit 4 (got $rc)" [ $rc -eq 4 ]
	check "not root: says it needs root" grep -q 'needs root' "$tmp/err"
	check "not root: no results directory" [ ! -e "$tmp/nr" ]
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$MMAB" run --dry-run -s $fx/run-ab.ini >"$tmp/out" 2>"$tmp/err"
	check "not root: --dry-run exits 0" [ $? -eq 0 ]
else
	skip "not root: setpriv is not installed"
fi

# ---- the A/B run, with a witness of the variant knob from outside
( while :; do cat $expire; sleep 0.02; done ) > "$tmp/seen" 2>/dev/null &
witness=$!
"$MMAB" run -s $fx/run-ab.ini -l e2e -o "$tmp/results" >"$tmp/out" 2>"$tmp/err"
rc=$?
kill $witness 2>/dev/null
wait $witness 2>/dev/null
check "A/B run: exit 0 (got $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/err"
run=$(tail -n 1 "$tmp/out")
check "A/B run: the last stdout line is the run directory" [ -d "$run" ]
check "run id is LABEL-YYYYmmdd-HHMMSS ($(basename "$run"))" \
	sh -c "basename '$run' | grep -Eqx 'e2e-[0-9]{8}-[0-9]{6}'"
for set in e2e-a e2e-b; do
	m=$run/$set/metadata.json
	missing=
	for key in mmab_version label variant run_id suite start end uname cmdline \
		kernel_config_sha256 hostname cpu_model cpus mem_total_kb thp knobs cgroup \
		effective_memory_bytes collectors workloads seed argv; do
		json_key "$m" $key || missing="$missing $key"
	done
	check "$set: metadata.json has every key${missing:+ (missing:$missing)}" [ -z "$missing" ]
	check "$set: end time written" grep -q '^  "end": "20' "$m"
	check "$set: suite.ini is the suite as run" cmp -s $fx/run-ab.ini "$run/$set/suite.ini"
	rows=$(tail -n +2 "$run/$set/status.csv" | cut -d, -f1-4 | tr '\n' ' ')
	check "$set: status.csv rows ($rows)" [ "$rows" = "idle,1,ok, idle,2,ok, " ]
	check "$set: metrics.csv with its header" \
		grep -qx 'metric,value,unit,direction,aggregate' "$run/$set/idle/1/metrics.csv"
	check "$set: vmstat.csv sampled" [ -s "$run/$set/idle/2/vmstat.csv" ]
done
check "e2e-a: as_run holds the variant's value" \
	grep -q '"vm.dirty_writeback_centisecs": "499"' "$run/e2e-a/metadata.json"
check "e2e-b: variant recorded" grep -q '^  "variant": "b"' "$run/e2e-b/metadata.json"
order=$(grep -o '"set": "[^"]*"' "$run/run.json" | cut -d'"' -f4 | tr '\n' ' ')
check "run.json plan is A B A B ($order)" [ "$order" = "e2e-a e2e-b e2e-a e2e-b " ]
# the values in place over time, the boot value left out (between two
# steps it is back for microseconds only: a 20 ms witness rarely sees it);
# the check before the first iteration sets each variant for microseconds
# too, which the witness may catch: that is the optional prefix
seen=$(uniq "$tmp/seen" | grep -vx "$k0" | uniq | tr '\n' ' ')
check "the witness saw the variants in place in turn: 2999 1501 2999 1501 ($seen)" \
	sh -c "echo '$seen' | grep -Eqx '((2999 )?1501 )?2999 1501 2999 1501 '"
check "no scratch directory left" [ ! -e "$run/scratch" ]
machine_as_found "A/B run"

# signal_mid_run LABEL SIGNAL: start run-kill.ini, wait until its first
# variant's knob is in place and its 3 s iteration is 1 s in, send SIGNAL
signal_mid_run() {
	"$MMAB" run -s $fx/run-kill.ini -l "$1" -o "$tmp/$1" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	i=0
	while [ "$(cat $expire)" != 2998 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 1
	kill -"$2" $pid
}

# ---- kill -9 mid-iteration, restore, resume
signal_mid_run kill KILL
wait $pid 2>/dev/null
check "kill -9 mid-iteration: the variant's knob is still changed" [ "$(cat $expire)" = 2998 ]
"$MMAB" restore >"$tmp/rout" 2>"$tmp/rerr"
check "mmab restore: exit 0" [ $? -eq 0 ]
check "mmab restore: the knob is back to $k0" [ "$(cat $expire)" = "$k0" ]
left=$(mmab_cgroups)
check "mmab restore: no mmab cgroup left ${left}" [ -z "$left" ]
krun=$(ls -d "$tmp"/kill/kill-* 2>/dev/null | head -n 1)
check "the killed run left its run directory" [ -f "$krun/run.json" ]
check "the killed iteration has no status row" \
	[ "$(tail -n +2 "$krun/kill-slow/status.csv" | wc -l)" -eq 0 ]
check "the killed iteration left its directory" [ -d "$krun/kill-slow/idle/1" ]
: > "$krun/kill-slow/idle/1/left-by-the-killed-run"
"$MMAB" run --dry-run --resume "$krun" >"$tmp/out" 2>"$tmp/err"
check "--dry-run --resume: both steps still to do" \
	[ "$(grep -cE '^ +[12]  idle #1 \[(slow|fast)\] +[0-9]+s$' "$tmp/out")" -eq 2 ]
"$MMAB" run --resume "$krun" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "--resume: exit 0 (got $rc)" [ $rc -eq 0 ]
check "--resume: the last line is the run directory" [ "$(tail -n 1 "$tmp/out")" = "$krun" ]
for set in kill-slow kill-fast; do
	rows=$(tail -n +2 "$krun/$set/status.csv" | cut -d, -f1-3 | tr '\n' ' ')
	check "--resume: $set completed once ($rows)" [ "$rows" = "idle,1,ok " ]
done
check "--resume: recorded in metadata.json" json_key "$krun/kill-slow/metadata.json" resumed
check "--resume: the half-written iteration was cleared and redone" \
	sh -c "[ ! -e '$krun/kill-slow/idle/1/left-by-the-killed-run' ] &&
		[ -s '$krun/kill-slow/idle/1/metrics.csv' ]"
machine_as_found "kill -9, restore, resume"

# ---- SIGTERM: restore at once, exit 143, the step left for --resume
signal_mid_run term TERM
wait $pid
rc=$?
check "SIGTERM: exit 143 (got $rc)" [ $rc -eq 143 ]
check "SIGTERM: the knob is back at once" [ "$(cat $expire)" = "$k0" ]
trun=$(ls -d "$tmp"/term/term-* 2>/dev/null | head -n 1)
check "SIGTERM: the interrupted step has no status row" \
	[ "$(tail -n +2 "$trun/term-slow/status.csv" | wc -l)" -eq 0 ]
machine_as_found "SIGTERM"

# ---- an OOM kill is a result: recorded, and the run goes on
if "$MMAB" run --dry-run -s $fx/run-oom.ini >/dev/null 2>&1; then
	"$MMAB" run -s $fx/run-oom.ini -l oom -o "$tmp/oom" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "OOM run: exit 0 (got $rc)" [ $rc -eq 0 ]
	orun=$(tail -n 1 "$tmp/out")
	check "OOM run: thp in 64M recorded as failed/oom" \
		grep -q '^oom,1,failed,oom,' "$orun/oom/status.csv"
	check "OOM run: the next workload still ran" grep -q '^after,1,ok,' "$orun/oom/status.csv"
	machine_as_found "OOM run"
else
	skip "OOM run: the thp workload is not in this build"
fi

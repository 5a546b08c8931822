#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mmab collect for real, as root, around a command that faults in and frees
# 64 MiB (dd's buffer, read from /dev/zero) and dirties 64 MiB of page cache
# (the file it writes).  The result set must be valid, and its vmstat deltas
# (first to last row of vmstat.csv) must agree with an independent read of
# /proc/vmstat before and after the mmab command: never more than the
# bracketing deltas for a counter that only grows (the window is inside the
# bracket), at least what the command itself did, and close to the bracket
# for the counter the command drives (nr_dirtied).
. tests/lib.sh

need_root
"$MMAB" collect --help 2>/dev/null | grep -q 'COMMAND' ||
	skip_all "mmab collect is not in this build"
"$MMAB" list collectors 2>/dev/null | grep -q '^vmstat' ||
	skip_all "no vmstat collector in this build"

mktmp
pages=16384	# 64 MiB in 4 KiB pages
knob_snapshot "$tmp/before"

cp /proc/vmstat "$tmp/vm0"
cols=vmstat
"$MMAB" list collectors 2>/dev/null | grep -q '^meminfo' && cols=vmstat,meminfo
"$MMAB" collect -c $cols -i 50 -o "$tmp/c" -- \
	dd if=/dev/zero of="$tmp/file" bs=64M count=1 >"$tmp/out" 2>"$tmp/err"
rc=$?
cp /proc/vmstat "$tmp/vm1"
check "collect: exit 0 (got $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/err"
check "collect: the last stdout line is the directory" [ "$(tail -n 1 "$tmp/out")" = "$tmp/c" ]
check "collect: metadata.json written" grep -q '^  "label": "c"' "$tmp/c/metadata.json"
check "collect: end time written" grep -q '^  "end": "20' "$tmp/c/metadata.json"
check "collect: the command recorded" grep -q '"command": \[' "$tmp/c/metadata.json"
check "collect: status.csv row" grep -q '^command,1,ok,,0,,' "$tmp/c/status.csv"
check "collect: the command's stderr captured" grep -q 'records out' "$tmp/c/command/1/stderr.log"
check "collect: metrics.csv" grep -q '^elapsed_s,' "$tmp/c/command/1/metrics.csv"
if "$MMAB" list collectors 2>/dev/null | grep -q '^meminfo'; then
	check "collect: meminfo.csv too" [ -s "$tmp/c/command/1/meminfo.csv" ]
else
	skip "collect: no meminfo collector in this build"
fi
check "collect: the summary prints" grep -q 'biggest /proc/vmstat changes' "$tmp/out"
rows=$(($(wc -l < "$tmp/c/command/1/vmstat.csv") - 1))
check "collect: vmstat.csv has a start and an end sample ($rows rows)" [ "$rows" -ge 2 ]

# le A B: A <= B, both numbers
le() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -le "$2" ]; }
# delta NAME: first-to-last of vmstat.csv; bracket NAME: the outside read
delta() {
	awk -F, -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next }
		NR == 2 { a = $c } { b = $c } END { if (c) print b - a }' "$tmp/c/command/1/vmstat.csv"
}
bracket() {
	a=$(awk -v n="$1" '$1 == n {print $2}' "$tmp/vm0")
	b=$(awk -v n="$1" '$1 == n {print $2}' "$tmp/vm1")
	echo $((b - a))
}
# (not $d: tests/lib.sh's check() uses it)
for c in pgfault nr_dirtied pgalloc_normal pgfree; do
	in=$(delta $c)
	out=$(bracket $c)
	echo "# $c: collect $in, bracketing $out"
	check "$c: collect delta within the bracketing delta ($in <= $out)" le "$in" "$out"
done
in=$(delta nr_dirtied)
out=$(bracket nr_dirtied)
check "nr_dirtied: at least the 64 MiB the command wrote ($in >= $pages)" le $pages "$in"
check "nr_dirtied: outside the window less than the command itself ($((out - ${in:-0})) < $pages)" \
	[ $((out - ${in:-0})) -lt $pages ]
in=$(delta pgfault)
check "pgfault: at least dd's 64 MiB buffer ($in >= $pages)" le $pages "$in"

# every counter that only grows: never more inside the window than around it
bad=$(awk '
	FILENAME ~ /vm0$/ { vm0[$1] = $2; next }
	FILENAME ~ /vm1$/ { vm1[$1] = $2; next }
	FNR == 1 { for (i = 2; i <= NF; i++) name[i] = $i; n = NF; next }
	FNR == 2 { for (i = 2; i <= n; i++) first[i] = $i }
	{ for (i = 2; i <= n; i++) last[i] = $i }
	END {
		for (i = 2; i <= n; i++) {
			c = name[i]
			# gauges (nr_free_pages, workingset_nodes) go either way; nr_dirtied
			# and nr_written are events
			if (c ~ /^nr_/ && c != "nr_dirtied" && c != "nr_written") continue
			if (c == "workingset_nodes") continue
			if (!(c in vm0) || !(c in vm1)) continue
			if (last[i] - first[i] > vm1[c] - vm0[c]) printf "%s ", c
		}
	}' "$tmp/vm0" "$tmp/vm1" FS=, "$tmp/c/command/1/vmstat.csv")
check "no event counter grew more inside the window than around it${bad:+ ($bad)}" [ -z "$bad" ]

# a failing command is data: recorded, exit 1
"$MMAB" collect -c vmstat -o "$tmp/f" -- false >"$tmp/out" 2>"$tmp/err"
rc=$?
check "failing command: exit 1 (got $rc)" [ $rc -eq 1 ]
check "failing command: recorded as failed/exit 1" \
	grep -q '^command,1,failed,exit,1,,' "$tmp/f/status.csv"

# bad input: exit 2, nothing written
"$MMAB" collect -c nosuch -o "$tmp/x" -- true >"$tmp/out" 2>"$tmp/err"
rc=$?
check "unknown collector: exit 2, valid ones listed" \
	sh -c "[ $rc -eq 2 ] && grep -q \"unknown collector 'nosuch'; valid: .*vmstat\" '$tmp/err'"
"$MMAB" collect -o "$tmp/x" -- /no/such/command >"$tmp/out" 2>"$tmp/err"
check "missing command: exit 2" [ $? -eq 2 ]
"$MMAB" collect -o "$tmp/c" -- true >"$tmp/out" 2>"$tmp/err"
check "an existing result set is never overwritten: exit 2" [ $? -eq 2 ]
check "bad input wrote nothing" [ ! -e "$tmp/x" ]
if command -v setpriv >/dev/null 2>&1; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$MMAB" collect -o "$tmp/nr" -- true >"$tmp/out" 2>"$tmp/err"
	check "not root: exit 4" [ $? -eq 4 ]
else
	skip "not root: setpriv is not installed"
fi

machine_as_found "collect"


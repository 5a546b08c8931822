#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make bench: how fast the nightly history is (issue 10's targets: check
# of 365 nights x the nightly suite's series in 2 s or less, the site in
# 30 s or less, on the 2-CPU test machine).
#
# The data: a real result set ($MMAB_BENCH_SET; else, as root, a fresh
# `mmab run -s quick -n 2 --variant madvise`, every workload; else the
# captured fixture set), made nightly-sized: under each of the 14 workload
# ids of the built-in nightly suite, 5 iterations of the workload it runs
# (hugetlb-churn: hugetlb's, ...; a workload the set lacks: its first
# one's), so a set holds about as many series as a nightly run; then 365
# nights of it with a step (tests/history-nights.sh).
#
# Usage: bench-history.sh OUT_DIR   (MMAB: the binary).  Prints a table,
# writes OUT_DIR/history.csv; exits 1 only when it could not measure.
. tests/history-nights.sh

out=${1:-build/bench-results}
: "${MMAB:=./mmab}"
case $MMAB in /*) ;; *) MMAB=$(pwd)/$MMAB ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmab-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# ---- a real set ----
if [ -n "${MMAB_BENCH_SET:-}" ]; then
	src=$MMAB_BENCH_SET
	how="the set given (MMAB_BENCH_SET)"
elif [ "$(id -u)" -eq 0 ]; then
	"$MMAB" run -s quick -n 2 --variant madvise -l bench -o "$tmp/results" > /dev/null 2>&1 ||
		{ echo "bench-history: mmab run failed"; exit 1; }
	src=$(ls -d "$tmp"/results/bench-*/bench-madvise)
	how="a real run made now (quick, every workload, 2 iterations)"
else
	src=$(pwd)/tests/fixtures/report/stock
	how="the captured fixture set (not root: no run made)"
fi
first=$(awk -F, 'NR > 1 && $3 == "ok" { print $1; exit }' "$src/status.csv")

# ---- nightly-sized: the nightly suite's workload ids, 5 iterations ----
ns=$tmp/nightly-set
mkdir -p "$ns" && cp "$src/metadata.json" "$src/suite.ini" "$ns/" 2>/dev/null
echo "workload,iteration,status,reason,exit_code,signal,duration_s" > "$ns/status.csv"
for id in idle frag hugetlb hugetlb-churn thp hugetlb-fio thp-fio thp-nomadvise \
	  fio-dirty-mmap fio-pagecache-rw stress-ng dirty-mmap dirty-mmap-seq slab; do
	case $id in
	hugetlb*) w=hugetlb ;; thp*) w=thp ;; fio*) w=fio ;; dirty-mmap*) w=dirty-mmap ;;
	*) w=$id ;;
	esac
	its=$(awk -F, -v w="$w" 'NR > 1 && $1 == w && $3 == "ok" { print $2 }' "$src/status.csv")
	[ -n "$its" ] || { w=$first; its=$(awk -F, -v w="$w" 'NR > 1 && $1 == w &&
		$3 == "ok" { print $2 }' "$src/status.csv"); }
	n_src=$(echo "$its" | wc -l)
	mkdir -p "$ns/$id"
	for it in 1 2 3 4 5; do
		cp -r "$src/$w/$(echo "$its" | sed -n "$(( (it - 1) % n_src + 1 ))p")" "$ns/$id/$it"
		echo "$id,$it,ok,,0,,1.0" >> "$ns/status.csv"
	done
done

# ---- history add of one nightly-sized run ----
best=
for i in 1 2 3; do
	rm -f "$tmp/one.sqlite"
	t=$(now)
	"$MMAB" history add --db "$tmp/one.sqlite" "$ns" 2> "$tmp/add.err" ||
		{ cat "$tmp/add.err"; exit 1; }
	s=$(since "$t")
	best=$(printf '%s\n%s\n' "$best" "$s" | awk 'NF' | sort -n | head -1)
done
series=$(sed -n 's/.* \([0-9]*\) series of .*/\1/p' "$tmp/add.err" | head -1)

# ---- 365 nights ----
t=$(now)
history_nights "$ns" "$tmp/nights" 365 0 300 "$(awk -F, 'NR == 2 { print $1 }' \
	"$ns/idle/1/metrics.csv")" 1.2 || { echo "bench-history: cannot make the nights"; exit 1; }
make_s=$(since "$t")
t=$(now)
"$MMAB" history add --db "$tmp/year.sqlite" "$tmp/nights"/* 2> "$tmp/year.err" ||
	{ tail -3 "$tmp/year.err"; exit 1; }
year_s=$(since "$t")
check_s=
for i in 1 2 3; do
	t=$(now)
	"$MMAB" history check --db "$tmp/year.sqlite" > "$tmp/check.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 3 ] || { tail -3 "$tmp/check.out"; exit 1; }
	check_s="$check_s $(since "$t")"
done
check_s=$(echo "$check_s" | tr ' ' '\n' | awk 'NF' | sort -n | sed -n 2p)
cps=$(sed -n 's/^Change points (\([0-9]*\);.*/\1/p' "$tmp/check.out")
t=$(now)
"$MMAB" history site --db "$tmp/year.sqlite" -o "$tmp/site" > /dev/null 2> "$tmp/site.err" ||
	{ tail -3 "$tmp/site.err"; exit 1; }
site_s=$(since "$t")
plots=$(ls "$tmp/site/plots" | grep -c '\.png$')
db_mb=$(du -m "$tmp/year.sqlite" | cut -f1)

met() { awk -v v="$1" -v t="$2" 'BEGIN { print v <= t ? "met" : "MISSED" }'; }
echo "data: $how; a nightly-sized set of $series series (the nightly suite's 14 workloads, 5 iterations)"
printf '%-44s %8s %8s %s\n' "what" "seconds" "target" ""
printf '%-44s %8s %8s\n' "history add of one nightly-sized run (best of 3)" "$best" "-"
printf '%-44s %8s %8s\n' "making 365 nights (tests/history-nights.sh)" "$make_s" "-"
printf '%-44s %8s %8s\n' "history add of the 365 nights" "$year_s" "-"
printf '%-44s %8s %8s %s\n' "history check, 365 nights (median of 3)" "$check_s" 2 \
	"$(met "$check_s" 2)"
printf '%-44s %8s %8s %s\n' "history site, 365 nights ($plots plots)" "$site_s" 30 \
	"$(met "$site_s" 30)"
echo "store: $db_mb MB of SQLite; $cps change points found"
{
	echo "measure,seconds,target"
	echo "add_one_nightly,$best,"
	echo "add_365_nights,$year_s,"
	echo "check_365_nights,$check_s,2"
	echo "site_365_nights,$site_s,30"
} > "$out/history.csv"

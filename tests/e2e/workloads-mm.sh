#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# frag, hugetlb and thp for real, as root, at a 1 GiB effective size (the
# ballast takes the rest): frag raises the order-9 unusable index; hugetlb
# obtains pages and its success % matches the HugePages_Total that
# /proc/meminfo showed while it held the pool; thp sees huge faults with THP
# "always" and none with "never"; every knob and the hugetlb pool are as
# found afterwards.
. tests/lib.sh

need_root
"$MMAB" list workloads 2>/dev/null | grep -q '^ *hugetlb' ||
	skip_all "mmab run/list workloads not available in this build"
[ -w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages ] || skip_all "no 2 MiB hugetlb pool"
[ -r /sys/kernel/mm/transparent_hugepage/enabled ] || skip_all "no THP"

mktmp
knob_snapshot "$tmp/before"
total0=$(awk '/^HugePages_Total:/ {print $2}' /proc/meminfo)

# an independent witness of the pool: /proc/meminfo sampled while the run goes
( while :; do awk '/^HugePages_Total:/ {print $2}' /proc/meminfo; sleep 0.05; done ) \
	> "$tmp/hp-seen" &
witness=$!

"$MMAB" run -s tests/fixtures/suites/workloads-mm.ini -l e2e -o "$tmp/results" \
	> "$tmp/out" 2> "$tmp/err"
rc=$?
kill "$witness" 2>/dev/null
wait "$witness" 2>/dev/null
check "mmab run exits 0" [ "$rc" -eq 0 ]
run=$(tail -n 1 "$tmp/out")
check "the last line is the run directory" [ -d "$run" ]

# metric WORKLOAD_ID NAME: the value from the first iteration's metrics.csv
metric() {
	f=$(find "$run" -path "*/$1/1/metrics.csv" | head -n 1)
	[ -n "$f" ] && awk -F, -v m="$2" '$1 == m {print $2}' "$f"
}
# gt A B / ge / eq: float comparisons that fail on empty values
gt() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN {exit !(a > b)}'; }
near() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN {d = a - b; exit !(d < 0.01 && d > -0.01)}'; }

u0=$(metric frag unusable_index_order9_start)
u1=$(metric frag unusable_index_order9)
echo "# frag: unusable index order 9 $u0 -> $u1"
check "frag raises the order-9 unusable index ($u0 -> $u1)" gt "$u1" "$u0"
check "frag reports fill_seconds" gt "$(metric frag fill_seconds)" 0

got=$(metric hugetlb pages_obtained)
possible=$(metric hugetlb pages_possible)
pct=$(metric hugetlb success_pct)
seen=$(sort -n "$tmp/hp-seen" | tail -n 1)
echo "# hugetlb: $got of $possible pages ($pct %), meminfo peak $seen (start $total0)"
check "hugetlb obtains pages" gt "$got" 0
check "hugetlb success_pct = 100 * obtained / possible" \
	near "$pct" "$(awk -v g="$got" -v p="$possible" 'BEGIN {print 100 * g / p}')"
check "hugetlb pages_obtained matches HugePages_Total in /proc/meminfo" \
	near "$((seen - total0))" "$got"
check "hugetlb latency p99 >= p50" \
	awk -v a="$(metric hugetlb alloc_latency_us_p99)" -v b="$(metric hugetlb alloc_latency_us_p50)" \
	'BEGIN {exit !(a != "" && b != "" && a >= b)}'
h=$(find "$run" -path '*/hugetlb/1/histograms.csv' | head -n 1)
check "hugetlb writes its alloc_latency histogram" grep -q '^alloc_latency,us,' "${h:-/dev/null}"

ha=$(metric thp-always huge_fault_pct)
hn=$(metric thp-never huge_fault_pct)
echo "# thp: huge faults $ha % with always, $hn % with never"
check "thp sees huge faults with THP always" gt "$ha" 0
check "thp sees no huge fault with THP never" near "$hn" 0
check "thp huge faults agree with vmstat thp_fault_alloc" \
	near "$(metric thp-always huge_faults)" "$(metric thp-always thp_fault_alloc)"

machine_as_found "workloads-mm (knobs and the hugetlb pool)"
total1=$(awk '/^HugePages_Total:/ {print $2}' /proc/meminfo)
check "HugePages_Total back to $total0" [ "$total1" = "$total0" ]

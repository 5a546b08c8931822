#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dirty-mmap and slab for real, as root, through `mmab run` at a 1 GiB
# effective size (the ballast takes the rest of memory):
#  - dirty-mmap produces writeback (nr_written moves, write_mb_per_s > 0)
#    under global reclaim (pgscan_kswapd or pgscan_direct > 0), the latter
#    checked against the vmstat collector's own first and last rows; its
#    fault histogram holds one sample per fault it reports;
#  - slab shows occupancy falling after the deletions and slab pages freed
#    under the anonymous-memory pressure, which runs global reclaim;
#  - a dirty-mmap with dir = a directory outside the result set leaves
#    nothing in it (the journaled path);
#  - every knob is as found, no tracefs mount or mmab cgroup is left.
. tests/lib.sh

need_root
"$MMAB" list workloads 2>/dev/null | grep -q '^ *dirty-mmap' ||
	skip_all "dirty-mmap is not in this build"
"$MMAB" list workloads 2>/dev/null | grep -q '^ *slab' || skip_all "slab is not in this build"
[ -r /proc/slabinfo ] || skip_all "/proc/slabinfo is not readable"

mktmp
suite=$tmp/workloads-io.ini
mkdir "$tmp/userdir"
# the fixture suite plus one small run in a directory of the user's (no ballast: quick)
{
	cat tests/fixtures/suites/workloads-io.ini
	printf '\n[dirty-mmap dirty-mmap-dir]\nscale = 100%%\nsize = 64M\ndir = %s\n' \
		"$tmp/userdir"
} > "$suite"

if "$MMAB" run --dry-run -s "$suite" -l e2e -o "$tmp/dry" > "$tmp/dry.out" 2>&1; then :; else
	grep -q 'not built yet' "$tmp/dry.out" && skip_all "mmab run is not available in this build"
fi

knob_snapshot "$tmp/before"
tracefs0=$(grep -c ' tracefs ' /proc/mounts)

"$MMAB" run -s "$suite" -l e2e -o "$tmp/results" > "$tmp/out" 2> "$tmp/err"
rc=$?
check "mmab run exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$tmp/err" | tail -n 20
run=$(tail -n 1 "$tmp/out")
check "the last line is the run directory" [ -d "$run" ]

# metric ID NAME: the value from the first iteration's metrics.csv
metric() {
	f=$(find "$run" -path "*/$1/1/metrics.csv" | head -n 1)
	[ -n "$f" ] && awk -F, -v m="$2" '$1 == m {print $2}' "$f"
}
# vmdelta ID COUNTER: last minus first row of the vmstat collector's column
vmdelta() {
	f=$(find "$run" -path "*/$1/1/vmstat.csv" | head -n 1)
	[ -n "$f" ] && awk -F, -v c="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) col = i; next }
		col && $col != "" { if (first == "") first = $col; last = $col }
		END { if (col && first != "") print last - first }' "$f"
}
gt() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN {exit !(a > b)}'; }
ge() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN {exit !(a >= b)}'; }
lt() { gt "$2" "$1"; }
eq() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN {exit !(a == b)}'; }
status_of() {
	awk -F, -v w="$1" '$1 == w && $2 == 1 {print $3}' $(find "$run" -name status.csv)
}

check "dirty-mmap ran ok" [ "$(status_of dirty-mmap)" = ok ]
check "slab ran ok" [ "$(status_of slab)" = ok ]
check "dirty-mmap in a user directory ran ok" [ "$(status_of dirty-mmap-dir)" = ok ]

# ---- dirty-mmap ----
mbs=$(metric dirty-mmap write_mb_per_s)
written=$(metric dirty-mmap nr_written)
mib=$(metric dirty-mmap written_mib)
scan_k=$(metric dirty-mmap pgscan_kswapd)
scan_d=$(metric dirty-mmap pgscan_direct)
echo "# dirty-mmap: $mib MiB at $mbs MB/s; nr_written $written, pgscan kswapd $scan_k" \
	"direct $scan_d, reclaim_writes $(metric dirty-mmap reclaim_writes)," \
	"immediate_reclaim $(metric dirty-mmap immediate_reclaim)," \
	"stalls $(metric dirty-mmap direct_reclaim_stalls)," \
	"dirty throttle $(metric dirty-mmap dirty_throttle_events) events" \
	"$(metric dirty-mmap dirty_throttle_ms) ms," \
	"fault p50/p99 $(metric dirty-mmap fault_latency_us_p50)/$(metric dirty-mmap fault_latency_us_p99) us"
check "dirty-mmap write_mb_per_s > 0" gt "$mbs" 0
# msync at the end: everything dirtied is written back within the iteration
check "dirty-mmap: nr_written covers what was dirtied ($written pages for $mib MiB)" \
	ge "$written" "$(awk -v m="$mib" 'BEGIN {print m * 256 * 0.9}')"
check "dirty-mmap ran under global reclaim (pgscan kswapd $scan_k, direct $scan_d)" \
	gt "$(awk -v a="$scan_k" -v b="$scan_d" 'BEGIN {print a + b}')" 0
vk=$(vmdelta dirty-mmap pgscan_kswapd)
vd=$(vmdelta dirty-mmap pgscan_direct)
check "the vmstat collector saw that reclaim too ($vk + $vd >= $scan_k + $scan_d)" \
	ge "$(awk -v a="$vk" -v b="$vd" 'BEGIN {print a + b}')" \
	"$(awk -v a="$scan_k" -v b="$scan_d" 'BEGIN {print a + b}')"
check "the vmstat collector saw writeback (nr_written +$(vmdelta dirty-mmap nr_written))" \
	ge "$(vmdelta dirty-mmap nr_written)" "$written"
check "dirty-mmap reports reclaim_writes (0 is legitimate)" ge "$(metric dirty-mmap reclaim_writes)" 0
check "dirty-mmap fault latency p99 >= p50 > 0" \
	awk -v a="$(metric dirty-mmap fault_latency_us_p99)" \
	-v b="$(metric dirty-mmap fault_latency_us_p50)" 'BEGIN {exit !(a != "" && b > 0 && a >= b)}'
h=$(find "$run" -path '*/dirty-mmap/1/histograms.csv' | head -n 1)
hn=$(awk -F, '$1 == "fault_latency" {n += $5} END {print n + 0}' "${h:-/dev/null}")
check "dirty-mmap's histogram holds one sample per fault ($hn)" eq "$hn" "$(metric dirty-mmap faults)"
check "random writes with MADV_RANDOM fault once per page" \
	eq "$(metric dirty-mmap stores_per_fault)" 1

# ---- slab ----
oc=$(metric slab occupancy_pct_created)
ob=$(metric slab occupancy_pct_before)
oa=$(metric slab occupancy_pct_after)
pf=$(metric slab slab_pages_freed)
echo "# slab: $(metric slab files_created) files, $(metric slab files_deleted) deleted;" \
	"occupancy % created $oc, before pressure $ob, after $oa" \
	"(inode $(metric slab occupancy_pct_created_inode) -> $(metric slab occupancy_pct_before_inode)" \
	"-> $(metric slab occupancy_pct_after_inode), buffer_head" \
	"$(metric slab occupancy_pct_created_buffer_head) -> $(metric slab occupancy_pct_before_buffer_head)" \
	"-> $(metric slab occupancy_pct_after_buffer_head)); $pf slab pages and" \
	"$(metric slab objects_freed) objects freed," \
	"$(metric slab pages_freed_per_1k_objects) pages per 1k objects;" \
	"pressure $(metric slab pressure_mib) MiB, pgscan kswapd $(metric slab pgscan_kswapd)" \
	"direct $(metric slab pgscan_direct)"
check "slab occupancy falls after the deletions ($oc -> $ob %)" lt "$ob" "$oc"
check "slab inode cache occupancy falls after the deletions" \
	lt "$(metric slab occupancy_pct_before_inode)" "$(metric slab occupancy_pct_created_inode)"
check "slab: exactly 75% of the files deleted" \
	eq "$(metric slab files_deleted)" "$(awk -v n="$(metric slab files_created)" \
		'BEGIN {printf "%d", n * 0.75}')"
check "slab pages freed under pressure ($pf)" gt "$pf" 0
check "slab: the pressure ran global reclaim" \
	gt "$(awk -v a="$(metric slab pgscan_kswapd)" -v b="$(metric slab pgscan_direct)" \
		'BEGIN {print a + b}')" 0
check "slab: the pressure child was not OOM-killed" eq "$(metric slab pressure_oom)" 0
c=$(find "$run" -path '*/slab/1/slab.csv' | head -n 1)
check "slab writes its raw slabinfo rows" \
	[ "$(grep -c '^\(start\|created\|before\|after\),' "${c:-/dev/null}")" -eq 12 ]

# ---- nothing left behind ----
check "the user directory is empty again" [ -z "$(ls -A "$tmp/userdir")" ]
check "no workload file is left in the result set" \
	[ -z "$(find "$run" \( -name 'data.*' -o -name 'f[0-9]*' \) -print | head -n 1)" ]
check "no tracefs mount left behind" [ "$(grep -c ' tracefs ' /proc/mounts)" -eq "$tracefs0" ]
machine_as_found "workloads-io"

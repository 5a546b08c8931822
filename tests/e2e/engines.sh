#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fio and stress-ng through `mmab run`, a few seconds each, as root: every
# metric in metrics.csv equals the figure in the tool's own output file in
# the iteration directory (read here with jq and awk, not with mmab's
# parsers); a stressor stress-ng does not know fails the iteration with
# stress-ng's message in stderr.log; a tool still running at the
# iteration's timeout is stopped with it; no tool process and no data file
# is left behind, and no knob changed.
. tests/lib.sh

need_root
"$MMAB" list workloads 2>/dev/null | grep -q '^ *stress-ng ' ||
	skip_all "mmab run/list workloads not available in this build"
command -v fio >/dev/null 2>&1 || skip_all "fio not installed"
command -v stress-ng >/dev/null 2>&1 || skip_all "stress-ng not installed"

mktmp
knob_snapshot "$tmp/before"
"$MMAB" run -s tests/fixtures/suites/engines.ini -l e2e -o "$tmp/results" \
	> "$tmp/out" 2> "$tmp/err"
rc=$?
check "mmab run exits 0" [ "$rc" -eq 0 ]
run=$(tail -n 1 "$tmp/out")
check "the last line is the run directory" [ -d "$run" ]
[ -d "$run" ] || { sed 's/^/# /' "$tmp/err"; exit 0; }

# iter ID: the first iteration's directory of workload ID
iter() { find "$run" -type d -path "*/$1/1" | head -n 1; }
# metric ID NAME: a value from metrics.csv
metric() { awk -F, -v m="$2" '$1 == m {print $2}' "$(iter "$1")/metrics.csv" 2>/dev/null; }
# status ID: the status.csv row's status and reason ("ok," "failed,timeout")
status() {
	awk -F, -v w="$1" '$1 == w && $2 == 1 {print $3 "," $4}' \
		"$(find "$run" -name status.csv | head -n 1)"
}
# same A B: equal to 1e-9 relative (both printed in full, by different code)
same() {
	[ -n "$1" ] && [ -n "$2" ] && [ "$2" != null ] &&
		awk -v a="$1" -v b="$2" 'BEGIN {
			d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; if (m < 1) m = 1
			exit !(d <= 1e-9 * m) }'
}

# ---- fio: metrics.csv against fio.json, through jq ----
if command -v jq >/dev/null 2>&1; then
	# fj ID FILTER: FILTER over the iteration's fio.json (messages before it skipped)
	fj() { sed -n '/^{/,$p' "$(iter "$1")/fio.json" | jq -r "$2"; }
	# fio_dir ID DIR: every DIR_* metric against the jobs' figures combined
	# as results/README.md says (sums; N-weighted mean; largest percentile)
	# (no variable named d: check() in tests/lib.sh uses it)
	fio_dir() {
		fid=$1 fdir=$2 j="[.jobs[].$2 | select(.io_bytes > 0)]"
		for pair in \
			"bw_mib_per_s:$j | map(.bw_bytes) | add / 1048576" \
			"iops:$j | map(.iops) | add" \
			"clat_us_p50:$j | map(.clat_ns.percentile[\"50.000000\"]) | max / 1000" \
			"clat_us_p99:$j | map(.clat_ns.percentile[\"99.000000\"]) | max / 1000" \
			"clat_us_mean:($j | map(.clat_ns.mean * .clat_ns.N) | add) / ($j | map(.clat_ns.N) | add) / 1000" \
			"io_mib:$j | map(.io_bytes) | add / 1048576"; do
			name=${fdir}_${pair%%:*}
			got=$(metric "$fid" "$name") want=$(fj "$fid" "${pair#*:}")
			check "$fid: $name $got = fio.json's $want" same "$got" "$want"
		done
	}
	fio_job() {
		fid=$1
		want=$(fj "$fid" '[.jobs[] | .read, .write, .trim | select(.io_bytes > 0) | .runtime] | max / 1000')
		check "$fid: runtime_s = fio.json's $want" same "$(metric "$fid" runtime_s)" "$want"
		for pair in usr_cpu_s:usr_cpu sys_cpu_s:sys_cpu; do
			want=$(fj "$fid" "[.jobs[] | .${pair#*:} / 100 * .job_runtime / 1000] | add")
			check "$fid: ${pair%%:*} = fio.json's $want" \
				same "$(metric "$fid" "${pair%%:*}")" "$want"
		done
		for pair in major_faults:majf minor_faults:minf; do
			want=$(fj "$fid" "[.jobs[].${pair#*:}] | add")
			check "$fid: ${pair%%:*} = fio.json's $want" \
				same "$(metric "$fid" "${pair%%:*}")" "$want"
		done
	}

	check "fio-mmap ran ok" [ "$(status fio-mmap)" = "ok," ]
	check "fio-mmap: one job in fio.json" [ "$(fj fio-mmap '.jobs | length')" = 1 ]
	check "fio-mmap: the built-in job ran with ioengine=mmap" \
		[ "$(fj fio-mmap '.["global options"].ioengine')" = mmap ]
	check "fio-mmap: 128 MiB written" same "$(metric fio-mmap write_io_mib)" 128
	fio_dir fio-mmap write
	fio_job fio-mmap
	check "fio-mmap: no read metrics (no reads)" [ -z "$(metric fio-mmap read_iops)" ]
	echo "# fio-mmap: $(metric fio-mmap write_bw_mib_per_s) MiB/s, p99 $(metric fio-mmap write_clat_us_p99) us"

	check "fio-rw ran ok" [ "$(status fio-rw)" = "ok," ]
	check "fio-rw: two jobs reported separately" [ "$(fj fio-rw '.jobs | length')" = 2 ]
	fio_dir fio-rw read
	fio_dir fio-rw write
	fio_job fio-rw
else
	skip "jq not installed: fio's JSON not compared"
fi

# ---- stress-ng: metrics.csv against stress-ng.yaml, through awk ----
# sy STRESSOR KEY: the value under "- stressor: STRESSOR" in stress-ng.yaml
sy() {
	awk -v s="$1" -v k="$2:" '$1 == "-" && $2 == "stressor:" {cur = $3; next}
		cur == s && $1 == k {print $2}' "$(iter stress-ng)/stress-ng.yaml"
}
check "stress-ng ran ok" [ "$(status stress-ng)" = "ok," ]
for s in vm mmap; do
	for pair in bogo_ops_per_s:bogo-ops-per-second-real-time \
		bogo_ops_per_s_usr_sys:bogo-ops-per-second-usr-sys-time bogo_ops:bogo-ops \
		wall_clock_s:wall-clock-time user_s:user-time system_s:system-time \
		cpu_usage_pct:cpu-usage-per-instance max_rss_kib:max-rss; do
		got=$(metric stress-ng "$s.${pair%%:*}") want=$(sy "$s" "${pair#*:}")
		check "stress-ng: $s.${pair%%:*} $got = stress-ng.yaml's $want" same "$got" "$want"
	done
done
check "stress-ng: a real run (vm did bogo-ops)" awk -v v="$(metric stress-ng vm.bogo_ops)" \
	'BEGIN {exit !(v > 0)}'
# bytes = 64M reached stress-ng as --vm-bytes: the vm worker's peak RSS says so
check "stress-ng: the vm worker held about 64 MiB ($(metric stress-ng vm.max_rss_kib) KiB)" \
	awk -v v="$(metric stress-ng vm.max_rss_kib)" 'BEGIN {exit !(v >= 65536 && v < 2 * 65536)}'
echo "# stress-ng: vm $(metric stress-ng vm.bogo_ops_per_s) bogo-ops/s, mmap $(metric stress-ng mmap.bogo_ops_per_s)"

# ---- failures ----
check "an unknown stressor fails the iteration" [ "$(status stress-ng-unknown)" = "failed,exit" ]
check "stress-ng's own message is in stderr.log" \
	grep -q "unrecognized option '--mmab-no-such-stressor'" "$(iter stress-ng-unknown)/stderr.log"
check "a fio still running at the timeout is recorded as such" \
	[ "$(status fio-runaway)" = "failed,timeout" ]
check "so is a stress-ng still running at the timeout" \
	[ "$(status stress-ng-runaway)" = "failed,timeout" ]
check "fio was stopped by SIGTERM, not left running" \
	grep -q "fio: terminating on signal 15" "$(iter fio-runaway)/stderr.log"
check "no fio or stress-ng process is left" \
	sh -c '! pgrep -x fio >/dev/null && ! pgrep stress-ng >/dev/null'
check "no data file of fio's is left in the result set" \
	[ -z "$(find "$run" -name '*.0.0' -o -name 'tmp-stress-ng-*')" ]

machine_as_found "engines"

# SPDX-License-Identifier: GPL-2.0-or-later
#
# Synthetic nightly history made from one real result set (sourced by
# tests/e2e/history.sh and tests/bench/run-bench.sh).
#
# history_nights SRC OUT N FIRST [STEP_NIGHT METRIC FACTOR]
#   writes N runs into OUT, night k (k = FIRST..FIRST+N-1, at most 365)
#   started k days after 2026-01-01 at 02:00 UTC, each a copy of the
#   result set SRC (copied once into OUT/.src-SET, then its files
#   hard-linked where they stay the same: a link to another user's file,
#   or across file systems, is not allowed) with
#   its own run_id, start and end in metadata.json, and every value of
#   every metrics.csv moved by a seeded, stratified noise of +-2% (the same
#   for the same night, so two calls make the same history); from
#   STEP_NIGHT on, every iteration of METRIC is FACTOR times METRIC's mean
#   over SRC's iterations (with the noise): a step clear of the real spread
#   between iterations, which with 3 iterations a night would hide a
#   doubling from Welch's test.  Fails when SRC is no result set.  A handful of processes a night: forks are what
#   costs here.

# _hn_date K: "2026-MM-DD", K days after 2026-01-01 (0 <= K < 365)
_hn_date() {
	_hn_d=$1 _hn_mo=1
	for _hn_len in 31 28 31 30 31 30 31 31 30 31 30 31; do
		[ "$_hn_d" -lt "$_hn_len" ] && break
		_hn_d=$((_hn_d - _hn_len)) _hn_mo=$((_hn_mo + 1))
	done
	printf '2026-%02d-%02d' "$_hn_mo" $((_hn_d + 1))
}

history_nights() {
	_hn_src=$1 _hn_out=$2 _hn_n=$3 _hn_first=$4
	_hn_step=${5:-0} _hn_metric=${6:-} _hn_factor=${7:-1}
	[ -f "$_hn_src/metadata.json" ] || return 1
	_hn_set=$(basename "$_hn_src")
	mkdir -p "$_hn_out" || return 1
	if [ ! -d "$_hn_out/.src-$_hn_set" ]; then
		cp -r "$_hn_src" "$_hn_out/.src-$_hn_set" || return 1
	fi
	_hn_src=$_hn_out/.src-$_hn_set
	_hn_mean=$(awk -F, -v m="$_hn_metric" '$1 == m && $2 != "" { s += $2; n++ }
		END { printf "%.17g", n ? s / n : 0 }' "$_hn_src"/*/*/metrics.csv)
	_hn_k=$_hn_first
	while [ "$_hn_k" -lt $((_hn_first + _hn_n)) ]; do
		_hn_day=$(_hn_date "$_hn_k")
		_hn_run=nightly-$(printf %s "$_hn_day" | tr -d -)-020000
		_hn_dst=$_hn_out/$_hn_run/$_hn_set
		mkdir -p "$_hn_out/$_hn_run" && cp -al "$_hn_src" "$_hn_dst" || return 1
		rm -f "$_hn_dst/metadata.json" "$_hn_dst"/*/*/metrics.csv
		# metadata.json as mmab writes it: "{" alone on the first line
		sed -e '/^  "run_id": /d' -e '/^  "start": /d' -e '/^  "end": /d' \
		    -e "1a\\  \"run_id\": \"$_hn_run\",\\n  \"start\": \"${_hn_day}T02:00:00Z\",\\n  \"end\": \"${_hn_day}T02:40:00Z\"," \
		    "$_hn_src/metadata.json" > "$_hn_dst/metadata.json" || return 1
		# every iteration's metrics.csv, one awk for all of them
		awk -F, -v OFS=, -v k="$_hn_k" -v step="$_hn_step" -v metric="$_hn_metric" \
		    -v factor="$_hn_factor" -v mean="$_hn_mean" -v src="$_hn_src" -v dst="$_hn_dst" '
			# Stratified noise (one draw per stratum, as in Latin hypercube
			# sampling): the iterations of a night take one each of NI equal
			# parts of the +-2%, in an order that changes with the night and
			# the metric.  Independent draws put a night three nearly equal
			# values now and then (101.57, 101.28, 101.25 of a metric whose
			# noise spans 98 to 102), and Welch, with 2 degrees of freedom on
			# that side, calls such a night a change at p 5e-5: a flaky gate.
			# The draws come from the Park-Miller generator (exact in
			# doubles), one stream a night from a hashed seed.
			function u() { x = (x * 48271) % 2147483647; return x / 2147483647 }
			function frac(h) { return (h - int(h) + 1) % 1 }
			BEGIN {
				x = int(frac(sin(k * 12.9898 + 78.233) * 43758.5453) * 2147483645) + 1
				for (a = 1; a < ARGC; a++) {
					n = split(ARGV[a], part, "/")
					if (part[n - 1] + 0 > ni)
						ni = part[n - 1] + 0
				}
			}
			FNR == 1 {
				if (out) close(out)
				out = dst substr(FILENAME, length(src) + 1)
				n = split(FILENAME, part, "/")
				it = part[n - 1] - 1
				print > out
				next
			}
			$2 == "" || /"/ { print > out; next }	# quoted cells: left as they are
			{
				off = int(frac(sin(k * 3.7 + FNR * 91.17) * 43758.5453) * ni)
				v = (step > 0 && k >= step && $1 == metric ? mean * factor : $2) \
				    * (0.98 + 0.04 * ((it + off) % ni + u()) / ni)
				$2 = sprintf("%.10g", v)
				print > out
			}' "$_hn_src"/*/*/metrics.csv || return 1
		_hn_k=$((_hn_k + 1))
	done
}

# SPDX-License-Identifier: GPL-2.0-or-later
#
# Synthetic nightly history made from one real result set (sourced by
# tests/e2e/history.sh and tests/bench/run-bench.sh).
#
# history_nights SRC OUT N FIRST [STEP_NIGHT METRIC FACTOR]
#   writes N runs into OUT, night k (k = FIRST..FIRST+N-1) started on
#   2026-01-01 plus k days at 02:00 UTC, each a copy of the result set SRC
#   (its files hard-linked where they stay the same) with its own run_id,
#   start and end in metadata.json, and every value of every metrics.csv
#   moved by a seeded noise of +-2% (the same for the same night, so two
#   calls make the same history); from STEP_NIGHT on, METRIC's values are
#   multiplied by FACTOR.  Prints nothing; fails when SRC is no result set.

history_nights() {
	_hn_src=$1 _hn_out=$2 _hn_n=$3 _hn_first=$4
	_hn_step=${5:-0} _hn_metric=${6:-} _hn_factor=${7:-1}
	[ -f "$_hn_src/metadata.json" ] || return 1
	_hn_set=$(basename "$_hn_src")
	_hn_k=$_hn_first
	while [ "$_hn_k" -lt $((_hn_first + _hn_n)) ]; do
		_hn_day=$(date -u -d "2026-01-01 + $_hn_k days" +%Y-%m-%d) || return 1
		_hn_run=nightly-$(echo "$_hn_day" | tr -d -)-020000
		_hn_dst=$_hn_out/$_hn_run/$_hn_set
		mkdir -p "$_hn_out/$_hn_run" || return 1
		cp -al "$_hn_src" "$_hn_dst" || return 1
		rm "$_hn_dst/metadata.json"
		sed -e "s/^\(  \"run_id\": \)\"[^\"]*\"/\1\"$_hn_run\"/" \
		    -e "s/^\(  \"start\": \)\"[^\"]*\"/\1\"${_hn_day}T02:00:00Z\"/" \
		    -e "s/^\(  \"end\": \)\(\"[^\"]*\"\|null\)/\1\"${_hn_day}T02:40:00Z\"/" \
		    "$_hn_src/metadata.json" > "$_hn_dst/metadata.json" || return 1
		for _hn_m in "$_hn_dst"/*/*/metrics.csv; do
			[ -f "$_hn_m" ] || continue
			_hn_it=$(basename "$(dirname "$_hn_m")")
			rm "$_hn_m"
			awk -F, -v OFS=, -v seed=$((_hn_k * 1000 + _hn_it)) -v k="$_hn_k" \
			    -v step="$_hn_step" -v metric="$_hn_metric" -v factor="$_hn_factor" '
				BEGIN { srand(seed) }
				NR == 1 || $2 == "" { print; next }
				{
					v = $2 * (0.98 + 0.04 * rand())
					if (step > 0 && k >= step && $1 == metric) v *= factor
					$2 = sprintf("%.10g", v)
					print
				}' "$_hn_src/$(basename "$(dirname "$(dirname "$_hn_m")")")/$_hn_it/metrics.csv" \
				> "$_hn_m" || return 1
		done
		_hn_k=$((_hn_k + 1))
	done
}

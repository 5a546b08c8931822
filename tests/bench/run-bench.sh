#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `make bench`: run every benchmark program given as an argument, then every
# tests/bench/bench-*.sh script (with MMAB set to the binary).  Each
# prints its table and writes it as CSV into $MMAB_BENCH_DIR (default
# build/bench-results); parts that need root SKIP with a reason.  Benchmarks
# measure, they do not pass or fail on a target: a target missed is printed
# as such, and the exit status is 1 only when a benchmark could not run.
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${MMAB_BENCH_DIR:-$top/build/bench-results}
mkdir -p "$out" || exit 1
rc=0
for bin in "$@"; do
	name=$(basename "$bin")
	echo "== $name"
	(cd "$top" && "$bin" "$out") || { echo "$name: exited $?"; rc=1; }
	echo
done
for s in "$top"/tests/bench/bench-*.sh; do
	[ -e "$s" ] || continue
	name=$(basename "$s" .sh)
	echo "== $name"
	(cd "$top" && MMAB="$top/mmab" sh "$s" "$out") || { echo "$name: exited $?"; rc=1; }
	echo
done
echo "CSV files: $out"
exit $rc

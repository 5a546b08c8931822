#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The README's main job (`make quick`): run the built-in `quick` suite (two
# knob variants, interleaved) on the running kernel, print the comparison,
# and write the HTML report.  Exit status is mmab's.
set -u
cd "$(dirname "$0")/.." || exit 1
mmab=./mmab

if [ "$(id -u)" -ne 0 ]; then
	echo "mmab: the quick A/B changes kernel knobs and needs root: sudo make quick" >&2
	exit 4
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Progress goes to stderr; the run directory is the last line on stdout.
$mmab run -s quick "$@" >"$out"
rc=$?
cat "$out"
[ $rc -eq 0 ] || exit $rc
run=$(tail -n 1 "$out")
[ -d "$run" ] || { echo "mmab: run printed no run directory" >&2; exit 1; }

echo
$mmab compare "$run" || exit $?
echo
$mmab report -o "$run/report" "$run" >/dev/null || exit $?
echo "report: $run/report/index.html"

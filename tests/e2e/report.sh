#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mmab plot and mmab report on the captured fixture sets (stock vs
# stock-rerun, and the hostile set): every image a real PNG or SVG with its
# data file and a script that runs on its own; nothing written outside -o
# DIR; then each report rendered by headless Chromium: its DOM has the
# answer first (verdicts, comparison, then environment), the tables, each
# with rows, every <img> a PNG file of the report, no script
# element, no event handler, no URL off the report, and the screenshot is
# not blank.  Needs no root and touches nothing on the machine.
. tests/lib.sh

command -v gnuplot >/dev/null 2>&1 || skip_all "gnuplot is not installed (Debian: gnuplot-nox)"
case $MMAB in /*) ;; *) MMAB=$(pwd)/$MMAB ;; esac
fix=$(pwd)/tests/fixtures/report
# not mktmp: its trap runs when the $(...) subshell exits, removing the directory at once
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmab-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/cwd" "$tmp/home"
# mmab runs from an empty directory with an empty HOME: anything it (or
# gnuplot) wrote outside -o DIR would show up in one of them
run() { (cd "$tmp/cwd" && HOME="$tmp/home" "$MMAB" "$@"); }

# png_size FILE: "WIDTH HEIGHT" from a PNG's IHDR, nothing when not a PNG
png_size() {
	[ "$(od -An -tx1 -N8 "$1" 2>/dev/null | tr -d ' \n')" = 89504e470d0a1a0a ] || return 1
	od -An -tu1 -j16 -N8 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'
}

# ---- mmab plot, PNG ----
run plot -o "$tmp/plots" "$fix/stock" "$fix/stock-rerun" > "$tmp/plot.out" 2> "$tmp/plot.err"
check "mmab plot exits 0" [ $? -eq 0 ]
n=$(wc -l < "$tmp/plot.out")
check "mmab plot draws the captured sets' plots ($n)" [ "$n" -ge 10 ]
bad=
while read -r img; do
	base=${img%.png}
	size=$(png_size "$img")
	[ "${size% *}" = 800 ] || bad="$bad ${img##*/}(not an 800 px PNG: $size)"
	[ -s "$base.csv" ] && [ -s "$base.gp" ] || bad="$bad ${img##*/}(no data or script)"
done < "$tmp/plot.out"
check "every image is an 800 px wide PNG with its data and script${bad:+:$bad}" [ -z "$bad" ]
grep -q "skipped: 0 throughout, in every set" "$tmp/plot.err"
check "a plot without data is skipped with its reason" [ $? -eq 0 ]

# a script runs on its own from its directory and draws the same image
cp "$tmp/plots/thpfault-bars.png" "$tmp/bars-before.png"
rm "$tmp/plots/thpfault-bars.png"
(cd "$tmp/plots" && HOME="$tmp/home" gnuplot thpfault-bars.gp) 2> "$tmp/gp.err"
check "thpfault-bars.gp runs standalone" cmp -s "$tmp/plots/thpfault-bars.png" "$tmp/bars-before.png"

# ---- mmab plot, SVG, the hostile set included ----
run plot -f svg -o "$tmp/svg" "$fix/stock" "$fix/hostile" > "$tmp/svg.out" 2> "$tmp/svg.err"
check "mmab plot -f svg exits 0" [ $? -eq 0 ]
bad=
while read -r img; do
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --noout "$img" 2>/dev/null || bad="$bad ${img##*/}"
	else
		grep -q '</svg>' "$img" || bad="$bad ${img##*/}"
	fi
	grep -qi '<script' "$img" && bad="$bad ${img##*/}(script)"
done < "$tmp/svg.out"
check "every SVG is well-formed XML without script${bad:+:$bad}" [ -z "$bad" ]
[ "$(wc -l < "$tmp/svg.out")" -ge 5 ]
check "mmab plot -f svg draws the sets" [ $? -eq 0 ]

# ---- mmab report ----
run report -o "$tmp/ab" "$fix/stock" "$fix/stock-rerun" > "$tmp/ab.out" 2> "$tmp/ab.err"
check "mmab report (stock vs stock-rerun) exits 0" [ $? -eq 0 ]
check "it prints the path of index.html" [ "$(cat "$tmp/ab.out")" = "$tmp/ab/index.html" ]
run report -o "$tmp/hostile" -b stock "$fix/hostile" "$fix/stock" > "$tmp/h.out" 2> "$tmp/h.err"
check "mmab report (the hostile set) exits 0" [ $? -eq 0 ]
run report -o "$tmp/none" "$fix/no-such-set" > /dev/null 2>&1
check "mmab report on a set that does not exist exits 2" [ $? -eq 2 ]
check "and writes nothing" [ ! -e "$tmp/none" ]
[ -z "$(ls -A "$tmp/cwd")" ] && [ -z "$(ls -A "$tmp/home")" ]
check "nothing written outside -o DIR" [ $? -eq 0 ]

# ---- rendered in a real browser ----
browser=$(command -v chromium || command -v chromium-browser)
[ -n "$browser" ] || { skip "chromium is not installed: the reports are not rendered"; exit 0; }

# chrome REPORT_DIR NAME ARGS...: headless Chromium on REPORT_DIR/index.html
chrome() {
	_dir=$1 _name=$2
	shift 2
	timeout 60 "$browser" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update --disable-sync \
		--no-first-run --user-data-dir="$tmp/chrome-$_name" --hide-scrollbars \
		--window-size=1280,2400 "$@" "file://$_dir/index.html" 2>> "$tmp/chrome.err"
}

# blank PNG: fewer than 16 distinct byte values in its pixel data
blank() {
	command -v python3 >/dev/null 2>&1 || { [ "$(wc -c < "$1")" -lt 30000 ]; return; }
	python3 - "$1" <<'EOF'
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read()
i, idat = 8, b''
while i + 8 <= len(d):
    n, t = struct.unpack('>I', d[i:i + 4])[0], d[i + 4:i + 8]
    if t == b'IDAT':
        idat += d[i + 8:i + 8 + n]
    i += 12 + n
sys.exit(0 if len(set(zlib.decompress(idat))) < 16 else 1)
EOF
}

# (not $d: tests/lib.sh's check uses it)
for r in ab hostile; do
	rdir=$tmp/$r
	chrome "$rdir" "$r-dom" --dump-dom > "$tmp/$r.dom"
	check "$r: Chromium renders the report" [ -s "$tmp/$r.dom" ]
	chrome "$rdir" "$r-shot" --screenshot="$tmp/$r-shot.png" > /dev/null
	if [ -s "$tmp/$r-shot.png" ] && ! blank "$tmp/$r-shot.png"; then
		ok "$r: the screenshot is not blank"
	else
		nok "$r: the screenshot is blank or missing"
	fi
	# one tag per line, to look at tags alone
	tr '\n' ' ' < "$tmp/$r.dom" | sed 's/</\n</g' > "$tmp/$r.tags"
	ntables=$(grep -c '^<table' "$tmp/$r.tags")
	empty=$(awk '/^<table/ {t = 1; rows = 0} /^<td/ && t {rows++}
		/^<\/table/ {if (!rows) e++; t = 0} END {print e + 0}' "$tmp/$r.tags")
	[ "$ntables" -ge 4 ] && [ "$empty" -eq 0 ]
	check "$r: $ntables tables, none empty" [ $? -eq 0 ]
	order=$(sed -n 's/^<section id="\([a-z]*\)".*/\1/p' "$tmp/$r.tags" | tr '\n' ' ')
	check "$r: the answer first: $order" [ "$order" = "verdicts comparison environment iterations plots " ]
	grep -q '^<section id="comparison">' "$tmp/$r.tags" &&
		grep -Eq '^<td class="(nodiff|na|better|worse|differs)">' "$tmp/$r.tags"
	check "$r: the comparison with its verdicts" [ $? -eq 0 ]
	check "$r: no script element" [ "$(grep -ci '^<script' "$tmp/$r.tags")" -eq 0 ]
	check "$r: no iframe, object, embed or svg element" \
		[ "$(grep -Eci '^<(iframe|object|embed|svg)' "$tmp/$r.tags")" -eq 0 ]
	check "$r: no event handler attribute" \
		[ "$(grep -Eci '^<[a-z0-9]+[^>]*[[:space:]]on[a-z]+=' "$tmp/$r.tags")" -eq 0 ]
	check "$r: no URL off the report" \
		[ "$(grep -Eci '^<[^>]*(src|href)="([a-z]+:|//)' "$tmp/$r.tags")" -eq 0 ]
	bad= nimg=0
	for src in $(sed -n 's/^<img src="\([^"]*\)".*/\1/p' "$tmp/$r.tags"); do
		nimg=$((nimg + 1))
		size=$(png_size "$rdir/$src")
		case $size in [1-9]*" "[1-9]*) ;; *) bad="$bad $src" ;; esac
	done
	[ "$nimg" -ge 5 ] && [ -z "$bad" ]
	check "$r: every one of the $nimg images loads (a PNG in the report)${bad:+; broken:$bad}" \
		[ $? -eq 0 ]
done
# the hostile text is shown, as text
grep -q 'host"&gt;&lt;script&gt;alert(2)&lt;/script&gt;' "$tmp/hostile.dom"
check "hostile: its host name is shown as text" [ $? -eq 0 ]
grep -q '#2 failed: oom &lt;script&gt;alert(8)&lt;/script&gt; &amp; "quoted"' "$tmp/hostile.dom"
check "hostile: its failed iteration is shown with its reason, as text" [ $? -eq 0 ]

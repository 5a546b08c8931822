#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mmab history end to end.  A real run (as root: `mmab run --history`
# imports its sets; otherwise the captured fixture set stands in), then 60
# synthetic nights made from that real set with a +50% step in one metric
# at night 40 (tests/history-nights.sh): check finds the step where it is
# and exits 0, a 61st night three times worse makes it exit 3; importing
# again adds nothing; a corrupt or foreign file exits 2 and stays as it
# was; an unreachable server exits 1.  The site is checked file by file
# and rendered by headless Chromium (no script, every image loads, the
# hostile fixture's strings shown as text).  Then a throwaway PostgreSQL
# cluster in a temporary directory: three overlapping imports at once,
# and check gives the very output it gives on SQLite.
. tests/lib.sh
. tests/history-nights.sh

case $MMAB in /*) ;; *) MMAB=$(pwd)/$MMAB ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmab-test.XXXXXX") || exit 1
pgbin= pgdata=
cleanup() {
	[ -n "$pgdata" ] && [ -f "$pgdata/postmaster.pid" ] &&
		as_pg "$pgbin/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
db=$tmp/h.sqlite
H() { "$MMAB" history "$@"; }

# ---- a real run, imported as it ends ----
if [ "$(id -u)" -eq 0 ]; then
	knob_snapshot "$tmp/before"
	"$MMAB" run -s quick --only idle -n 3 -l nightly -o "$tmp/results" --history \
		> "$tmp/run.out" 2> "$tmp/run.err"
	rc=$?
	check "mmab run --history: exit 0 (got $rc)" [ $rc -eq 0 ]
	check "the sets are in RESULTS_DIR/history.sqlite" \
		[ "$(H list --db "$tmp/results/history.sqlite" 2>/dev/null | wc -l)" -eq 2 ]
	grep -q "2 sets added" "$tmp/run.err"
	check "and the run says so" [ $? -eq 0 ]
	machine_as_found "mmab run --history"
	src=$(ls -d "$tmp"/results/nightly-*/nightly-madvise)
	"$MMAB" run -s quick --only idle -n 1 -o "$tmp/results" \
		--history "host=$tmp/nowhere dbname=x" > /dev/null 2> "$tmp/run2.err"
	rc=$?
	runs=$(ls -d "$tmp"/results/*-* | wc -l)
	check "mmab run --history, the server not there: exit 1 ($rc), before the run ($runs)" \
		[ "$rc.$runs" = 1.1 ]
else
	skip "mmab run --history needs root: the captured fixture set stands in"
	src=$(pwd)/tests/fixtures/report/stock
fi

# ---- 60 nights with a step ----
wl=$(basename "$(dirname "$(ls -d "$src"/*/1)")")
# the steadiest metric of the set with a better direction: with 3 iterations a
# night, a regression of a noisy one cannot be proven (Welch has 2 degrees of
# freedom); worse is x1.5 from night 40, x3 on night 61 (or /1.5, /3)
pick=$(awk -F, 'FNR > 1 && $4 != "none" && $2 != "" && $2 !~ /"/ {
		n[$1]++; s[$1] += $2; q[$1] += $2 * $2; d[$1] = $4
		if (!($1 in lo) || $2 + 0 < lo[$1]) lo[$1] = $2 + 0
	}
	END {
		for (m in n) {
			if (n[m] < 2 || lo[m] <= 0) continue
			v = (q[m] - s[m] * s[m] / n[m]) / (n[m] - 1)
			c = sqrt(v > 0 ? v : 0) / (s[m] / n[m])
			if (best == "" || c < bc || (c == bc && m < best)) { best = m; bc = c }
		}
		print best, d[best]
	}' "$src/$wl"/*/metrics.csv)
metric=${pick% *}
if [ "${pick#* }" = lower ]; then worse=1.5 worst=3; else worse=0.6666666667 worst=0.3333333333; fi
history_nights "$src" "$tmp/nights" 60 0 40 "$metric" $worse
check "60 nights made from $src ($wl $metric x$worse from night 40)" \
	[ "$(ls "$tmp/nights" | wc -l)" -eq 60 ]
H add --db "$db" "$tmp/nights"/* > "$tmp/add.out" 2> "$tmp/add.err"
check "history add of 60 nights: exit 0" [ $? -eq 0 ]
check "60 sets added" grep -q "60 sets added" "$tmp/add.err"
H check --db "$db" -f json > "$tmp/check.json" 2> "$tmp/check.err"
rc=$?
check "check: exit 0, the newest night no worse than its segment (got $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || jq -r '.newest[] | select(.verdict == "regression") | "# newest-night " +
	"regression: \(.series) night \(.mean) (n \(.n)) against \(.segment_mean) (n " +
	"\(.segment_n) since \(.segment_from)), p \(.p_welch), q \(.q)"' "$tmp/check.json"
step=nightly-$(_hn_date 40 | tr -d -)-020000
jq -e --arg m "$metric" --arg r "$step" '[.change_points[] | select(.metric == $m and
	.run_id == $r and .kind == "regression" and (.change_pct | fabs) > 30 and
	(.change_pct | fabs) < 60 and .p < 0.0001)] | length == 1' "$tmp/check.json" > /dev/null
check "the step is found at night 40, a regression" [ $? -eq 0 ]
jq -e '.parameters | .window == 50 and .max_p == 0.0001 and .min_segment == 3 and
	(.weak_p - 0.001 | fabs) < 1e-15 and .fdr == 0.05' "$tmp/check.json" > /dev/null
check "every parameter in the JSON" [ $? -eq 0 ]
jq -e '[.newest[] | select(.verdict == "regression")] | length == 0' "$tmp/check.json" >/dev/null
check "no regression in the newest night" [ $? -eq 0 ]

# ---- a 61st night, three times worse: the gate ----
history_nights "$src" "$tmp/night61" 1 60 1 "$metric" $worst
H add --db "$db" "$tmp/night61"/* 2> /dev/null
H check --db "$db" > "$tmp/check61.txt" 2>&1
rc=$?
check "check exits 3 on a regression in the newest night (got $rc)" [ $rc -eq 3 ]
H check --db "$db" -f json > "$tmp/check61.json" 2>/dev/null
jq -e --arg m "$metric" '[.newest[] | select(.metric == $m and .verdict == "regression" and
	.q < 0.05)] | length == 1' "$tmp/check61.json" > /dev/null
check "it is $metric, judged against its segment since night 40" [ $? -eq 0 ]
H check --db "$db" -f md > "$tmp/check61.md" 2>&1
check "check -f md exits 3 too" [ $? -eq 3 ]

# ---- killed mid-import: all or nothing ----
"$MMAB" history add --db "$tmp/killed.sqlite" "$tmp/nights"/* 2> /dev/null &
pid=$!
sleep 0.15
kill -9 $pid 2> /dev/null
wait $pid 2> /dev/null
n=$(H list --db "$tmp/killed.sqlite" 2> /dev/null | wc -l)
case $n in 0|60) ok "history add killed with SIGKILL: none or all of the 60 sets ($n)" ;;
*) nok "history add killed with SIGKILL left $n of the 60 sets" ;;
esac
H add --db "$tmp/killed.sqlite" "$tmp/nights"/* 2> /dev/null
check "the store takes the import again" [ "$(H list --db "$tmp/killed.sqlite" | wc -l)" -eq 60 ]

# ---- idempotent; bad stores ----
H add --db "$db" "$tmp/nights"/* "$tmp/night61"/* 2> "$tmp/again.err"
check "importing all again adds nothing" grep -q "0 sets added (0 points), 61 there already" \
	"$tmp/again.err"
H check --db "$db" > "$tmp/check61b.txt" 2>&1
check "and check says the same" cmp -s "$tmp/check61.txt" "$tmp/check61b.txt"
head -c 4096 /dev/urandom > "$tmp/garbage.sqlite"
sum=$(cksum < "$tmp/garbage.sqlite")
H add --db "$tmp/garbage.sqlite" "$tmp/night61"/* 2> "$tmp/garbage.err"
rc=$?
check "a file that is no database: exit 2 (got $rc)" [ $rc -eq 2 ]
check "it is left as it was" [ "$(cksum < "$tmp/garbage.sqlite")" = "$sum" ]
H check --db "$tmp/garbage.sqlite" > /dev/null 2>&1
check "check on it: exit 2" [ $? -eq 2 ]
H check --db "host=$tmp/no-server dbname=x" > /dev/null 2> "$tmp/unreach.err"
rc=$?
check "check with the server unreachable: exit 1, not 3 (got $rc)" [ $rc -eq 1 ]

# ---- the site ----
H site --db "$db" -o "$tmp/site" > "$tmp/site.out" 2> "$tmp/site.err"
check "history site: exit 0" [ $? -eq 0 ]
check "it prints the path of index.html" [ "$(cat "$tmp/site.out")" = "$tmp/site/index.html" ]
for f in index.html style.css regressions.xml history.json; do
	check "site: $f" [ -s "$tmp/site/$f" ]
done
jq -e '.runs | length == 61' "$tmp/site/history.json" > /dev/null
check "history.json holds the 61 runs" [ $? -eq 0 ]
if command -v xmllint >/dev/null 2>&1; then
	check "regressions.xml is well-formed XML" xmllint --noout "$tmp/site/regressions.xml"
fi
check "regressions.xml has the step and the newest night" \
	[ "$(grep -c '<entry>' "$tmp/site/regressions.xml")" -ge 2 ]
base=$(ls "$tmp/site/plots" | grep -- "-$wl-$metric.gp\$" | head -1)
base=${base%.gp}
files=$(ls "$tmp/site/plots/$base".* | wc -l)
check "the step's plot: PNG, SVG, data and script ($files files)" [ "$files" -eq 4 ]
mv "$tmp/site/plots/$base.png" "$tmp/before.png"
(cd "$tmp/site/plots" && gnuplot "$base.gp") 2> /dev/null
check "its script redraws it on its own" cmp -s "$tmp/before.png" "$tmp/site/plots/$base.png"

# a history with the hostile fixture's strings
history_nights "$(pwd)/tests/fixtures/report/hostile" "$tmp/hostile" 5 0
H add --db "$tmp/hostile.sqlite" "$tmp/hostile"/* 2> /dev/null
H site --db "$tmp/hostile.sqlite" -o "$tmp/hsite" > /dev/null 2>&1
check "a site of the hostile sets: exit 0" [ $? -eq 0 ]

browser=$(command -v chromium || command -v chromium-browser)
if [ -z "$browser" ]; then
	skip "chromium is not installed: the site is not rendered"
else
	chrome() {
		timeout 60 "$browser" --headless --no-sandbox --disable-gpu \
			--disable-background-networking --disable-component-update --disable-sync \
			--no-first-run --user-data-dir="$tmp/chrome-$2" --hide-scrollbars \
			--window-size=1280,2400 "$3" "file://$1" 2>> "$tmp/chrome.err"
	}
	page=$(ls "$tmp/site" | grep "^wl-.*-$wl.html\$" | head -1)
	for p in "$tmp/site/index.html" "$tmp/site/$page" "$tmp/hsite/index.html" \
		 "$tmp/hsite/$(ls "$tmp/hsite" | grep '^wl-' | head -1)"; do
		n=$(basename "$(dirname "$p")")-$(basename "$p" .html)
		chrome "$p" "$n" --dump-dom > "$tmp/$n.dom"
		check "$n: Chromium renders it" [ -s "$tmp/$n.dom" ]
		tr '\n' ' ' < "$tmp/$n.dom" | sed 's/</\n</g' > "$tmp/$n.tags"
		check "$n: no script, iframe, object or embed" \
			[ "$(grep -Eci '^<(script|iframe|object|embed)' "$tmp/$n.tags")" -eq 0 ]
		# attributes without their values: what the values say is text
		check "$n: no event handler attribute" [ "$(sed 's/="[^"]*"/=""/g' "$tmp/$n.tags" |
			grep -Eci '^<[a-z0-9]+[^>]*[[:space:]]on[a-z]+=')" -eq 0 ]
		check "$n: no URL off the site" \
			[ "$(grep -Eci '^<[^>]*(src|href)="([a-z]+:|//)' "$tmp/$n.tags")" -eq 0 ]
		bad= nimg=0
		for img in $(sed -n 's/^<img src="\([^"]*\)".*/\1/p' "$tmp/$n.tags"); do
			nimg=$((nimg + 1))
			[ "$(od -An -tx1 -N4 "$(dirname "$p")/$img" | tr -d ' ')" = 89504e47 ] ||
				bad="$bad $img"
		done
		check "$n: every one of its $nimg images is a PNG of the site${bad:+; broken:$bad}" \
			[ -z "$bad" ]
	done
	grep -q '^<td class="regression">regression' "$tmp/site-index.tags"
	check "index: the regressions are marked" [ $? -eq 0 ]
	check "the workload page has its plots" [ "$(grep -c '^<img' "$tmp/site-${page%.html}.tags")" -ge 10 ]
	grep -q 'host"&gt;&lt;script&gt;alert(2)&lt;/script&gt;' "$tmp/hsite-index.dom"
	check "hostile: its host name is shown as text" [ $? -eq 0 ]
	chrome "$tmp/site/$page" shot --screenshot="$tmp/shot.png" > /dev/null
	check "a screenshot of the workload page" [ -s "$tmp/shot.png" ]
fi

# ---- make install: the nightly job's units and settings ----
inst=$tmp/inst
make -s install PREFIX="$inst" SYSCONFDIR="$inst/etc" > "$tmp/install.out" 2>&1
check "make install: exit 0" [ $? -eq 0 ]
for f in lib/systemd/system/mmab-nightly.service lib/systemd/system/mmab-nightly.timer \
	 etc/mmab/nightly.env; do
	check "make install: $f" [ -s "$inst/$f" ]
done
grep -q "^ExecStart=$inst/bin/mmab run .*--history" "$inst/lib/systemd/system/mmab-nightly.service"
check "the service runs the installed mmab with --history" [ $? -eq 0 ]
echo "MMAB_LABEL=mine" >> "$inst/etc/mmab/nightly.env"
make -s install PREFIX="$inst" SYSCONFDIR="$inst/etc" > /dev/null 2>&1
check "a second make install keeps the settings" grep -q "^MMAB_LABEL=mine" "$inst/etc/mmab/nightly.env"
if command -v systemd-analyze >/dev/null 2>&1; then
	systemd-analyze verify --man=no "$inst/lib/systemd/system/mmab-nightly.service" \
		"$inst/lib/systemd/system/mmab-nightly.timer" > "$tmp/verify.out" 2>&1
	check "systemd-analyze verify: the units are sound$(tr '\n' ' ' < "$tmp/verify.out")" [ $? -eq 0 ]
else
	skip "systemd-analyze is not installed: the units are not verified"
fi

# ---- PostgreSQL: a throwaway cluster ----
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
	skip "PostgreSQL is not installed (Debian: postgresql): the same answers are not checked"
	exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || { skip "no user postgres to run the server as"; exit 0; }
	as_pg() { runuser -u postgres -- "$@"; }
	chmod 755 "$tmp"
else
	as_pg() { "$@"; }
fi
mkdir "$tmp/pg" && { [ "$(id -u)" -ne 0 ] || chown postgres "$tmp/pg"; }
pgdata=$tmp/pg/data
as_pg "$pgbin/initdb" -D "$pgdata" -A trust -U mmab --no-sync -E UTF8 > "$tmp/initdb.log" 2>&1 &&
	as_pg "$pgbin/pg_ctl" -D "$pgdata" -o "-k $tmp/pg -h '' -F" -l "$tmp/pg/log" -w start \
		> /dev/null 2>&1 &&
	as_pg "$pgbin/createdb" -h "$tmp/pg" -U mmab hist
check "a PostgreSQL server in $tmp/pg" [ $? -eq 0 ]
pg="host=$tmp/pg user=mmab dbname=hist"
ls -d "$tmp/nights"/* "$tmp/night61"/* > "$tmp/all"
# three machines importing at once, two of them the same runs
(head -n 35 "$tmp/all" | xargs "$MMAB" history add --db "$pg" 2> "$tmp/pg1.err"; echo $? > "$tmp/pg1.rc") &
(tail -n 40 "$tmp/all" | xargs "$MMAB" history add --db "$pg" 2> "$tmp/pg2.err"; echo $? > "$tmp/pg2.rc") &
(xargs "$MMAB" history add --db "$pg" < "$tmp/all" 2> "$tmp/pg3.err"; echo $? > "$tmp/pg3.rc") &
wait
check "three concurrent imports: all exit 0" \
	[ "$(cat "$tmp/pg1.rc" "$tmp/pg2.rc" "$tmp/pg3.rc" | tr -d '\n')" = 000 ]
check "61 runs in the server, none twice" [ "$(H list --db "$pg" | wc -l)" -eq 61 ]
H check --db "$pg" > "$tmp/pg.txt" 2>&1
check "check on PostgreSQL exits 3 too" [ $? -eq 3 ]
check "check's text: identical on SQLite and PostgreSQL" cmp -s "$tmp/pg.txt" "$tmp/check61.txt"
H check --db "$pg" -f json > "$tmp/pg.json" 2> /dev/null
check "check's JSON: identical on SQLite and PostgreSQL" cmp -s "$tmp/pg.json" "$tmp/check61.json"
exit 0

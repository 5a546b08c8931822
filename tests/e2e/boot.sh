#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mmab run --kernel for real: two Debian cloud kernels (the newest 6.1 and
# 6.12 that `make deps` downloaded into the cache) booted in qemu, twice
# each, running a small suite: one result set per kernel and variant, the
# guests' environments, iterations spread over the boots with the same
# seeds on both kernels, consoles kept, compare and report working on the
# sets.  Then the faults: a damaged image (boot-failed), a panic, a hang
# (no heartbeat) and a guest that overruns its time (boot-timeout), each
# recorded and the run going on; then SIGINT, SIGTERM and kill -9 of mmab
# in the middle of a boot: no qemu, temporary file, mount or loop device
# left, and --resume finishing the run.  SKIPs without root, qemu,
# busybox-static or the cached kernel packages (make deps).
. tests/lib.sh

need_root
cache=${MMAB_CACHE_DIR:-/var/cache/mmab}
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip_all "no qemu-system-x86_64 (make deps installs the vm group)"
[ -x /bin/busybox ] || skip_all "no busybox-static (make deps installs the vm group)"
newest() { ls "$cache"/debs/$1 2>/dev/null | sort -V | tail -1; }
old=$(newest 'linux-image-6.1.0-*-cloud-amd64-unsigned_*.deb')
new=$(newest 'linux-image-6.12.*-cloud-amd64-unsigned_*.deb')
if [ -z "$old" ] || [ -z "$new" ]; then
	# what make check's deps-check does: apt-get download into the cache
	sh runner/deps.sh kernels >/dev/null 2>&1
	old=$(newest 'linux-image-6.1.0-*-cloud-amd64-unsigned_*.deb')
	new=$(newest 'linux-image-6.12.*-cloud-amd64-unsigned_*.deb')
fi
[ -n "$old" ] && [ -n "$new" ] ||
	skip_all "no Debian 6.1 and 6.12 cloud kernel packages in $cache/debs, and apt-get download could not fetch them"

mktmp
fx=tests/fixtures/suites
mounts() { awk '{print $2}' /proc/mounts | sort; }
mounts > "$tmp/mounts.before"
losetup -a 2>/dev/null | sort > "$tmp/loops.before"
# json FILE FILTER: jq's answer, raw
json() { jq -r "$2" "$1" 2>/dev/null; }

# ---- the A/B: 2 kernels x 2 variants, 2 iterations each in 2 boots per kernel
start=$(date +%s)
"$MMAB" run -s $fx/boot-ab.ini -o "$tmp/r" --kernel "old=$old" --kernel "new=$new" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
check "A/B: exit 0 (got $rc, $(($(date +%s) - start)) s)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/err" | tail -30
run=$(tail -1 "$tmp/out")
sets=$(ls "$run" 2>/dev/null | grep -v '^boots$\|^run.json$\|^scratch$' | tr '\n' ' ')
check "A/B: four sets LABEL-NAME-VARIANT (got $sets)" \
	[ "$sets" = "bootab-new-a bootab-new-b bootab-old-a bootab-old-b " ]
for s in bootab-old-a bootab-new-b; do
	m=$run/$s/metadata.json
	k=${s#bootab-}
	k=${k%-?}
	rel=$(json "$m" .kernel.release)
	check "$s: kernel.name $k, backend qemu" \
		[ "$(json "$m" '.kernel.name + " " + .kernel.backend')" = "$k qemu" ]
	check "$s: its environment is the guest's (uname $rel, not $(uname -r))" \
		[ "$(json "$m" .uname.release)" = "$rel" ] && [ "$rel" != "$(uname -r)" ]
	check "$s: the guest's MemTotal (under 2 GiB)" [ "$(json "$m" .mem_total_kb)" -lt 2097152 ]
	check "$s: vm object (accel $(json "$m" .vm.accel), this host's name)" \
		[ "$(json "$m" .vm.hostname)" = "$(cat /proc/sys/kernel/hostname)" ]
	check "$s: variant ${s##*-}" [ "$(json "$m" .variant)" = "${s##*-}" ]
	outcomes=$(json "$m" '[.boots[].outcome] | join(",")')
	check "$s: two boots recorded, both ok (got $outcomes)" [ "$outcomes" = "ok,ok" ]
	check "$s: 2 ok rows" [ "$(grep -c ',ok,' "$run/$s/status.csv")" -eq 2 ]
	check "$s: iteration 2 ran in boot 2" [ "$(json "$run/$s/idle/2/iteration.json" .boot)" = 2 ]
	check "$s: kernel_warnings counted" \
		[ "$(json "$run/$s/idle/1/iteration.json" '.kernel_warnings | type')" = number ]
done
check "A/B: 6.1 and 6.12 really ran" \
	[ "$(json "$run/bootab-old-a/metadata.json" .uname.release)" != \
	  "$(json "$run/bootab-new-a/metadata.json" .uname.release)" ]
check "A/B: iteration 1's seed is the same on both kernels" \
	[ "$(json "$run/bootab-old-a/idle/1/iteration.json" .seed)" = \
	  "$(json "$run/bootab-new-a/idle/1/iteration.json" .seed)" ]
boots=$(ls "$run/boots" 2>/dev/null | tr '\n' ' ')
check "A/B: a console per boot (got $boots)" [ "$boots" = "1-new 1-old 2-new 2-old " ]
check "A/B: the console has the guest's boot" grep -q "Linux version 6.12" "$run/boots/1-new/console.log"
"$MMAB" compare "$run/bootab-old-a" "$run/bootab-new-a" >"$tmp/cmp" 2>&1
check "compare works on them (exit $?)" grep -q "emulated" "$tmp/cmp"
check "compare shows the kernels differ" grep -q "kernel.release" "$tmp/cmp"
"$MMAB" report -o "$tmp/report" "$run" >/dev/null 2>&1
check "report works on them (exit $?)" [ -s "$tmp/report/index.html" ]

# ---- faults: each boot's steps failed with its reason, and the run goes on
fake_kernel_image "$tmp/broken.img" 6.9.0-broken
cat > "$tmp/faults.ini" <<EOF
[suite]
name = faults
iterations = 1
settle = no
collectors = vmstat
heartbeat_timeout = 8
boot_timeout = 25
[idle]
duration = 1
[kernel panic]
image = $old
append = mmab.test_fault=panic
[kernel hang]
image = $old
append = mmab.test_fault=hang
[kernel stall]
image = $new
append = mmab.test_fault=stall
[kernel good]
image = $new
EOF
start=$(date +%s)
"$MMAB" run -s "$tmp/faults.ini" -o "$tmp/f" --boots 1 --kernel "broken=$tmp/broken.img" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
check "faults: exit 0, the run went on (got $rc, $(($(date +%s) - start)) s)" [ $rc -eq 0 ]
frun=$(tail -1 "$tmp/out")
for f in panic:boot-panic hang:boot-hang stall:boot-timeout broken:boot-failed good:; do
	k=${f%%:*} want=${f#*:}
	row=$(tail -1 "$frun/faults-$k/status.csv" 2>/dev/null)
	if [ -n "$want" ]; then
		check "faults: $k recorded as $want ($row)" \
			[ "$(echo "$row" | cut -d, -f3,4)" = "failed,$want" ]
		if [ "$k" = broken ]; then
			# qemu refuses the image: nothing on the console, the error in metadata
			check "faults: $k's console kept, qemu's complaint recorded" \
				[ -e "$frun/boots/1-$k/console.log" ] &&
				[ -n "$(json "$frun/faults-$k/metadata.json" '.boots[0].error // empty')" ]
		else
			check "faults: $k's console kept" [ -s "$frun/boots/1-$k/console.log" ]
		fi
	else
		check "faults: the good kernel after them ran ($row)" \
			[ "$(echo "$row" | cut -d, -f3)" = ok ]
	fi
done

# ---- signals: nothing left behind; --resume finishes
leftovers() {
	pgrep -f "qemu-system-x86_64.*$tmp" >/dev/null && echo qemu
	ls -d "$tmp"/k*/*/boots/.tmp-* "$cache"/*/.tmp-* 2>/dev/null
	mounts | cmp -s - "$tmp/mounts.before" || echo mounts
	losetup -a 2>/dev/null | sort | cmp -s - "$tmp/loops.before" || echo loop devices
}
for sig in INT TERM KILL; do
	"$MMAB" run -s $fx/boot-ab.ini -o "$tmp/k$sig" -n 1 --boots 1 --only idle \
		--kernel "old=$old" >"$tmp/out.$sig" 2>"$tmp/err.$sig" &
	pid=$!
	i=0
	until pgrep -f "qemu-system-x86_64.*$tmp/k$sig" >/dev/null || [ $i -ge 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 2
	kill -s $sig $pid
	wait $pid
	rc=$?
	i=0
	while [ -n "$(leftovers)" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "SIG$sig in a boot: mmab ended (exit $rc)" [ $rc -gt 128 ]
	left=$(leftovers | tr '\n' ' ')
	check "SIG$sig in a boot: nothing left behind ($left)" [ -z "$left" ]
done
krun=$(ls -d "$tmp"/kKILL/bootab-* 2>/dev/null | head -1)
"$MMAB" run --resume "$krun" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "--resume after kill -9: exit 0 (got $rc)" [ $rc -eq 0 ]
check "--resume: the killed boot's steps done" \
	[ "$(cat "$krun"/bootab-old-*/status.csv 2>/dev/null | grep -c ',ok,')" -eq 2 ]
left=$(leftovers | tr '\n' ' ')
check "the end: nothing left behind ($left)" [ -z "$left" ]
echo "1..$_n"
exit $_failed

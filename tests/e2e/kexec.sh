#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mmab run --kexec: a kernel A/B on bare metal, each boot a kexec from the
# one before.  First on this machine: bad input exits 2, the dry run shows
# the boots and what the machine lacks, and a real run here (no systemd as
# PID 1, no kexec: a container or a small VM) is refused with exit 4,
# nothing made.  Then the real thing, in a qemu guest (TCG) booted from a
# Debian bookworm image with systemd (tests/kexec/image.sh, built once and
# cached): the guest installs mmab with `make install`, runs `mmab run
# --kexec` between Debian's 6.1 and 6.12 cloud kernels and a third kernel
# that panics; the host checks the boots the guest went through, that it
# ended on the kernel it started with, the result sets, the failed boots'
# records, and that nothing was left (modules, unit, state).
. tests/lib.sh
. tests/kexec/guest.sh

mktmp
trap 'guest_kill; rm -rf "$tmp"' EXIT

# ---- on this machine ----
fake_kernel_image "$tmp/a.img" 6.9.0-e2e
fake_kernel_image "$tmp/b.img" 6.9.1-e2e
mkdir -p "$tmp/mods"
refused "--kexec without a kernel" "--kexec boots kernels under test on this machine" \
	--dry-run --kexec
printf '[suite]\nname = k\n[idle]\nduration = 1\n[kernel old]\nimage = a.img\nmemory = 1G\n' \
	> "$tmp/k.ini"
refused "a kernel's memory on bare metal" "k.ini:5: \[kernel old\]: memory: a kexec run boots this machine" \
	--kexec -s "$tmp/k.ini"
"$MMAB" run --dry-run -n 2 -s "$tmp/k.ini" --kernel "new=$tmp/b.img,modules=$tmp/mods" \
	>"$tmp/out" 2>&1
check "the same suite without --kexec is the VM's" grep -q "result sets: k-old k-new" "$tmp/out"
args="-s $tmp/k.ini"
sed -i '/^memory/d' "$tmp/k.ini"
# shellcheck disable=SC2086
"$MMAB" run --dry-run --kexec $args -n 2 --kernel "new=$tmp/b.img,modules=$tmp/mods" \
	>"$tmp/out" 2>&1
rc=$?
check "dry run: exit 0 (got $rc)" [ $rc -eq 0 ]
check "dry run: the boots, then back to this kernel" \
	grep -q "^  1-old 1-new 2-old 2-new, then back to $(uname -r)" "$tmp/out"
check "dry run: the safety settings on each kernel's command line" \
	grep -q "panic=10 hung_task_panic=1 softlockup_panic=1 mmab.boot=" "$tmp/out"
check "dry run: modules copied where absent, removed after" \
	grep -q "modules: $tmp/mods copied to /lib/modules/6.9.1-e2e for the run, removed" "$tmp/out"
if [ ! -d /run/systemd/system ]; then
	check "dry run: says systemd is missing" grep -q "^  - systemd as PID 1" "$tmp/out"
fi
if [ ! -e /sys/kernel/kexec_loaded ]; then
	check "dry run: says kexec is missing" grep -q "^  - a kernel that can kexec" "$tmp/out"
fi
if grep -q '^  - ' "$tmp/out"; then
	mkdir -p "$tmp/state"
	# shellcheck disable=SC2086
	MMAB_STATE_DIR=$tmp/state "$MMAB" run --kexec $args -n 2 -o "$tmp/res" \
		--kernel "new=$tmp/b.img,modules=$tmp/mods" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "a real run where something lacks: exit 4 (got $rc)" [ $rc -eq 4 ]
	check "it says what lacks" grep -q "cannot run --kexec here; this machine lacks:" "$tmp/err"
	check "nothing was made: no run directory, no state" \
		[ ! -e "$tmp/res" ] && [ -z "$(ls -A "$tmp/state")" ]
else
	skip "this machine lacks nothing for a kexec run: the refusal is not tested here"
fi

# a Debian package: unpacked into mmab's cache when the run starts
deb=$(ls /var/cache/mmab/debs/linux-image-6.1.0-*-cloud-amd64-unsigned_*.deb 2>/dev/null | tail -n 1)
if [ -n "$deb" ]; then
	# shellcheck disable=SC2086
	"$MMAB" run --dry-run --kexec $args -n 2 --kernel "new=$deb" >"$tmp/out" 2>&1
	check "dry run with a .deb: unpacked into the cache, its modules installed when absent" \
		grep -q "modules: its lib/modules/6.1.0-.* copied to /lib/modules/" "$tmp/out"
else
	skip "no cached 6.1 cloud kernel package for the .deb dry run"
fi

# ---- in a qemu guest with systemd, for real ----
[ "$(id -u)" -eq 0 ] || skip_all "the guest needs root (mmdebstrap, debugfs on the image)"
for t in qemu-system-x86_64 mmdebstrap debugfs timeout; do
	command -v "$t" >/dev/null 2>&1 || skip_all "no $t (make deps-check installs it)"
done
img=$(sh tests/kexec/image.sh "$MMAB" 2>"$tmp/image.err")
rc=$?
if [ $rc -eq 4 ]; then
	skip_all "no guest image: $(tail -n 1 "$tmp/image.err")"
fi
check "the guest image is built or cached (exit $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || { cat "$tmp/image.err"; echo "1..$_n"; exit 1; }
debs=$(sh tests/kexec/kernels.sh)
old_rel=$(basename "$(echo "$debs" | sed -n 1p)" | sed 's/^linux-image-\(.*\)-unsigned_.*/\1/')
new_rel=$(basename "$(echo "$debs" | sed -n 2p)" | sed 's/^linux-image-\(.*\)-unsigned_.*/\1/')

# the guest's disk: mmab as `make install` puts it, the test's units, the suite
disk=$tmp/disk.img
cp --sparse=always "$img" "$disk"
stage=$tmp/stage
make -s install DESTDIR="$stage" PREFIX=/usr/local >/dev/null
cp "$MMAB" "$stage/usr/local/bin/mmab"
mkdir -p "$stage/usr/local/lib/mmab-test" "$stage/var/lib/mmab-test" \
	"$stage/etc/systemd/system/multi-user.target.wants"
cp tests/kexec/guest/*.sh "$stage/usr/local/lib/mmab-test/"
for u in mmab-test mmab-test-status mmab-test-crash; do
	cp "tests/kexec/guest/$u.service" "$stage/etc/systemd/system/"
	ln -s "/etc/systemd/system/$u.service" \
		"$stage/etc/systemd/system/multi-user.target.wants/$u.service"
done
unpacked=/root/kernels/unpacked
cat > "$stage/var/lib/mmab-test/kexec.ini" <<EOF
[suite]
name = kexec
iterations = 2
settle = no
collectors = vmstat,meminfo
timeout = 60
[idle]
duration = 1
[kernel crash]
image = /root/kernels/$(basename "$(echo "$debs" | sed -n 1p)")
append = mmabtest.crash
EOF
printf '%s\n' -s /var/lib/mmab-test/kexec.ini -o /root/results \
	--kernel "old=$unpacked/boot/vmlinuz-$old_rel,modules=$unpacked/lib/modules/$old_rel" \
	--kernel "new=$new_rel" --boots 2 > "$stage/var/lib/mmab-test/args"
guest_put_tree "$disk" "$stage"
check "mmab, its unit and the test's files are on the guest's disk" \
	[ "$(guest_cat "$disk" /usr/local/lib/systemd/system/mmab-resume.service | grep -c ExecStart=/usr/local/bin/mmab)" -eq 1 ]
debugfs -R "dump /boot/vmlinuz-$new_rel $tmp/vmlinuz" "$disk" >/dev/null 2>&1

# ramoops keeps a panic's record across the reset; panic=5 resets into -kernel
cmdline="root=/dev/nvme0n1 rw console=ttyS0 panic=5 memmap=1M\$0x3f000000"
cmdline="$cmdline ramoops.mem_address=0x3f000000 ramoops.mem_size=0x100000"
cmdline="$cmdline ramoops.record_size=0x20000 ramoops.console_size=0x20000"
guest_boot "$disk" "$tmp/vmlinuz" "$cmdline" "$tmp/console.log" 540 180
rc=$?
echo "# guest: exit $rc after ${guest_seconds} s"
check "the guest powered off by itself (exit $rc: 124 overran, 125 went silent)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || tail -n 40 "$tmp/console.log" | sed 's/^/# /'

out=$tmp/guest
guest_get "$disk" /var/lib/mmab-test "$out"
guest_get "$disk" /root/results "$out"
t=$out/mmab-test
check "dry run in the guest: exit 0, nothing lacks" \
	grep -q "this machine has what a real run needs" "$t/dry-run.out"
# its exit status, unless the shutdown for the kexec stopped the driver first
rc=$(cat "$t/run.rc" 2>/dev/null || echo "none")
started=no
{ [ "$rc" = 0 ] || [ "$rc" = none ]; } && tail -n 1 "$t/run.out" 2>/dev/null |
	grep -q '^/root/results/kexec-' && started=yes
check "mmab run --kexec started the run (exit $rc) and printed its directory" [ $started = yes ]
[ -s "$t/failed-boot.log" ] && grep -a "mmab" "$t/failed-boot.log" | tail -n 20 | sed 's/^/# /'
[ -s "$t/run.err" ] && sed 's/^/# run.err: /' "$t/run.err"

# the boots the driver saw (the crashing kernel panics before it runs)
seen=$(awk '{ print $2 "/" $3 }' "$t/boots.log" 2>/dev/null | sed 's/[0-9a-f]\{8\}-//' | tr '\n' ' ')
want="$new_rel/- $new_rel/- $old_rel/2 $new_rel/3 $new_rel/- $old_rel/5 $new_rel/6 $new_rel/final "
check "boots: stock, crash (reset), old, new, crash (reset), old, new, back (got $seen)" \
	[ "$seen" = "$want" ]
if [ "$seen" != "$want" ]; then
	# what the run made of each boot that did not come back, and the
	# console's timeline: kernels started, kexecs, resets, mmab's lines
	for f in "$out"/results/kexec-*/boots/*/failure.txt; do
		[ -s "$f" ] && echo "# $(basename "$(dirname "$f")"): $(cat "$f")"
	done
	grep -a -n -E 'Linux version|kexec_core|systemd-shutdown|reboot:|Kernel panic|i6300|SeaBIOS|MMAB-TEST|mmab\[' \
		"$tmp/console.log" | cut -c 1-200 | tail -n 150 | sed 's/^/# console: /'
fi
check "the guest ended on the kernel it started with" \
	[ "$(tail -n 1 "$t/boots.log" | awk '{ print $2 }')" = "$new_rel" ]
check "while the run went on, --dry-run --resume said where it stood" \
	grep -q "kexec run: in progress" "$t/status.log"
check "the unit is disabled at the end" grep -qx disabled "$t/unit-after"
gone=no
[ -s "$t/modules-after" ] && ! grep -qx "$old_rel" "$t/modules-after" && gone=yes
check "the modules mmab installed are gone ($(tr '\n' ' ' < "$t/modules-after" 2>/dev/null))" \
	[ $gone = yes ]
state=$(debugfs -R "stat /var/lib/mmab/kexec" "$disk" 2>&1 | grep -c "Inode:")
check "the run's state is gone" [ "$state" -eq 0 ]

run=$(ls -d "$out"/results/kexec-* 2>/dev/null | head -n 1)
for k in old new crash; do
	set=$run/kexec-$k
	check "set kexec-$k: status.csv has 2 rows" [ "$(tail -n +2 "$set/status.csv" | wc -l)" -eq 2 ]
done
check "old and new: every iteration ok" [ "$(cat "$run"/kexec-old/status.csv \
	"$run"/kexec-new/status.csv | grep -c ',ok,')" -eq 4 ]
check "crash: both iterations failed with boot-panic" \
	[ "$(grep -c ',failed,boot-panic,' "$run/kexec-crash/status.csv")" -eq 2 ]
for k in old:$old_rel new:$new_rel; do
	m=$run/kexec-${k%%:*}/metadata.json
	check "kexec-${k%%:*}: kernel.release ${k#*:}, backend kexec, no vm" \
		[ "$(jq -r '[.kernel.release, .kernel.backend, (.vm == null)] | join(" ")' "$m")" = \
		  "${k#*:} kexec true" ]
	check "kexec-${k%%:*}: the environment is the booted kernel's" \
		[ "$(jq -r .uname.release "$m")" = "${k#*:}" ]
	check "kexec-${k%%:*}: two boots recorded, each with its uname" \
		[ "$(jq '[.boots[] | select(.uname.release != null)] | length' "$m")" -eq 2 ]
done
check "iteration.json says which boot ran it" \
	[ "$(jq .boot "$run/kexec-old/idle/2/iteration.json")" = 2 ]
check "crash: its boots are recorded as failed" \
	[ "$(jq '[.boots[] | select(.outcome == "failed" and .reason == "boot-panic")] | length' \
	   "$run/kexec-crash/metadata.json")" -eq 2 ]
check "crash: a failed iteration's iteration.json says why" \
	[ "$(jq -r '[.status, .reason, .boot] | join(" ")' \
	   "$run/kexec-crash/idle/1/iteration.json")" = "failed boot-panic 1" ]
check "the sets were finished after the last boot (metadata end)" \
	[ "$(jq -r '.end != null' "$run/kexec-old/metadata.json")" = true ]
check "crash: the panic's pstore record was kept" \
	grep -rqs "sysrq triggered crash" "$run/boots/1-crash/pstore"
check "crash: its journal up to the panic was kept" \
	grep -qs "mmabtest.crash" "$run/boots/1-crash/journal.txt"
check "the watchdog was armed on 6.12 (i6300esb)" \
	grep -q "new: /dev/watchdog.* armed" "$t/resume.log"
check "6.1 has no driver for it: a warning" \
	grep -q "old: no hardware watchdog" "$t/resume.log"
"$MMAB" compare "$run/kexec-old" "$run/kexec-new" >"$tmp/compare" 2>&1
rc=$?
check "mmab compare reads the sets as any others (exit $rc)" [ $rc -eq 0 ]
echo "# guest run: ${guest_seconds} s of qemu"
echo "1..$_n"
exit $_failed

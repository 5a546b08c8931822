# SPDX-License-Identifier: GPL-2.0-or-later
#
# The qemu guest of the kexec end-to-end test (sourced by tests/e2e/kexec.sh).
# A copy of the cached image (image.sh) is the guest's NVMe root disk; files
# go in and results come out with debugfs, never a mount, and only while
# qemu is not running.  The guest boots under TCG, its serial console in a
# log; the guest's test units write "MMAB-TEST: ..." lines there, and the
# host kills qemu when it overruns its total time or when no such line came
# for too long.  Callers hold the machine lock (make check runs under it).

# guest_debugfs DISK CMDFILE: run debugfs -w on DISK; fail on any error but
# "already exists" (mkdir of a directory the image has) and a missing file
# (rm before a write).
guest_debugfs() {
	_gd_err=$(debugfs -w -f "$2" "$1" 2>&1 >/dev/null |
		grep -v -e '^debugfs [0-9]' -e 'already exists' -e 'File not found by ext2_lookup')
	[ -z "$_gd_err" ] || { echo "# debugfs on $1: $_gd_err" >&2; return 1; }
}

# guest_put_tree DISK DIR: copy the tree under DIR into the guest's / (files
# replaced, directories made, modes and owners kept).
guest_put_tree() {
	_gp_cmds=$(mktemp "${TMPDIR:-/tmp}/mmab-debugfs.XXXXXX")
	(cd "$2" && find . -mindepth 1 -type d | sort | sed 's|^\.|mkdir |'
	 cd "$2" && find . -type f | sort | while read -r f; do
		echo "rm ${f#.}"
		echo "write $2/${f#./} ${f#.}"
	 done
	 cd "$2" && find . -type l | sort | while read -r f; do
		echo "rm ${f#.}"
		echo "symlink ${f#.} $(readlink "$f")"
	 done) > "$_gp_cmds"
	guest_debugfs "$1" "$_gp_cmds"
	_gp_rc=$?
	rm -f "$_gp_cmds"
	return $_gp_rc
}

# guest_get DISK GUESTDIR HOSTDIR: copy a directory of the guest into HOSTDIR.
guest_get() {
	mkdir -p "$3" && debugfs -R "rdump $2 $3" "$1" >/dev/null 2>&1
}

# guest_cat DISK GUESTFILE: a guest file on stdout.
guest_cat() {
	debugfs -R "cat $2" "$1" 2>/dev/null
}

# guest_boot DISK VMLINUZ CMDLINE LOG TOTAL_S SILENCE_S: boot the guest until
# it powers off.  0 when it did, 124 when it overran TOTAL_S, 125 when no
# "MMAB-TEST:" line came for SILENCE_S (qemu killed in both cases), else
# qemu's status.  A panic resets the guest into VMLINUZ again (no
# -no-reboot): the stock kernel after a reset, as on a real machine.
guest_boot() {
	_gb_start=$(date +%s)
	_gb_last=$_gb_start
	_gb_marks=0
	# timeout bounds qemu even if this shell is killed -9
	timeout -k 5 $(($5 + 30)) qemu-system-x86_64 -nodefaults -no-user-config \
		-accel tcg -m 1G -smp 2 -display none -serial stdio \
		-kernel "$2" -append "$3" \
		-drive "file=$1,if=none,id=d0,format=raw,cache=unsafe" \
		-device nvme,drive=d0,serial=mmabroot \
		-device i6300esb </dev/null >"$4" 2>&1 &
	guest_qemu=$!
	while kill -0 "$guest_qemu" 2>/dev/null; do
		sleep 2
		_gb_now=$(date +%s)
		_gb_n=$(grep -c 'MMAB-TEST:' "$4" 2>/dev/null)
		if [ "$_gb_n" -ne "$_gb_marks" ]; then
			_gb_marks=$_gb_n
			_gb_last=$_gb_now
		fi
		if [ $((_gb_now - _gb_start)) -ge "$5" ]; then
			guest_kill
			return 124
		fi
		if [ $((_gb_now - _gb_last)) -ge "$6" ]; then
			guest_kill
			return 125
		fi
	done
	wait "$guest_qemu"
	_gb_rc=$?
	guest_qemu=
	guest_seconds=$(($(date +%s) - _gb_start))
	return $_gb_rc
}

# guest_kill: stop a running guest (for timeouts and the test's EXIT trap).
guest_kill() {
	[ -n "${guest_qemu:-}" ] || return 0
	kill "$guest_qemu" 2>/dev/null
	wait "$guest_qemu" 2>/dev/null
	guest_seconds=$(($(date +%s) - ${_gb_start:-0}))
	guest_qemu=
}

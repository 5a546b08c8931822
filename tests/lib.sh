# SPDX-License-Identifier: GPL-2.0-or-later
#
# Helpers for end-to-end tests (sourced).  Output is TAP: the harness counts
# "ok", "not ok" and "# SKIP" lines.  Each test script runs from the top of
# the tree with $MMAB pointing at the binary.

: "${MMAB:=./mmab}"
_n=0
_failed=0

ok()   { _n=$((_n + 1)); echo "ok $_n - $*"; }
nok()  { _n=$((_n + 1)); echo "not ok $_n - $*"; _failed=1; }
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() { _check_d=$1; shift; if "$@"; then ok "$_check_d"; else nok "$_check_d"; fi; }
# skip_all REASON: the whole script cannot run here
skip_all() { skip "$*"; exit 0; }
need_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root"; }

# mktmp: set $tmp to a scratch directory removed when the script exits.
# Call it as a plain command, not as $(mktmp): in a command substitution
# the EXIT trap would fire in the subshell and remove it at once.
mktmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmab-test.XXXXXX") || exit 1
	trap 'rm -rf "$tmp"' EXIT
}

# knob_snapshot FILE: record every knob mmab may touch, to compare afterwards.
knob_snapshot() {
	for _snap_k in /proc/sys/vm/* /sys/kernel/mm/transparent_hugepage/enabled \
		 /sys/kernel/mm/transparent_hugepage/defrag \
		 /sys/kernel/mm/transparent_hugepage/khugepaged/defrag \
		 /sys/kernel/mm/hugepages/hugepages-*/nr_hugepages; do
		case $_snap_k in */drop_caches|*/compact_memory|*/stat_refresh) continue ;; esac
		[ -r "$_snap_k" ] && [ -w "$_snap_k" ] || continue
		printf '%s=%s\n' "$_snap_k" "$(tr '\n' ' ' < "$_snap_k" 2>/dev/null)"
	done > "$1"
}

# mmab_cgroups: the mmab cgroups below the cgroup roots, one a line.
mmab_cgroups() {
	ls -d /sys/fs/cgroup/memory/mmab* /sys/fs/cgroup/unified/mmab* \
		/sys/fs/cgroup/mmab* 2>/dev/null
}

# machine_as_found DESCRIPTION: every knob as knob_snapshot saved it in
# $tmp/before, and no mmab cgroup left (two checks).
machine_as_found() {
	knob_snapshot "$tmp/after"
	if cmp -s "$tmp/before" "$tmp/after"; then
		ok "$1: every knob as found"
	else
		nok "$1: knobs changed: $(diff "$tmp/before" "$tmp/after" | grep '^[<>]' | tr '\n' ' ')"
	fi
	_left=$(mmab_cgroups)
	check "$1: no mmab cgroup left ${_left}" [ -z "$_left" ]
}

# refused DESCRIPTION PATTERN ARGS...: `mmab run ARGS -o $tmp/bad` exits 2
# saying PATTERN on stderr (two checks).
refused() {
	_ref_desc=$1 _ref_pattern=$2
	shift 2
	"$MMAB" run "$@" -o "$tmp/bad" >"$tmp/out" 2>"$tmp/err"
	_ref_rc=$?
	check "$_ref_desc: exit 2 (got $_ref_rc)" [ $_ref_rc -eq 2 ]
	check "$_ref_desc: says '$_ref_pattern'" grep -q -- "$_ref_pattern" "$tmp/err"
}

# fake_kernel_image PATH RELEASE: a file with an x86 boot protocol header
# whose version string says RELEASE: what mmab reads of a kernel image, and
# nothing that boots.
fake_kernel_image() {
	head -c 20480 /dev/zero > "$1"
	printf 'HdrS' | dd of="$1" bs=1 seek=$((0x202)) conv=notrunc 2>/dev/null
	printf '\017\002' | dd of="$1" bs=1 seek=$((0x206)) conv=notrunc 2>/dev/null
	printf '\000\076' | dd of="$1" bs=1 seek=$((0x20E)) conv=notrunc 2>/dev/null
	printf '%s (e2e@mmab) #1 SMP' "$2" | dd of="$1" bs=1 seek=$((0x4000)) conv=notrunc \
		2>/dev/null
}

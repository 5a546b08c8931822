#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run every test: the layering check of the tree (tests/layering.sh), the
# cmocka unit-test binaries given as arguments, then the end-to-end scripts tests/e2e/*.sh (TAP: "ok N - ...", "not ok N - ...",
# "ok N # SKIP reason"; exit 0 = ran, anything else counts as a failure).
# Prints one closing line: "N passed, N failed, N skipped".
#
# MMAB_SKIP_E2E=1 runs only the unit tests; MMAB_TESTS=pattern runs only the
# tests whose file name contains pattern.

top=$(cd "$(dirname "$0")/.." && pwd)
log=${MMAB_TEST_LOG:-$top/build/test-log}
mkdir -p "$log"
pass=0 fail=0 skip=0
failed_names=

count_tap() {
	# $1: file holding TAP output; $2: name.  cmocka 1.1 prints a skipped
	# test as "not ok N # SKIP": a skip, not a failure.
	p=$(grep -c '^ok [0-9][0-9]* - ' "$1")
	s=$(grep -c '^\(not \)\?ok [0-9][0-9]* # SKIP' "$1")
	f=$(grep '^not ok [0-9]' "$1" | grep -vc ' # SKIP')
	pass=$((pass + p)); skip=$((skip + s)); fail=$((fail + f))
	[ "$f" -gt 0 ] && failed_names="$failed_names $2"
}

# A run that died before this one (a killed CI job, a crash) left knobs
# changed and its journal behind: every mmab run would put them back on
# start, so a test's "every knob as found" would see the earlier run's
# values before it and the true ones after.  Put them back first, as a user
# would with `mmab restore`, and say so.
if [ "$(id -u)" -eq 0 ] && [ -x "$top/mmab" ] && [ -z "${MMAB_STATE_DIR:-}" ]; then
	"$top/mmab" restore >"$log/restore.out" 2>&1 ||
		echo "# mmab restore exited $?: a test may find the machine as an earlier run left it"
	grep -qv "^nothing to restore" "$log/restore.out" && sed 's/^/# restored: /' "$log/restore.out"
fi

case layering in *"${MMAB_TESTS:-}"*)
	echo "== layering"
	out=$log/layering.out
	sh "$top/tests/layering.sh" "$top/build" >"$out" 2>&1
	rc=$?
	cat "$out"
	[ $rc -ne 0 ] && ! grep -q '^not ok' "$out" && { echo "not ok - layering exited $rc"; fail=$((fail + 1)); }
	count_tap "$out" layering
esac

for bin in "$@"; do
	name=$(basename "$bin")
	case $name in *"${MMAB_TESTS:-}"*) ;; *) continue ;; esac
	out=$log/$name.out
	echo "== $name"
	CMOCKA_MESSAGE_OUTPUT=TAP "$bin" >"$out" 2>&1
	rc=$?
	cat "$out"
	n=$(grep -c '^\(not \)\?ok [0-9]' "$out")
	if [ "$n" -eq 0 ] || { [ $rc -ne 0 ] && ! grep '^not ok' "$out" | grep -vq ' # SKIP'; }; then
		echo "not ok - $name exited $rc"
		fail=$((fail + 1)); failed_names="$failed_names $name"
	fi
	count_tap "$out" "$name"
done

if [ -z "${MMAB_SKIP_E2E:-}" ]; then
	for t in "$top"/tests/e2e/*.sh; do
		[ -e "$t" ] || continue
		name=$(basename "$t" .sh)
		case $name in *"${MMAB_TESTS:-}"*) ;; *) continue ;; esac
		out=$log/$name.out
		echo "== e2e/$name"
		start=$(date +%s)
		(cd "$top" && MMAB="$top/mmab" sh "$t") >"$out" 2>&1 </dev/null
		rc=$?
		cat "$out"
		echo "   ($(($(date +%s) - start)) s)"
		if [ $rc -ne 0 ]; then
			echo "not ok - e2e/$name exited $rc"
			fail=$((fail + 1)); failed_names="$failed_names e2e/$name"
		fi
		count_tap "$out" "e2e/$name"
	done
fi

[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `mmab restore` from the command line, on a private state directory (so it
# never touches the machine's journal): nothing to restore, a journal from
# an earlier boot discarded, a damaged journal moved aside and reported,
# usage errors, and exit 4 for a user who is not root.  The undo of each
# entry kind is tested in tests/unit/test-knob.c.
. tests/lib.sh
need_root
# not $(mktmp): its EXIT trap would fire in the command substitution's subshell
t=$(mktemp -d "${TMPDIR:-/tmp}/mmab-test-restore.XXXXXX")
trap 'rm -rf "$t"' EXIT
export MMAB_STATE_DIR="$t/state"

out=$("$MMAB" restore 2>"$t/err"); rc=$?
check "no state directory: nothing to restore" [ $rc -eq 0 ] && [ "$out" = "nothing to restore" ]

mkdir -p "$MMAB_STATE_DIR"
printf 'mmab-journal\t1\t00000000-0000-0000-0000-000000000000\t1234\n' > "$MMAB_STATE_DIR/journal"
out=$("$MMAB" restore 2>"$t/err"); rc=$?
check "earlier boot: exit 0" [ $rc -eq 0 ]
check "earlier boot: discarded, not replayed" grep -q "earlier boot" "$t/err"
check "earlier boot: journal removed" [ ! -e "$MMAB_STATE_DIR/journal" ]

echo "not a journal" > "$MMAB_STATE_DIR/journal"
"$MMAB" restore >/dev/null 2>"$t/err"; rc=$?
check "damaged journal: exit 1" [ $rc -eq 1 ]
check "damaged journal: moved aside" [ -e "$MMAB_STATE_DIR/journal.damaged" ]
check "damaged journal: said so" grep -q "is not an mmab journal" "$t/err"

"$MMAB" restore extra >/dev/null 2>&1; rc=$?
check "extra argument: exit 2" [ $rc -eq 2 ]
"$MMAB" restore --help | grep -q "usage: mmab restore"; check "help" [ $? -eq 0 ]

if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$MMAB" restore >/dev/null 2>&1; rc=$?
	check "not root: exit 4" [ $rc -eq 4 ]
else
	skip "setpriv not installed"
fi
echo "1..$_n"
exit $_failed

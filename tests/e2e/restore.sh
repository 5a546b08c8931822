#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `mmab restore` from the command line, on a private state directory (so it
# never touches the machine's journal): nothing to restore, a journal from
# an earlier boot discarded, a damaged journal moved aside and reported,
# usage errors, exit 4 for a user who is not root, and, as root with the
# stalls collector, the tracefs instance a run killed with kill -9 leaves,
# removed by restore while the user's own instance stays.  The undo of each
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

# ---- a tracefs instance left by a killed run: the stalls collector's
# instance is journaled like a cgroup; after kill -9, `mmab restore` removes
# it (and the tracefs mount, when mmab made it), never the user's own.
# instances_of PATTERN: the instance names matching PATTERN, one line
instances_of() { ls "$tr/instances" 2>/dev/null | grep -x "$1" | tr '\n' ' '; }
if ! "$MMAB" list collectors 2>/dev/null | grep -q '^stalls .*yes'; then
	skip "tracefs instance after kill -9: the stalls collector cannot run here"
else
	# where mmab finds tracefs: /sys/kernel/tracing first, else any mount of it
	tr=$(awk '$3 == "tracefs" { print $2 }' /proc/self/mounts | sort | tail -n 1)
	awk '$3 == "tracefs" { print $2 }' /proc/self/mounts | grep -qx /sys/kernel/tracing &&
		tr=/sys/kernel/tracing
	premounted=${tr:+yes}
	tr=${tr:-/sys/kernel/tracing}
	rm -f "$MMAB_STATE_DIR/journal"
	"$MMAB" collect -c stalls -o "$t/killed" -- sleep 30 >/dev/null 2>"$t/cerr" &
	pid=$!
	i=0
	while [ -z "$(instances_of "mmab-$pid-.*")" ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	left=$(instances_of "mmab-$pid-.*")
	kill -9 $pid
	wait $pid 2>/dev/null
	# the user's own instance, made after the crash, must stay
	mkdir "$tr/instances/user-$$"
	check "kill -9: the instance is left (${left:-none})" \
		[ -n "$left" -a -n "$(instances_of "mmab-$pid-.*")" ]
	check "kill -9: the journal lists it" grep -q "^tracefs	$tr/instances/mmab-$pid-" \
		"$MMAB_STATE_DIR/journal"
	"$MMAB" restore >"$t/out" 2>"$t/err"; rc=$?
	check "restore after kill -9: exit 0 (got $rc)" [ $rc -eq 0 ]
	[ $rc -eq 0 ] || sed 's/^/# /' "$t/err"
	check "restore: said so" grep -q "removed tracefs instance $tr/instances/mmab-$pid-" "$t/err"
	if [ -z "$premounted" ]; then
		# mmab mounted tracefs for the run: restore unmounted it too (after
		# removing the instance, which is kernel state that outlives a mount)
		check "restore: tracefs unmounted, as before the run" \
			sh -c "grep -q 'unmounted tracefs' '$t/err' &&
				! awk '\$3 == \"tracefs\"' /proc/self/mounts | grep -q ."
		mount -t tracefs nodev "$tr"	# to look
	fi
	check "restore: the instance is gone" [ -z "$(instances_of "mmab-$pid-.*")" ]
	check "restore: the user's instance is untouched" [ -d "$tr/instances/user-$$" ]
	check "restore: the command's cgroup is gone" \
		sh -c "! ls -d /sys/fs/cgroup/memory/mmab-$pid-* /sys/fs/cgroup/unified/mmab-$pid-* \
			2>/dev/null | grep -q ."
	rmdir "$tr/instances/user-$$"
	[ -z "$premounted" ] && umount "$tr"
fi
echo "1..$_n"
exit $_failed

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install the Debian packages mmab needs, only those missing, only as root.
# Not root: print the exact apt-get command and fail if something is missing.
# Usage: deps.sh GROUP...   (groups: build run check guest kexec)

build="gcc make pkg-config libgsl-dev libinih-dev libjansson-dev libtracefs-dev libtraceevent-dev libcmocka-dev libyaml-dev libsqlite3-dev libpq-dev"
run="fio stress-ng linux-perf gnuplot-nox"
check="chromium fonts-dejavu-core procps jq postgresql"
# the kexec test's guest: a Debian image made without mounts, booted under qemu
guest="mmdebstrap uidmap qemu-system-x86 e2fsprogs"
# bare-metal kernel A/Bs (mmab run --kexec)
kexec="kexec-tools kmod"

want=
for g in "$@"; do
	case $g in
	build) want="$want $build" ;;
	run) want="$want $run" ;;
	check) want="$want $check" ;;
	guest) want="$want $guest" ;;
	kexec) want="$want $kexec" ;;
	*) echo "deps.sh: unknown group '$g'" >&2; exit 2 ;;
	esac
done

command -v dpkg-query >/dev/null 2>&1 || {
	echo "mmab: not a Debian system; install the equivalents of:$want" >&2
	exit 0
}

missing=
for p in $want; do
	case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "mmab: missing Debian packages; as root run:" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "mmab: installing missing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Debian's kexec-load would turn every reboot into a kexec of /vmlinuz
case " $missing " in *" kexec-tools "*)
	echo 'kexec-tools kexec-tools/load_kexec boolean false' | debconf-set-selections ;;
esac
apt-get update -qq || exit 1
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing || exit 1

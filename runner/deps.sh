#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install the Debian packages mmab needs, only those missing, only as root.
# Not root: print the exact apt-get command and fail if something is missing.
# Usage: deps.sh GROUP...   (groups: build run check vm kernels guest kexec)
#   vm       what `mmab run --kernel` boots kernels with (qemu, busybox-static,
#            mkfs.ext4/debugfs)
#   kernels  the newest Debian 6.1 and 6.12 cloud kernel packages, downloaded
#            (never installed) into $MMAB_CACHE_DIR/debs for the kernel A/B
#            test; a kernel the archive does not offer is said and left out
#   guest    the kexec tests: a Debian image made without mounts (mmdebstrap),
#            depmod for the modules a kexec run installs (kmod)
#   kexec    what `mmab run --kexec` needs on a bare-metal machine

build="gcc make pkg-config libgsl-dev libinih-dev libjansson-dev libtracefs-dev libtraceevent-dev libcmocka-dev libyaml-dev libsqlite3-dev libpq-dev liblzma-dev"
run="fio stress-ng linux-perf gnuplot-nox"
check="chromium fonts-dejavu-core procps jq postgresql"
vm="qemu-system-x86 busybox-static e2fsprogs"
guest="mmdebstrap uidmap kmod"
kexec="kexec-tools kmod"

# The newest package whose name matches the extended regex $1, or nothing.
newest_pkg() {
	apt-cache search --names-only "$1" 2>/dev/null | cut -d' ' -f1 | sort -V | tail -1
}

# Download the test's kernel packages into the cache unless they are there.
kernels() {
	dir=${MMAB_CACHE_DIR:-/var/cache/mmab}/debs
	updated=
	for re in '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' \
		  '^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned$'; do
		pkg=$(newest_pkg "$re")
		if [ -z "$pkg" ] && [ -z "$updated" ] && [ "$(id -u)" -eq 0 ]; then
			apt-get update -qq >/dev/null 2>&1
			updated=1
			pkg=$(newest_pkg "$re")
		fi
		if [ -z "$pkg" ]; then
			echo "mmab: the archive offers no package matching $re: the kernel A/B test will skip it" >&2
			continue
		fi
		ls "$dir/${pkg}_"*.deb >/dev/null 2>&1 && continue
		if [ "$(id -u)" -ne 0 ]; then
			echo "mmab: as root run: mkdir -p $dir && cd $dir && apt-get download $pkg" >&2
			continue
		fi
		echo "mmab: downloading $pkg into $dir" >&2
		mkdir -p "$dir" && (cd "$dir" && apt-get download -qq -o APT::Sandbox::User=root "$pkg") ||
			echo "mmab: cannot download $pkg: the kernel A/B test will skip" >&2
	done
}

want=
for g in "$@"; do
	case $g in
	build) want="$want $build" ;;
	run) want="$want $run" ;;
	check) want="$want $check" ;;
	vm) want="$want $vm" ;;
	kernels) get_kernels=1 ;;
	guest) want="$want $guest" ;;
	kexec) want="$want $kexec" ;;
	*) echo "deps.sh: unknown group '$g'" >&2; exit 2 ;;
	esac
done

command -v dpkg-query >/dev/null 2>&1 || {
	echo "mmab: not a Debian system; install the equivalents of:$want" >&2
	exit 0
}
# after the packages (apt-get download needs the lists), whatever happens there
[ -n "${get_kernels:-}" ] && trap kernels EXIT

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

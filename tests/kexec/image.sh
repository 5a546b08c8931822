#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The guest disk of the kexec end-to-end test: Debian bookworm with systemd,
# built from Debian packages with mmdebstrap (--mode=unshare: its mounts
# live in a private namespace, nothing is mounted on the host) and cached,
# so make check builds it once.  The stock kernel (6.12 cloud) is unpacked
# into /boot and /usr/lib/modules, not installed (no initramfs: the cloud
# kernels have NVMe and ext4 built in); the other kernel (6.1 cloud) is in
# /root/kernels twice, as its .deb and unpacked (boot/, lib/modules/), for
# mmab to install and remove.  The libraries the mmab binary needs are
# found from the binary itself.
#
# Usage: image.sh MMAB_BINARY
# Prints the image's path on stdout (a raw ext4 file system, 2 GiB sparse;
# boot a copy of it, never the image).  Needs root, mmdebstrap, uidmap and
# e2fsprogs; kernel debs come from kernels.sh.  Exit 4 when it cannot run.
#
# The cache key is this script, the kernel debs' names and the package list:
# change any and the next run builds a new image (the old one is removed).

set -eu
here=$(cd "$(dirname "$0")" && pwd)
mmab=$1
cache=${MMAB_IMAGE_CACHE:-/var/cache/mmab/images}
aptcache=${MMAB_APT_CACHE:-/var/cache/mmab/apt-archives}

die4() { echo "image.sh: $*" >&2; exit 4; }
[ "$(id -u)" -eq 0 ] || die4 "needs root (mmdebstrap --mode=unshare, debugfs on root-owned files)"
for t in mmdebstrap mkfs.ext4 debugfs dpkg-deb; do
	command -v "$t" >/dev/null 2>&1 || die4 "no $t (make deps-check installs it)"
done

debs=$(sh "$here/kernels.sh") || exit $?
stock_deb=$(echo "$debs" | sed -n 2p)
other_deb=$(echo "$debs" | sed -n 1p)

# the packages of the shared libraries mmab links to
libpkgs=$(ldd "$mmab" | awk '/=> \//{ print $3 }' | while read -r l; do
	dpkg -S "$(readlink -f "$l")" 2>/dev/null || dpkg -S "$l" 2>/dev/null || {
		echo "image.sh: no Debian package owns $l (needed by $mmab)" >&2; exit 1; }
done | sed 's/:.*//' | sort -u | tr '\n' ',' | sed 's/,$//')
[ -n "$libpkgs" ] || { echo "image.sh: cannot list the libraries of $mmab" >&2; exit 1; }
include="systemd-sysv,udev,kexec-tools,kmod,$libpkgs"

key=$( { cat "$0"; basename "$stock_deb"; basename "$other_deb"; echo "$include"; } |
	sha256sum | cut -c1-16)
img=$cache/mmab-kexec-bookworm-$key.img
mkdir -p "$cache" "$aptcache"
exec 9>"$cache/.mmab-kexec.lock"
flock 9
if [ -f "$img" ]; then
	echo "$img"
	exit 0
fi

echo "image.sh: building $img (mmdebstrap, about a minute)" >&2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmab-image.XXXXXX")
chmod 755 "$tmp"	# apt's _apt user must reach the lists
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
# Hooks: the apt cache in and out (essential debs kept for the sync-out);
# kernels unpacked with tar so the merged-/usr /lib symlink survives; depmod
# run in the chroot (the debs' postinst never runs); Debian's kexec-load
# kept from turning reboots into kexecs; ramoops and the i6300esb watchdog
# loaded early; a persistent journal; units that only cost boot time masked.
mmdebstrap --mode=unshare --variant=minbase --quiet \
	--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
	--include="$include" \
	--dpkgopt=force-unsafe-io \
	--skip=essential/unlink \
	--setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
	--setup-hook="sync-in $aptcache /var/cache/apt/archives/" \
	--customize-hook="sync-out /var/cache/apt/archives $aptcache" \
	--customize-hook="dpkg-deb --fsys-tarfile '$stock_deb' | tar -x --keep-directory-symlink -C \"\$1\"" \
	--customize-hook='for k in "$1"/usr/lib/modules/*; do chroot "$1" /usr/sbin/depmod "${k##*/}"; done' \
	--customize-hook='mkdir -p "$1/root/kernels"' \
	--customize-hook="copy-in '$other_deb' /root/kernels/" \
	--customize-hook="mkdir -p \"\$1/root/kernels/unpacked\" && dpkg-deb --fsys-tarfile '$other_deb' | tar -x -C \"\$1/root/kernels/unpacked\"" \
	--customize-hook='echo mmab-guest > "$1/etc/hostname"; echo "127.0.0.1 localhost mmab-guest" > "$1/etc/hosts"' \
	--customize-hook='sed -i "s/^LOAD_KEXEC=.*/LOAD_KEXEC=false/" "$1/etc/default/kexec"' \
	--customize-hook='printf "ramoops\ni6300esb\n" > "$1/etc/modules-load.d/mmab-test.conf"' \
	--customize-hook='chroot "$1" /usr/bin/passwd -d root' \
	--customize-hook='mkdir -p "$1/var/log/journal"' \
	--customize-hook='chroot "$1" /usr/bin/systemctl mask kexec-load.service kexec.service getty-static.service e2scrub_reap.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer systemd-tmpfiles-clean.timer getty@tty1.service serial-getty@ttyS0.service' \
	--customize-hook='rm -rf "$1"/usr/share/doc/* "$1"/usr/share/man/* "$1"/usr/share/info/*; find "$1"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +' \
	bookworm "$tmp/root" http://deb.debian.org/debian \
	"deb http://deb.debian.org/debian-security bookworm-security main" >&2
truncate -s 2G "$tmp/disk.img"
mkfs.ext4 -q -F -L mmab-root -d "$tmp/root" "$tmp/disk.img"
rm -f "$cache"/mmab-kexec-bookworm-*.img
mv "$tmp/disk.img" "$img"
echo "image.sh: built in $(($(date +%s) - start)) s" >&2
echo "$img"

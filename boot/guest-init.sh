#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Stage 1 of a guest mmab boots (the initramfs's /init; it runs inside the
# guest, never on the host): load the modules the initramfs holds (named
# NN-NAME.ko, in load order), find the two disks by their serial numbers,
# mount the read-only root (mmab, fio, stress-ng, perf) and the data disk
# (the job, its results, scratch space), give the guest cgroup2 with the
# memory controller delegated, as a systemd machine would, and switch_root
# to stage 2, `mmab guest`.  The initramfs is freed by switch_root: no
# tool stays pinned in guest memory.  Any failure powers the guest off
# with a line saying why; the host reads it from the console.

/bin/busybox mkdir -p /bin /proc /sys /dev
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() { echo "mmab-init: $*"; }
fail() {
	say "FAILED: $*"
	sync
	poweroff -f
	sleep 60
}

case " $(cat /proc/cmdline) " in
*" mmab.test_fault=init "*) fail "asked to (mmab.test_fault=init)" ;;
esac

for m in /lib/modules/*.ko; do
	[ -e "$m" ] || continue
	insmod "$m" || say "cannot load ${m##*/}"
done

root= data=
for i in $(seq 100); do
	for d in /sys/block/vd*; do
		[ -e "$d/serial" ] || continue
		case $(cat "$d/serial") in
		mmab-root) root=/dev/${d##*/} ;;
		mmab-data) data=/dev/${d##*/} ;;
		esac
	done
	[ -n "$root" ] && [ -n "$data" ] && break
	sleep 0.1
done
[ -n "$root" ] || fail "no root disk (virtio-blk serial mmab-root): is virtio_blk there?"
[ -n "$data" ] || fail "no data disk (virtio-blk serial mmab-data)"

mount -t ext4 -o ro "$root" /newroot || fail "cannot mount the root disk $root"
# noinit_itable: no background inode-table zeroing while workloads run
mount -t ext4 -o noinit_itable "$data" /newroot/data || fail "cannot mount the data disk $data"
mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp
mount -t tmpfs -o mode=755 tmpfs /newroot/run
for fs in proc sys dev; do
	mount --move /$fs /newroot/$fs || fail "cannot move /$fs"
done
mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup || fail "cannot mount cgroup2"
echo +memory > /newroot/sys/fs/cgroup/cgroup.subtree_control ||
	fail "cannot delegate the memory controller"
hostname mmab-guest
exec switch_root /newroot /usr/bin/mmab guest
fail "cannot switch_root to /usr/bin/mmab"

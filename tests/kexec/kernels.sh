#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The two Debian kernels of the kexec end-to-end test: the newest 6.1 and
# 6.12 cloud kernels (unsigned .debs) the archive offers, from the deb
# cache, fetched with `apt-get download` when the cache has none.  Prints
# two paths: the 6.1 deb, then the 6.12 deb.  Exit 4 when none can be had.

set -eu
cache=${MMAB_DEB_CACHE:-/var/cache/mmab/debs}

# newest PATTERN: the newest cached deb whose package name matches (a grep -E)
newest() {
	ls "$cache" 2>/dev/null | grep -E "^$1_.*_amd64\.deb$" | sort -V | tail -n 1
}
# fetch PATTERN: download the newest package of that name the archive lists
fetch() {
	command -v apt-get >/dev/null 2>&1 || return 1
	pkg=$(apt-cache pkgnames linux-image-6 2>/dev/null | grep -E "^$1\$" | sort -V | tail -n 1)
	[ -n "$pkg" ] || return 1
	mkdir -p "$cache" && (cd "$cache" && apt-get download -q "$pkg" >&2)
}
for pat in 'linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned' \
	   'linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned'; do
	deb=$(newest "$pat")
	if [ -z "$deb" ]; then
		fetch "$pat" || true
		deb=$(newest "$pat")
	fi
	[ -n "$deb" ] || { echo "kernels.sh: no deb of $pat in $cache and apt-get download failed" >&2; exit 4; }
	echo "$cache/$deb"
done

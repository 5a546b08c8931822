#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The house's rules, checked on every `make check`: which folder may use
# which, read from two sources so neither can hide a dependency.
#   - includes: every #include "DIR/file.h" in DIR2/*.[ch];
#   - the link graph: every symbol an object file needs (nm -u) and the
#     object file that defines it, so a call counts even when the header
#     that declares it lives elsewhere.
# A folder may use only the folders listed for it below (no upward edge),
# and no two source files may use each other, directly or round a longer
# loop (no cycle), which `nm` shows and includes alone would not.
#
# Usage: layering.sh BUILD_DIR  (the objects of `make`).  TAP on stdout.

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}

# FOLDER: the folders below it that it may use.  Read bottom-up as the data
# flows: lib is the ground floor, runner the top; analysis and history read
# result sets, boot starts kernels under test.
rules='lib:
collectors: lib
workloads: lib collectors
analysis: lib
history: lib analysis
boot: lib
runner: lib collectors workloads analysis history boot'

n=0 failed=0
ok()  { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; failed=1; }

folders=$(echo "$rules" | sed 's/:.*//')
cd "$top" || exit 1

# ---- includes ----
bad=$(for d in $folders; do
	[ -d "$d" ] || continue
	allowed=$(echo "$rules" | sed -n "s/^$d://p")
	grep -H '^#include "[a-z-]*/' "$d"/*.[ch] 2>/dev/null |
	sed 's/^\([^:]*\):#include "\([a-z-]*\)\/.*/\1 \2/' |
	while read -r file used; do
		[ "$used" = "$d" ] && continue
		case " $allowed " in *" $used "*) continue ;; esac
		echo "$file includes $used/"
	done
done)
if [ -z "$bad" ]; then
	ok "includes: every folder uses only the folders below it"
else
	nok "includes run upward: $(echo "$bad" | tr '\n' ';')"
fi

# ---- the link graph ----
objs=$(for d in $folders; do ls "$build/$d"/*.o 2>/dev/null; done)
if [ -z "$objs" ]; then
	nok "no object files under $build: run make first"
	echo "1..$n"
	exit 1
fi
# "file symbol D|U" for every global symbol defined or needed
# shellcheck disable=SC2086
graph=$(for o in $objs; do
	src=${o#"$build"/}
	src=${src%.o}.c
	[ -f "$src" ] || continue	# a stale object of a file moved or removed
	nm -P "$o" 2>/dev/null | awk -v f="$src" '
		$2 == "U" { print f, $1, "U"; next }
		$2 ~ /^[TDBRGSVW]$/ { print f, $1, "D" }'
done | awk '
	$3 == "D" { def[$2] = $1; next }
	{ use[++k] = $1 " " $2 }
	END {
		for (i = 1; i <= k; i++) {
			split(use[i], u, " ")
			if ((u[2] in def) && def[u[2]] != u[1])
				print u[1], def[u[2]], u[2]
		}
	}' | sort -u)

bad=$(echo "$graph" | while read -r from to sym; do
	[ -n "$from" ] || continue
	fd=${from%%/*} td=${to%%/*}
	[ "$fd" = "$td" ] && continue
	allowed=$(echo "$rules" | sed -n "s/^$fd://p")
	case " $allowed " in *" $td "*) continue ;; esac
	echo "$from calls $to ($sym)"
done)
if [ -z "$bad" ]; then
	ok "calls: every folder calls only the folders below it"
else
	nok "calls run upward: $(echo "$bad" | tr '\n' ';')"
fi

# cycles between files: depth-first search over the file graph
cycles=$(echo "$graph" | awk '
	NF == 3 { if (!(($1, $2) in e)) { adj[$1] = adj[$1] " " $2; e[$1, $2] = $3 }; node[$1]; node[$2] }
	function dfs(v,    i, m, w, list, path, j) {
		color[v] = 1
		stack[++sp] = v
		m = split(adj[v], list, " ")
		for (i = 1; i <= m; i++) {
			w = list[i]
			if (color[w] == 1) {
				path = w
				for (j = sp; j >= 1 && stack[j] != w; j--)
					path = stack[j] " -> " path
				print w " -> " path
				found++
			} else if (!color[w]) {
				dfs(w)
			}
		}
		sp--
		color[v] = 2
	}
	END { for (v in node) if (!color[v]) dfs(v) }')
if [ -z "$cycles" ]; then
	ok "calls: no cycle between files"
else
	nok "files that call each other round a loop: $(echo "$cycles" | tr '\n' ';')"
fi

# every folder of the tree has a rule, so a new one cannot slip past
unruled=$(for d in */; do
	d=${d%/}
	ls "$d"/*.c >/dev/null 2>&1 || continue
	case $d in tests|build|results) continue ;; esac
	echo "$folders" | grep -qx "$d" || echo "$d"
done)
if [ -z "$unruled" ]; then
	ok "every source folder has a place in the rules"
else
	nok "folders without a rule in tests/layering.sh: $unruled"
fi

echo "1..$n"
exit $failed

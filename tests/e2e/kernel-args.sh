#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mmab run --kernel: what is refused before anything boots (exit 2, the
# argument or FILE:LINE named, no run directory made) and what --dry-run
# shows of a kernel A/B: the kernels, their boots alternating A B A B, the
# iterations spread over each kernel's boots, the sets LABEL-NAME-VARIANT.
# Needs neither root nor qemu: the kernels here are made-up image files.
. tests/lib.sh

mktmp

fake_kernel_image "$tmp/a.img" 6.9.0-e2e
fake_kernel_image "$tmp/b.img" 6.9.0-e2e
mkdir -p "$tmp/tree/arch/x86" "$tmp/pkg/DEBIAN" "$tmp/pkg/usr/share/doc/x"
printf 'Package: x\nVersion: 1\nArchitecture: all\nMaintainer: m <m@x>\nDescription: x\n' \
	> "$tmp/pkg/DEBIAN/control"
dpkg-deb --root-owner-group -b "$tmp/pkg" "$tmp/x.deb" >/dev/null 2>&1

for dry in --dry-run ""; do
	refused "missing kernel${dry:+ ($dry)}" "--kernel '$tmp/none.deb': cannot open" \
		$dry --kernel "$tmp/none.deb"
done
refused "not a kernel" "is neither a Debian package (.deb) nor an x86 kernel image" \
	--dry-run --kernel /etc/hostname
[ -f "$tmp/x.deb" ] && refused ".deb without a kernel" "a Debian package, but not a kernel" \
	--dry-run --kernel "$tmp/x.deb"
refused "tree without bzImage" "not a built kernel tree: no readable arch/x86/boot/bzImage" \
	--dry-run --kernel "$tmp/tree"
refused "an installed release that is not" "no such file or directory, nor an installed kernel" \
	--dry-run --kernel 0.0.1-none
refused "two kernels with one release" "are both named '6.9.0-e2e' (one release)" \
	--dry-run --kernel "$tmp/a.img" --kernel "$tmp/b.img"
refused "a bad NAME" "NAME 'a:b' is not a plain name" --dry-run --kernel "a:b=$tmp/a.img"
refused "fewer iterations than boots" "1 iteration cannot fill 2 boots" \
	--dry-run -n 1 --kernel "old=$tmp/a.img" --kernel "new=$tmp/b.img"
refused "--boots without a kernel" "--boots is for a run that boots kernels" --dry-run --boots 3
printf '[suite]\nname = k\n[idle]\nduration = 1\n[kernel old]\nimage = a.img\nsmp = 2\n' \
	> "$tmp/k.ini"
refused "a bad [kernel] key" "k.ini:7: unknown key 'smp' in \[kernel old\]" --dry-run -s "$tmp/k.ini"
printf '[suite]\nname = k\n[idle]\nduration = 1\n[kernel old]\nimage = none.img\n' > "$tmp/k2.ini"
refused "a [kernel] image missing" "k2.ini:5: \[kernel old\]: 'none.img': no such file" \
	--dry-run -s "$tmp/k2.ini"
check "nothing refused made a run directory" [ ! -e "$tmp/bad" ]

# ---- what a kernel A/B would do: a suite's [kernel] (relative to the suite) and --kernel
cat > "$tmp/ab.ini" <<EOF
[suite]
name = ab
iterations = 5
[idle]
duration = 1
[variant x]
vm.no_such_knob_here = 1
[variant y]
[kernel old]
image = a.img
memory = 1G
EOF
"$MMAB" run --dry-run -s "$tmp/ab.ini" -o "$tmp/bad" --kernel "new=$tmp/b.img" --boots 2 \
	>"$tmp/stdout" 2>"$tmp/err"
rc=$?
check "dry run of an A/B: exit 0 (got $rc)" [ $rc -eq 0 ]
check "its knobs are the booted kernels' to check" grep -q "vm.no_such_knob_here *1" "$tmp/stdout"
check "sets LABEL-NAME-VARIANT, -l the suite's name" \
	grep -q "result sets: ab-old-x (variant x) ab-old-y (variant y) ab-new-x" "$tmp/stdout"
check "boots alternate: 1-old 1-new 2-old 2-new, iterations 1,3,5 then 2,4" \
	grep -q "boots: 1-old (6 steps), 1-new (6 steps), 2-old (4 steps), 2-new (4 steps)" \
	"$tmp/stdout"
order=$(sed -n 's/^ *[0-9][0-9]*  idle #\([0-9]\) \[\([a-z]*\), \([xy]\)\].*/\1\2\3/p' \
	"$tmp/stdout" | tr '\n' ' ')
check "step order by boot (got $order)" [ "$order" = \
	"1oldx 1oldy 3oldx 3oldy 5oldx 5oldy 1newx 1newy 3newx 3newy 5newx 5newy 2oldx 2oldy 4oldx 4oldy 2newx 2newy 4newx 4newy " ]
check "the suite's image is taken from the suite's directory" grep -q "$tmp/a.img" "$tmp/stdout"
check "dry run made no run directory" [ ! -e "$tmp/bad" ]
echo "1..$_n"
exit $_failed

#!/usr/bin/env bash
# make-test-modules.sh CACHE KVER — the fault modules of tools/vm/modules/, built against the
# headers of the guest kernel KVER, for the "faults" scenario of tests/vm (modloadd_vm_nodev for
# the "actions" one).
#
# Prints one line on stdout: the directory holding the .ko files, CACHE/test-modules-KEY, where
# KEY hashes KVER, the header packages' version and the sources; an existing one is reused. A
# new one is made in CACHE/.tmp.* and renamed into place (an interrupted run leaves no
# half-made directory under the final name); a lock serialises concurrent runs.
#
# The steps: `apt-get download` linux-headers-KVER, its linux-headers-ABI-common and
# linux-kbuild-6.1, all three at the version apt has for linux-headers-KVER (the kernel's
# headers are for exactly one upload), `dpkg -x` into one directory; the -KVER Makefile names
# /usr/src/linux-headers-ABI-common and the kbuild tools by absolute path, rewritten to the
# unpacked ones; then `make -C .../linux-headers-KVER M=SRC modules` with gcc-12 (the
# compiler the Debian 12 kernel is built with). KBUILD_MODPOST_WARN=1 turns modpost's error
# about the unknown symbol of modloadd_vm_nosym into a warning. The kernel does not enforce
# module signatures: the unsigned modules load (and taint it). The directory also holds
# rebuilt/modloadd_vm_rebuilt.ko, a second build of modloadd_vm_rebuilt from its source with
# MODLOADD_VM_BUILD "2" for "1": the same module, another srcversion (the file that replaces
# the live module's in the faults scenario).
set -euo pipefail
# shellcheck source=tools/vm/lib.sh
source "$(dirname "$0")/lib.sh"

[[ $# -eq 2 && -n $1 && -n $2 ]] || die "usage: $0 CACHE KVER"
KVER=$2
SRC=$VM_TOOLS/modules
need_tools make:make gcc-12:gcc-12

ABI=${KVER%-*-*}              # 6.1.0-57-cloud-amd64 -> 6.1.0-57
SERIES=$(cut -d. -f1,2 <<<"$KVER") # 6.1
HDR=linux-headers-$KVER
VERSION=$(apt-cache policy "$HDR" 2>/dev/null | sed -n 's/^ *Candidate: //p')
if [[ -z $VERSION || $VERSION == '(none)' ]]; then
	need_root
	step "apt-get update (apt knows no $HDR)"
	apt-get update -q >&2
	VERSION=$(apt-cache policy "$HDR" | sed -n 's/^ *Candidate: //p')
fi
[[ -n $VERSION && $VERSION != '(none)' ]] || die "no package $HDR in apt's sources"
PKGS=("$HDR=$VERSION" "linux-headers-$ABI-common=$VERSION" "linux-kbuild-$SERIES=$VERSION")

KEY=$( {
	printf '%s\n' "$KVER" "$VERSION" "$BASH_VERSION"
	sed -n '/^# KEY-START/,/^# KEY-END/p' "$0"
	cat "$SRC"/Kbuild "$SRC"/*.c
} | sha256sum | cut -c1-12)

mkdir -p "$1"
CACHE=$(cd "$1" && pwd)
OUT=$CACHE/test-modules-$KEY
if [[ -f $OUT/.complete ]]; then
	step "reusing test modules $OUT"
	echo "$OUT"
	exit 0
fi
exec 9>"$CACHE/.test-modules.lock"
flock 9
if [[ -f $OUT/.complete ]]; then
	echo "$OUT"
	exit 0
fi

TMP=$(mktemp -d "$CACHE/.tmp.test-modules.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# KEY-START (what follows is part of the key)
step "downloading ${PKGS[*]}"
(cd "$TMP" && apt-get download -q "${PKGS[@]}" >&2) || die "apt-get download ${PKGS[*]} failed"
for deb in "$TMP"/*.deb; do dpkg -x "$deb" "$TMP/root"; done
KDIR=$TMP/root/usr/src/linux-headers-$KVER
COMMON=$TMP/root/usr/src/linux-headers-$ABI-common
[[ -f $KDIR/Makefile && -d $COMMON ]] || die "the headers did not unpack as expected (no $KDIR/Makefile or $COMMON)"
# The packaged tree points at its siblings by absolute path: the common headers from the
# Makefile, the kbuild tools (scripts/, tools/) through symlinks into /usr/lib/linux-kbuild-*.
sed -i "s|/usr/src/linux-headers-$ABI-common|$COMMON|g" "$KDIR/Makefile"
find "$KDIR" "$COMMON" -maxdepth 2 -type l -lname '/usr/lib/linux-kbuild-*' | while read -r l; do
	ln -sfn "$TMP/root$(readlink "$l")" "$l"
done
mkdir -p "$TMP/build"
cp "$SRC"/Kbuild "$SRC"/*.c "$TMP/build/"
step "building the test modules against $HDR $VERSION"
make -s -C "$KDIR" M="$TMP/build" CC=gcc-12 KBUILD_MODPOST_WARN=1 modules >"$TMP/build.log" 2>&1 || {
	tail -n 30 "$TMP/build.log" >&2
	die "make modules failed (log above)"
}
mkdir -p "$TMP/build2"
echo 'obj-m += modloadd_vm_rebuilt.o' >"$TMP/build2/Kbuild"
sed 's/^#define MODLOADD_VM_BUILD "1"$/#define MODLOADD_VM_BUILD "2"/' "$SRC"/modloadd_vm_rebuilt.c \
	>"$TMP/build2/modloadd_vm_rebuilt.c"
if cmp -s "$SRC"/modloadd_vm_rebuilt.c "$TMP/build2/modloadd_vm_rebuilt.c"; then
	die "modloadd_vm_rebuilt.c has no line '#define MODLOADD_VM_BUILD \"1\"' to change"
fi
step "building the second build of modloadd_vm_rebuilt"
make -s -C "$KDIR" M="$TMP/build2" CC=gcc-12 modules >"$TMP/build2.log" 2>&1 || {
	tail -n 30 "$TMP/build2.log" >&2
	die "make modules failed for the second build (log above)"
}
# KEY-END
mkdir -p "$TMP/out"
cp "$TMP"/build/*.ko "$TMP/build.log" "$TMP/out/"
for c in "$SRC"/*.c; do
	n=$(basename "$c" .c)
	[[ -f $TMP/out/$n.ko ]] || die "make built no $n.ko"
	modinfo -F vermagic "$TMP/out/$n.ko" | grep -q "^$KVER " || die "$n.ko is not for $KVER: $(modinfo -F vermagic "$TMP/out/$n.ko")"
done
mkdir -p "$TMP/out/rebuilt"
cp "$TMP"/build2/modloadd_vm_rebuilt.ko "$TMP/out/rebuilt/"
one=$(modinfo -F srcversion "$TMP/out/modloadd_vm_rebuilt.ko")
two=$(modinfo -F srcversion "$TMP/out/rebuilt/modloadd_vm_rebuilt.ko")
[[ -n $one && -n $two && $one != "$two" ]] ||
	die "the two builds of modloadd_vm_rebuilt do not have two srcversions ('$one', '$two')"
touch "$TMP/out/.complete"
rm -rf "$OUT"
mv "$TMP/out" "$OUT"
step "test modules ready: $OUT ($(cd "$OUT" && echo *.ko))"
echo "$OUT"

#!/usr/bin/env bash
# make-base.sh CACHE — a minimal Debian systemd root for the modloadd VM test bed.
#
# Prints one line on stdout: the base directory, CACHE/base-KEY, where KEY hashes the inputs
# (suite, architecture, package list, and the customisation below). An existing base with the
# same key is reused; a new one is built in CACHE/.tmp.* and renamed into place, so an
# interrupted run never leaves a half-made base under the final name. A lock serialises
# concurrent runs.
#
# The base: `debootstrap --variant=minbase` of $MODLOADD_VM_SUITE (bookworm) from the mirror
# apt already uses, with systemd as init, udev, kmod, procps and the libraries the modloadd
# binaries need; root has no password and is logged in automatically on ttyS0 (the serial
# console), for `boot.sh --interactive`; a fixed machine-id, so that no boot is a "first boot".
set -euo pipefail
# shellcheck source=tools/vm/lib.sh
source "$(dirname "$0")/lib.sh"

[[ $# -eq 1 && -n $1 ]] || die "usage: $0 CACHE"
need_root
need_tools debootstrap:debootstrap

SUITE=${MODLOADD_VM_SUITE:-bookworm}
ARCH=amd64
# libfmt9: modloadd links it; libarchive13: modloadctl explain reads initramfs images with it;
# libkmod2 and libsystemd0 come with kmod and systemd.
PACKAGES=systemd,systemd-sysv,udev,kmod,procps,libfmt9,libarchive13
# Bump when the base changes in a way the hashed inputs below do not show.
BASE_VERSION=1

# Runs inside the new root's directory ($1) after debootstrap. Its text is part of the key.
customize() {
	local root=$1
	chroot "$root" passwd -d root >/dev/null
	echo vmguest >"$root/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tvmguest\n' >"$root/etc/hosts"
	printf '/dev/nvme0n1\t/\text4\trw,relatime\t0\t1\n' >"$root/etc/fstab"
	# A fixed machine id: every boot of an image is an ordinary boot (an empty
	# /etc/machine-id would make each one a "first boot" that applies presets).
	echo 6d6f646c6f6164642d766d0000000001 >"$root/etc/machine-id"
	# Root shell on the serial console without a password prompt.
	mkdir -p "$root/etc/systemd/system/serial-getty@ttyS0.service.d"
	cat >"$root/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<-'EOF'
		[Service]
		ExecStart=
		ExecStart=-/sbin/agetty -o '-p -f -- \\u' --keep-baud --autologin root 115200,57600,38400,9600 - $TERM
	EOF
	# Nothing to download in the guest; keep the base small.
	rm -rf "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
}

KEY=$( {
	printf '%s\n' "$SUITE" "$ARCH" "$PACKAGES" "$BASE_VERSION"
	declare -f customize
} | sha256sum | cut -c1-12)

mkdir -p "$1"
CACHE=$(cd "$1" && pwd)
BASE=$CACHE/base-$KEY

if [[ -f $BASE/.complete ]]; then
	step "reusing base $BASE"
	echo "$BASE"
	exit 0
fi

exec 9>"$CACHE/.base.lock"
step "waiting for the lock $CACHE/.base.lock"
flock 9
if [[ -f $BASE/.complete ]]; then
	step "reusing base $BASE (made while waiting)"
	echo "$BASE"
	exit 0
fi

MIRROR=$(debian_mirror)
TMP=$(mktemp -d "$CACHE/.tmp.base.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
step "debootstrap --variant=minbase $SUITE from $MIRROR (a few minutes)"
note "log: $TMP/debootstrap.log"
if ! debootstrap --variant=minbase --arch="$ARCH" --include="$PACKAGES" \
	"$SUITE" "$TMP/root" "$MIRROR" >"$TMP/debootstrap.log" 2>&1; then
	tail -n 30 "$TMP/debootstrap.log" >&2
	[[ -f $TMP/root/debootstrap/debootstrap.log ]] && tail -n 30 "$TMP/root/debootstrap/debootstrap.log" >&2
	die "debootstrap failed"
fi
step "customising the base"
customize "$TMP/root"
touch "$TMP/root/.complete"
if [[ -e $BASE ]]; then
	mv "$BASE" "$TMP/stale"
fi
mv "$TMP/root" "$BASE"
step "base ready: $BASE ($(du -sh "$BASE" | cut -f1))"
echo "$BASE"

#!/usr/bin/env bash
# make-image.sh --mode modloadd|stock --out IMG [options] — a bootable ext4 root image for the
# modloadd VM test bed (boot it with tools/vm/boot.sh).
#
#   --mode modloadd      install modloadd, enable modloadd.service and take over: make
#                        systemd-modules-load.service an alias of modloadd.service (a symlink
#                        in /etc/systemd/system: what is ordered after systemd-modules-load is
#                        ordered after modloadd), shadow udev's 80-drivers.rules and drop the
#                        `kmod load` rules of the other udev rules files (Debian's
#                        80-debian-compat.rules: sg for SCSI devices) with copies in /etc;
#                        the test module modloadd_vm_nodev (tools/vm/modules) in
#                        /lib/modules/VERSION/updates, which nothing lists (the actions
#                        scenario names it at run time)
#   --mode stock         Debian as shipped: systemd-modules-load and udev load modules
#   --out IMG            the image (written as IMG.tmp, then renamed); IMG.meta says which kernel
#                        it is for (boot.sh reads it)
#   --extra-conf FILE    also install FILE into the guest's /etc/modules-load.d/ (repeatable)
#   --actions FILE       install FILE as /etc/modloadd-vm/actions.d/NAME.sh, run by the collector
#                        when the kernel command line says modloadd_vm.actions=NAME (repeatable);
#                        the scripts of tools/vm/guest/actions.d/ are always installed
#   --faults             modloadd mode, with the fault modules of tools/vm/modules (built against
#                        the guest kernel's headers by make-test-modules.sh, cached) in
#                        /lib/modules/VERSION/updates, a modules-load.d file naming them and a
#                        modloadd.conf.d drop-in with InsertTimeoutSec= (tools/vm/guest/faults/);
#                        the second build of modloadd_vm_rebuilt in
#                        /usr/local/lib/modloadd-vm/rebuilt/
#   --keep-udev-drivers  modloadd mode with udev's rules left alone (udev keeps loading device
#                        drivers and sg)
#   --build-dir DIR      the guest build of this project, configured with --prefix=/usr
#                        (default: REPO/build-vm; configured and built when needed)
#   --cache DIR          base and kernel cache (default: $MODLOADD_VM_CACHE or
#                        /var/cache/modloadd-test/vm)
#   --size SIZE          file system size (default 2G; sparse)
#
# The guest configuration is tools/vm/guest/modules-load.d/ and modprobe.d/, and in modloadd
# mode the test rules tools/vm/guest/rules.d/ (into /etc/modloadd/rules.d, next to the shipped
# rules the project installs into /usr/lib/modloadd/rules.d); the collector is
# tools/vm/guest/collect.sh with its unit. No mounting: mkfs.ext4 -d fills the file system.
set -euo pipefail
# shellcheck source=tools/vm/lib.sh
source "$(dirname "$0")/lib.sh"

MODE='' OUTIMG='' BUILD_DIR=$REPO/build-vm SIZE=2G KEEP_UDEV=0 FAULTS=0
EXTRA_CONF=() ACTIONS=()
CACHE=$MODLOADD_VM_CACHE
while [[ $# -gt 0 ]]; do
	case $1 in
	--mode) MODE=$2; shift 2 ;;
	--out) OUTIMG=$2; shift 2 ;;
	--extra-conf) EXTRA_CONF+=("$2"); shift 2 ;;
	--actions) ACTIONS+=("$2"); shift 2 ;;
	--keep-udev-drivers) KEEP_UDEV=1; shift ;;
	--faults) FAULTS=1; shift ;;
	--build-dir) BUILD_DIR=$2; shift 2 ;;
	--cache) CACHE=$2; shift 2 ;;
	--size) SIZE=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[[ $MODE == modloadd || $MODE == stock ]] || die "--mode modloadd|stock is required"
[[ -n $OUTIMG ]] || die "--out IMG is required"
[[ $FAULTS == 0 || $MODE == modloadd ]] || die "--faults needs --mode modloadd"
for f in "${EXTRA_CONF[@]}" "${ACTIONS[@]}"; do [[ -f $f ]] || die "no such file: $f"; done
need_root
need_tools e2fsprogs:mkfs.ext4 kmod:depmod
if [[ $MODE == modloadd ]]; then
	need_tools meson:meson ninja-build:ninja
fi

GUEST=$VM_TOOLS/guest

# take_over_udev ROOT: udev loads no module in ROOT any more; modloadd loads what devices need.
# A rules file in /etc/udev/rules.d shadows the one of the same name in /usr/lib/udev/rules.d.
#  - 80-drivers.rules (MODALIAS -> `kmod load`, and a few subsystem-specific loads): an empty
#    file of the same name.
#  - every other file with a `kmod load` rule (Debian's 80-debian-compat.rules loads sg for
#    each SCSI device): a copy without those lines; its other rules (device permissions) stay.
# Then no effective rule may load anything: fail if one still does.
take_over_udev() {
	local root=$1 f n left
	mkdir -p "$root/etc/udev/rules.d"
	: >"$root/etc/udev/rules.d/80-drivers.rules"
	note "udev: /etc/udev/rules.d/80-drivers.rules (empty) shadows 80-drivers.rules"
	for f in "$root"/usr/lib/udev/rules.d/*.rules; do
		n=$(basename "$f")
		[[ $n != 80-drivers.rules && ! -e $root/etc/udev/rules.d/$n ]] || continue
		grep -q 'kmod load' "$f" || continue
		{
			echo "# $n of /usr/lib/udev/rules.d without its module loading: modloadd loads"
			echo "# what devices need (tools/vm/make-image.sh --mode modloadd)."
			grep -v 'kmod load' "$f"
		} >"$root/etc/udev/rules.d/$n"
		note "udev: /etc/udev/rules.d/$n shadows $n without: $(grep 'kmod load' "$f" | tr '\n' ' ')"
	done
	# What udev would read: /etc wins over /run and /usr/lib for the same file name.
	left=$(for f in "$root"/etc/udev/rules.d/*.rules "$root"/usr/lib/udev/rules.d/*.rules; do
		n=$(basename "$f")
		[[ $f == "$root"/usr/lib/* && -e $root/etc/udev/rules.d/$n ]] && continue
		grep -H 'kmod load\|modprobe' "$f" | grep -v '^[^:]*:[[:space:]]*#'
	done || true)
	[[ -z $left ]] || die "udev rules still load modules after the takeover:
$left"
}

mkdir -p "$CACHE" "$(dirname "$OUTIMG")"
OUTIMG=$(cd "$(dirname "$OUTIMG")" && pwd)/$(basename "$OUTIMG")

BASE=$(bash "$VM_TOOLS/make-base.sh" "$CACHE")
KROOT=$(kernel_root)
KVER=$(kernel_version "$KROOT")
TEST_MODULES=''
if [[ $MODE == modloadd ]]; then
	TEST_MODULES=$(bash "$VM_TOOLS/make-test-modules.sh" "$CACHE" "$KVER")
fi

# The project, built for the guest's prefix, before the staging copy (fail early).
if [[ $MODE == modloadd ]]; then
	if [[ ! -f $BUILD_DIR/build.ninja ]]; then
		step "configuring the guest build $BUILD_DIR (--prefix=/usr -Dtests=false)"
		meson setup "$BUILD_DIR" "$REPO" --prefix=/usr -Dtests=false >&2
	fi
	step "building $BUILD_DIR"
	ninja -C "$BUILD_DIR" >&2
	prefix=$(meson introspect --buildoptions "$BUILD_DIR" |
		python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
	[[ $prefix == /usr ]] || die "$BUILD_DIR has prefix $prefix; the guest build wants --prefix=/usr"
fi

STAGING=$(mktemp -d "$(dirname "$OUTIMG")/.staging.XXXXXX")
trap 'rm -rf "$STAGING" "$OUTIMG.tmp"' EXIT
step "staging $MODE image from $(basename "$BASE") in $STAGING"
cp -a "$BASE/." "$STAGING/"
rm -f "$STAGING/.complete"

step "adding the modules of kernel $KVER"
mkdir -p "$STAGING/lib/modules"
cp -a "$KROOT/lib/modules/$KVER" "$STAGING/lib/modules/"
if [[ $FAULTS == 1 ]]; then
	# updates/ comes first in Debian's depmod.d search order, as out-of-tree modules do.
	install -D -m 0644 -t "$STAGING/lib/modules/$KVER/updates/" "$TEST_MODULES"/*.ko
	note "test modules in updates/: $(cd "$TEST_MODULES" && echo *.ko)"
	# The second build of modloadd_vm_rebuilt, outside the module tree (depmod never sees it):
	# the faults action copies it over the live module's file.
	install -D -m 0644 -t "$STAGING/usr/local/lib/modloadd-vm/rebuilt/" "$TEST_MODULES"/rebuilt/*.ko
elif [[ -n $TEST_MODULES ]]; then
	install -D -m 0644 -t "$STAGING/lib/modules/$KVER/updates/" "$TEST_MODULES"/modloadd_vm_nodev.ko
fi
# The guest's own depmod and depmod.d rewrite the indexes.
chroot "$STAGING" depmod -a "$KVER"
cp "$KROOT/boot/config-$KVER" "$STAGING/boot/" 2>/dev/null || true

step "writing the test configuration"
install -m 0644 "$GUEST"/modules-load.d/*.conf -t "$STAGING/etc/modules-load.d/"
for f in "${EXTRA_CONF[@]}"; do install -m 0644 "$f" -t "$STAGING/etc/modules-load.d/"; done
install -m 0644 "$GUEST"/modprobe.d/*.conf -t "$STAGING/etc/modprobe.d/"
# A sysctl key that a module of modules-load.d owns (br_netfilter's): it holds only when
# systemd-sysctl runs after that module is in.
install -D -m 0644 -t "$STAGING/etc/sysctl.d/" "$GUEST"/sysctl.d/*.conf
if [[ $FAULTS == 1 ]]; then
	install -m 0644 "$GUEST"/faults/modules-load.d/*.conf -t "$STAGING/etc/modules-load.d/"
	install -D -m 0644 -t "$STAGING/etc/modloadd.conf.d/" "$GUEST"/faults/modloadd.conf.d/*.conf
fi
mkdir -p "$STAGING/etc/modloadd-vm/actions.d"
echo "$MODE" >"$STAGING/etc/modloadd-vm/mode"
install -m 0644 "$GUEST"/actions.d/*.sh -t "$STAGING/etc/modloadd-vm/actions.d/"
for f in "${ACTIONS[@]}"; do
	n=$(basename "$f")
	install -m 0644 "$f" "$STAGING/etc/modloadd-vm/actions.d/${n%.sh}.sh"
done

step "installing the collector"
install -D -m 0755 "$GUEST/collect.sh" "$STAGING/usr/local/lib/modloadd-vm/collect.sh"
install -m 0644 "$GUEST/modloadd-vm-collect.service" -t "$STAGING/etc/systemd/system/"
systemctl --root="$STAGING" enable modloadd-vm-collect.service >&2
# Kills modloadd in the middle of coldplug, when the kernel command line asks for it
# (modloadd_vm.kill_coldplug=1); a no-op otherwise.
install -D -m 0755 "$GUEST/kill-coldplug.sh" "$STAGING/usr/local/lib/modloadd-vm/kill-coldplug.sh"
install -m 0644 "$GUEST/modloadd-vm-kill-coldplug.service" -t "$STAGING/etc/systemd/system/"
systemctl --root="$STAGING" enable modloadd-vm-kill-coldplug.service >&2

if [[ $MODE == modloadd ]]; then
	step "installing modloadd (meson install --destdir)"
	meson install -C "$BUILD_DIR" --destdir "$STAGING" --no-rebuild --quiet >&2
	missing=$(chroot "$STAGING" ldd /usr/libexec/modloadd /usr/bin/modloadctl 2>&1 | grep 'not found' || true)
	[[ -z $missing ]] || die "the guest lacks libraries modloadd needs (add them to make-base.sh):
$missing"
	chroot "$STAGING" journalctl --update-catalog >&2
	# The test rules: the stock image has no rules (nothing there reads them).
	install -D -m 0644 -t "$STAGING/etc/modloadd/rules.d/" "$GUEST"/rules.d/*.rules
	step "enabling modloadd.service and taking over"
	systemctl --root="$STAGING" enable modloadd.service >&2
	# systemd-modules-load.service becomes another name of modloadd.service: systemd-sysctl,
	# procps and every unit ordered After=systemd-modules-load.service wait for modloadd's
	# READY=1 (the command-line and modules-load.d modules are in).
	unit=$(cd "$STAGING" && find usr/lib/systemd/system lib/systemd/system -maxdepth 1 -name modloadd.service 2>/dev/null | head -n 1)
	[[ -n $unit ]] || die "meson install put no modloadd.service under /usr/lib/systemd/system"
	ln -sf "/$unit" "$STAGING/etc/systemd/system/systemd-modules-load.service"
	note "systemd-modules-load.service -> /$unit (an alias)"
	if [[ $KEEP_UDEV == 0 ]]; then
		take_over_udev "$STAGING"
	fi
	echo "udev_drivers=$([[ $KEEP_UDEV == 1 ]] && echo kept || echo shadowed)" >>"$STAGING/etc/modloadd-vm/mode.info"
fi

step "making the ext4 image $OUTIMG ($SIZE)"
rm -f "$OUTIMG.tmp"
mkfs.ext4 -q -F -L modloadd-vm -d "$STAGING" "$OUTIMG.tmp" "$SIZE" >&2
{
	echo "mode=$MODE"
	echo "kernel_version=$KVER"
	echo "vmlinuz=$KROOT/boot/vmlinuz-$KVER"
	echo "base=$BASE"
	[[ $MODE == modloadd ]] && echo "udev_drivers=$([[ $KEEP_UDEV == 1 ]] && echo kept || echo shadowed)"
	true
} >"$OUTIMG.meta"
mv "$OUTIMG.tmp" "$OUTIMG"
step "image ready: $OUTIMG ($(du -h "$OUTIMG" | cut -f1) used)"

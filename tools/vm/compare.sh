#!/usr/bin/env bash
# compare.sh [--runs N] [--work DIR] [--build-dir DIR] [--reuse-images] [--keep-udev-drivers]
#            [--hotplug] — boot time and load work, stock Debian vs modloadd, in the VM test bed.
#
# Builds the stock and the modloadd image (tools/vm/make-image.sh), boots them alternately
# (stock, modloadd, stock, ...) N times each (default 3; fewer makes the medians meaningless),
# with the same guest and the same devices (tools/vm/boot.sh), and prints the medians per mode:
# systemd-analyze's kernel / userspace / total, when sysinit.target and multi-user.target were
# reached (their ActiveEnterTimestampMonotonic; the target: modloadd no later than stock), the
# time from boot (and from PID 1's start) to the last module_load trace event, over all modules
# and over the modules-load.d set only; the distinct modules inserted; the load attempts
# (init_module/finit_module calls) of the mode's loaders and the attempts per distinct module
# they tried (stock: udev, systemd-modules-load, modprobe; modloadd: modloadd); the resident
# sizes. --hotplug runs the hotplug action in every boot (a vmxnet3 NIC added once the system
# runs) and adds the median time from the device's appearance to its module being live. Every
# boot's directory stays in WORK/boot-MODE-I (summarize.py reads one).
#
# The modloadd image takes over completely (make-image.sh: systemd-modules-load an alias of
# modloadd, udev's module loading rules shadowed): modloadd loads the modules-load.d set and
# what devices need, the same modules stock Debian ends up with. --keep-udev-drivers leaves
# udev's rules alone in the modloadd image (udev loads device drivers there too, as before the
# takeover).
#
# Mind the emulation: TCG runs the guest 10-50 times slower than a real machine, and module
# insertion (signature check, relocation) is CPU-bound, so the absolute numbers are inflated;
# compare the modes, not the seconds. Run nothing else meanwhile: both host cores are used.
set -euo pipefail
# shellcheck source=tools/vm/lib.sh
source "$(dirname "$0")/lib.sh"

RUNS=3 WORK=$MODLOADD_VM_CACHE/compare BUILD_DIR=$REPO/build-vm REUSE=0 KEEP=() BOOT_ARGS=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--work) WORK=$2; shift 2 ;;
	--build-dir) BUILD_DIR=$2; shift 2 ;;
	--reuse-images) REUSE=1; shift ;;
	--keep-udev-drivers) KEEP=(--keep-udev-drivers); shift ;;
	--hotplug) BOOT_ARGS=(--actions hotplug); shift ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive number"
((RUNS >= 3)) || note "--runs $RUNS: a median of fewer than 3 boots says little (boots vary by seconds)"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

declare -A IMAGE=([stock]=$WORK/stock.img [modloadd]=$WORK/modloadd${KEEP:+-keep-udev-drivers}.img)
for mode in stock modloadd; do
	if [[ $REUSE == 1 && -f ${IMAGE[$mode]} ]]; then
		step "reusing ${IMAGE[$mode]}"
	else
		extra=()
		[[ $mode == modloadd ]] && extra=("${KEEP[@]}")
		bash "$VM_TOOLS/make-image.sh" --mode "$mode" --out "${IMAGE[$mode]}" --build-dir "$BUILD_DIR" "${extra[@]}"
	fi
done

dirs=()
for ((i = 1; i <= RUNS; i++)); do
	for mode in stock modloadd; do
		d=$WORK/boot-$(basename "${IMAGE[$mode]}" .img)-$i
		step "boot $i/$RUNS, $mode"
		bash "$VM_TOOLS/boot.sh" --image "${IMAGE[$mode]}" --out "$d" "${BOOT_ARGS[@]}" ||
			die "boot $mode $i failed (see $d/console.log)"
		dirs+=("$d")
	done
done

echo
python3 "$VM_TOOLS/summarize.py" --table "${dirs[@]}"

#!/usr/bin/env bash
# boot.sh --image IMG --out DIR [options] — boot an image of tools/vm/make-image.sh under QEMU
# (TCG, software emulation: never KVM) and keep what the guest's collector printed.
#
#   --image IMG       the image; IMG.meta names its kernel. The image is not modified: the disk
#                     is opened with snapshot=on (writes go to a temporary overlay)
#   --out DIR         DIR/console.log (the serial console), DIR/collect/ (the collector's
#                     files, see tools/vm/guest/collect.sh), DIR/qemu.cmd, DIR/host-wall-seconds,
#                     DIR/monitor.log (what the guest asked of the QEMU monitor: monitor-relay.py)
#   --timeout N       kill the VM after N seconds (default 300)
#   --actions A[,B]   run the guest action scripts A, B (modloadd_vm.actions=A,B)
#   --append ARGS     more kernel command line
#   --kernel FILE     a vmlinuz other than IMG.meta's
#   --cpu MODEL       QEMU CPU model (default max: the x86 features a cloud host has)
#   --persist         write to the image itself instead of a snapshot
#   --interactive     no collector, no timeout: the serial console on this terminal, root
#                     logged in; quit with Ctrl-a x (QEMU monitor: Ctrl-a c)
#
# Exit status: 0 when the collector's output arrived intact; 1 when the VM hung (killed at the
# bound), ended without it, or it is corrupt — the console log is kept either way.
set -euo pipefail
# shellcheck source=tools/vm/lib.sh
source "$(dirname "$0")/lib.sh"

IMG='' OUT='' TIMEOUT=300 ACTIONS='' APPEND='' KERNEL='' CPU=max PERSIST=0 INTERACTIVE=0
while [[ $# -gt 0 ]]; do
	case $1 in
	--image) IMG=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--actions) ACTIONS=$2; shift 2 ;;
	--append) APPEND=$2; shift 2 ;;
	--kernel) KERNEL=$2; shift 2 ;;
	--cpu) CPU=$2; shift 2 ;;
	--persist) PERSIST=1; shift ;;
	--interactive) INTERACTIVE=1; shift ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[[ -n $IMG && -f $IMG ]] || die "--image IMG is required (made by tools/vm/make-image.sh)"
[[ $INTERACTIVE == 1 || -n $OUT ]] || die "--out DIR is required"
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "--timeout wants seconds"
need_tools qemu-system-x86:qemu-system-x86_64

if [[ -z $KERNEL ]]; then
	[[ -f $IMG.meta ]] || die "$IMG.meta is missing; pass --kernel VMLINUZ"
	KERNEL=$(sed -n 's/^vmlinuz=//p' "$IMG.meta")
fi
[[ -f $KERNEL ]] || die "no kernel at $KERNEL"

# trace_event: every module insertion lands in the trace with its time and the inserting task;
# trace_clock=mono makes those times CLOCK_MONOTONIC, the clock of systemd's timestamps;
# record-tgid adds the process (thread group) id next to the thread id.
CMDLINE="root=/dev/nvme0n1 rootfstype=ext4 rw console=ttyS0,115200 panic=-1"
# Load attempts: every init_module/finit_module call, entry and exit (the return value says
# why an attempt inserted nothing: EEXIST, EINVAL, ...), per thread. The syscall events carry a
# file descriptor, not a name, so a kprobe names the module of each attempt: the kernel looks
# the new module's name up with find_module_all(name, len, even_unformed=true) before it
# inserts anything, in the inserting thread, between the two syscall events.
EVENTS=module:module_load
EVENTS+=,syscalls:sys_enter_finit_module,syscalls:sys_exit_finit_module
EVENTS+=,syscalls:sys_enter_init_module,syscalls:sys_exit_init_module
CMDLINE+=" trace_event=$EVENTS trace_clock=mono trace_options=record-tgid"
CMDLINE+=" kprobe_event=p:modloadd_vm/module_lookup,find_module_all,name=+0(%di):string,unformed=%dx:u8"
[[ -n $ACTIONS ]] && CMDLINE+=" modloadd_vm.actions=$ACTIONS"
[[ $INTERACTIVE == 1 ]] && CMDLINE+=" modloadd_vm.collect=off"
[[ -n $APPEND ]] && CMDLINE+=" $APPEND"

DRIVE="file=$IMG,if=none,id=d0,format=raw"
[[ $PERSIST == 1 ]] || DRIVE+=",snapshot=on"
# shellcheck disable=SC2054 # commas belong to QEMU option values
QEMU=(qemu-system-x86_64 -accel tcg -cpu "$CPU" -m 1024 -smp 2 -no-reboot
	-kernel "$KERNEL" -append "$CMDLINE"
	-drive "$DRIVE" -device nvme,drive=d0,serial=modloadd)
# The devices: what cloud VMs have, each driven by a module of this kernel (the stock boot
# loads them through udev, the modloadd boot through modloadd). Every boot of every mode gets
# exactly this list. The extra disks are null-co block nodes: reads return zeros, writes are
# dropped, no file on the host. Besides, QEMU's pc machine brings its own: the PIIX IDE
# controller (ata_piix), the PS/2 controller (serio_raw), fw_cfg (qemu_fw_cfg), ACPI buttons
# (button); and the CPU model's features match cpu:type:x86 aliases (kvm, kvm_amd, aesni_intel
# and other crypto; acpi_cpufreq, pcc_cpufreq and powernow_k8, which refuse to initialise).
scratch() { # scratch NODE: a 64 MiB null-co disk named NODE
	QEMU+=(-blockdev "driver=null-co,node-name=$1,size=67108864,read-zeroes=on")
}
# shellcheck disable=SC2054 # commas belong to QEMU option values
{
	# network: virtio_net (+ net_failover, failover)
	QEMU+=(-netdev user,id=n0 -device virtio-net-pci,netdev=n0)
	# a second disk on virtio-blk: virtio_blk
	scratch vdisk
	QEMU+=(-device virtio-blk-pci,drive=vdisk,serial=scratch-vdb)
	# entropy (virtio_rng, which PID 1 loads itself), memory balloon (virtio_balloon)
	QEMU+=(-device virtio-rng-pci -device virtio-balloon-pci)
	# a console channel and a named port, as guest agents use (virtio_console)
	QEMU+=(-chardev null,id=vcon0 -chardev null,id=vport0
		-device virtio-serial-pci,id=vser0
		-device virtconsole,bus=vser0.0,chardev=vcon0
		-device virtserialport,bus=vser0.0,chardev=vport0,name=org.modloadd.vm.0)
	# SCSI on virtio with a disk: virtio_scsi, scsi_mod, sd_mod, and sg (every SCSI device)
	scratch sdisk0
	QEMU+=(-device virtio-scsi-pci,id=scsi0 -device scsi-hd,bus=scsi0.0,drive=sdisk0,serial=scratch-sda)
	# VMware's paravirtual SCSI with a disk: vmw_pvscsi (+ sd_mod, sg)
	scratch sdisk1
	QEMU+=(-device pvscsi,id=pvscsi0 -device scsi-hd,bus=pvscsi0.0,drive=sdisk1,serial=scratch-sdb)
	# an empty CD-ROM drive on the IDE controller, as QEMU adds by default (the SCSI disks
	# above turn that default off): ata_piix, sr_mod, cdrom, sg
	QEMU+=(-device ide-cd,bus=ide.1,unit=0)
	# a virtio keyboard: virtio_input
	QEMU+=(-device virtio-keyboard-pci)
	# panic notification, PCI and ISA/ACPI flavours: pvpanic_pci, pvpanic_mmio (+ pvpanic)
	QEMU+=(-device pvpanic-pci -device pvpanic)
	# Devices this kernel has no driver for (the cloud kernel has neither e1000 nor the
	# i6300esb watchdog driver): both boots look their aliases up and load nothing.
	QEMU+=(-netdev user,id=n2 -device e1000,netdev=n2 -device i6300esb)
	# The hotplug NIC's backend: guest/actions.d/hotplug.sh asks for
	# `device_add vmxnet3,id=hp0,netdev=hp0` (the vmxnet3 module; absent at boot).
	QEMU+=(-netdev user,id=hp0)
}

if [[ $INTERACTIVE == 1 ]]; then
	step "booting $IMG interactively: root is logged in on the console; Ctrl-a x quits"
	exec "${QEMU[@]}" -nographic
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT/collect" "$OUT/console.log" "$OUT/monitor.sock" "$OUT/monitor.log"
# The monitor socket is there for tests that drive the VM: monitor-relay.py passes the
# guest's requests (device_add for hotplug, printed on the console) to it.
QEMU+=(-display none -monitor "unix:$OUT/monitor.sock,server=on,wait=off"
	-serial "file:$OUT/console.log")
printf '%q ' "${QEMU[@]}" >"$OUT/qemu.cmd"
echo >>"$OUT/qemu.cmd"

step "booting $(basename "$IMG") (TCG, bound ${TIMEOUT}s${ACTIONS:+, actions $ACTIONS}); console: $OUT/console.log"
: >"$OUT/console.log"
python3 "$VM_TOOLS/monitor-relay.py" "$OUT/console.log" "$OUT/monitor.sock" "$OUT/monitor.log" &
relay=$!
trap 'kill "$relay" 2>/dev/null || true' EXIT
start=$(date +%s.%N)
rc=0
timeout -k 5 "$TIMEOUT" "${QEMU[@]}" </dev/null >"$OUT/qemu.out" 2>&1 || rc=$?
end=$(date +%s.%N)
kill "$relay" 2>/dev/null || true
wait "$relay" 2>/dev/null || true
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
echo "$wall" >"$OUT/host-wall-seconds"

if [[ $rc == 124 || $rc == 137 ]]; then
	echo "boot.sh: boot hung (killed after $TIMEOUT s), console log kept at $OUT/console.log" >&2
	tail -n 15 "$OUT/console.log" | sed 's/^/    | /' >&2 || true
	exit 1
fi
if [[ $rc != 0 ]]; then
	echo "boot.sh: qemu failed (exit $rc): $(tail -n 3 "$OUT/qemu.out")" >&2
	echo "boot.sh: console log kept at $OUT/console.log" >&2
	exit 1
fi

# The collector's output: base64 lines between the markers (the tty adds \r).
tr -d '\r' <"$OUT/console.log" >"$OUT/.console.unix"
sum=$(sed -n 's/^===MODLOADD-VM-COLLECT-END sha256=\([0-9a-f]*\)===$/\1/p' "$OUT/.console.unix" | tail -n 1)
if [[ -z $sum ]] || ! grep -qx '===MODLOADD-VM-COLLECT-BEGIN===' "$OUT/.console.unix"; then
	rm -f "$OUT/.console.unix"
	echo "boot.sh: boot hung or ended without the collector's output (markers missing after ${wall}s), console log kept at $OUT/console.log" >&2
	tail -n 15 "$OUT/console.log" | sed 's/^/    | /' >&2 || true
	exit 1
fi
sed -n '/^===MODLOADD-VM-COLLECT-BEGIN===$/,/^===MODLOADD-VM-COLLECT-END/p' "$OUT/.console.unix" |
	grep -E '^[A-Za-z0-9+/=]+$' | base64 -d >"$OUT/collect.tar.gz" || true
rm -f "$OUT/.console.unix"
if [[ $(sha256sum "$OUT/collect.tar.gz" | cut -d' ' -f1) != "$sum" ]]; then
	echo "boot.sh: the collector's output is corrupt (checksum mismatch), console log kept at $OUT/console.log" >&2
	exit 1
fi
mkdir -p "$OUT/collect"
tar -C "$OUT/collect" -xzf "$OUT/collect.tar.gz"
step "guest done in ${wall}s (host wall clock); results in $OUT/collect"

#!/usr/bin/env bash
# The main job, shown:
#  1. plans the sample configuration in conf/ against the real Debian cloud kernel's module tree
#     (what would load, why, in which order) and runs the daemon once over it with the simulated
#     backend, showing each outcome as the journal gets it;
#  2. boots a Debian systemd guest under QEMU (software emulation) in which modloadd.service is
#     the module loader, and prints what happened there: which modules modloadd loaded, from
#     which source, the failures with the kernel's reasons, the times and its memory.
# --no-vm stops after part 1 (the VM part takes a few minutes the first time: debootstrap).
set -euo pipefail
cd "$(dirname "$0")/.."

vm=1
[ "${1:-}" = "--no-vm" ] && vm=0

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

step "1/6 installing build dependencies (Debian packages)"
bash tools/install-deps.sh
step "2/6 building modloadd"
bash tools/build.sh build

step "3/6 fetching the Debian cloud kernel's module tree"
cache=${MODLOADD_CACHE:-/var/cache/modloadd-test}
kroot=$(bash tools/fetch-debian-kernel.sh "$cache" | tail -n 1)

# A root that looks like the target machine: its /etc, its command line, the kernel's modules.
demo=build/demo-root
rm -rf "$demo"
mkdir -p "$demo/etc/modules-load.d" "$demo/etc/modprobe.d" "$demo/proc" "$demo/lib"
cp conf/modules-load.d/*.conf "$demo/etc/modules-load.d/"
cp conf/modprobe.d/*.conf "$demo/etc/modprobe.d/"
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro modules_load=virtio_rng,tun" > "$demo/proc/cmdline"
ln -s "$(readlink -f "$kroot")/lib/modules" "$demo/lib/modules"

step "4/6 the plan: modloadctl plan --root $demo"
build/daemon/ctl/modloadctl plan --root "$demo"

step "the load, simulated (3 ms per insertion, 2 workers): modloadd --once --root $demo"
start=$(date +%s%N)
status=0
build/daemon/modloadd --once --root "$demo" --backend simulated --workers 2 \
	--simulation-script <(echo '*:3:0') --log-target console || status=$?
end=$(date +%s%N)
echo "modloadd exited with status $status after $(( (end - start) / 1000000 )) ms" >&2
echo "JSON for programs: build/daemon/ctl/modloadctl plan --root $demo --json" >&2
[ $vm -eq 1 ] || exit 0

step "5/6 building a Debian guest with modloadd.service as its module loader (cached after the first run)"
mkdir -p build/demo-vm
bash tools/vm/make-image.sh --mode modloadd --out build/demo-vm/modloadd.img --build-dir build-vm
step "6/6 booting it under QEMU (TCG emulation: slow, about a minute) and reading what happened"
bash tools/vm/boot.sh --image build/demo-vm/modloadd.img --out build/demo-vm/run
python3 tools/vm/summarize.py build/demo-vm/run
echo >&2
echo "console log and collected files: build/demo-vm/run/" >&2

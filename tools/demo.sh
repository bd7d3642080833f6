#!/usr/bin/env bash
# The main job, shown: plans the sample configuration in conf/ against the real Debian cloud
# kernel's module tree (what would load, why, in which order), then runs the daemon once over
# it with the simulated backend (this machine's kernel cannot load modules), showing each
# outcome and the summary as the journal would get them.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

step "1/4 installing build dependencies (Debian packages)"
bash tools/install-deps.sh
step "2/4 building modloadd"
bash tools/build.sh build

step "3/4 fetching the Debian cloud kernel's module tree"
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

step "4/4 the plan: modloadctl plan --root $demo"
build/daemon/ctl/modloadctl plan --root "$demo"

step "the load, simulated (3 ms per insertion, 2 workers): modloadd --once --root $demo"
start=$(date +%s%N)
status=0
build/daemon/modloadd --once --root "$demo" --backend simulated --workers 2 \
	--simulation-script <(echo '*:3:0') --log-target console || status=$?
end=$(date +%s%N)
echo "modloadd exited with status $status after $(( (end - start) / 1000000 )) ms" >&2
echo >&2
echo "JSON for programs: build/daemon/ctl/modloadctl plan --root $demo --json" >&2

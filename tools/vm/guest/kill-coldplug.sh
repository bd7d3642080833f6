#!/bin/bash
# modloadd VM test bed (modloadd-vm-kill-coldplug.service): SIGKILL modloadd's main process in
# the middle of coldplug, once.
#
# Coldplug has begun when the first of the device modules below is in the kernel (coming or
# live); it is still going on while some are not. These are what devices of boot.sh's machine
# need and nothing else loads: not the modules-load.d set, not PID 1's nor systemd's modprobe@
# units', and none of the shipped 50-virtio rule's (which modloadd loads from the rule, not
# from a device). Polled every 20 ms; gives up after 300 s (a busy host boots slowly).
#
# Writes /run/modloadd-vm/out/kill-coldplug/: killed (the PID), the device modules present
# ("coming" or "live") and absent at the kill, uptime; and a trace marker right before the kill.
OUT=/run/modloadd-vm/out/kill-coldplug
DEVICE_MODULES="ata_piix ata_generic sr_mod sd_mod sg vmw_pvscsi virtio_balloon virtio_input pvpanic_pci serio_raw"
mkdir -p "$OUT"

present() {
	local m state
	for m in $DEVICE_MODULES; do
		read -r state 2>/dev/null <"/sys/module/$m/initstate" && echo "$m $state"
	done
}

deadline=$((${EPOCHREALTIME%.*} + 300))
while ((${EPOCHREALTIME%.*} < deadline)); do
	if [[ -n $(present) ]] && pid=$(systemctl show -P MainPID modloadd.service 2>/dev/null) &&
		[[ -n $pid && $pid != 0 ]]; then
		present >"$OUT/present"
		echo "modloadd-vm: kill -9 modloadd $pid during coldplug" >/sys/kernel/tracing/trace_marker
		kill -9 "$pid"
		cat /proc/uptime >"$OUT/uptime"
		echo "$pid" >"$OUT/killed"
		for m in $DEVICE_MODULES; do grep -q "^$m " "$OUT/present" || echo "$m"; done >"$OUT/absent"
		exit 0
	fi
	sleep 0.02
done
echo "no device module appeared within 300 s" >"$OUT/gave-up"

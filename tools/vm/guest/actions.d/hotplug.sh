# shellcheck shell=bash
# Sourced by the collector (modloadd_vm.actions=hotplug): a NIC arrives while the system runs.
#
# Nothing at boot has a vmxnet3 (VMware's paravirtual NIC, PCI 15ad:07b0): the action asks the
# host for one (the marker line below; tools/vm/monitor-relay.py sends it to the QEMU monitor
# as `device_add vmxnet3,id=hp0,netdev=hp0`) and records, into hotplug/:
#   uevents        `udevadm monitor --kernel --property` of the pci and module subsystems:
#                  KERNEL[MONOTONIC] add /devices/.../0000:00:NN.0 (pci) is the device
#                  appearing, KERNEL[...] add /module/vmxnet3 (module) the module going live
#                  (the kernel sends that uevent once the module's init has returned); the
#                  times are when udevadm read them. The trace gets the kernel's own moment
#                  of the device's arrival from a kprobe on pci_device_add.
#   poll           the same seen from sysfs, polled every 20 ms: "REALTIME device PATH" when
#                  /sys/bus/pci/devices has a 15ad:07b0, "REALTIME live" when
#                  /sys/module/vmxnet3/initstate says live, "REALTIME bound DRIVER"
#   journal.json   `journalctl -o json` of the entries with MODLOADD_MODULE=vmxnet3, and of
#                  the marker entry this script writes (__REALTIME and __MONOTONIC of one
#                  moment: the poll times convert to the monotonic clock with it)
#   before, after  /sys/bus/pci/devices and the vmxnet3 module state before and after
# then a snapshot "after-hotplug" (the trace has the module_load of vmxnet3 and its load
# attempts). The device never appearing, or no module within 60 s, is recorded, not fatal.
hotplug_dir=$OUT/hotplug
mkdir -p "$hotplug_dir"

hotplug_state() {
	local d
	for d in /sys/bus/pci/devices/*; do
		echo "$(basename "$d") $(cat "$d/vendor" "$d/device" 2>/dev/null | tr '\n' ' ')$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)"
	done
	echo "vmxnet3 initstate: $(cat /sys/module/vmxnet3/initstate 2>/dev/null || echo absent)"
}

# poller: every 20 ms without forking (read -t on a FIFO nobody writes), until the device is
# live and bound, or 60 s passed.
hotplug_poll() {
	local fifo=$hotplug_dir/.tick d v p dev='' live='' bound='' deadline devs known
	set +x # the collector traces its commands; not these thousands
	mkfifo "$fifo"
	exec 7<>"$fifo"
	devs=(/sys/bus/pci/devices/*)
	known=${#devs[@]}
	deadline=$((${EPOCHREALTIME%.*} + 60))
	while ((${EPOCHREALTIME%.*} < deadline)); do
		# One directory read per round; the IDs only when the device count changed.
		devs=(/sys/bus/pci/devices/*)
		if [[ -z $dev && ${#devs[@]} != "$known" ]]; then
			known=${#devs[@]}
			for d in "${devs[@]}"; do
				if ! read -r v <"$d/vendor" || ! read -r p <"$d/device"; then continue; fi
				if [[ $v == 0x15ad && $p == 0x07b0 ]]; then
					dev=$d
					echo "$EPOCHREALTIME device ${d##*/}"
				fi
			done
		fi
		if [[ -z $live ]] && read -r v 2>/dev/null </sys/module/vmxnet3/initstate && [[ $v == live ]]; then
			live=1
			echo "$EPOCHREALTIME live"
		fi
		if [[ -n $dev && -z $bound && -e $dev/driver ]]; then
			bound=$(readlink "$dev/driver")
			echo "$EPOCHREALTIME bound ${bound##*/}"
		fi
		[[ -n $dev && -n $live && -n $bound ]] && break
		read -r -t 0.02 -u 7 _ || true
	done
	exec 7<&-
	rm -f "$fifo"
}

hotplug_state >"$hotplug_dir/before"
# The kernel's own moment of the arrival, for the trace: pci_device_add registers the new
# device and sends its add uevent (udevadm monitor stamps the uevent when it reads it, later).
# Appended (>>): writing kprobe_events afresh would delete the boot's kprobe.
if echo 'p:modloadd_vm/pci_device_add pci_device_add' >>/sys/kernel/tracing/kprobe_events; then
	echo 1 >/sys/kernel/tracing/events/modloadd_vm/pci_device_add/enable
fi
stdbuf -oL udevadm monitor --kernel --property --subsystem-match=pci --subsystem-match=module \
	>"$hotplug_dir/uevents" 2>&1 &
hotplug_monitor=$!
hotplug_poll >"$hotplug_dir/poll" 2>&1 &
hotplug_poller=$!
sleep 1 # udevadm monitor subscribes
echo "modloadd-vm hotplug: asking for vmxnet3" | systemd-cat -t modloadd-vm-hotplug
echo "$EPOCHREALTIME" >"$hotplug_dir/requested"
# Kernel messages on the console could cut into the marker line: keep them off meanwhile.
hotplug_printk=$(cut -f1 /proc/sys/kernel/printk)
echo 1 >/proc/sys/kernel/printk
printf '\n===MODLOADD-VM-MONITOR device_add vmxnet3,id=hp0,netdev=hp0===\n' >"$CONSOLE"
echo "$hotplug_printk" >/proc/sys/kernel/printk
wait "$hotplug_poller"
sleep 2 # the daemon's journal entry, udev's processing of the add events
kill "$hotplug_monitor" 2>/dev/null
wait "$hotplug_monitor" 2>/dev/null
hotplug_state >"$hotplug_dir/after"
journalctl -b -o json --no-pager MODLOADD_MODULE=vmxnet3 + SYSLOG_IDENTIFIER=modloadd-vm-hotplug \
	>"$hotplug_dir/journal.json" 2>&1
snapshot after-hotplug

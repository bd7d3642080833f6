# shellcheck shell=bash
# Sourced by the collector (modloadd_vm.actions=restart-stop): restart the daemon, make it read
# its configuration again three ways, stop it, with a snapshot after each. run/snapshot are the
# collector's helpers.
#   after-restart  systemctl restart
#   after-hup      SIGHUP (systemctl kill): a reload with nothing changed
#   after-conf     a modules-load.d file written while the daemon runs, nobody asking for a
#                  reload: the daemon watches its configuration directories (inotify); a trace
#                  marker written right before the file dates the write on the trace's clock
#   after-reload   systemctl reload (ExecReload=modloadctl reload, which waits for the reload)
#   after-stop     systemctl stop
#   after-kill-in-init
#                  started again with a modules-load.d file naming modloadd_vm_nodev (its init
#                  looks for hardware for 700 ms, then answers ENODEV) and killed (SIGKILL)
#                  while that init runs; systemd starts it again (Restart=on-failure,
#                  RestartSec=1s), after the init answered. actions/kill-in-init/ has the PID
#                  killed, the module's initstate at the kill and /run/modloadd/refused once the
#                  new daemon settled
#   after-udev-restart, after-udev-trigger
#                  Uevents=udev with the guest's systemd-udevd: pvpanic_pci (the pvpanic-pci
#                  device's driver, nothing uses it) removed, the daemon restarted with a
#                  drop-in saying Uevents=udev and Coldplug=no (a walk would load the module
#                  before any event, and a run tries a module once), a snapshot; then `udevadm
#                  trigger --action=add` of the device, after a trace marker: udevd processes
#                  the event and passes it on to its group, where only the daemon can load the
#                  module (udev's module loading is taken away), and a snapshot once it is in.
#                  actions/udev-mode/ has the device, the daemon's netlink socket
#                  (/proc/net/netlink: its groups) and `modloadctl status|list --json`. Then
#                  the drop-in goes and the daemon is restarted as it was.
# A reload ends with a journal entry "Reloaded the configuration ..." carrying
# MODLOADD_RELOAD_TRIGGER=signal|watch; the steps wait for it (at most 30 s) before their
# snapshot. Their absence is recorded, not fatal: tests/vm's checks say what is missing.
RUNTIME_CONF=/etc/modules-load.d/modloadd-vm-runtime.conf
RUNTIME_MODULE=crc7 # nothing else in the guest loads it (the CRC7 of MMC/SD cards)

# wait_until SECONDS COMMAND...: until COMMAND succeeds, polled every 50 ms.
wait_until() {
	local deadline=$((${EPOCHREALTIME%.*} + $1))
	shift
	until "$@"; do
		((${EPOCHREALTIME%.*} < deadline)) || return 1
		sleep 0.05
	done
}

# reloads_at_least TRIGGER N: this boot's journal has N reload entries of that trigger.
reloads_at_least() {
	local n
	n=$(journalctl -b -u modloadd.service -o json --no-pager "MODLOADD_RELOAD_TRIGGER=$1" 2>/dev/null | grep -c '^{')
	((n >= $2))
}

settled() {
	case $(systemctl show -P StatusText modloadd.service) in Loaded*) return 0 ;; esac
	return 1
}

module_live() {
	local state
	read -r state 2>/dev/null <"/sys/module/$1/initstate" && [[ $state == live ]]
}

run restart systemctl restart modloadd.service
# READY=1 (the end of the restart job) comes once the modules-load.d modules are in; the walk of
# the devices present ends after it: wait for the summary status before looking.
wait_until 30 settled
snapshot after-restart

run hup systemctl kill --signal=SIGHUP modloadd.service
wait_until 30 reloads_at_least signal 1
snapshot after-hup

echo "modloadd-vm: writing $RUNTIME_CONF" >/sys/kernel/tracing/trace_marker
printf '# written at run time by restart-stop.sh\n%s\n' "$RUNTIME_MODULE" >"$RUNTIME_CONF"
wait_until 30 module_live "$RUNTIME_MODULE"
wait_until 30 reloads_at_least watch 1
snapshot after-conf

run reload systemctl reload modloadd.service
snapshot after-reload

run stop systemctl stop modloadd.service
snapshot after-stop

NODEV_MODULE=modloadd_vm_nodev
NODEV_CONF=/run/modules-load.d/modloadd-vm-nodev.conf
kill_dir=$OUT/actions/kill-in-init
mkdir -p "$kill_dir" /run/modules-load.d
initstate() {
	local state
	read -r state 2>/dev/null <"/sys/module/$1/initstate" && echo "$state"
}
nodev_coming() { [[ $(initstate "$NODEV_MODULE") == coming ]]; }
killed_pid=''
restarted() {
	local pid
	pid=$(systemctl show -P MainPID modloadd.service)
	[[ -n $pid && $pid != 0 && $pid != "$killed_pid" ]] && settled
}
echo "$NODEV_MODULE" >"$NODEV_CONF"
run start-again systemctl start --no-block modloadd.service
if wait_until 60 nodev_coming; then
	killed_pid=$(systemctl show -P MainPID modloadd.service)
	echo "modloadd-vm: kill -9 modloadd $killed_pid in $NODEV_MODULE's init" >/sys/kernel/tracing/trace_marker
	kill -9 "$killed_pid"
	initstate "$NODEV_MODULE" >"$kill_dir/initstate"
	echo "$killed_pid" >"$kill_dir/killed"
	wait_until 60 restarted
else
	echo "$NODEV_MODULE was never seen initialising" >"$kill_dir/gave-up"
fi
cp /run/modloadd/refused "$kill_dir/refused" 2>"$kill_dir/refused.err"
snapshot after-kill-in-init

UDEV_MODULE=pvpanic_pci
UDEV_DRIVER=/sys/bus/pci/drivers/pvpanic-pci
UDEV_CONF=/run/modloadd.conf.d/modloadd-vm-udev.conf
UDEV_MARKER="modloadd-vm: udevadm trigger --action=add $UDEV_MODULE's device"
udev_dir=$OUT/actions/udev-mode
mkdir -p "$udev_dir" /run/modloadd.conf.d
# its device, found through its driver while it is bound
udev_device=''
for d in "$UDEV_DRIVER"/0000:*; do
	[[ -e $d ]] && udev_device=$(readlink -f "$d")
done
echo "$udev_device" >"$udev_dir/device"
# uevent_sockets: the NETLINK_KOBJECT_UEVENT (15) sockets of the daemon's MainPID, as
# /proc/net/netlink lists them (Groups: 00000001 the kernel's, 00000002 udev's).
uevent_sockets() {
	local pid fd link
	pid=$(systemctl show -P MainPID modloadd.service)
	head -n 1 /proc/net/netlink
	for fd in /proc/"$pid"/fd/*; do
		link=$(readlink "$fd") || continue
		[[ $link == socket:\[*\] ]] || continue
		link=${link#socket:[}
		awk -v ino="${link%]}" '$2 == 15 && $NF == ino' /proc/net/netlink
	done
}
udev_module_settled() {
	modloadctl list --json 2>/dev/null | tr -d ' \t\n' | grep -q "\"name\":\"$UDEV_MODULE\",\"outcome\":\"inserted\""
}
if [[ -n $udev_device ]] && systemctl -q is-active modloadd.service; then
	run udev-rmmod rmmod "$UDEV_MODULE"
	printf '# written by restart-stop.sh\n[Devices]\nUevents=udev\nColdplug=no\n' >"$UDEV_CONF"
	run udev-restart systemctl restart modloadd.service
	wait_until 30 settled
	uevent_sockets >"$udev_dir/socket"
	snapshot after-udev-restart
	echo "$UDEV_MARKER" >/sys/kernel/tracing/trace_marker
	run udev-trigger udevadm trigger --action=add --settle "$udev_device"
	wait_until 20 module_live "$UDEV_MODULE"
	# the state file follows the insertion within 250 ms
	wait_until 10 udev_module_settled
	modloadctl status --json >"$udev_dir/status.json" 2>"$udev_dir/status.err"
	modloadctl list --json >"$udev_dir/list.json" 2>"$udev_dir/list.err"
	snapshot after-udev-trigger
	rm -f "$UDEV_CONF"
	run udev-back systemctl restart modloadd.service
	wait_until 30 settled
else
	echo "no $UDEV_MODULE device bound, or modloadd not active" >"$udev_dir/gave-up"
fi

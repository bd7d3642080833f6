#!/bin/bash
# modloadd-vm collector: runs in the guest (modloadd-vm-collect.service) once boot is over.
#
# Gathers what the tests and tools/vm/summarize.py read into /run/modloadd-vm/out/PHASE/, where
# PHASE is "boot" for the state right after boot, then runs the action scripts the kernel
# command line names (modloadd_vm.actions=a,b runs /etc/modloadd-vm/actions.d/a.sh, b.sh; and
# /etc/modloadd-vm/actions.sh when present). Action scripts are sourced and may call
#   run LABEL COMMAND...   run COMMAND, keep its exit status and output under actions/LABEL.*
#   snapshot PHASE         gather the state that changes (trace, modules, the unit) into PHASE/
# Finally it writes the whole directory as a base64 gzip'ed tar between marker lines on the
# serial console and powers the machine off.
#
# modloadd_vm.collect=off on the kernel command line disables it (interactive boots).
set -u
OUT=/run/modloadd-vm/out
CONSOLE=/dev/ttyS0
export SYSTEMD_PAGER='' SYSTEMD_COLORS=0 LC_ALL=C

cmdline_value() {
	local w
	# shellcheck disable=SC2013 # words are what we want
	for w in $(cat /proc/cmdline); do
		case $w in "$1="*) echo "${w#*=}" ;; esac
	done
}

[ "$(cmdline_value modloadd_vm.collect)" = off ] && exit 0

mkdir -p "$OUT/actions"
exec 2>>"$OUT/collector.log"
PS4='+ ${EPOCHREALTIME} '
set -x

# Boot is over when the job queue is empty (running or degraded) and udev has handled the
# coldplug events (in stock mode udev is still loading drivers after that).
timeout 150 systemctl is-system-running --wait >"$OUT/is-system-running" 2>&1
timeout 60 udevadm settle
# modloadd is ready once the command-line and modules-load.d modules are in; the devices'
# modules may still be coming, as udev's are in stock mode: wait (at most 90 s) until its
# status says it is done ("Loaded N modules (...)" instead of "Loading modules: ...").
if systemctl -q is-active modloadd.service; then
	for _ in $(seq 900); do
		case $(systemctl show -P StatusText modloadd.service) in Loaded*) break ;; esac
		sleep 0.1
	done
	{
		cat /proc/uptime
		systemctl show -P StatusText modloadd.service
	} >"$OUT/modloadd-settled"
fi
sleep 1

# list the names modules-load.d asks for (as systemd-modules-load reads them: all *.conf files
# of /etc, /run, /usr/local/lib, /usr/lib; enough here to know what to ask the journal)
requested_names() {
	cat /etc/modules-load.d/*.conf /run/modules-load.d/*.conf /usr/local/lib/modules-load.d/*.conf \
		/usr/lib/modules-load.d/*.conf 2>/dev/null | sed -e 's/[#;].*//' -e 's/[[:space:]]//g' | grep -v '^$' | sort -u
}

# snapshot PHASE [full]: what changes (the trace, /proc/modules, the daemon's unit, journal and
# memory) into PHASE/; "full" adds what one look is enough for (the other units, journal queries
# per module, dependencies, boot timing, the plan).
snapshot() {
	local d=$OUT/$1 pid n u
	mkdir -p "$d"
	cat /proc/uptime >"$d/uptime"
	cp /sys/kernel/tracing/trace "$d/trace" 2>"$d/trace.err" ||
		cp /sys/kernel/debug/tracing/trace "$d/trace" 2>>"$d/trace.err"
	# What was traced, and whether anything was lost: ring buffer overruns per CPU, kprobe
	# misses (summarize.py warns about both).
	cat /sys/kernel/tracing/set_event >"$d/trace-events" 2>&1
	grep -H . /sys/kernel/tracing/per_cpu/cpu*/stats >"$d/trace-stats" 2>&1
	cat /sys/kernel/tracing/kprobe_profile >"$d/kprobe-profile" 2>&1
	cat /proc/modules >"$d/proc-modules"
	systemctl show modloadd.service >"$d/modloadd.show" 2>&1
	systemctl status --no-pager -l modloadd.service >"$d/modloadd.status" 2>&1
	journalctl -b -o json --no-pager -u modloadd.service >"$d/journal-modloadd.json" 2>&1
	pid=$(sed -n 's/^MainPID=//p' "$d/modloadd.show")
	[ -n "$pid" ] && [ "$pid" != 0 ] && cat "/proc/$pid/status" >"$d/status-modloadd" 2>/dev/null
	# its helper processes (modloadd-insert), which insert for it
	[ -n "$pid" ] && [ "$pid" != 0 ] && ps -o pid= --ppid "$pid" >"$d/modloadd-children" 2>/dev/null
	[ "${2:-}" = full ] || return 0

	systemctl show >"$d/manager.show"
	# systemd-modules-load.service: in the modloadd image an alias of modloadd.service (Id=).
	for u in systemd-modules-load.service systemd-udevd.service systemd-journald.service sysinit.target \
		multi-user.target systemd-sysctl.service systemd-udev-trigger.service; do
		systemctl show "$u" >"$d/${u%.service}.show" 2>&1
	done
	# A key br_netfilter owns, which the guest's sysctl.d sets (0; the kernel's default is 1).
	sysctl -n net.bridge.bridge-nf-call-iptables >"$d/sysctl-bridge-nf-call-iptables" 2>&1
	systemctl status --no-pager -l systemd-modules-load.service >"$d/systemd-modules-load.status" 2>&1
	journalctl -b -o json --no-pager -u systemd-modules-load.service >"$d/journal-systemd-modules-load.json" 2>&1
	# RSS of the other daemons, from their MainPIDs.
	for u in systemd-udevd systemd-journald; do
		pid=$(sed -n 's/^MainPID=//p' "$d/$u.show")
		[ -n "$pid" ] && [ "$pid" != 0 ] && cat "/proc/$pid/status" >"$d/status-$u" 2>/dev/null
	done
	# journalctl MODLOADD_MODULE=NAME, as an operator would ask it; and what modprobe says
	# each name needs.
	mkdir -p "$d/journal-by-module"
	for n in $(requested_names); do
		journalctl -b -o json --no-pager "MODLOADD_MODULE=$n" >"$d/journal-by-module/$n.json" 2>&1
		modprobe --show-depends "$n" >"$d/show-depends-$n" 2>&1
	done
	# The devices the kernel announced with a MODALIAS: "DEVPATH MODALIAS" (the same guest and
	# devices in every boot; tests/vm compares the modes on them).
	grep -r --include=uevent '^MODALIAS=' /sys/devices 2>/dev/null |
		sed -e 's|^/sys||' -e 's|/uevent:MODALIAS=| |' | sort >"$d/devices"
	systemctl list-units --all --no-pager >"$d/units.txt" 2>&1
	systemctl list-units --failed --no-pager >"$d/failed-units.txt" 2>&1
	systemd-analyze time >"$d/analyze-time.txt" 2>&1
	ps -eo pid,ppid,rss,comm,args >"$d/ps.txt" 2>&1
	if command -v modloadctl >/dev/null; then
		modloadctl plan --json >"$d/modloadctl-plan.json" 2>&1
	fi
}

run() {
	local label=$1
	shift
	echo "$*" >"$OUT/actions/$label.cmd"
	"$@" >"$OUT/actions/$label.out" 2>&1
	echo $? >"$OUT/actions/$label.rc"
	cat /proc/uptime >"$OUT/actions/$label.uptime"
}

{
	uname -r
} >"$OUT/kernel-release"
cat /proc/cmdline >"$OUT/cmdline"
cat /etc/modloadd-vm/mode >"$OUT/mode" 2>/dev/null
mkdir -p "$OUT/etc"
cp -a /etc/modules-load.d /etc/modprobe.d "$OUT/etc/" 2>/dev/null
# modloadd's rules: the test's (/etc) and the shipped ones (/usr/lib)
if [ -d /etc/modloadd ]; then cp -a /etc/modloadd "$OUT/etc/"; fi
if [ -d /usr/lib/modloadd/rules.d ]; then
	mkdir -p "$OUT/usr/lib/modloadd"
	cp -a /usr/lib/modloadd/rules.d "$OUT/usr/lib/modloadd/"
fi
[ -d /etc/modloadd-vm ] && cp -a /etc/modloadd-vm "$OUT/etc/"

snapshot boot full

# Test hooks.
ran=
for a in $(cmdline_value modloadd_vm.actions | tr , ' '); do
	if [ -f "/etc/modloadd-vm/actions.d/$a.sh" ]; then
		ran="$ran $a"
		# shellcheck disable=SC1090
		. "/etc/modloadd-vm/actions.d/$a.sh"
	else
		echo "no such action: $a" >>"$OUT/actions/errors"
	fi
done
if [ -f /etc/modloadd-vm/actions.sh ]; then
	ran="$ran actions.sh"
	# shellcheck disable=SC1091
	. /etc/modloadd-vm/actions.sh
fi
echo "$ran" >"$OUT/actions/ran"
journalctl -b -o short-monotonic --no-pager >"$OUT/journal.txt" 2>&1
dmesg >"$OUT/dmesg.txt" 2>&1
cat /proc/uptime >"$OUT/uptime-end"

# Ship it: only emergencies on the console from here on, so no kernel line cuts into ours.
set +x
echo 1 >/proc/sys/kernel/printk
tar -C "$OUT" -czf /run/modloadd-vm/out.tar.gz .
sum=$(sha256sum /run/modloadd-vm/out.tar.gz | cut -d' ' -f1)
{
	printf '\n===MODLOADD-VM-COLLECT-BEGIN===\n'
	base64 -w 76 /run/modloadd-vm/out.tar.gz
	printf '===MODLOADD-VM-COLLECT-END sha256=%s===\n' "$sum"
} >"$CONSOLE"
# Let the UART drain before the power goes.
sleep 2
# An action that leaves a task stuck in a module's init (faults.sh) asks for the power to go
# without killing processes first: an orderly shutdown would wait for that task.
if [ -e /run/modloadd-vm/poweroff-immediately ]; then
	systemctl poweroff -ff
fi
systemctl poweroff -f

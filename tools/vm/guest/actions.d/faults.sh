# shellcheck shell=bash
# Sourced by the collector (modloadd_vm.actions=faults), in the faults image (make-image.sh
# --faults): modloadd_vm_hang's init blocks for 240 s, modloadd_vm_slow's takes 35 s,
# InsertTimeoutSec=20.
#   hung        a snapshot while the insert is still stuck, once the daemon has run for two
#               watchdog periods (WatchdogSec= of the unit) since it started: the unit's
#               WatchdogTimestamp says when its last WATCHDOG=1 came; and once the daemon has
#               journaled modloadd_vm_slow's late answer (MODLOADD_LATE=1), at most 60 s more
#   ctl/        modloadctl's answers while the daemon runs, each command's stdout, stderr and
#               exit status in faults/ctl/LABEL.{out,err,rc}: `list --failed` (table and
#               --json); `status` (and --json) as the unprivileged user nobody; `explain`
#               (and --json) of modloadd_vm_rebuilt and `doctor` (and --json), first
#               as booted, then once modloadd_vm_rebuilt's file in updates/ is replaced by its
#               second build (/usr/local/lib/modloadd-vm/rebuilt/, another srcversion) and
#               depmod -a has run (faults/ctl/replace.{out,rc}); the running copy's srcversion
#               and the two files' in faults/ctl/srcversion-{live,booted,replaced}, the uptime
#               before and after all this in faults/ctl/begin and end
#   stop        `systemctl stop modloadd.service` with the insert still stuck, timed:
#               faults/stop-begin is the uptime right before it, actions/stop.uptime right after
#   after-stop  a snapshot; faults/ps-after-stop shows what is left of the daemon's processes
# Then the collector powers off at once (systemctl poweroff -ff): a task inside a module's init
# cannot exit, so an orderly shutdown would wait for it.
faults_dir=$OUT/faults
mkdir -p "$faults_dir"

# uptime_s: seconds since boot, whole
uptime_s() {
	local up
	read -r up _ </proc/uptime
	echo "${up%.*}"
}

faults_started=$(systemctl show -P ExecMainStartTimestampMonotonic modloadd.service)
faults_wd=$(systemctl show -P WatchdogUSec modloadd.service)
faults_wd_us=$(systemd-analyze timespan "$faults_wd" 2>/dev/null | sed -n 's/^ *\(us\|μs\): //p')
[[ $faults_wd_us =~ ^[0-9]+$ ]] || faults_wd_us=0
[[ $faults_started =~ ^[0-9]+$ ]] || faults_started=0
faults_wd_s=$((faults_wd_us / 1000000))
((faults_wd_s > 0)) || faults_wd_s=30
# Two watchdog periods since the daemon started, at most 90 s from now.
faults_until=$((faults_started / 1000000 + 2 * faults_wd_s + 1))
faults_deadline=$(($(uptime_s) + 90))
while (($(uptime_s) < faults_until && $(uptime_s) < faults_deadline)); do sleep 1; done
# modloadd_vm_slow's init returns some 35 s after its insert began: usually before the two
# periods are over, but a busy host can delay the insert. Its late entry absent is recorded
# (the snapshot lacks it), not fatal; the bound ends long before modloadd_vm_hang's 240 s.
faults_late() {
	journalctl -b -u modloadd.service -o cat --no-pager MODLOADD_MODULE=modloadd_vm_slow MODLOADD_LATE=1 2>/dev/null |
		grep -q .
}
faults_deadline=$(($(uptime_s) + 60))
until faults_late || (($(uptime_s) >= faults_deadline)); do sleep 1; done
grep -H . /sys/module/modloadd_vm_*/initstate >"$faults_dir/initstate-hung" 2>&1
snapshot hung

# faults_ctl LABEL COMMAND...: COMMAND's stdout, stderr and exit status under faults/ctl/
faults_ctl() {
	local label=$1
	shift
	"$@" >"$faults_dir/ctl/$label.out" 2>"$faults_dir/ctl/$label.err"
	echo $? >"$faults_dir/ctl/$label.rc"
}
mkdir -p "$faults_dir/ctl"
cut -d' ' -f1 /proc/uptime >"$faults_dir/ctl/begin"
faults_mod=modloadd_vm_rebuilt
faults_ko=/lib/modules/$(uname -r)/updates/$faults_mod.ko
faults_ctl list-failed modloadctl list --failed
faults_ctl list-failed-json modloadctl list --failed --json
faults_ctl status-nobody runuser -u nobody -- modloadctl status
faults_ctl status-nobody-json runuser -u nobody -- modloadctl status --json
id nobody >"$faults_dir/ctl/id-nobody" 2>&1
cat "/sys/module/$faults_mod/srcversion" >"$faults_dir/ctl/srcversion-live" 2>&1
modinfo -F srcversion "$faults_ko" >"$faults_dir/ctl/srcversion-booted" 2>&1
faults_ctl explain-live modloadctl explain "$faults_mod"
faults_ctl explain-live-json modloadctl explain --json "$faults_mod"
faults_ctl doctor-booted modloadctl doctor
faults_ctl doctor-booted-json modloadctl doctor --json
# Another build of the same module where the live one's file was, with depmod run after it (not
# the stale-index case): the running copy is not the file's any more.
{
	cp -v "/usr/local/lib/modloadd-vm/rebuilt/$faults_mod.ko" "$faults_ko" && depmod -a
	echo $? >"$faults_dir/ctl/replace.rc"
} >"$faults_dir/ctl/replace.out" 2>&1
modinfo -F srcversion "$faults_ko" >"$faults_dir/ctl/srcversion-replaced" 2>&1
faults_ctl explain-differs modloadctl explain "$faults_mod"
faults_ctl explain-differs-json modloadctl explain --json "$faults_mod"
faults_ctl doctor-differs modloadctl doctor
faults_ctl doctor-differs-json modloadctl doctor --json
cut -d' ' -f1 /proc/uptime >"$faults_dir/ctl/end"

cut -d' ' -f1 /proc/uptime >"$faults_dir/stop-begin"
run stop systemctl stop modloadd.service
grep -H . /sys/module/modloadd_vm_*/initstate >"$faults_dir/initstate-after-stop" 2>&1
ps -eo pid,ppid,stat,wchan:32,comm,args >"$faults_dir/ps-after-stop" 2>&1
snapshot after-stop
touch /run/modloadd-vm/poweroff-immediately

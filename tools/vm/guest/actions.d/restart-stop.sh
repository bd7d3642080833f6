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

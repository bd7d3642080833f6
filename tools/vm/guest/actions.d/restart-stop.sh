# shellcheck shell=bash
# Sourced by the collector (modloadd_vm.actions=restart-stop): restart, SIGHUP and stop the
# daemon, with a snapshot after each. run/snapshot are the collector's helpers.
run restart systemctl restart modloadd.service
snapshot after-restart
run hup systemctl kill --signal=SIGHUP modloadd.service
sleep 1
snapshot after-hup
run stop systemctl stop modloadd.service
snapshot after-stop

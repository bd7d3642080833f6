#!/usr/bin/env bash
# The installed unit is one systemd accepts, with the settings the boot ordering depends on.
# Usage: verify-unit.sh UNIT DAEMON CTL
set -euo pipefail
unit=$1 daemon=$2 ctl=$3
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Point ExecStart and ExecReload at the binaries just built, so verify can check they exist and
# are executable.
sed -e "s|^ExecStart=.*|ExecStart=$daemon|" \
	-e "s|^ExecReload=[^ ]*|ExecReload=$ctl|" "$unit" >"$tmp/modloadd.service"
out=$(systemd-analyze verify --man=no "$tmp/modloadd.service" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then
	echo "systemd-analyze verify complained:"; echo "$out"; exit 1
fi

fail=0
for want in Type=notify DefaultDependencies=no Conflicts=shutdown.target \
	ConditionCapability=CAP_SYS_MODULE WantedBy=sysinit.target WatchdogSec=; do
	grep -q "^$want" "$unit" || { echo "missing: $want"; fail=1; }
done
grep -Eq '^Before=.*\bsysinit\.target\b' "$unit" || { echo "missing: Before=sysinit.target"; fail=1; }
grep -q "^ExecStart=/.*/modloadd$" "$unit" || { echo "ExecStart is not an absolute path to modloadd"; fail=1; }
grep -q '^ExecReload=/.*/modloadctl reload --pid \$MAINPID$' "$unit" ||
	{ echo "ExecReload is not modloadctl reload --pid \$MAINPID"; fail=1; }
[ $fail -eq 0 ] && echo "unit OK"
exit $fail

#!/usr/bin/env bash
# Runs every test of modloadd: installs what it needs, builds, fetches the Debian cloud kernel's
# module tree for the module-tree tests, runs the meson test suites, and ends with
# "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
bash tools/build.sh build

cache=${MODLOADD_CACHE:-/var/cache/modloadd-test}
echo "==> preparing the Debian cloud kernel module tree in $cache" >&2
MODLOADD_DEBIAN_ROOT=$(bash tools/fetch-debian-kernel.sh "$cache" | tail -n 1)
export MODLOADD_DEBIAN_ROOT

echo "==> running tests" >&2
status=0
meson test -C build --print-errorlogs --num-processes 2 "$@" || status=$?

# meson's own summary is not what CI reads: count results from its JSON log.
python3 - build/meson-logs/testlog.json <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    key = "OK" if r in ("OK", "EXPECTEDFAIL") else "SKIP" if r == "SKIP" else "FAIL"
    counts[key] += 1
print(f"{counts['OK']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
PY
exit $status

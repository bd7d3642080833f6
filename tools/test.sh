#!/usr/bin/env bash
# Runs every test of modloadd: installs what it needs, builds (warnings fatal), fetches the
# Debian cloud kernel's module tree for the module-tree tests, runs the meson test suites, then
# builds once more as a packager would (--buildtype=release, the project's defaults), and ends
# with "N passed, N failed".
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

# The build a packager or user picks: release, warnings not fatal (the defaults). It must build.
# The tests were built above with the same sources; here the daemon, modloadctl and the
# benchmarks are built with the release flags (-O3), where GCC 12 warns inside fmt's headers.
echo "==> building as a packager would (--buildtype=release) into build-release" >&2
release=OK
if [ ! -f build-release/build.ninja ]; then
	meson setup --buildtype=release -Dtests=false build-release >&2 || release=FAIL
fi
if [ "$release" = OK ]; then
	ninja -C build-release >&2 || release=FAIL
fi
echo "release-build: $release" >&2
[ "$release" = OK ] || status=1

# meson's own summary is not what CI reads: count results from its JSON log, and the release
# build as one more result.
python3 - build/meson-logs/testlog.json "$release" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    key = "OK" if r in ("OK", "EXPECTEDFAIL") else "SKIP" if r == "SKIP" else "FAIL"
    counts[key] += 1
counts[sys.argv[2]] += 1
print(f"{counts['OK']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
PY
exit $status

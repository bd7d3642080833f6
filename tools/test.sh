#!/usr/bin/env bash
# Runs every test of modloadd: installs what it needs, builds (warnings fatal), fetches the
# Debian cloud kernel's module tree for the module-tree tests, runs the meson test suites, runs
# every suite but the VM's once more built with AddressSanitizer and UBSan (build-sanitize), runs
# each fuzz target with libFuzzer for a bounded time (tools/fuzz.sh, MODLOADD_FUZZ_SECONDS each,
# default 30), then builds once more as a packager would (--buildtype=release, the project's
# defaults), and ends with "N passed, N failed".
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

# The unit, module-tree and other host suites again, built with ASan and UBSan: a report from
# either fails the test that made it (ASan stops at its first report; UBSan only prints unless
# told halt_on_error=1). --buildtype=debug (-O0) builds faster; the VM suite is left out (its
# guest runs the ordinary build, and TCG is slow enough).
echo "==> building with ASan and UBSan into build-sanitize and running the host suites" >&2
sanitize=OK
rm -f build-sanitize/meson-logs/testlog.json # a log of an earlier run is not this run's
if [ ! -f build-sanitize/build.ninja ]; then
	meson setup --werror --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
		build-sanitize >&2 || sanitize=FAIL
fi
if [ "$sanitize" = OK ]; then
	ninja -C build-sanitize >&2 || sanitize=FAIL
fi
if [ "$sanitize" = OK ]; then
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
		ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
		meson test -C build-sanitize --print-errorlogs --num-processes 2 --no-suite vm "$@" ||
		status=$?
else
	status=1
fi
echo "sanitize-build: $sanitize" >&2

# The fuzz targets searched for a bounded time, each from its seed corpus (their corpora were
# replayed above, in the `fuzz` suite of both builds). Each target's run is one result.
echo "==> fuzzing each target for ${MODLOADD_FUZZ_SECONDS:-30} s (tools/fuzz.sh)" >&2
bash tools/fuzz.sh "${MODLOADD_FUZZ_SECONDS:-30}" | tee build/fuzz-results.txt >&2 || status=1

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

# meson's own summary is not what CI reads: count results from its JSON logs (each sanitized
# test counts as one more test), each target's fuzzing run, and the sanitizer and release builds
# as one more result each.
python3 - "$release" "$sanitize" build/fuzz-results.txt build/meson-logs/testlog.json \
	build-sanitize/meson-logs/testlog.json <<'PY'
import json, os, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
runs = [l for l in open(sys.argv[3]) if l.startswith("fuzz-run ")] if os.path.exists(sys.argv[3]) else []
for line in runs:
    counts["OK" if ": OK" in line else "FAIL"] += 1
if not runs:  # tools/fuzz.sh stopped before any target ran (clang missing, setup failed)
    counts["FAIL"] += 1
for log in sys.argv[4:]:
    if not os.path.exists(log):
        continue
    for line in open(log):
        r = json.loads(line)["result"]
        key = "OK" if r in ("OK", "EXPECTEDFAIL") else "SKIP" if r == "SKIP" else "FAIL"
        counts[key] += 1
counts[sys.argv[1]] += 1
counts[sys.argv[2]] += 1
print(f"{counts['OK']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
PY
exit $status

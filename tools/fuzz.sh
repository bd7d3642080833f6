#!/usr/bin/env bash
# Builds the fuzz targets with clang and libFuzzer (build-fuzz/: -Dfuzzing=true, ASan and UBSan)
# and runs each for SECONDS (default 30) from its seed corpus in tests/fuzz/corpus. New inputs go
# to a scratch corpus in build-fuzz/, never into the source tree; a crash or a failed oracle is
# kept in build-fuzz/fuzz-artifacts/TARGET/ and named on stderr. Prints one line per target,
# "fuzz-run TARGET: OK|FAIL (N runs in S s)", and exits 1 when any failed.
#   tools/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	targets=(uevent uevent-udev modules-load-d kernel-cmdline settings rules)
fi

builddir=build-fuzz
if [ ! -f "$builddir/build.ninja" ]; then
	CXX=clang++-14 meson setup --werror -Dfuzzing=true -Db_sanitize=address,undefined \
		-Db_lundef=false --buildtype=debugoptimized "$builddir" >&2
fi
status=0
for t in "${targets[@]}"; do
	if ! ninja -C "$builddir" "tests/fuzz/fuzz-$t-fuzzer" >&2; then
		echo "fuzz-run $t: FAIL (does not build)"
		status=1
		continue
	fi
	scratch=$builddir/fuzz-corpus/$t
	artifacts=$builddir/fuzz-artifacts/$t
	mkdir -p "$scratch" "$artifacts"
	log=$builddir/fuzz-$t.log
	# -max_len: past libkmod's 4095-byte keys; -timeout: one input taking 10 s is a finding.
	if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$builddir/tests/fuzz/fuzz-$t-fuzzer" -max_total_time="$seconds" -max_len=10000 \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$artifacts/" "$scratch" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "fuzz-run $t: OK (${runs:-?} runs in $seconds s)"
	else
		echo "fuzz-run $t: FAIL (log $log, inputs in $artifacts)"
		grep -E 'oracle failed|ERROR: |runtime error|detail' "$log" | head -n 5 >&2 || true
		status=1
	fi
done
exit $status

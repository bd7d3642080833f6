#!/usr/bin/env bash
# Configures (once) and builds modloadd into BUILDDIR (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=${1:-build}
if [ ! -f "$builddir/build.ninja" ]; then
	echo "==> configuring $builddir" >&2
	meson setup "$builddir" >&2
fi
echo "==> building" >&2
ninja -C "$builddir" >&2

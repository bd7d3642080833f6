#!/usr/bin/env bash
# Configures (once) and builds modloadd into BUILDDIR (default: build), warnings fatal, as
# development and CI build it. EXTRA meson options may follow BUILDDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=${1:-build}
shift || true
if [ ! -f "$builddir/build.ninja" ]; then
	echo "==> configuring $builddir" >&2
	meson setup --werror "$@" "$builddir" >&2
fi
echo "==> building" >&2
ninja -C "$builddir" >&2

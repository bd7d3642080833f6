#!/usr/bin/env bash
# Installs what building and testing modloadd needs on Debian 12 (run as root).
set -euo pipefail

packages=(
	meson ninja-build g++ pkg-config
	libkmod-dev libsystemd-dev libudev-dev libfmt-dev nlohmann-json3-dev catch2 libarchive-dev
	systemd kmod gcc dpkg python3
	qemu-system-x86 debootstrap e2fsprogs
	make gcc-12
	clang-14 libclang-rt-14-dev # the fuzzing build: libFuzzer and the sanitizers' runtimes
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "==> build dependencies already installed" >&2
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "error: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi
echo "==> installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2

# Shared helpers of the tools/vm scripts (sourced, not run).
# shellcheck shell=bash

VM_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$VM_TOOLS/../.." && pwd)
PATH=$PATH:/usr/sbin:/sbin

# Where the debootstrap base, the kernel and other slow-to-make things are kept between runs.
# Same parent as tools/test.sh's kernel cache.
: "${MODLOADD_CACHE:=/var/cache/modloadd-test}"
: "${MODLOADD_VM_CACHE:=$MODLOADD_CACHE/vm}"

step() { echo "==> $*" >&2; }
note() { echo "    $*" >&2; }
die() {
	echo "$(basename "$0"): error: $*" >&2
	exit 1
}

need_root() {
	[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap, chroot and file ownership in the image need it)"
}

# need_tools PACKAGE:TOOL... — apt-get install the packages whose tool is missing.
need_tools() {
	local spec pkgs=()
	for spec in "$@"; do
		command -v "${spec#*:}" >/dev/null 2>&1 || pkgs+=("${spec%%:*}")
	done
	((${#pkgs[@]})) || return 0
	need_root
	step "installing ${pkgs[*]}"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2; then
		note "apt-get install failed; running apt-get update and trying again"
		apt-get update -q >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2 ||
			die "cannot install ${pkgs[*]}"
	fi
}

# The kernel: the root prepared by tools/fetch-debian-kernel.sh (vmlinuz in boot/, modules in
# lib/modules/VERSION). $MODLOADD_DEBIAN_ROOT wins when set, as in tools/test.sh.
kernel_root() {
	if [[ -n ${MODLOADD_DEBIAN_ROOT:-} ]]; then
		echo "$MODLOADD_DEBIAN_ROOT"
	else
		bash "$REPO/tools/fetch-debian-kernel.sh" "$MODLOADD_CACHE" | tail -n 1
	fi
}

# kernel_version ROOT — the single VERSION under ROOT/lib/modules that has a vmlinuz.
kernel_version() {
	local d v found=
	for d in "$1"/lib/modules/*/; do
		v=$(basename "$d")
		[[ -f $1/boot/vmlinuz-$v ]] || continue
		[[ -z $found ]] || die "more than one kernel in $1"
		found=$v
	done
	[[ -n $found ]] || die "no lib/modules/VERSION with boot/vmlinuz-VERSION under $1"
	echo "$found"
}

# The Debian mirror apt already uses (deb822 .sources or one-line .list), for debootstrap.
debian_mirror() {
	if [[ -n ${MODLOADD_VM_MIRROR:-} ]]; then
		echo "$MODLOADD_VM_MIRROR"
		return
	fi
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		# First stanza whose URIs end in /debian (not debian-security) and whose suites
		# name a release without a suffix.
		uri=$(awk '
			/^[[:space:]]*$/ { if (u != "" && s ~ /(^| )[a-z]+( |$)/ && t ~ /(^| )deb( |$)/) { print u; exit } u = s = t = ""; next }
			/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) u = $i }
			/^Suites:/ { $1 = ""; s = $0 }
			/^Types:/ { $1 = ""; t = $0 }
			END { if (u != "" && s ~ /(^| )[a-z]+( |$)/ && t ~ /(^| )deb( |$)/) print u }
		' "$f" | head -n 1)
		[[ -n $uri ]] && { echo "$uri"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] || continue
		uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { if ($i ~ /\/debian\/?$/) { print $i; exit } else break } }' "$f")
		[[ -n $uri ]] && { echo "$uri"; return; }
	done
	echo "http://deb.debian.org/debian"
}

#!/bin/bash
# fetch-debian-kernel.sh CACHEDIR
#
# Prepare a root directory holding a real Debian cloud kernel's module tree
# (for tests and benchmarks of modloadd against ~1100 real modules).
#
# Prints exactly one line on stdout: the path of the prepared root,
# CACHEDIR/root, which contains lib/modules/VERSION/ with depmod indexes.
# Use it as:  modprobe -d ROOT -S VERSION ...   /  kmod_new(ROOT/lib/modules/VERSION, ...)
# Progress messages and the kernel version go to stderr.
#
# Steps (each skipped when its result is already there):
#   1. CACHEDIR/root/lib/modules/*/modules.dep exists -> reuse, done.
#   2. Find the concrete package from `apt-cache depends linux-image-cloud-amd64`
#      (Depends: linux-image-6.1.0-NN-cloud-amd64); run `apt-get update` first
#      only if apt-cache knows nothing about it.
#   3. `apt-get download` the .deb into CACHEDIR (via a temp dir, so a partial
#      download never has the final name).
#   4. `dpkg -x` into a temp dir, run depmod there, then rename it to
#      CACHEDIR/root. An interrupted run leaves only CACHEDIR/.tmp.* litter,
#      never a CACHEDIR/root without modules.dep.
# A lock (flock on CACHEDIR/.lock) serialises concurrent runs.
set -euo pipefail

META=linux-image-cloud-amd64

log() { echo "fetch-debian-kernel: $*" >&2; }
die() { echo "fetch-debian-kernel: error: $*" >&2; exit 1; }

[[ $# -eq 1 && -n $1 ]] || die "usage: $0 CACHEDIR"

# depmod lives in /usr/sbin or /sbin, which a non-root PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
for tool in apt-cache apt-get dpkg dpkg-deb depmod flock mktemp; do
	command -v "$tool" >/dev/null 2>&1 || die "required tool '$tool' not found in PATH"
done

mkdir -p "$1"
CACHEDIR=$(cd "$1" && pwd)
ROOT=$CACHEDIR/root

# Print the version (directory name under lib/modules) of a complete tree,
# or nothing.
tree_version() {
	local dep
	for dep in "$1"/lib/modules/*/modules.dep; do
		if [[ -s $dep ]]; then
			basename "$(dirname "$dep")"
			return 0
		fi
	done
	return 0
}

finish() {
	local version
	version=$(tree_version "$ROOT")
	[[ -n $version ]] || die "internal error: $ROOT has no modules.dep"
	local count
	count=$(grep -c '' "$ROOT/lib/modules/$version/modules.dep")
	log "kernel version: $version ($count modules)"
	echo "$ROOT"
	exit 0
}

# Fast path, without taking the lock.
[[ -z $(tree_version "$ROOT") ]] || finish

exec 9>"$CACHEDIR/.lock"
log "taking lock $CACHEDIR/.lock"
flock 9
# Someone else may have finished while we waited.
[[ -z $(tree_version "$ROOT") ]] || finish

TMP=$(mktemp -d "$CACHEDIR/.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# --- 2. concrete package name ---------------------------------------------
concrete_pkg() {
	apt-cache depends "$META" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' |
		head -n 1
}
PKG=$(concrete_pkg || true)
if [[ -z $PKG ]]; then
	log "apt-cache does not know $META; running apt-get update"
	[[ $(id -u) -eq 0 ]] || die "apt-get update needs root; run it once as root, or run this script as root"
	apt-get update >&2 || die "apt-get update failed"
	PKG=$(concrete_pkg || true)
	[[ -n $PKG ]] || die "cannot find the package $META depends on (is this Debian amd64 with main enabled?)"
fi
log "package: $PKG"

# --- 3. download -------------------------------------------------------------
APT_OPTS=()
if [[ $(id -u) -eq 0 ]]; then
	# As root apt drops privileges to _apt for downloads and warns when _apt
	# cannot write to the target directory; download as root instead.
	APT_OPTS=(-o APT::Sandbox::User=root)
fi

find_deb() {
	local f
	for f in "$CACHEDIR/${PKG}"_*.deb; do
		[[ -f $f ]] && { echo "$f"; return 0; }
	done
	return 0
}

download() {
	log "downloading $PKG into $CACHEDIR"
	mkdir -p "$TMP/dl"
	(cd "$TMP/dl" && apt-get "${APT_OPTS[@]}" -q download "$PKG") >&2 ||
		die "apt-get download $PKG failed"
	local f
	for f in "$TMP/dl/${PKG}"_*.deb; do
		[[ -f $f ]] || die "apt-get download produced no ${PKG}_*.deb"
		mv "$f" "$CACHEDIR/"
	done
}

DEB=$(find_deb)
if [[ -z $DEB ]]; then
	download
	DEB=$(find_deb)
else
	log "reusing $DEB"
fi
[[ -n $DEB ]] || die "no .deb for $PKG in $CACHEDIR"

# --- 4. extract + depmod, then commit by rename -----------------------------
extract() {
	rm -rf "$TMP/root"
	mkdir -p "$TMP/root"
	log "extracting $(basename "$DEB")"
	dpkg-deb --info "$DEB" >/dev/null 2>&1 && dpkg -x "$DEB" "$TMP/root" >&2
}
if ! extract; then
	log "cannot extract $DEB (corrupt?); downloading it again"
	rm -f "$DEB"
	download
	DEB=$(find_deb)
	[[ -n $DEB ]] || die "no .deb for $PKG in $CACHEDIR"
	extract || die "cannot extract $DEB"
fi

# Bookworm packages install into /lib/modules; later Debian releases use
# /usr/lib/modules. kmod 30's depmod -b only looks at BASE/lib/modules.
if [[ ! -d $TMP/root/lib/modules && -d $TMP/root/usr/lib/modules ]]; then
	mkdir -p "$TMP/root/lib"
	ln -s ../usr/lib/modules "$TMP/root/lib/modules"
fi

VERSION=
for d in "$TMP/root/lib/modules"/*/; do
	[[ -d $d ]] || continue
	[[ -z $VERSION ]] || die "more than one kernel version in $DEB"
	VERSION=$(basename "$d")
done
[[ -n $VERSION ]] || die "$DEB contains no lib/modules/VERSION directory"

log "running depmod for $VERSION"
# Ignore the host's /etc/depmod.d etc.: use an empty config directory.
mkdir -p "$TMP/depmod.d"
depmod -C "$TMP/depmod.d" -b "$TMP/root" "$VERSION" >&2 || die "depmod failed"
[[ -s $TMP/root/lib/modules/$VERSION/modules.dep ]] || die "depmod wrote no modules.dep"

if [[ -e $ROOT || -L $ROOT ]]; then
	# Incomplete leftover (no modules.dep): move it out of the way.
	log "removing incomplete $ROOT"
	mv "$ROOT" "$TMP/stale-root"
fi
mv "$TMP/root" "$ROOT"
finish

#!/usr/bin/env bash
# Builds lab/.build/vmlinuz and lab/.build/initrd.img: Debian's generic kernel plus pptpd/pppd on busybox,
# unpacked from Debian packages (never from the host's own files). Cached: reruns with nothing changed are no-ops.
#   build.sh                   builds the image
#   build.sh --host-packages   prints the Debian packages the host needs, for scripts/install.sh
set -euo pipefail

# Debian packages the host needs to build and run the lab (scripts/install.sh installs these).
HOST_PACKAGES="qemu-system-x86 busybox-static cpio kmod binutils iproute2 iptables procps tshark shellcheck"

# Debian packages unpacked into the VM image. Libraries are listed by hand (the closure of pppd's and
# pptpd's ELF dependencies); the resolver below fails loudly if one is missing.
IMAGE_PACKAGES="busybox-static pptpd ppp"
LIBRARY_PACKAGES="libc6 libwrap0 libnsl2 libtirpc3 libgssapi-krb5-2 libkrb5-3 libk5crypto3 libcom-err2
  libkrb5support0 libkeyutils1 libssl3 libcrypt1 libpam0g libaudit1 libcap-ng0 libsystemd0 libcap2 libgcrypt20
  libgpg-error0 liblz4-1 liblzma5 libzstd1 libpcap0.8 libdbus-1-3"
[ "${1:-}" = --host-packages ] && { echo "$HOST_PACKAGES"; exit 0; }

MODULES="virtio_pci virtio_net virtio_console ppp_async ppp_mppe"
BINARIES="usr/sbin/pptpd usr/sbin/pptpctrl usr/sbin/pppd"

here=$(cd "$(dirname "$0")" && pwd)
lab=$(dirname "$here")
cache="$lab/.cache/debs"
out="$lab/.build"
kernel_pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$kernel_pkg" ] || { echo "build.sh: cannot resolve linux-image-amd64 (run apt-get update)" >&2; exit 1; }
# shellcheck disable=SC2086 # word splitting of the package lists is intended
packages="$kernel_pkg $IMAGE_PACKAGES $LIBRARY_PACKAGES"

# The stamp names every input: this script, the init, and the exact .deb files (their names carry versions).
# shellcheck disable=SC2086
debs=$(apt-get download --print-uris $packages | awk '{ print $2 }' | sort)
stamp=$(cat "$0" "$here/init" <(echo "$debs") | sha256sum | cut -d' ' -f1)
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] && [ -f "$out/initrd.img" ]; then
  echo "image up to date: $out"
  exit 0
fi

mkdir -p "$cache" "$out"
missing=()
for deb in $debs; do [ -f "$cache/$deb" ] || missing+=("$deb"); done
if [ ${#missing[@]} -gt 0 ]; then
  # shellcheck disable=SC2086
  (cd "$cache" && apt-get download -q $packages) 2>&1 | { grep -v '^W: Download is performed unsandboxed' || true; }
fi

# Unpack everything into a staging tree, then copy only what the VM needs into the initramfs root.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage="$work/stage" root="$work/root"
for deb in $debs; do dpkg-deb -x "$cache/$deb" "$stage"; done
kver=$(basename "$(ls -d "$stage"/lib/modules/*)")

mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc/ppp,usr/bin,usr/sbin,var/run,var/lock,lib64,lib/modules/"$kver"}
cp "$stage/bin/busybox" "$root/bin/busybox"
cp "$here/init" "$root/init"
chmod 755 "$root/init"

# Shared libraries: walk DT_NEEDED from the daemons, finding each soname in the staged packages.
find_lib() {
  local d
  for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu; do
    [ -e "$stage/$d/$1" ] && { echo "$d/$1"; return; }
  done
  echo "build.sh: no package in LIBRARY_PACKAGES provides $1" >&2
  return 1
}
todo="$BINARIES"
declare -A seen=()
while [ -n "$todo" ]; do
  next=""
  for f in $todo; do
    [ -n "${seen[$f]:-}" ] && continue
    seen[$f]=1
    mkdir -p "$root/$(dirname "$f")"
    cp -L "$stage/$f" "$root/$f"
    for so in $(readelf -d "$stage/$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      next="$next $(find_lib "$so")"
    done
  done
  todo="$next"
done
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"

# Kernel modules with their dependencies, then depmod so the init can use plain modprobe.
moddir="$stage/lib/modules/$kver"
add_module() {
  local path dep
  path=$(find "$moddir/kernel" -name "$1.ko" -print -quit)
  [ -n "$path" ] || { echo "build.sh: module $1 not found" >&2; return 1; }
  [ -e "$root${path#"$stage"}" ] && return
  mkdir -p "$(dirname "$root${path#"$stage"}")"
  cp "$path" "$root${path#"$stage"}"
  for dep in $(modinfo -F depends "$path" | tr ',' ' '); do add_module "$dep"; done
}
for m in $MODULES; do add_module "$m"; done
cp "$moddir"/modules.builtin* "$root/lib/modules/$kver/"
(cd "$root/lib/modules/$kver" && find kernel -name "*.ko" | sort > modules.order)
depmod -b "$root" "$kver"

# Uncompressed cpio: the kernel unpacks it faster than it could inflate one under TCG.
(cd "$root" && find . | sort | cpio -o -H newc --quiet) > "$out/initrd.img.tmp"
cp "$stage/boot/vmlinuz-$kver" "$out/vmlinuz"
mv "$out/initrd.img.tmp" "$out/initrd.img"
echo "$stamp" > "$out/stamp"
echo "built $out (kernel $kver, initrd $(du -h "$out/initrd.img" | cut -f1))"

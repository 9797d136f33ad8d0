#!/usr/bin/env bash
# Installs everything Ferry needs on a fresh Debian 12 / Ubuntu machine and builds it: Debian packages, npm
# packages, the TypeScript build with the native I/O addon, and the lab's PPTP server image.
# Usage (as root, or with sudo): bash scripts/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# The native addon's build, the namespace tests (ping, ip, iptables), the lab (qemu, and what builds its image;
# openssl for the relay's lab certificates; tinyproxy-bin, the proxy of the proxy-only topology: the program
# without the `tinyproxy` package's service), the tunnel benchmark (iperf3, wireguard-go to compare with, jq), and the
# desktop app: keytar's build and the keychain tests (libsecret-1-dev, pkg-config, a Secret Service from dbus and
# gnome-keyring) and the renderer's tests in Debian's Chromium.
read -ra LAB_PACKAGES <<<"$(lab/image/build.sh --host-packages)"
APT_PACKAGES=(g++ make python3 iproute2 iptables iputils-ping procps kmod "${LAB_PACKAGES[@]}" openssl tinyproxy-bin
  iperf3 wireguard-go wireguard-tools jq libsecret-1-dev pkg-config dbus gnome-keyring chromium)

missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# The lab image is made from Debian packages too, so the package lists must be there even if nothing is missing.
if ((${#missing[@]})) || ! compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null; then
  apt-get update
fi
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Electron's own install script downloads a binary from the internet; the desktop build documents how to get it.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
npm ci --no-audit --no-fund
npm run build
lab/image/build.sh

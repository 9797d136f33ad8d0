#!/usr/bin/env bash
# Installs everything Ferry needs on a fresh Debian/Ubuntu machine, then builds it.
# Usage (as root, or with sudo): bash scripts/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the build and tests need (none beyond Node.js yet; later layers add theirs here).
APT_PACKAGES=()
if ((${#APT_PACKAGES[@]})); then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})); then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

# Electron's own install script downloads a binary from the internet; the desktop build documents how to get it.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
npm ci --no-audit --no-fund
npm run build

#!/usr/bin/env bash
# Debian packages the VS Code server build, the headless UI test and the .vsix check (unzip) need. A no-op when all are
# present.
set -euo pipefail
pkgs=(libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev pkg-config ripgrep chromium unzip)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo_=""
[ "$(id -u)" -ne 0 ] && sudo_="sudo"
export DEBIAN_FRONTEND=noninteractive
# Other installers may hold the dpkg lock for a while; wait for it rather than fail.
$sudo_ apt-get -o DPkg::Lock::Timeout=900 update -qq
$sudo_ apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

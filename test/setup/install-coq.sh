#!/usr/bin/env bash
# Installs Debian's Coq (coqc) for the Check Proof tests when it is missing; a no-op when coqc is on PATH.
# Waits for the dpkg lock rather than failing when another apt run holds it.
set -euo pipefail
if command -v coqc >/dev/null 2>&1; then
  exit 0
fi
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo_cmd[@]}" apt-get install -y -o DPkg::Lock::Timeout=600 --no-install-recommends coq; then
  "${sudo_cmd[@]}" apt-get update -o DPkg::Lock::Timeout=600
  "${sudo_cmd[@]}" apt-get install -y -o DPkg::Lock::Timeout=600 --no-install-recommends coq
fi
coqc --version

#!/usr/bin/env bash
# Installs npm packages when package-lock.json changed since the last install (a no-op otherwise).
set -euo pipefail
cd "$(dirname "$0")/../.."
stamp=node_modules/.switchyard-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # onnxruntime-node's postinstall would try to fetch CUDA binaries (nvcc is on PATH here); the CPU ones are bundled.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
fi

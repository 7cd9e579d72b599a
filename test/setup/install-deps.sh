#!/usr/bin/env bash
# Installs npm packages when package-lock.json changed since the last install (a no-op otherwise).
set -euo pipefail
cd "$(dirname "$0")/../.."
stamp=node_modules/.switchyard-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
fi

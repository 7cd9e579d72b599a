#!/usr/bin/env bash
# The chat renderer's sanitising and math/code rendering, in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/setup/install-apt.sh
npx mocha --no-config --require tsx/cjs --extension ts --timeout 60000 test/e2e/renderer.spec.ts

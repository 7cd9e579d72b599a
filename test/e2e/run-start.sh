#!/usr/bin/env bash
# `npm start` in server mode: its printed address carries a connection token, and the server refuses requests without it.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/setup/install-vscode-server.sh
npx mocha --no-config --require tsx/cjs --extension ts --timeout 240000 test/e2e/start.spec.ts

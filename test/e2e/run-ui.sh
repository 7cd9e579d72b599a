#!/usr/bin/env bash
# The Playwright UI test: ghost text and Tab in an editor, a streamed chat reply in the webview; screenshots kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/setup/install-apt.sh
bash test/setup/install-vscode-server.sh
node esbuild.js
npx tsx test/e2e/run-ui.ts

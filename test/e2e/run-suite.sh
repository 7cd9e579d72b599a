#!/usr/bin/env bash
# The extension-host suite (test/suite/) inside a real VS Code 1.100 server with headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/setup/install-apt.sh
bash test/setup/install-vscode-server.sh
bash test/setup/install-coq.sh >/dev/null   # coqc for the Check Proof suite tests
npx tsc -p src/chat/webview --noEmit   # the webview project (DOM types), not part of the root one
node esbuild.js
npx tsx test/e2e/run-suite.ts

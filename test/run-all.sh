#!/usr/bin/env bash
# `npm test`: installs what the tests need (idempotently), then runs every test: type check, unit tests in plain Node,
# the extension-host suite inside a real VS Code server, and the UI test in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
bash test/setup/install-deps.sh
# Debian packages (Chromium, the VS Code server's build deps) and coqc: the unit tests run the real coqc too.
bash test/setup/install-apt.sh
bash test/setup/install-coq.sh
# llama.cpp (node-llama-cpp's CPU build) as the peer the GGUF tests and bench:engine compare with
bash test/setup/install-llama-cpp.sh

step "type check"
npx tsc -p . --noEmit
npx tsc -p src/chat/webview --noEmit

step "lint and format (npm run format fixes what it can)"
npx eslint .
npx prettier --check .

step "build"
node esbuild.js

step "unit tests"
npx mocha

for s in test/e2e/run-*.sh; do
  [ -e "$s" ] || continue
  step "$(basename "$s" .sh)"
  bash "$s"
done

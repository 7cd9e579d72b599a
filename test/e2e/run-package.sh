#!/usr/bin/env bash
# Builds the .vsix as the README says (`npm run package`: vsce with the production bundles), then checks the archive.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -f switchyard.vsix
npm run -s package >/dev/null
npx mocha --no-config --require tsx/cjs --extension ts --timeout 180000 test/e2e/package.spec.ts
node esbuild.js   # back to the development bundles (source maps) for the other tests

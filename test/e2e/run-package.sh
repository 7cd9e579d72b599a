#!/usr/bin/env bash
# The .vsix contents (production bundles, vsce's file list).
set -euo pipefail
cd "$(dirname "$0")/../.."
node esbuild.js --production
npx mocha --no-config --require tsx/cjs --extension ts --timeout 180000 test/e2e/package.spec.ts
node esbuild.js   # back to the development bundles (source maps) for the other tests

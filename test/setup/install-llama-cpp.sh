#!/usr/bin/env bash
# llama.cpp as a peer for the GGUF tests and bench:engine: node-llama-cpp's prebuilt CPU build, from npm only, into
# .cache/llama-cpp/ (once; a no-op when that version is there). Kept out of package.json on purpose: as a dependency its
# optional CUDA and Vulkan builds would be downloaded by every `npm ci`; here only the CPU build is.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=3.22.1
dir=$PWD/.cache/llama-cpp
stamp=$dir/.installed-$version
[ -f "$stamp" ] && exit 0
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
echo '{"private":true}' >package.json
npm install --no-audit --no-fund --no-save --omit=optional "node-llama-cpp@$version" "@node-llama-cpp/linux-x64@$version" >/dev/null
touch "$stamp"

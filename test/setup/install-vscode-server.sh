#!/usr/bin/env bash
# Installs the VS Code 1.100.3 server (bundled in code-server 4.100.3, the last release that runs on Node 20) into
# .vscode-test/code-server/, once. The extension-host suite and the UI test run in it. Re-running is a no-op.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$PWD/.vscode-test/code-server
version=4.100.3
stamp=$dir/.installed-$version
[ -f "$stamp" ] && exit 0

echo "installing the VS Code server (code-server $version) into $dir"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# Native modules must be built against the headers of the Node that runs them. A user npmrc may point nodedir at
# /usr, whose headers belong to whatever Debian's libnode-dev installed (Node 18 on bookworm), not necessarily ours.
node_prefix=$(node -p 'require("path").resolve(process.execPath, "../..")')
[ -f "$node_prefix/include/node/node_version.h" ] && export npm_config_nodedir=$node_prefix
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
echo '{"private":true}' >package.json
# code-server's own postinstall refuses root and downloads ripgrep; its steps are done by hand below.
# node-gyp is installed here, pinned, rather than used from whatever a machine has globally: node-pty's post-install
# runs `npx node-gyp`, and npx, finding no local node-gyp, asks before downloading one (and refuses under CI=true).
# Under `npm test`, npm's own node-gyp shim comes first on PATH, which hides the package's absence from any check.
npm install --ignore-scripts --no-save "code-server@$version" node-gyp@12.4.0 >/dev/null
gyp=$dir/node_modules/.bin/node-gyp
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts >/dev/null
# npx inside the rebuild's scripts resolves bins from this project's node_modules/.bin (npm_config_local_prefix).
ln -sfn "$gyp" node_modules/.bin/node-gyp
npm rebuild @parcel/watcher @vscode/spdlog kerberos native-watchdog node-pty @vscode/deviceid >/dev/null
mkdir -p node_modules/@vscode/ripgrep/bin && cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
ln -sfn node_modules node_modules.asar
(cd extensions && npm install --omit=dev --ignore-scripts >/dev/null)
cd "$dir" && npm rebuild argon2 >/dev/null
test -f "$dir/node_modules/code-server/lib/vscode/out/server-main.js"
touch "$stamp"

// What `npm run package` puts in the .vsix (vsce's own file list, with our .vscodeignore): everything the extension
// needs at run time and nothing else.
import * as assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFiles, PackageManager } from '@vscode/vsce';

const ROOT = path.resolve(__dirname, '../..');

const REQUIRED = [
  'package.json',
  'README.md',
  'dist/extension.js',
  'dist/engine.js',
  'media/chat.css',
  'media/switchyard.svg',
  'media/dist/chat.js',
  'media/dist/chat.css',
  'media/dist/fonts/KaTeX_Main-Regular.woff2',
  'node_modules/onnxruntime-node/package.json',
  'node_modules/onnxruntime-node/dist/index.js',
  'node_modules/onnxruntime-common/dist/cjs/index.js',
  ...['linux/x64', 'linux/arm64', 'darwin/arm64', 'win32/x64', 'win32/arm64'].map(
    (p) => `node_modules/onnxruntime-node/bin/napi-v6/${p}/onnxruntime_binding.node`,
  ),
  'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
  'node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/libonnxruntime.1.dylib',
  'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll',
];

/** Every listed file must match one of these. */
const ALLOWED = [
  /^(package\.json|README\.md|LICENSE)$/,
  /^dist\/(extension|engine)\.js$/,
  /^media\/[^/]+\.(css|svg|png)$/,
  /^media\/dist\/chat\.(js|css)$/,
  /^media\/dist\/fonts\/KaTeX_[\w-]+\.(woff2?|ttf)$/,
  /^engine\/models\/default\/[^/]+\.(json|safetensors)$/,
  /^node_modules\/onnxruntime-node\/(package\.json|dist\/[^/]+\.js|bin\/napi-v6\/(linux|darwin|win32)\/(x64|arm64)\/[^/]+)$/,
  /^node_modules\/onnxruntime-common\/(package\.json|dist\/cjs\/.+\.js)$/,
];

describe('the .vsix listing', function () {
  this.timeout(180_000);
  let files: string[];

  before(async () => {
    files = (await listFiles({ cwd: ROOT, packageManager: PackageManager.Npm })).map((f) => f.replace(/\\/g, '/'));
  });

  it('holds the bundles, webview assets, onnxruntime binaries of every platform and the default model', () => {
    const required = [...REQUIRED];
    if (fs.existsSync(path.join(ROOT, 'engine/models/default/config.json'))) {
      required.push('engine/models/default/config.json', 'engine/models/default/model.safetensors', 'engine/models/default/tokenizer.json');
    }
    assert.deepEqual(required.filter((f) => !files.includes(f)), []);
  });

  it('holds nothing else: no sources, tests, source maps, caches or bundled-in dependencies', () => {
    assert.deepEqual(files.filter((f) => !ALLOWED.some((re) => re.test(f))), []);
  });

  it('carries every package the bundles still require at run time', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    for (const bundle of ['dist/extension.js', 'dist/engine.js']) {
      const src = fs.readFileSync(path.join(ROOT, bundle), 'utf8');
      const required = new Set(Array.from(src.matchAll(/\brequire\("([^"./][^"]*)"\)/g), (m) => m[1]));
      for (const mod of required) {
        if (builtins.has(mod) || mod === 'vscode') continue;
        assert.ok(files.includes(`node_modules/${mod}/package.json`), `${bundle} requires ${mod}, which the .vsix lacks`);
      }
    }
  });
});

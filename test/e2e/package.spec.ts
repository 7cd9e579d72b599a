// What `npm run package` put in switchyard.vsix (run-package.sh builds it first): the listing of the real archive,
// read with Debian's unzip, holds everything the extension needs at run time and nothing else, and the README inside
// it shows its screenshot from the archive.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const VSIX = path.join(ROOT, 'switchyard.vsix');
const unzip = (...args: string[]) => execFileSync('unzip', [...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

const REQUIRED = [
  'package.json',
  'readme.md',
  'dist/extension.js',
  'dist/engine.js',
  // the first load's quantize workers (engine/onnx/quantize-pool.ts)
  'dist/quantize-worker.js',
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
  /^(package\.json|readme\.md|LICENSE)$/,
  /^dist\/(extension|engine|quantize-worker)\.js$/,
  /^media\/[^/]+\.(css|svg|png)$/,
  /^media\/dist\/chat\.(js|css)$/,
  /^media\/dist\/fonts\/KaTeX_[\w-]+\.(woff2?|ttf)$/,
  /^engine\/models\/default\/[^/]+\.(json|safetensors)$/,
  /^node_modules\/onnxruntime-node\/(package\.json|dist\/[^/]+\.js|bin\/napi-v6\/(linux|darwin|win32)\/(x64|arm64)\/[^/]+)$/,
  /^node_modules\/onnxruntime-common\/(package\.json|dist\/cjs\/.+\.js)$/,
];

describe('the .vsix that `npm run package` built', function () {
  this.timeout(180_000);
  let files: string[];
  const read = (file: string) => unzip('-p', VSIX, `extension/${file}`);

  before(() => {
    assert.ok(fs.existsSync(VSIX), 'switchyard.vsix is missing: run-package.sh builds it with `npm run package`');
    const entries = unzip('-Z1', VSIX).split('\n').filter(Boolean);
    // vsce's own two files sit beside extension/, which holds the extension as it is installed
    assert.deepEqual(entries.filter((e) => !e.startsWith('extension/')).sort(), [
      '[Content_Types].xml',
      'extension.vsixmanifest',
    ]);
    files = entries
      .filter((e) => e.startsWith('extension/') && !e.endsWith('/'))
      .map((e) => e.slice('extension/'.length));
  });

  it('is a manifest whose entry point and README are in the archive', () => {
    const manifest = JSON.parse(read('package.json')) as { main: string; name: string };
    assert.equal(manifest.name, 'switchyard');
    assert.ok(files.includes(path.posix.normalize(manifest.main)), `main ${manifest.main} is not in the archive`);
    assert.match(unzip('-p', VSIX, 'extension.vsixmanifest'), /Path="extension\/readme\.md"/);
  });

  it("shows the README's images from the archive itself (relative links kept, each image packed)", () => {
    const images = Array.from(read('readme.md').matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g), (m) => m[1]);
    assert.ok(images.length > 0, 'the README shows a screenshot');
    for (const src of images) {
      assert.ok(!/^\w+:/.test(src), `${src} was rewritten to a remote address`);
      assert.ok(files.includes(path.posix.normalize(src)), `${src} is not in the archive`);
    }
  });

  it('holds the production bundles, without source maps', () => {
    for (const bundle of ['dist/extension.js', 'dist/engine.js', 'dist/quantize-worker.js'])
      assert.ok(!read(bundle).includes('sourceMappingURL'), bundle);
  });

  it('holds the bundles, webview assets, onnxruntime binaries of every platform and the default model', () => {
    const required = [...REQUIRED];
    if (fs.existsSync(path.join(ROOT, 'engine/models/default/config.json'))) {
      required.push(
        'engine/models/default/config.json',
        'engine/models/default/model.safetensors',
        'engine/models/default/tokenizer.json',
      );
    }
    assert.deepEqual(
      required.filter((f) => !files.includes(f)),
      [],
    );
  });

  it('holds nothing else: no sources, tests, source maps, caches or bundled-in dependencies', () => {
    assert.deepEqual(
      files.filter((f) => !ALLOWED.some((re) => re.test(f))),
      [],
    );
  });

  it('carries every package the bundles still require at run time', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    for (const bundle of ['dist/extension.js', 'dist/engine.js', 'dist/quantize-worker.js']) {
      const src = read(bundle);
      const required = new Set(Array.from(src.matchAll(/\brequire\("([^"./][^"]*)"\)/g), (m) => m[1]));
      for (const mod of required) {
        if (builtins.has(mod) || mod === 'vscode') continue;
        assert.ok(
          files.includes(`node_modules/${mod}/package.json`),
          `${bundle} requires ${mod}, which the .vsix lacks`,
        );
      }
    }
  });
});

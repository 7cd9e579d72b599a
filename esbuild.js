// Bundles the two processes of Switchyard: the extension host side (vscode is provided by VS Code) and the
// engine subprocess (onnxruntime-node is a native addon and must stay a real node_modules package).
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  // z3-solver loads its z3-built.wasm from its own package folder, so it stays a node_modules package too
  {
    ...common,
    entryPoints: ['engine/main.ts'],
    outfile: 'dist/engine.js',
    external: ['onnxruntime-node', 'z3-solver'],
  },
  { ...common, entryPoints: ['engine/cli.ts'], outfile: 'dist/cli.js', external: ['onnxruntime-node', 'z3-solver'] },
  // the first load's quantize workers (engine/onnx/quantize-pool.ts looks for it beside the engine's bundle)
  { ...common, entryPoints: ['engine/onnx/quantize-worker.ts'], outfile: 'dist/quantize-worker.js' },
  // The chat webview runs in a browser sandbox: its script and KaTeX's CSS + fonts go to media/dist/ (the only folder,
  // with media/, that the webview may load from).
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: ['src/chat/webview/main.ts'],
    outfile: 'media/dist/chat.js',
  },
  {
    ...common,
    platform: 'browser',
    entryPoints: ['src/chat/webview/styles.css'],
    outfile: 'media/dist/chat.css',
    loader: { '.woff2': 'file', '.woff': 'file', '.ttf': 'file' },
    assetNames: 'fonts/[name]',
    sourcemap: false,
  },
  // The suite that runs inside VS Code, and the bundle the UI test uses to render untrusted Markdown in Chromium.
  {
    ...common,
    entryPoints: ['test/suite/index.ts'],
    outfile: 'out/test/suite/index.js',
    external: ['vscode', 'mocha'],
  },
].filter((b) => require('fs').existsSync(b.entryPoints[0]));

async function main() {
  if (watch) {
    for (const b of builds) await (await esbuild.context(b)).watch();
    return;
  }
  await Promise.all(builds.map((b) => esbuild.build(b)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// `npm start`: Switchyard in VS Code on the sample workspace, with the default model. Desktop VS Code when `code` is
// on PATH; otherwise the local VS Code server (installed into .vscode-test/ on first use) opened in your browser.
// Options: --port N (server mode, default 8123; 0: any free port), --server (use the server even when desktop VS Code
// exists), --run NAME (another set of persistent folders under .vscode-test/runs/, default `start`).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { prepareRun, ROOT, startServer, workbenchUrl } from './vscode-server';

function hasDesktopCode(): boolean {
  return spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8123' },
      server: { type: 'boolean', default: false },
      run: { type: 'string', default: 'start' },
    },
  });
  execFileSync(process.execPath, [path.join(ROOT, 'esbuild.js')], { stdio: 'inherit' });
  // Persistent folders: your settings, chat history and the sample workspace survive restarts.
  const dirs = prepareRun(values.run, { 'workbench.colorTheme': 'Default Dark Modern' }, false);

  if (!values.server && hasDesktopCode()) {
    console.log(`Opening desktop VS Code on ${dirs.workspace} with Switchyard in development mode…`);
    spawn('code', ['--extensionDevelopmentPath', ROOT, '--user-data-dir', dirs.user, dirs.workspace], {
      stdio: 'inherit',
    });
    return;
  }
  execFileSync('bash', [path.join(ROOT, 'test/setup/install-vscode-server.sh')], { stdio: 'inherit' });
  const server = await startServer(dirs, {}, (s) => process.stderr.write(s), Number(values.port));
  const url = workbenchUrl(server, dirs);
  console.log(
    `\nSwitchyard is running in VS Code at:\n\n  ${url}\n\n` +
      'Open it in your browser (Ctrl+C stops the server). The address carries a connection token made for this run:\n' +
      'the server refuses requests without it, so other users of this machine and web pages cannot reach it.',
  );
  if (process.env.DISPLAY || process.platform === 'darwin') {
    spawn(process.platform === 'darwin' ? 'open' : 'xdg-open', [url], { stdio: 'ignore', detached: true })
      .on('error', () => undefined)
      .unref();
  }
  const stop = () => {
    server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.process.once('exit', (code) => process.exit(code ?? 0));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

// Starts the real VS Code 1.100 server (from .vscode-test/code-server, installed by test/setup) for one test run,
// each run in fresh folders, and opens its workbench in headless Chromium. Used by the suite launcher and the UI test.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, BrowserContext, Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '../..');
export const SERVER_MAIN = path.join(
  ROOT,
  '.vscode-test/code-server/node_modules/code-server/lib/vscode/out/server-main.js',
);
export const CHROMIUM = process.env.SWITCHYARD_CHROMIUM ?? '/usr/bin/chromium';

export interface RunDirs {
  root: string;
  workspace: string;
  user: string;
  profile: string;
  artifacts: string;
}

/** Fresh folders for one run under .vscode-test/runs/<name>, with the sample workspace copied in. */
export function prepareRun(name: string, userSettings: Record<string, unknown>, fresh = true): RunDirs {
  const root = path.join(ROOT, '.vscode-test/runs', name);
  if (fresh) fs.rmSync(root, { recursive: true, force: true });
  const dirs: RunDirs = {
    root,
    workspace: path.join(root, 'workspace'),
    user: path.join(root, 'user'),
    profile: path.join(root, 'chromium'),
    artifacts: path.join(ROOT, '.vscode-test/artifacts', name),
  };
  for (const d of ['server', 'user/User', 'ext', 'agent', 'tmp', 'chromium'])
    fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.mkdirSync(dirs.artifacts, { recursive: true });
  if (!fs.existsSync(dirs.workspace))
    fs.cpSync(path.join(ROOT, 'test/e2e/workspace'), dirs.workspace, { recursive: true });
  const settingsFile = path.join(dirs.user, 'User/settings.json');
  if (!fresh && fs.existsSync(settingsFile)) return dirs; // keep what the user changed since
  fs.writeFileSync(
    settingsFile,
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'security.workspace.trust.enabled': false,
        'editor.inlineSuggest.enabled': true,
        'git.openRepositoryInParentFolders': 'never',
        'typescript.disableAutomaticTypeAcquisition': true,
        ...userSettings,
      },
      null,
      2,
    ),
  );
  return dirs;
}

export interface Server {
  port: number;
  /** the connection token: the server refuses every request that does not carry it (the URL's `tkn`, then a cookie) */
  token: string;
  process: ChildProcess;
  stop(): void;
}

/**
 * Starts server-main.js in its own process group; resolves with the port it listens on. Every run gets a random
 * connection token, passed in a file only this user can read (not on the command line, where `ps` shows it): without
 * one, any local user or a DNS-rebinding web page could open the workbench, terminal included.
 */
export function startServer(
  dirs: RunDirs,
  env: NodeJS.ProcessEnv = {},
  log = (s: string) => process.stderr.write(s),
  port = 0,
): Promise<Server> {
  if (!fs.existsSync(SERVER_MAIN))
    throw new Error(`VS Code server missing at ${SERVER_MAIN}: run test/setup/install-vscode-server.sh`);
  const token = randomBytes(24).toString('hex');
  const tokenFile = path.join(dirs.root, 'connection-token');
  fs.rmSync(tokenFile, { force: true });
  fs.writeFileSync(tokenFile, token, { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [
      SERVER_MAIN,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--connection-token-file',
      tokenFile,
      '--accept-server-license-terms',
      '--server-data-dir',
      path.join(dirs.root, 'server'),
      '--user-data-dir',
      dirs.user,
      '--extensions-dir',
      path.join(dirs.root, 'ext'),
      '--disable-telemetry',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        VSCODE_AGENT_FOLDER: path.join(dirs.root, 'agent'),
        TMPDIR: path.join(dirs.root, 'tmp'),
        ...env,
      },
    },
  );
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`VS Code server did not start:\n${out}`)), 30_000);
    const onData = (b: Buffer) => {
      const s = b.toString();
      if (process.env.SWITCHYARD_E2E_VERBOSE) log(s);
      out += s;
      const m = /Extension host agent listening on (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), token, process: child, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`VS Code server exited (${code}):\n${out}`));
    });
  });
}

export function launchBrowser(dirs: RunDirs): Promise<BrowserContext> {
  return chromium.launchPersistentContext(dirs.profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The workbench URL (with the connection token) with the extension in development mode and, optionally, the suite. */
export function workbenchUrl({ port, token }: Pick<Server, 'port' | 'token'>, dirs: RunDirs, suite?: string): string {
  const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload: [string, string][] = [
    ['skipWelcome', 'true'],
    ['extensionDevelopmentPath', remote(ROOT)],
  ];
  if (suite) payload.push(['extensionTestsPath', remote(suite)]);
  const query = `tkn=${token}&folder=${encodeURIComponent(remote(dirs.workspace))}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return `http://127.0.0.1:${port}/?${query}`;
}

/** Harmless noise of a workbench without internet, left out of the test output. */
export function isNoise(text: string): boolean {
  return /ENOTFOUND|open-vsx\.org|serviceWorker|Service Worker|Model is disposed|net::ERR_|Failed to load resource|marketplace|webview.*iframe.*sandbox|manifest\.json|bad HTTP response code \(404\)|Resolv(ing|ed) connection token|Creating a socket|Updating additional builtin|ChatSessionStore/i.test(
    text,
  );
}

export type { BrowserContext, Page };

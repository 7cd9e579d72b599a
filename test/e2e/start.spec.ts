// `npm start` in server mode, as a user runs it: the address it prints carries a connection token, and the VS Code
// server refuses every request without that token (another local user, or a web page that rebinds a name to
// 127.0.0.1, gets nothing, least of all a terminal).
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return fetch(url, { headers, redirect: 'manual' }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });
}

describe('npm start (VS Code server mode)', function () {
  this.timeout(240_000);
  let child: ChildProcess;
  let url: URL;
  let output = '';

  before(async () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/e2e/start.ts', '--server', '--port', '0', '--run', 'start-test'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, DISPLAY: '' },
      },
    );
    url = await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no address printed:\n${output}`)), 200_000);
      const onData = (b: Buffer) => {
        output += b.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?\S+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(new URL(m[1]));
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
    });
  });

  after(async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM'); // start.ts stops the server's process group, then exits
    await exited;
  });

  it('prints an address that carries a connection token, and says why', () => {
    const token = url.searchParams.get('tkn') ?? '';
    assert.match(token, /^[0-9a-f]{48}$/);
    assert.match(output, /connection token/);
  });

  it('refuses requests without the token or with a wrong one', async () => {
    const origin = `${url.protocol}//${url.host}`;
    assert.equal(await get(`${origin}/`), 403);
    assert.equal(await get(`${origin}/?tkn=${'0'.repeat(48)}`), 403);
    assert.equal(await get(`${origin}/`, { Cookie: 'vscode-tkn=wrong' }), 403);
    // a rebinding page reaches the port under its own name: it has no token either
    assert.equal(await get(`${origin}/`, { Host: `attacker.example:${url.port}` }), 403);
  });

  it('serves the workbench with the token, first from the address, then from the cookie it sets', async () => {
    const r = await fetch(url, { redirect: 'manual' });
    await r.arrayBuffer();
    assert.ok(r.status === 200 || r.status === 302, `status ${r.status}`);
    const origin = `${url.protocol}//${url.host}`;
    assert.equal(await get(`${origin}/`, { Cookie: `vscode-tkn=${url.searchParams.get('tkn')}` }), 200);
  });
});

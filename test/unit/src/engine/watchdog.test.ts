// The supervisor (no VS Code API) against a hung engine and one that ignores cancellation. Fake boundary: the engine
// is a small fake speaking the real protocol (test/helpers/fake-engine-main.ts); the real one cannot hang on demand.
import * as assert from 'node:assert/strict';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { ChatRequest, PingRequest } from '../../../../engine/protocol';
import type { CrashEvent, EngineSupervisor } from '../../../../src/engine/supervisor';
import { Watchdog } from '../../../../src/engine/watchdog';
import { fakeEngineSupervisor as fakeEngine } from '../../../helpers/fake-engine-supervisor';

const chat = { messages: [{ role: 'user' as const, content: 'hello' }], streamId: 's', maxTokens: 4 };

describe('engine watchdog and cancellation (fake boundary: a fake engine process)', function () {
  this.timeout(60_000);
  const made: EngineSupervisor[] = [];
  const make = (...args: Parameters<typeof fakeEngine>) => {
    const s = fakeEngine(...args);
    made.push(s);
    return s;
  };
  after(() => Promise.all(made.map((s) => s.dispose())));

  it('the watchdog calls onHung once when a ping goes unanswered past its bound, never while pings are answered', async () => {
    let hung = 0;
    const silent = new Watchdog(
      () => new Promise(() => undefined),
      () => hung++,
      { intervalMs: 10, timeoutMs: 100 },
    );
    let answered = 0;
    const alive = new Watchdog(
      () => Promise.resolve(answered++),
      () => assert.fail('an answering engine is not hung'),
      { intervalMs: 10, timeoutMs: 100 },
    );
    silent.start();
    alive.start();
    await new Promise((r) => setTimeout(r, 400));
    silent.stop();
    alive.stop();
    assert.equal(hung, 1);
    assert.ok(answered > 5);
  });

  it('restarts an engine whose main loop hangs, failing the request in flight with a clear message', async () => {
    const s = make('hang');
    await s.start();
    const crashes: CrashEvent[] = [];
    s.onDidCrash((c) => crashes.push(c));
    const t0 = Date.now();
    await assert.rejects(
      s.request(ChatRequest, chat),
      /the engine stopped answering \(\d+ s without a reply\) and was restarted/,
    );
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    assert.equal(crashes.length, 1);
    assert.ok(crashes[0]!.hung && crashes[0]!.hung.silentMs >= 600, JSON.stringify(crashes[0]));
    for (let i = 0; i < 100 && s.state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.state, 'ready');
    assert.equal(s.starts, 2);
    assert.ok((await s.request0(PingRequest)).pid > 0);
  });

  it('settles a cancelled request that the engine never answers (Stop must not leave the chat running)', async () => {
    const s = make('ignore-cancel');
    const source = new CancellationTokenSource();
    const pending = s.request(ChatRequest, chat, source.token);
    await new Promise((r) => setTimeout(r, 300));
    source.cancel();
    const t0 = Date.now();
    await assert.rejects(pending, { name: 'AbortError' });
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    assert.equal(s.state, 'ready');
    // the engine is not hung: its main loop still answers
    assert.ok((await s.request0(PingRequest)).pid > 0);
  });

  it('an engine that answers keeps running', async () => {
    const s = make('echo');
    assert.equal((await s.request(ChatRequest, chat)).text, 'hello');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(s.starts, 1);
  });
});

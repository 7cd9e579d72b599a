// The pipeline with a fake engine (a function standing in for the `complete` request): what is sent, when, and
// what comes back to the editor.
import * as assert from 'node:assert/strict';
import { CancellationToken, CancellationTokenSource } from 'vscode-jsonrpc';
import type { CompleteParams, CompleteResult } from '../../../../engine/protocol';
import { CompletionPipeline, CompletionSettings } from '../../../../src/completion/pipeline';

const settings: CompletionSettings = {
  maxLines: 4,
  maxTokens: 32,
  debounceMinMs: 5,
  debounceMaxMs: 50,
  window: { maxPrefixChars: 1000, maxSuffixChars: 1000 },
  timeBudgetMs: 1000,
};
const stats = {
  promptTokens: 1,
  reusedTokens: 0,
  generatedTokens: 1,
  prefillTokensPerS: 1,
  decodeTokensPerS: 1,
  timeToFirstTokenMs: 1,
};

function fakeEngine(reply: (p: CompleteParams) => string, delayMs = 0) {
  const sent: CompleteParams[] = [];
  const cancelled: CompleteParams[] = [];
  const fn = (p: CompleteParams, token: CancellationToken) =>
    new Promise<CompleteResult>((resolve) => {
      sent.push(p);
      const t = setTimeout(() => resolve({ text: reply(p), stopReason: 'eos', stats }), delayMs);
      token.onCancellationRequested(() => {
        clearTimeout(t);
        cancelled.push(p);
        resolve({ text: '', stopReason: 'cancelled', stats });
      });
    });
  return { fn, sent, cancelled };
}

const none = () => new CancellationTokenSource().token;

describe('completion/pipeline (fake engine)', () => {
  it("sends prefix, suffix, language, limits and tab size, and shows the engine's text as it is", async () => {
    const eng = fakeEngine(() => 'a + b)');
    const p = new CompletionPipeline(eng.fn, settings);
    const s = await p.suggest(
      { text: 'def add(a, b):\n    return (\n', offset: 27, languageId: 'python', filePath: 'm.py', tabSize: 2 },
      none(),
    );
    assert.equal(eng.sent.length, 1);
    assert.equal(eng.sent[0].prefix, 'def add(a, b):\n    return (');
    assert.equal(eng.sent[0].suffix, '\n');
    assert.equal(eng.sent[0].languageId, 'python');
    assert.equal(eng.sent[0].maxLines, 4);
    assert.equal(eng.sent[0].tabSize, 2);
    assert.equal(eng.sent[0].temperature, 0);
    assert.equal(s?.text, 'a + b)');
  });

  it('serves type-ahead from the cache without a new request', async () => {
    const eng = fakeEngine(() => 'compute(x)');
    const p = new CompletionPipeline(eng.fn, settings);
    await p.suggest({ text: 'y = ', offset: 4, languageId: 'python' }, none());
    const s = await p.suggest({ text: 'y = comp', offset: 8, languageId: 'python' }, none());
    assert.deepEqual([s?.text, s?.source, eng.sent.length], ['ute(x)', 'type-ahead', 1]);
    assert.equal(p.counters.typeAheadHits, 1);
  });

  it('cancels the request still decoding when a newer one is sent', async () => {
    const eng = fakeEngine((q) => `${q.prefix.length}`, 200);
    const p = new CompletionPipeline(eng.fn, settings);
    const first = p.suggest({ text: 'a', offset: 1, languageId: 'c' }, none());
    await new Promise((r) => setTimeout(r, 30));
    const second = p.suggest({ text: 'ab', offset: 2, languageId: 'c' }, none());
    assert.equal(await first, undefined);
    assert.equal((await second)?.text, '2');
    assert.equal(eng.cancelled.length, 1);
    assert.equal(eng.cancelled[0].prefix, 'a');
    assert.equal(p.counters.cancelled, 1);
  });

  it('sends nothing when VS Code cancels during the debounce wait', async () => {
    const eng = fakeEngine(() => 'x');
    const p = new CompletionPipeline(eng.fn, { ...settings, debounceMinMs: 100 });
    const cts = new CancellationTokenSource();
    const s = p.suggest({ text: 'a', offset: 1, languageId: 'c' }, cts.token);
    cts.cancel();
    assert.equal(await s, undefined);
    assert.equal(eng.sent.length, 0);
    assert.equal(p.counters.debounced, 1);
  });

  it('forwards a VS Code cancellation to the engine request', async () => {
    const eng = fakeEngine(() => 'x', 500);
    const p = new CompletionPipeline(eng.fn, settings);
    const cts = new CancellationTokenSource();
    const s = p.suggest({ text: 'a', offset: 1, languageId: 'c' }, cts.token);
    await new Promise((r) => setTimeout(r, 30));
    cts.cancel();
    assert.equal(await s, undefined);
    assert.equal(eng.cancelled.length, 1);
  });
});

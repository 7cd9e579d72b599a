import * as assert from 'node:assert/strict';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { AdaptiveDebounce, waitUnlessCancelled } from '../../../../src/completion/debounce';

describe('completion/debounce', () => {
  it('waits the minimum before the typing rhythm is known', () => {
    const d = new AdaptiveDebounce({ minMs: 50, maxMs: 400 });
    assert.equal(d.delayMs(), 50);
    d.recordKeystroke(1000);
    assert.equal(d.delayMs(), 50);
  });

  it('waits longer for a slow steady typist than for a fast one, within the limits', () => {
    const fast = new AdaptiveDebounce({ minMs: 20, maxMs: 400 });
    const slow = new AdaptiveDebounce({ minMs: 20, maxMs: 400 });
    for (let i = 0; i < 20; i++) {
      fast.recordKeystroke(i * 60);
      slow.recordKeystroke(i * 200);
    }
    assert.ok(Math.abs(fast.delayMs() - 90) <= 2, `fast ${fast.delayMs()}`);
    assert.ok(Math.abs(slow.delayMs() - 300) <= 2, `slow ${slow.delayMs()}`);
    const capped = new AdaptiveDebounce({ minMs: 20, maxMs: 250 });
    for (let i = 0; i < 20; i++) capped.recordKeystroke(i * 400);
    assert.equal(capped.delayMs(), 250);
  });

  it('does not let a pause count as typing rhythm', () => {
    const d = new AdaptiveDebounce({ minMs: 10, maxMs: 1000 });
    d.recordKeystroke(0);
    d.recordKeystroke(100);
    d.recordKeystroke(60_000); // came back after lunch
    assert.equal(d.typicalGapMs, 100);
  });

  it('asks at once while the engine answers before the next key is due, and waits again once it gets slower', () => {
    const d = new AdaptiveDebounce({ minMs: 20, maxMs: 400 });
    for (let i = 0; i < 20; i++) d.recordKeystroke(i * 150);
    assert.ok(Math.abs(d.delayMs() - 225) <= 2, 'before any answer: the typing rhythm');
    d.recordAnswer(50); // a small local model
    assert.equal(d.delayMs(), 20);
    for (let i = 0; i < 10; i++) d.recordAnswer(600); // a long file, a busy machine, a remote server
    assert.ok(d.typicalAnswerMs! > 150);
    assert.ok(Math.abs(d.delayMs() - 225) <= 2, `slow engine: ${d.delayMs()}`);
  });

  it('notices an engine that turned slow from requests the next key cancelled, though none was answered', () => {
    const d = new AdaptiveDebounce({ minMs: 0, maxMs: 400 });
    for (let i = 0; i < 20; i++) d.recordKeystroke(i * 150);
    d.recordAnswer(40);
    assert.equal(d.delayMs(), 0);
    d.recordCancelledAfter(20); // cancelled sooner than the engine usually answers: says nothing new
    assert.equal(d.typicalAnswerMs, 40);
    for (let i = 0; i < 6; i++) d.recordCancelledAfter(150 + i); // each ran a whole key gap and still had no answer
    assert.ok(d.typicalAnswerMs! > 100, `${d.typicalAnswerMs}`);
    for (let i = 0; i < 6; i++) d.recordCancelledAfter(300);
    assert.ok(d.delayMs() > 0, 'waits on the rhythm again');
  });

  it('waitUnlessCancelled resolves false as soon as the token is cancelled', async () => {
    const cts = new CancellationTokenSource();
    const t0 = Date.now();
    const p = waitUnlessCancelled(5000, cts.token);
    setTimeout(() => cts.cancel(), 20);
    assert.equal(await p, false);
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(await waitUnlessCancelled(10, new CancellationTokenSource().token), true);
  });
});

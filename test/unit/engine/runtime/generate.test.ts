// Generation on a fixture model: stop rules, budgets, cancellation, seeded sampling, the prefix cache, and the
// per-request selection bias (selection only, zero = bit-identical) with its expert counts.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { PREFILL_CHUNK } from '../../../../engine/runtime/generate';
import { loadModel } from '../../../../engine/runtime/load-model';
import { FIXTURES, readGolden, testCacheDir } from '../../../helpers/fixture-models';

describe('generation (v3-tiny)', () => {
  const golden = readGolden('v3-tiny');
  const prompt = golden.prompts[1].tokens;
  const greedy = golden.prompts[1].greedy.new_tokens;
  let model: Awaited<ReturnType<typeof loadModel>>;
  before(async () => {
    model = await loadModel(join(FIXTURES, 'v3-tiny'), { threads: 1, cacheDir: testCacheDir() });
  });
  after(() => model.dispose());
  beforeEach(() => model.clearPrefixCache());

  it('stops at max tokens with stopReason length, and streams every token', async () => {
    const seen: number[] = [];
    const r = await model.generate(prompt, { maxTokens: 5, ignoreEos: true, onToken: (id) => seen.push(id) });
    assert.deepEqual(r.tokens, greedy.slice(0, 5));
    assert.deepEqual(seen, r.tokens);
    assert.equal(r.stopReason, 'length');
    assert.equal(r.stats.generatedTokens, 5);
    assert.equal(r.stats.promptTokens, prompt.length);
  });

  it('stops at a stop token without emitting it', async () => {
    const r = await model.generate(prompt, { maxTokens: 16, stopTokens: [greedy[3]], ignoreEos: true });
    assert.deepEqual(r.tokens, greedy.slice(0, 3));
    assert.equal(r.stopReason, 'eos');
  });

  it('stops within one token of cancellation', async () => {
    const ctl = new AbortController();
    const r = await model.generate(prompt, {
      maxTokens: 16,
      signal: ctl.signal,
      ignoreEos: true,
      onToken: (_id) => {
        if (!ctl.signal.aborted) ctl.abort();
      },
    });
    assert.equal(r.stopReason, 'cancelled');
    assert.equal(r.tokens.length, 1);
  });

  it('returns at once for a request cancelled before it starts', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const r = await model.generate(prompt, { maxTokens: 16, signal: ctl.signal });
    assert.equal(r.stopReason, 'cancelled');
    assert.deepEqual(r.tokens, []);
  });

  it('stops when the wall-clock budget is spent', async () => {
    const r = await model.generate(prompt, { maxTokens: 1000, timeBudgetMs: 0, ignoreEos: true });
    assert.equal(r.stopReason, 'time');
    assert.ok(r.tokens.length < 1000);
  });

  it('samples reproducibly with a seed, and differently with another', async () => {
    const opts = { maxTokens: 12, temperature: 1.5, topK: 50, topP: 0.95, ignoreEos: true };
    const a = await model.generate(prompt, { ...opts, seed: 7 });
    const b = await model.generate(prompt, { ...opts, seed: 7 });
    const c = await model.generate(prompt, { ...opts, seed: 8 });
    assert.deepEqual(a.tokens, b.tokens);
    assert.notDeepEqual(a.tokens, c.tokens);
    // top-k 1 is greedy whatever the temperature
    const k1 = await model.generate(prompt, { maxTokens: 8, temperature: 2, topK: 1, seed: 3, ignoreEos: true });
    assert.deepEqual(k1.tokens, greedy.slice(0, 8));
  });

  it('prefix cache: a second request sharing the prefix prefills only the new tokens and gives the same output', async () => {
    const first = await model.generate(prompt.slice(0, 30), { maxTokens: 2, ignoreEos: true });
    assert.equal(first.stats.reusedTokens, 0);
    const second = await model.generate(prompt, { maxTokens: 16, ignoreEos: true });
    assert.equal(second.stats.reusedTokens, 30);
    assert.deepEqual(second.tokens, greedy);
    // the routers saw only the 10 new prompt tokens and the 15 decode steps: the cached 30 were not run again
    for (const layer of second.stats.expertCounts as number[][]) {
      assert.equal(
        layer.reduce((a, b) => a + b, 0),
        (prompt.length - 30 + 15) * model.info.activeExperts,
      );
    }
    // identical prompt again: everything but the last token comes from the cache
    const third = await model.generate(prompt, { maxTokens: 4, ignoreEos: true });
    assert.equal(third.stats.reusedTokens, prompt.length - 1);
    assert.deepEqual(third.tokens, greedy.slice(0, 4));
    const off = await model.generate(prompt, { maxTokens: 4, ignoreEos: true, usePrefixCache: false });
    assert.equal(off.stats.reusedTokens, 0);
  });

  it('a zero selection bias gives bit-identical logits, experts and weights', async () => {
    const zero = Array.from({ length: model.info.moeLayers }, () => new Float32Array(model.info.routedExperts));
    const a = await model.forward(prompt);
    const b = await model.forward(prompt, { selectionBias: zero });
    assert.deepEqual(b.experts, a.experts);
    assert.deepEqual(b.expertWeights, a.expertWeights);
    a.logits.forEach((row, t) => assert.deepEqual(b.logits[t], row));
  });

  it('a selection bias changes which experts are chosen but not how a chosen expert is weighted', async () => {
    const E = model.info.routedExperts;
    const bias = Array.from({ length: model.info.moeLayers }, () => new Float32Array(E));
    bias[0][5] = 10; // expert 5 of the first MoE layer wins every selection
    const base = await model.forward(prompt);
    const skew = await model.forward(prompt, { selectionBias: bias });
    const T = prompt.length;
    for (let t = 0; t < T; t++) {
      assert.ok(skew.experts[0][t].includes(5));
      // a chosen expert's weight is its unbiased score (renormalised, scaled): where the chosen set is unchanged, so are the weights
      const same = [...skew.experts[0][t]].sort().join() === [...base.experts[0][t]].sort().join();
      if (same) {
        const w = new Map(base.experts[0][t].map((e, j) => [e, base.expertWeights[0][t][j]]));
        skew.experts[0][t].forEach((e, j) =>
          assert.ok(Math.abs((w.get(e) as number) - skew.expertWeights[0][t][j]) < 1e-6),
        );
      }
    }
    // v3-tiny renormalises the top-k weights and scales them by 2.5; a +10 bias would dominate them if it leaked in
    for (const row of skew.expertWeights[0]) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 2.5) < 1e-4);
  });

  it('counts the experts each MoE layer selected during a request', async () => {
    const r = await model.generate(prompt, { maxTokens: 4, ignoreEos: true, usePrefixCache: false });
    const counts = r.stats.expertCounts as number[][];
    assert.equal(counts.length, model.info.moeLayers);
    for (const layer of counts) {
      assert.equal(layer.length, model.info.routedExperts);
      // prompt tokens plus 3 decode steps, k experts each (the 4th token is sampled, not run)
      assert.equal(
        layer.reduce((a, b) => a + b, 0),
        (prompt.length + 3) * model.info.activeExperts,
      );
    }
  });

  it('rejects token ids out of range and malformed biases with clear errors', async () => {
    await assert.rejects(async () => model.forward([0, 512]), /token id 512 is out of range \(vocab_size 512\)/);
    await assert.rejects(async () => model.forward([0, -1]), /token id -1 is out of range/);
    await assert.rejects(
      async () => model.forward([0], { selectionBias: [new Float32Array(16)] }),
      /selectionBias has 1 layers, the model has 2/,
    );
  });

  it('keptExperts restricts every selection to the kept experts of each layer', async () => {
    const kept = [
      [0, 1, 2, 3, 4, 5, 6, 7],
      [8, 9, 10, 11, 12, 13, 14, 15],
    ];
    const pruned = await loadModel(join(FIXTURES, 'v3-tiny'), {
      threads: 1,
      cacheDir: testCacheDir(),
      keptExperts: kept,
    });
    const r = await pruned.forward(prompt);
    r.experts.forEach((layer, m) =>
      layer.forEach((ids) => ids.forEach((e) => assert.ok(kept[m].includes(e), `layer ${m} chose ${e}`))),
    );
    await pruned.dispose();
    await assert.rejects(
      loadModel(join(FIXTURES, 'v3-tiny'), { threads: 1, cacheDir: testCacheDir(), keptExperts: [[0, 1]] }),
      /keptExperts has 1 layers/,
    );
  });

  it('prefills long prompts in chunks: same next token as one full prefill, and a spent budget stops after one chunk', async () => {
    const long = Array.from({ length: 300 }, (_, i) => 2 + ((i * 37) % 500));
    const full = await model.forward(long);
    const last = full.logits[long.length - 1];
    const best = last.indexOf(Math.max(...last));
    const r = await model.generate(long, { maxTokens: 1, ignoreEos: true, usePrefixCache: false });
    assert.deepEqual(r.tokens, [best]);
    const stopped = await model.generate([...long, ...long], { maxTokens: 4, timeBudgetMs: 0, usePrefixCache: false });
    assert.equal(stopped.stopReason, 'time');
    assert.deepEqual(stopped.tokens, []);
    for (const layer of stopped.stats.expertCounts as number[][]) {
      assert.equal(
        layer.reduce((a, b) => a + b, 0),
        PREFILL_CHUNK * model.info.activeExperts,
      );
    }
  });
});

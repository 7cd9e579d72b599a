// The adaptive expert count (a request's minExpertWeight τ): the gate skips a selected expert whose share of the
// token's routed mix is below τ, never the top one, and leaves the others' weights alone; τ = 0 is today's routing bit
// for bit; a skipped expert is not computed, its group not opened, and the counts say so.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../../engine/checkpoint/config';
import { EngineError } from '../../../../engine/errors';
import { isComputed, route } from '../../../../engine/model/gate';
import { selectedExperts } from '../../../../engine/model/moe';
import { selectionKey } from '../../../../engine/runtime/generate';
import { loadModel } from '../../../../engine/runtime/load-model';
import { copyFixture } from '../../../helpers/checkpoint-variants';
import { FIXTURES, FIXTURE_NAMES, tempDir, testCacheDir } from '../../../helpers/fixture-models';

const base = JSON.parse(readFileSync(join(FIXTURES, 'v2lite-tiny', 'config.json'), 'utf8')) as Record<string, unknown>;
const cfg = (edit: Record<string, unknown>) => parseConfig({ ...base, ...edit });
const PROMPT = [7, 3, 11, 5, 2, 9, 13, 1];

/** Routed experts computed, summed over layers and tokens. */
const computedCount = (experts: number[][][]) => experts.flat().reduce((n, sel) => n + sel.length, 0);

describe('adaptive expert count', () => {
  const v3 = cfg({
    topk_method: 'noaux_tc',
    scoring_func: 'sigmoid',
    num_experts_per_tok: 3,
    norm_topk_prob: true,
    routed_scaling_factor: 2.5,
  });
  // sigmoid scores 0.95, 0.92, 0.12 (experts 0, 5, 6): shares 0.48, 0.46, 0.06
  const logits = new Float32Array([3.0, -4, -4, -4, -4, 2.5, -2.0, -4]);

  it('τ = 0 routes exactly as without it, and marks nothing', () => {
    for (const c of [cfg({}), v3]) {
      const plain = route(c, logits, 1);
      const zero = route(c, logits, 1, { minExpertWeight: 0 });
      assert.deepEqual(zero, plain);
      assert.equal(zero.skipped, undefined);
    }
    assert.equal(selectionKey(undefined, 0), selectionKey(undefined));
    assert.equal(selectionKey(undefined), '');
    assert.notEqual(selectionKey(undefined, 0.1), '', 'another τ is another routing for the prefix cache');
  });

  it('skips the light expert, keeps the others at their unrenormalised weights', () => {
    const plain = route(v3, logits, 1);
    const r = route(v3, logits, 1, { minExpertWeight: 0.1 });
    assert.deepEqual(Array.from(r.ids), [0, 5, 6]);
    assert.deepEqual(Array.from(r.skipped ?? []), [0, 0, 1]);
    assert.deepEqual(Array.from(r.weights), [plain.weights[0], plain.weights[1], 0]);
    assert.deepEqual(
      [0, 1, 2].map((j) => isComputed(r, j)),
      [true, true, false],
    );
    const rows = selectedExperts(r, 1, 8).rows;
    assert.deepEqual(rows[6], [], 'a skipped expert runs on no rows');
    assert.deepEqual(rows[0], [0]);
  });

  it('never skips the top expert, whatever τ', () => {
    const r = route(v3, logits, 1, { minExpertWeight: 0.99 });
    assert.deepEqual(Array.from(r.skipped ?? []), [0, 1, 1]);
    assert.ok(r.weights[0] > 0);
    // the share is of the unbiased scores: a selection bias that puts expert 6 first does not protect it
    const selection = new Float32Array(8);
    selection[6] = 5;
    const biased = route(v3, logits, 1, { selection, minExpertWeight: 0.3 });
    assert.equal(biased.ids[0], 6);
    assert.deepEqual(Array.from(biased.skipped ?? []), [1, 0, 0]);
  });

  it('refuses τ outside [0, 1)', () => {
    for (const tau of [-0.1, 1, Number.NaN]) assert.throws(() => route(v3, logits, 1, { minExpertWeight: tau }));
  });

  for (const name of FIXTURE_NAMES) {
    it(`${name}: τ = 0, and a τ too small to skip anything, give today's logits bit for bit`, async () => {
      const m = await loadModel(join(FIXTURES, name), { threads: 1, cacheDir: testCacheDir() });
      const want = await m.forward(PROMPT);
      const wantDecode = await m.forward(PROMPT.slice(0, 4), { decode: true });
      for (const minExpertWeight of [0, 1e-9]) {
        const got = await m.forward(PROMPT, { minExpertWeight });
        assert.deepEqual(got.logits, want.logits);
        assert.deepEqual(got.experts, want.experts);
        assert.deepEqual(
          (await m.forward(PROMPT.slice(0, 4), { decode: true, minExpertWeight })).logits,
          wantDecode.logits,
        );
      }
      const g = await m.generate(PROMPT, { maxTokens: 4, temperature: 0, ignoreEos: true, usePrefixCache: false });
      const g0 = await m.generate(PROMPT, {
        maxTokens: 4,
        temperature: 0,
        ignoreEos: true,
        usePrefixCache: false,
        minExpertWeight: 0,
      });
      assert.deepEqual(g0.tokens, g.tokens);
      assert.deepEqual(g0.stats.expertCounts, g.stats.expertCounts);
      assert.throws(() => m.forward(PROMPT, { minExpertWeight: 1 }), EngineError);
      await m.dispose();
    });
  }

  it('v3-tiny: a τ that skips computes fewer experts, and their groups stay closed', async () => {
    const ckpt = copyFixture('v3-tiny');
    const all = await loadModel(ckpt, { threads: 1, cacheDir: tempDir('cache') });
    const full = await all.forward(PROMPT);
    const fullGen = await all.generate(PROMPT, { maxTokens: 4, temperature: 0, ignoreEos: true });
    await all.dispose();

    const m = await loadModel(ckpt, { threads: 1, cacheDir: tempDir('cache') });
    assert.deepEqual(m.experts.openGroups(), []);
    const tau = 0.22; // 4 of 16 experts: an even mix is 0.25 each
    const r = await m.forward(PROMPT, { minExpertWeight: tau });
    const n = computedCount(r.experts);
    assert.ok(n < computedCount(full.experts), `computed ${n} of ${computedCount(full.experts)}`);
    assert.ok(n >= PROMPT.length * 2, 'at least the top expert of every token and layer');
    assert.notDeepEqual(r.logits, full.logits);
    // open groups (one expert each) are exactly the experts computed, none that were only selected
    const want = r.experts
      .flatMap((layer, i) => [...new Set(layer.flat())].map((e) => `${i + 1}/${e}`)) // MoE layer i is model layer i + 1
      .sort();
    assert.deepEqual(
      m.experts
        .openGroups()
        .map((g) => `${g.layer}/${g.group}`)
        .sort(),
      want,
    );
    const selectedOnly = full.experts.flatMap((layer, i) => [...new Set(layer.flat())].map((e) => `${i + 1}/${e}`));
    assert.ok(want.length < new Set(selectedOnly).size, 'some selected experts were never opened');

    // generation's expert counts count the computed experts only
    const g = await m.generate(PROMPT, { maxTokens: 4, temperature: 0, ignoreEos: true, minExpertWeight: tau });
    const sum = (c?: number[][]) => (c ?? []).flat().reduce((a, b) => a + b, 0);
    assert.ok(sum(g.stats.expertCounts) < sum(fullGen.stats.expertCounts));
    await m.dispose();
  });
});

// The routing skew on the real engine and the fixture checkpoints (sigmoid V3 with noaux_tc, softmax V2): strength 0 is
// the checkpoint's own routing bit for bit, a bias moves selection but mixing weights still come from the unbiased
// scores, calibration is deterministic, and a profile for other weights is refused.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { calibrate } from '../../../../engine/routing/calibration';
import { checkpointFingerprint } from '../../../../engine/routing/checkpoint-fingerprint';
import { type RoutingProfile, PROFILE_FILE, selectionBias } from '../../../../engine/routing/profile';
import { checkProfileFits } from '../../../../engine/routing/profile-file';
import type { ForwardResult, LoadedModel } from '../../../../engine/runtime/api';
import { loadModel } from '../../../../engine/runtime/load-model';
import { FIXTURES, testCacheDir } from '../../../helpers/fixture-models';
import { fixtureCorpora, fixtureSequence } from '../../../helpers/fixture-corpora';

const f32 = Math.fround;

function sameBits(a: ForwardResult, b: ForwardResult): void {
  assert.equal(a.logits.length, b.logits.length);
  a.logits.forEach((row, t) =>
    assert.ok(Buffer.from(row.buffer).equals(Buffer.from(b.logits[t].buffer)), `logits row ${t}`),
  );
  assert.deepEqual(a.experts, b.experts);
  assert.deepEqual(a.expertWeights, b.expertWeights);
}

const CASES = [
  { name: 'v3-tiny', router: 'sigmoid, noaux_tc, renormalised' },
  { name: 'v2lite-tiny', router: 'softmax, greedy, not renormalised' },
] as const;

for (const { name, router } of CASES) {
  describe(`routing skew on ${name} (${router})`, () => {
    const dir = join(FIXTURES, name);
    let model: LoadedModel;
    let profile: RoutingProfile;
    const prompt = [...fixtureSequence('code', 12, 5), ...fixtureSequence('math', 12, 6)];

    before(async () => {
      model = await loadModel(dir, { threads: 1, cacheDir: testCacheDir() });
      profile = await calibrate(model, {
        fingerprint: checkpointFingerprint(dir),
        corpora: fixtureCorpora(),
        description: 'synthetic token ranges',
        window: { tokens: 24, context: 4 },
        createdAt: '2026-01-01T00:00:00.000Z',
      });
    });
    after(() => model.dispose());

    it('calibrates deterministically: a second run gives the identical profile', async () => {
      const again = await calibrate(model, {
        fingerprint: checkpointFingerprint(dir),
        corpora: fixtureCorpora(),
        description: 'synthetic token ranges',
        window: { tokens: 24, context: 4 },
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      assert.equal(JSON.stringify(again), JSON.stringify(profile));
      assert.equal(profile.corpus.code.tokens, 96);
      assert.ok(profile.layers.every((l) => l.scoreSpread > 0));
    });

    it('strength 0 is bit-identical to no profile, for forward and for generation', async () => {
      const plain = await model.forward(prompt);
      const atZero = selectionBias(profile, 'code', 0);
      assert.equal(atZero, undefined);
      sameBits(await model.forward(prompt, { selectionBias: atZero }), plain);
      // an explicit all-zero bias vector also leaves every bit alone
      const zeros = profile.layers.map(() => new Float32Array(model.info.routedExperts));
      sameBits(await model.forward(prompt, { selectionBias: zeros }), plain);
      const g0 = await model.generate(prompt, { maxTokens: 8, temperature: 0, usePrefixCache: false, ignoreEos: true });
      const g1 = await model.generate(prompt, {
        maxTokens: 8,
        temperature: 0,
        usePrefixCache: false,
        ignoreEos: true,
        selectionBias: atZero,
      });
      assert.deepEqual(g1.tokens, g0.tokens);
    });

    it('a bias changes which experts are selected, but weights still come from the unbiased scores', async () => {
      const plain = await model.forward(prompt, { routerScores: true });
      const bias = selectionBias(profile, 'math', 8);
      const skewed = await model.forward(prompt, { selectionBias: bias, routerScores: true });
      const scale = f32(model.info.modelType === 'deepseek_v3' ? 2.5 : 1);
      const renorm = model.info.modelType === 'deepseek_v3';
      let changed = 0;
      let stayedCompared = 0;
      skewed.experts.forEach((layer, m) =>
        layer.forEach((ids, t) => {
          const scores = (skewed.routerScores as Float32Array[][])[m][t];
          let sum = 0;
          for (const e of ids) sum = f32(sum + scores[e]);
          ids.forEach((e, j) => {
            const want = renorm ? f32(f32(scores[e] / sum) * scale) : f32(scores[e] * scale);
            assert.equal(skewed.expertWeights[m][t][j], want, `layer ${m} token ${t} expert ${e}`);
          });
          const before = new Set(plain.experts[m][t]);
          if (ids.some((e) => !before.has(e))) changed += 1;
          // the first MoE layer sees the same hidden state with and without bias: same scores, and an expert that
          // stays selected keeps its weight exactly (V2) or its share relative to the other stayed experts (V3)
          if (m === 0) {
            assert.deepEqual(Array.from(scores), Array.from((plain.routerScores as Float32Array[][])[0][t]));
            const stayed = ids.filter((e) => before.has(e));
            const w = (r: ForwardResult, e: number) => r.expertWeights[0][t][r.experts[0][t].indexOf(e)];
            if (!renorm) for (const e of stayed) assert.equal(w(skewed, e), w(plain, e));
            else if (stayed.length >= 2) {
              const [a, b] = stayed;
              assert.ok(Math.abs(w(skewed, a) / w(skewed, b) - w(plain, a) / w(plain, b)) < 1e-5);
              stayedCompared += 1;
            }
          }
        }),
      );
      assert.ok(changed > 0, 'the bias should move at least one selection');
      if (renorm) assert.ok(stayedCompared > 0);
    });

    it('refuses the profile on a different checkpoint, naming both', () => {
      const other = join(FIXTURES, name === 'v3-tiny' ? 'v3-tiny-yarn' : 'v3-tiny');
      assert.throws(
        () => checkProfileFits(profile, PROFILE_FILE, other, { moeLayers: 2, routedExperts: model.info.routedExperts }),
        /calibrated for another checkpoint/,
      );
      checkProfileFits(profile, PROFILE_FILE, dir, { moeLayers: 2, routedExperts: model.info.routedExperts });
    });
  });
}

describe('kept experts on the softmax (V2) router', () => {
  it('never selects a removed expert and renormalises the softmax over the kept ones', async () => {
    const kept = [
      [0, 2, 4, 6],
      [1, 3, 5, 7],
    ];
    const model = await loadModel(join(FIXTURES, 'v2lite-tiny'), {
      threads: 1,
      cacheDir: testCacheDir(),
      keptExperts: kept,
    });
    try {
      const r = await model.forward(fixtureSequence('code', 20, 3), { routerScores: true });
      r.experts.forEach((layer, m) =>
        layer.forEach((ids, t) => {
          for (const e of ids) assert.ok(kept[m].includes(e), `layer ${m} token ${t} chose removed expert ${e}`);
          const scores = (r.routerScores as Float32Array[][])[m][t];
          let total = 0;
          scores.forEach((s, e) => (kept[m].includes(e) ? (total += s) : assert.equal(s, 0)));
          assert.ok(Math.abs(total - 1) < 1e-5);
          ids.forEach((e, j) => assert.equal(r.expertWeights[m][t][j], scores[e]));
        }),
      );
    } finally {
      await model.dispose();
    }
  });
});

describe('prefix cache under routing skew', () => {
  it('never reuses a prefix computed under another routing: a skewed request after a plain one equals a fresh one', async () => {
    const model = await loadModel(join(FIXTURES, 'v3-tiny'), { threads: 1, cacheDir: testCacheDir() });
    try {
      const prompt = fixtureSequence('math', 30, 9);
      const bias = [0, 1].map((l) => Float32Array.from({ length: 16 }, (_, e) => ((e + l) % 3 === 0 ? 0.5 : -0.5)));
      const opts = { maxTokens: 6, temperature: 0, ignoreEos: true };
      await model.generate(prompt, opts);
      const warm = await model.generate(prompt, { ...opts, selectionBias: bias });
      const fresh = await model.generate(prompt, { ...opts, selectionBias: bias, usePrefixCache: false });
      assert.equal(warm.stats.reusedTokens, 0);
      assert.deepEqual(warm.tokens, fresh.tokens);
      assert.deepEqual(warm.stats.expertCounts, fresh.stats.expertCounts);
      // and the same routing still reuses its own prefix
      const again = await model.generate(prompt, { ...opts, selectionBias: bias });
      assert.equal(again.stats.reusedTokens, prompt.length - 1);
    } finally {
      await model.dispose();
    }
  });
});

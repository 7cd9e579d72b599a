import * as assert from 'node:assert/strict';
import {
  LOG_RATIO_CLIP,
  domainBias,
  deriveProfile,
  selectionBias,
  smoothedShares,
} from '../../../../engine/routing/profile';
import { keptExperts, touchedFraction } from '../../../../engine/routing/residency';
import { type DomainStats, accumulate, emptyStats } from '../../../../engine/routing/stats';
import { windows } from '../../../../engine/routing/calibration';
import { emptyCorpus } from '../../../helpers/routing-profile';

/** Statistics of one MoE layer with 4 experts, top-1, from per-expert counts and a fixed score spread. */
function statsOf(counts: number[], spread = 0.2): DomainStats {
  const s = emptyStats(1, counts.length);
  s.counts[0] = [...counts];
  s.weightSums[0] = counts.map((c) => c * 0.5);
  s.tokens = counts.reduce((a, b) => a + b, 0);
  s.scoreSpreadSums[0] = spread * s.tokens;
  s.scoreSpreadTokens[0] = s.tokens;
  return s;
}

function profileOf(code: number[], math: number[], general: number[]) {
  return deriveProfile({
    checkpoint: { fingerprint: 'sha256:x', modelType: 'deepseek_v3', moeLayers: 1, routedExperts: 4, activeExperts: 1 },
    firstMoeLayer: 1,
    stats: { code: statsOf(code), math: statsOf(math), general: statsOf(general) },
    corpus: emptyCorpus(),
    window: { tokens: 8, context: 2 },
    createdAt: '2026-01-01T00:00:00.000Z',
  });
}

describe('routing profile', () => {
  it('favours the experts a domain uses more than general text and disfavours the others', () => {
    const bias = domainBias([80, 10, 5, 5], [25, 25, 25, 25], 0.2);
    assert.ok(bias[0] > 0 && bias[1] < 0 && bias[2] < 0);
    assert.ok(bias[2] <= bias[1]);
  });

  it('clips the log ratio so no expert moves by more than one score spread at strength 1', () => {
    const bias = domainBias([1000, 0, 0, 0], [0, 1000, 1000, 1000], 0.2);
    for (const b of bias) assert.ok(Math.abs(b) <= 0.2 + 1e-12);
    assert.ok(Math.abs(bias[0] - 0.2) < 1e-12);
    assert.ok(Math.abs(bias[1] + 0.2) < 1e-12);
  });

  it('scales the bias with the layer score spread, so one strength means the same in every layer', () => {
    const a = domainBias([60, 20, 10, 10], [25, 25, 25, 25], 0.1);
    const b = domainBias([60, 20, 10, 10], [25, 25, 25, 25], 0.4);
    a.forEach((x, e) => assert.ok(Math.abs(b[e] - 4 * x) < 1e-12));
  });

  it('gives identical domain and general text a zero bias', () => {
    assert.deepEqual(domainBias([7, 3, 0, 2], [7, 3, 0, 2], 0.3), [0, 0, 0, 0]);
  });

  it('smooths never-selected experts to a finite share', () => {
    const p = smoothedShares([10, 0]);
    assert.ok(p[1] > 0);
    assert.ok(Math.abs(p[0] + p[1] - 1) < 1e-12);
    assert.ok(LOG_RATIO_CLIP > 0);
  });

  it('returns no bias at all for strength 0 or the general domain, so the engine takes its unbiased path', () => {
    const p = profileOf([80, 10, 5, 5], [5, 5, 10, 80], [25, 25, 25, 25]);
    assert.equal(selectionBias(p, 'code', 0), undefined);
    assert.equal(selectionBias(p, 'general', 2), undefined);
    const b = selectionBias(p, 'code', 2);
    assert.ok(b && b.length === 1 && b[0] instanceof Float32Array);
    assert.ok(Math.abs(b[0][0] - 2 * p.layers[0].bias.code[0]) < 1e-6);
  });

  it('rejects a negative or non-finite strength', () => {
    const p = profileOf([1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]);
    assert.throws(() => selectionBias(p, 'math', -1), /strength/);
    assert.throws(() => selectionBias(p, 'math', Number.NaN), /strength/);
  });

  it('records frequencies, mean gate weights and the layer index', () => {
    const p = profileOf([2, 2, 0, 0], [0, 0, 2, 2], [1, 1, 1, 1]);
    assert.equal(p.layers[0].layer, 1);
    assert.deepEqual(p.layers[0].frequency.code, [0.5, 0.5, 0, 0]);
    assert.deepEqual(p.layers[0].meanGateWeight.math, [0, 0, 0.5, 0.5]);
    assert.ok(Math.abs(p.layers[0].scoreSpread - 0.2) < 1e-12);
  });

  it('refuses to derive a profile from a domain without tokens', () => {
    assert.throws(() => profileOf([0, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 1]), /no code tokens/);
  });
});

describe('kept experts', () => {
  const p = profileOf([50, 30, 15, 5], [5, 15, 30, 50], [10, 40, 40, 10]);

  it('keeps the experts the domain selects most, in ascending id order', () => {
    assert.deepEqual(keptExperts(p, 'code', 0.5), [[0, 1]]);
    assert.deepEqual(keptExperts(p, 'math', 0.5), [[2, 3]]);
  });

  it('keeps everything at fraction 1 and never fewer than the active experts', () => {
    assert.equal(keptExperts(p, 'code', 1), undefined);
    assert.deepEqual(keptExperts(p, 'code', 0.01), [[0]]);
    assert.throws(() => keptExperts(p, 'code', 0), /fraction/);
    assert.throws(() => keptExperts(p, 'code', 1.5), /fraction/);
  });

  it('counts the touched fraction of (layer, expert) pairs', () => {
    assert.equal(
      touchedFraction([
        [1, 0, 3, 0],
        [0, 0, 0, 2],
      ]),
      3 / 8,
    );
    assert.equal(touchedFraction([]), 0);
  });
});

describe('calibration windows and accumulation', () => {
  it('covers every token exactly once, with left context after the first window', () => {
    const ws = windows(20, { tokens: 8, context: 2 });
    const counted: number[] = [];
    for (const w of ws) for (let i = w.start + w.first; i < w.end; i++) counted.push(i);
    assert.deepEqual(
      counted,
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.ok(ws.slice(1).every((w) => w.first === 2));
  });

  it('skips the context rows of a window when counting', () => {
    const s = emptyStats(1, 3);
    accumulate(
      s,
      {
        logits: [],
        experts: [[[0], [1], [2]]],
        expertWeights: [[[1], [0.5], [0.25]]],
        routerScores: [[Float32Array.of(1, 0, 0), Float32Array.of(0, 1, 0), Float32Array.of(0, 0, 1)]],
      },
      1,
    );
    assert.equal(s.tokens, 2);
    assert.deepEqual(s.counts[0], [0, 1, 1]);
    assert.deepEqual(s.weightSums[0], [0, 0.5, 0.25]);
    assert.equal(s.scoreSpreadTokens[0], 2);
  });
});

describe('kept experts for several domains', () => {
  it('ranks by the summed frequency of the domains, so an assistant keeps what code and math use', () => {
    const p = deriveProfile({
      checkpoint: {
        fingerprint: 'sha256:x',
        modelType: 'deepseek_v3',
        moeLayers: 1,
        routedExperts: 4,
        activeExperts: 1,
      },
      firstMoeLayer: 1,
      stats: {
        code: statsOf([50, 0, 0, 50]),
        math: statsOf([0, 60, 0, 40]),
        general: statsOf([25, 25, 25, 25]),
      },
      corpus: {
        description: 'test',
        code: { files: [], bytes: 0, tokens: 0 },
        math: { files: [], bytes: 0, tokens: 0 },
        general: { files: [], bytes: 0, tokens: 0 },
      },
      window: { tokens: 8, context: 2 },
    });
    assert.deepEqual(keptExperts(p, ['code', 'math'], 0.5), [[1, 3]]);
  });
});

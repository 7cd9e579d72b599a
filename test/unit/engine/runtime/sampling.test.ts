// Sampling: seeded reproducibility, and temperature / top-k / top-p giving the distribution they define.
import * as assert from 'node:assert/strict';
import { Sampler, argmax } from '../../../../engine/runtime/sampling';

/** The exact distribution: softmax(logits / T), cut to the top k, then to the smallest nucleus of mass p. */
function expected(logits: number[], T: number, k: number, p: number): Map<number, number> {
  let order = logits.map((_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  if (k > 0) order = order.slice(0, k);
  const w = order.map((i) => Math.exp((logits[i] - logits[order[0]]) / T));
  const total = w.reduce((a, b) => a + b, 0);
  let n = order.length;
  if (p < 1) {
    let acc = 0;
    for (n = 0; n < order.length;) {
      acc += w[n++] / total;
      if (acc >= p) break;
    }
  }
  const kept = w.slice(0, n).reduce((a, b) => a + b, 0);
  return new Map(order.slice(0, n).map((id, j) => [id, w[j] / kept]));
}

describe('sampling', () => {
  const logits = Float32Array.from({ length: 400 }, (_, i) => Math.sin(i * 12.9898) * 3 + (i === 17 ? 4 : 0));

  it('is greedy at temperature 0 and reproducible by seed otherwise', () => {
    assert.equal(new Sampler({ temperature: 0 }).sample(logits), argmax(logits));
    const a = new Sampler({ temperature: 1, seed: 3 });
    const b = new Sampler({ temperature: 1, seed: 3 });
    const sa = Array.from({ length: 50 }, () => a.sample(logits));
    assert.deepEqual(
      Array.from({ length: 50 }, () => b.sample(logits)),
      sa,
    );
  });

  for (const [T, k, p] of [
    [1, 0, 1],
    [0.7, 20, 1],
    [1.3, 0, 0.8],
    [1, 50, 0.6],
    [20, 0, 0.9], // a flat distribution: the nucleus reaches far down the list
  ] as const) {
    it(`draws from softmax(logits / ${T}) cut to top-k ${k || 'all'} and top-p ${p}`, () => {
      const want = expected(Array.from(logits), T, k, p);
      const s = new Sampler({ temperature: T, topK: k || undefined, topP: p, seed: 11 });
      const N = 6000;
      const counts = new Map<number, number>();
      for (let i = 0; i < N; i++) {
        const id = s.sample(logits);
        assert.ok(want.has(id), `token ${id} is outside the allowed set`);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      for (const [id, prob] of want) {
        const got = (counts.get(id) ?? 0) / N;
        assert.ok(
          Math.abs(got - prob) < 4 * Math.sqrt((prob * (1 - prob)) / N) + 1e-3,
          `token ${id}: ${got} vs ${prob}`,
        );
      }
    });
  }
});

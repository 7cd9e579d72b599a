// The DeepSeekMoE gate on hand-made router logits, for every routing method the configs allow.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../../engine/checkpoint/config';
import { route } from '../../../../engine/model/gate';
import { FIXTURES } from '../../../helpers/fixture-models';

const base = JSON.parse(readFileSync(join(FIXTURES, 'v2lite-tiny', 'config.json'), 'utf8')) as Record<string, unknown>;
const cfg = (edit: Record<string, unknown>) => parseConfig({ ...base, ...edit });
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('gate', () => {
  // 8 experts; logits chosen so that each method picks a different set
  const logits = new Float32Array([3.0, 0.1, 0.2, 0.3, 2.0, 2.5, -1.0, 1.0]);

  it('greedy softmax: top-k of the probabilities, not renormalised, times routed_scaling_factor', () => {
    const r = route(cfg({ routed_scaling_factor: 2 }), logits, 1);
    assert.deepEqual(Array.from(r.ids), [0, 5]);
    const z = Array.from(logits).reduce((a, x) => a + Math.exp(x), 0);
    assert.ok(Math.abs(r.weights[0] - (2 * Math.exp(3)) / z) < 1e-6);
    assert.ok(Math.abs(r.weights[1] - (2 * Math.exp(2.5)) / z) < 1e-6);
  });

  it('group_limited_greedy (V2): groups scored by their best expert, top-k inside the kept groups', () => {
    // 4 groups of 2, best per group: 3.0, 0.3, 2.5, 2.2 -> groups 0 and 2 kept -> top-3 {0, 5, 4}; plain greedy takes 7
    const l = new Float32Array([3.0, 0.1, 0.2, 0.3, 2.0, 2.5, -1.0, 2.2]);
    const k3 = { num_experts_per_tok: 3 };
    assert.deepEqual(Array.from(route(cfg(k3), l, 1).ids), [0, 5, 7]);
    const r = route(cfg({ ...k3, topk_method: 'group_limited_greedy', n_group: 4, topk_group: 2 }), l, 1);
    assert.deepEqual(Array.from(r.ids), [0, 5, 4]);
  });

  it('noaux_tc (V3): correction bias used for choice only, groups scored by the sum of their top two', () => {
    const c = cfg({
      topk_method: 'noaux_tc',
      scoring_func: 'sigmoid',
      n_group: 4,
      topk_group: 2,
      norm_topk_prob: true,
      routed_scaling_factor: 2.5,
    });
    const correction = new Float32Array([0, 0, 0, 0, 0, 0, 0, 2]); // lifts expert 7 (group 3) over group 0's sum
    const r = route(c, logits, 1, { correction });
    // group sums with bias: g0 0.95+0.52, g1 0.55+0.57, g2 0.88+0.92, g3 0.27+2.73 -> keep g3, g2 -> top-2: 7, 5
    assert.deepEqual(Array.from(r.ids), [7, 5]);
    const s7 = sigmoid(1.0);
    const s5 = sigmoid(2.5);
    assert.ok(Math.abs(r.weights[0] - (2.5 * s7) / (s7 + s5)) < 1e-6);
    assert.ok(Math.abs(r.weights[1] - (2.5 * s5) / (s7 + s5)) < 1e-6);
  });

  it('a selection bias moves the choice; the weights stay the unbiased scores', () => {
    const selection = new Float32Array(8);
    selection[6] = 5;
    const r = route(cfg({}), logits, 1, { selection });
    assert.deepEqual(Array.from(r.ids), [6, 0]);
    const z = Array.from(logits).reduce((a, x) => a + Math.exp(x), 0);
    assert.ok(Math.abs(r.weights[0] - Math.exp(-1) / z) < 1e-7);
  });

  it('routes every token of a batch independently', () => {
    const two = new Float32Array([...logits, ...logits.map((x) => -x)]);
    const r = route(cfg({}), two, 2);
    assert.deepEqual(Array.from(r.ids), [0, 5, 6, 1]);
  });
});

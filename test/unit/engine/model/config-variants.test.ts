// Checkpoints of the same family the fixtures do not cover (random BF16 weights in two shards): every config variant
// loads, one-token decode reproduces the prefill (logits within 1e-4, the same experts), and greedy generation follows
// the argmax of the forward pass. Guards the code paths of unseen checkpoints against shape and wiring mistakes.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeRandomCheckpoint } from '../../../../bench/synthetic-checkpoint';
import { loadModel } from '../../../../engine/runtime/load-model';
import { FIXTURES, argmax, maxAbsDiff, tempDir, testCacheDir } from '../../../helpers/fixture-models';

const base = JSON.parse(readFileSync(join(FIXTURES, 'v3-tiny', 'config.json'), 'utf8')) as Record<string, unknown>;

const variants: [string, Record<string, unknown>][] = [
  [
    'V2 with group_limited_greedy over 4 groups, q LoRA, YaRN with mscale 0.707, no dense layer, route scale 16',
    {
      model_type: 'deepseek_v2',
      topk_method: 'group_limited_greedy',
      scoring_func: 'softmax',
      norm_topk_prob: false,
      routed_scaling_factor: 16,
      n_group: 4,
      topk_group: 2,
      n_shared_experts: 2,
      first_k_dense_replace: 0,
      rope_scaling: {
        type: 'yarn',
        factor: 40,
        original_max_position_embeddings: 16,
        beta_fast: 32,
        beta_slow: 1,
        mscale: 0.707,
        mscale_all_dim: 0.707,
      },
    },
  ],
  [
    'V3 noaux_tc with one expert per token, no shared experts, two dense layers',
    { num_experts_per_tok: 1, n_shared_experts: 0, first_k_dense_replace: 2, num_hidden_layers: 4 },
  ],
  [
    'plain q_proj with v_head_dim larger than the rope part and 8 groups of 2',
    { q_lora_rank: null, v_head_dim: 32, n_group: 8, topk_group: 3 },
  ],
];

describe('unseen checkpoint shapes', () => {
  for (const [what, edit] of variants) {
    it(what, async () => {
      const dir = tempDir('variant');
      writeRandomCheckpoint(dir, { ...base, ...edit });
      const model = await loadModel(dir, { threads: 1, cacheDir: testCacheDir() });
      const tokens = [0, 17, 254, 3, 99, 411, 8, 8, 120, 5, 300, 42, 7, 64, 200, 1, 33, 77, 500, 2];
      const prefill = await model.forward(tokens);
      const decode = await model.forward(tokens, { decode: true });
      prefill.logits.forEach((row, t) => assert.ok(maxAbsDiff(row, decode.logits[t]) <= 1e-4, `position ${t}`));
      assert.deepEqual(decode.experts, prefill.experts);
      assert.equal(prefill.experts.length, model.info.moeLayers);
      for (const layer of prefill.experts)
        for (const ids of layer) assert.equal(new Set(ids).size, model.info.activeExperts);
      const gen = await model.generate(tokens, { maxTokens: 4, ignoreEos: true, usePrefixCache: false });
      const chain = [...tokens];
      for (let i = 0; i < 4; i++) {
        const r = await model.forward(chain);
        chain.push(argmax(r.logits[chain.length - 1]));
      }
      assert.deepEqual(gen.tokens, chain.slice(tokens.length));
      await model.dispose();
    });
  }
});

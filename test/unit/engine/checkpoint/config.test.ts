import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../../engine/checkpoint/config';
import { EngineError } from '../../../../engine/errors';
import { FIXTURES } from '../../../helpers/fixture-models';

const fixtureConfig = (name: string) =>
  JSON.parse(readFileSync(join(FIXTURES, name, 'config.json'), 'utf8')) as Record<string, unknown>;

describe('ModelConfig from config.json', () => {
  it('reads the V2-Lite and V3 fixture configs, YaRN included', () => {
    const v2 = parseConfig(fixtureConfig('v2lite-tiny'));
    assert.equal(v2.q_lora_rank, 0);
    assert.equal(v2.topk_method, 'greedy');
    assert.equal(v2.n_group, 1);
    assert.equal(v2.rope_scaling, undefined);
    const v3 = parseConfig(fixtureConfig('v3-tiny-yarn'));
    assert.equal(v3.q_lora_rank, 48);
    assert.equal(v3.scoring_func, 'sigmoid');
    assert.deepEqual(v3.rope_scaling, {
      factor: 4,
      originalMaxPositionEmbeddings: 64,
      beta_fast: 32,
      beta_slow: 1,
      mscale_all_dim: 1,
    });
  });

  const rejects: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown model_type', { model_type: 'llama' }, /field 'model_type' is not supported: "llama"/],
    ['an unknown topk_method', { topk_method: 'random' }, /field 'topk_method' must be one of/],
    ['an unknown scoring_func', { scoring_func: 'relu' }, /field 'scoring_func'/],
    ['a missing hidden_size', { hidden_size: undefined }, /field 'hidden_size' is missing/],
    ['a fractional head count', { num_attention_heads: 2.5 }, /field 'num_attention_heads' must be an integer/],
    ['groups that do not divide the experts', { topk_method: 'noaux_tc', n_group: 3 }, /field 'n_group' must divide/],
    ['a non-yarn rope_scaling', { rope_scaling: { type: 'linear', factor: 2 } }, /rope_scaling.type' is not supported/],
    ['an odd rope dim', { qk_rope_head_dim: 7 }, /qk_rope_head_dim' must be even/],
    ['a gelu activation', { hidden_act: 'gelu' }, /hidden_act' is not supported/],
    ['moe_layer_freq 2', { moe_layer_freq: 2 }, /moe_layer_freq' must be 1/],
  ];
  for (const [what, edit, msg] of rejects) {
    it(`rejects ${what}, naming the field`, () => {
      const c = { ...fixtureConfig('v3-tiny'), ...edit };
      for (const [k, v] of Object.entries(edit)) if (v === undefined) delete c[k];
      assert.throws(
        () => parseConfig(c),
        (e: unknown) => e instanceof EngineError && msg.test(e.message),
      );
    });
  }
});

// 'auto' precision: the most precise weights that fit a third of the machine's memory, on real checkpoint shapes.
import * as assert from 'node:assert/strict';
import { expectedTensors } from '../../../../engine/checkpoint/tensors';
import { readConfig } from '../../../../engine/checkpoint/config';
import { choosePrecision, SMALL_MODEL_BYTES, weightBytes } from '../../../../engine/runtime/precision';
import { loadModel } from '../../../../engine/runtime/load-model';
import { FIXTURES, testCacheDir } from '../../../helpers/fixture-models';
import { join } from 'node:path';

const GB = 1024 ** 3;
const v2lite = expectedTensors(readConfig(join(FIXTURES, 'v2lite-tiny')));

describe('runtime/precision (auto)', () => {
  it('estimates quantized sizes with every matrix quantized but the router; norms and biases stay float32', () => {
    const f32 = weightBytes(v2lite, 'f32');
    const int8 = weightBytes(v2lite, 'int8');
    const int4 = weightBytes(v2lite, 'int4');
    const count = (t: (typeof v2lite)[number]) => t.shape.reduce((a, b) => a * b, 1);
    const float = v2lite.filter((t) => t.shape.length === 1 || /\.mlp\.gate\.weight$/.test(t.name));
    const floatBytes = 4 * float.reduce((n, t) => n + count(t), 0);
    const quantized = v2lite.filter((t) => !float.includes(t)).reduce((n, t) => n + count(t), 0);
    // attention, embedding and head are among the quantized matrices
    assert.ok(v2lite.some((t) => /self_attn\.kv_b_proj/.test(t.name) && !float.includes(t)));
    assert.ok(v2lite.some((t) => t.name === 'model.embed_tokens.weight' && !float.includes(t)));
    assert.equal(f32, floatBytes + 4 * quantized);
    assert.equal(int8, floatBytes + (1 + 4 / 32) * quantized);
    assert.equal(int4, floatBytes + (0.5 + 4 / 32) * quantized);
  });

  it('keeps a small model float32 while it fits a third of memory, and steps down to int8, then int4, as memory shrinks', () => {
    const f32 = weightBytes(v2lite, 'f32');
    const int8 = weightBytes(v2lite, 'int8');
    assert.equal(choosePrecision(v2lite, 24 * GB), 'f32');
    assert.equal(choosePrecision(v2lite, 3 * f32), 'f32');
    assert.equal(choosePrecision(v2lite, 3 * f32 - 3), 'int8');
    assert.equal(choosePrecision(v2lite, 3 * int8), 'int8');
    assert.equal(choosePrecision(v2lite, 3 * int8 - 3), 'int4');
    assert.equal(choosePrecision(v2lite, 1), 'int4', 'nothing fits: the smallest, and let the load say more');
  });

  it('quantizes a large model even where its float32 weights would fit: int8 is the faster default', () => {
    // a V2-Lite-like shape: 7.4 GB in float32, 2.1 GB in int8, 1.2 GB in int4
    const cfg = { ...readConfig(join(FIXTURES, 'v2lite-tiny')) };
    Object.assign(cfg, {
      hidden_size: 2048,
      num_hidden_layers: 4,
      n_routed_experts: 64,
      moe_intermediate_size: 1408,
      vocab_size: 32000,
      num_attention_heads: 16,
    });
    const shape = expectedTensors(cfg);
    assert.ok(weightBytes(shape, 'f32') > SMALL_MODEL_BYTES);
    assert.equal(choosePrecision(shape, 128 * GB), 'int8');
    assert.equal(choosePrecision(shape, 6 * GB), 'int8');
    assert.equal(choosePrecision(shape, 5 * GB), 'int4');
  });

  it('model/load with auto reports the precision it chose', async () => {
    const big = await loadModel(join(FIXTURES, 'v2lite-tiny'), {
      precision: 'auto',
      threads: 1,
      cacheDir: testCacheDir(),
    });
    try {
      assert.equal(big.info.precision, 'f32');
    } finally {
      await big.dispose();
    }
    const small = await loadModel(join(FIXTURES, 'v2lite-tiny'), {
      precision: 'auto',
      threads: 1,
      cacheDir: testCacheDir(),
      totalMemoryBytes: 3 * weightBytes(v2lite, 'int8'),
    });
    try {
      assert.equal(small.info.precision, 'int8');
      const r = await small.generate([1, 2, 3], { maxTokens: 2, ignoreEos: true });
      assert.equal(r.tokens.length, 2);
    } finally {
      await small.dispose();
    }
  });
});

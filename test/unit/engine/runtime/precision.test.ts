// 'auto' precision: the most precise weights that fit a third of the machine's memory, on real checkpoint shapes.
import * as assert from 'node:assert/strict';
import { expectedTensors } from '../../../../engine/model/checkpoint';
import { readConfig } from '../../../../engine/model/config';
import { choosePrecision, weightBytes } from '../../../../engine/runtime/precision';
import { loadModel } from '../../../../engine/runtime/load-model';
import { FIXTURES, testCacheDir } from '../fixture-models';
import { join } from 'node:path';

const GB = 1024 ** 3;
const v2lite = expectedTensors(readConfig(join(FIXTURES, 'v2lite-tiny')));

describe('runtime/precision (auto)', () => {
  it('estimates quantized sizes from the expert projections only', () => {
    const f32 = weightBytes(v2lite, 'f32');
    const int8 = weightBytes(v2lite, 'int8');
    const int4 = weightBytes(v2lite, 'int4');
    assert.ok(f32 > int8 && int8 > int4, `${f32} ${int8} ${int4}`);
    // the non-expert tensors stay float32, so no precision goes below their size
    const rest = v2lite.filter((t) => !/mlp\.(experts|shared_experts)\./.test(t.name)).reduce((n, t) => n + 4 * t.shape.reduce((a, b) => a * b, 1), 0);
    assert.ok(int4 > rest);
  });

  it('keeps float32 when it fits a third of memory, and steps down to int8, then int4, as memory shrinks', () => {
    const f32 = weightBytes(v2lite, 'f32');
    const int8 = weightBytes(v2lite, 'int8');
    assert.equal(choosePrecision(v2lite, 24 * GB), 'f32');
    assert.equal(choosePrecision(v2lite, 3 * f32), 'f32');
    assert.equal(choosePrecision(v2lite, 3 * f32 - 3), 'int8');
    assert.equal(choosePrecision(v2lite, 3 * int8), 'int8');
    assert.equal(choosePrecision(v2lite, 3 * int8 - 3), 'int4');
    assert.equal(choosePrecision(v2lite, 1), 'int4', 'nothing fits: the smallest, and let the load say more');
  });

  it('model/load with auto reports the precision it chose', async () => {
    const big = await loadModel(join(FIXTURES, 'v2lite-tiny'), { precision: 'auto', threads: 1, cacheDir: testCacheDir() });
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

// The dense baseline bench:engine measures against: every routed expert on every token, unselected ones weighted 0,
// must compute what the engine computes with the selected experts only.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { allExperts } from '../../../bench/dense-experts';
import { loadModel } from '../../../engine/runtime/load-model';
import { FIXTURES, maxAbsDiff, testCacheDir } from '../../helpers/fixture-models';

describe('bench: the dense all-experts baseline', () => {
  it('gives the logits and experts of the selected-experts MoE on a fixture', async () => {
    const dir = join(FIXTURES, 'v3-tiny');
    const tokens = [1, 5, 9, 2, 7, 3];
    const sparse = await loadModel(dir, { threads: 1, cacheDir: testCacheDir() });
    const dense = await loadModel(dir, { threads: 1, cacheDir: testCacheDir(), expertDispatch: allExperts });
    try {
      const a = await sparse.forward(tokens);
      const b = await dense.forward(tokens);
      assert.deepEqual(b.experts, a.experts);
      a.logits.forEach((row, i) => assert.ok(maxAbsDiff(row, b.logits[i]) < 1e-5, `row ${i}`));
    } finally {
      await sparse.dispose();
      await dense.dispose();
    }
  });
});

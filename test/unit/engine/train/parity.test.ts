// The engine reproduces the PyTorch training code's logits for the committed default model (atol 1e-4) on held-out
// sequences of code, math and prose, with the same experts at every token of every MoE layer.
import * as assert from 'node:assert/strict';
import type { LoadedModel } from '../../../../engine/runtime/api';
import { loadModel } from '../../../../engine/runtime/load-model';
import { testCacheDir } from '../../../helpers/fixture-models';
import { DEFAULT_MODEL, modelSha256, parityLogits, readParity } from '../../../helpers/default-model';

describe('default model: engine vs PyTorch parity', () => {
  const fx = readParity();
  let model: LoadedModel;
  before(async function () {
    this.timeout(180_000);
    model = await loadModel(DEFAULT_MODEL, { threads: 1, cacheDir: testCacheDir() });
  });
  after(() => model?.dispose());

  it('the reference fixture belongs to the committed checkpoint', () => {
    assert.equal(modelSha256(), fx.model_sha256, 'run engine/train/fixtures.py after exporting a new default model');
  });

  fx.sequences.forEach((s, i) => {
    it(`${s.domain} (${s.tokens.length} tokens): logits within 1e-4, same argmax everywhere, same experts`, async () => {
      const r = await model.forward(s.tokens);
      const ref = parityLogits(`s${i}.logits`);
      const V = model.info.vocabSize;
      s.positions.forEach((p, j) => {
        const want = ref.subarray(j * V, (j + 1) * V);
        let worst = 0;
        for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(r.logits[p][v] - want[v]));
        assert.ok(worst <= 1e-4, `position ${p}: max |diff| ${worst}`);
      });
      const argmax = r.logits.map((row) => row.indexOf(Math.max(...row)));
      assert.deepEqual(argmax, s.argmax);
      assert.deepEqual(
        r.experts.map((layer) => layer.map((t) => [...t].sort((a, b) => a - b))),
        s.experts,
      );
    });
  });
});

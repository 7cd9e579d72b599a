// int8 / int4 expert weights (MatMulNBits): the quantizer's error bound, the graphs computing exactly what the
// dequantized weights give, and the logits deviation against float32 measured on a fixture.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { dequantize, quantizeBlockwise } from '../../../../engine/onnx/quantize';
import { loadModel } from '../../../../engine/runtime/load-model';
import { FIXTURES, argmax, maxAbsDiff, readGolden, testCacheDir } from '../fixture-models';
import { writeVariant } from '../model/checkpoint-variants';

const isExpertWeight = (name: string) => /mlp\.(experts\.\d+|shared_experts)\.(gate|up|down)_proj\.weight$/.test(name);

describe('quantized expert weights', () => {
  it('quantizes block-wise with an error of at most half a step, padding a short last block', () => {
    const N = 3;
    const K = 40; // one full block of 32 and a padded one
    const w = Float32Array.from({ length: N * K }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    for (const bits of [8, 4] as const) {
      const q = quantizeBlockwise(w, N, K, bits);
      assert.equal(q.blocks, 2);
      const back = dequantize(q, N, K, bits);
      for (let i = 0; i < w.length; i++) {
        const scale = q.scales[Math.floor(i / K) * 2 + Math.floor((i % K) / 32)];
        assert.ok(Math.abs(back[i] - w[i]) <= scale / 2 + 1e-6, `bits ${bits} index ${i}`);
      }
    }
  });

  for (const [precision, bits] of [['int8', 8], ['int4', 4]] as const) {
    it(`${precision}: MatMulNBits graphs equal float32 graphs of the dequantized weights; deviation from f32 measured`, async () => {
      const prompt = readGolden('v3-tiny').prompts[1].tokens;
      const opts = { threads: 1, cacheDir: testCacheDir() };
      const roundTrip = writeVariant('v3-tiny', {
        tensors: (ts) =>
          ts.map((t) => {
            if (!isExpertWeight(t.name)) return t;
            const [N, K] = t.shape;
            return { ...t, data: () => dequantize(quantizeBlockwise(t.data(), N, K, bits), N, K, bits) };
          }),
      });
      const quant = await loadModel(join(FIXTURES, 'v3-tiny'), { ...opts, precision });
      const deq = await loadModel(roundTrip, opts);
      const f32 = await loadModel(join(FIXTURES, 'v3-tiny'), opts);
      assert.equal(quant.info.precision, precision);
      const [rq, rd, rf] = [await quant.forward(prompt), await deq.forward(prompt), await f32.forward(prompt)];
      assert.deepEqual(rq.experts, rd.experts);
      rq.logits.forEach((row, t) => assert.ok(maxAbsDiff(row, rd.logits[t]) < 1e-3, `position ${t}`));
      const deviation = Math.max(...rq.logits.map((row, t) => maxAbsDiff(row, rf.logits[t])));
      const agree = rq.logits.filter((row, t) => argmax(row) === argmax(rf.logits[t])).length / prompt.length;
      process.stdout.write(`      ${precision} vs f32 on v3-tiny: max |logit diff| ${deviation.toFixed(4)}, argmax agreement ${(agree * 100).toFixed(0)}%\n`);
      if (precision === 'int8') {
        assert.ok(deviation < 0.5, `int8 deviation ${deviation}`);
        assert.ok(agree >= 0.9);
      }
      for (const m of [quant, deq, f32]) await m.dispose();
    });
  }
});

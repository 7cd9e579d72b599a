// int8 / int4 expert weights (MatMulNBits): the quantizer's error bound, the operator computing what the dequantized
// weights give, and the logits deviation against float32 measured on a fixture.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { ExternalDataFile, GraphBuilder } from '../../../../engine/onnx/builder';
import { quantizedLinear } from '../../../../engine/onnx/ops';
import { dequantize, quantizeBlockwise } from '../../../../engine/onnx/quantize';
import { loadModel } from '../../../../engine/runtime/load-model';
import { FIXTURES, argmax, maxAbsDiff, readGolden, tempDir, testCacheDir } from '../../../helpers/fixture-models';

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

  for (const bits of [8, 4] as const) {
    it(`a ${bits}-bit MatMulNBits projection computes x W^T of the dequantized weights (up to int8 activation rounding)`, async () => {
      const N = 48;
      const K = 80;
      const w = Float32Array.from({ length: N * K }, (_, i) => Math.sin(i * 0.37) / Math.sqrt(K));
      const x = Float32Array.from({ length: 3 * K }, (_, i) => Math.cos(i * 0.11));
      const dir = tempDir('mnb');
      const file = new ExternalDataFile(join(dir, 'w.bin'));
      const g = new GraphBuilder('mnb');
      const input = g.input('x', ['M', K]);
      g.output(
        quantizedLinear(
          g,
          { ckpt: undefined as never, file, precision: bits === 8 ? 'int8' : 'int4' },
          'w',
          w,
          N,
          K,
          input,
        ),
        'y',
        ['M', N],
      );
      file.close();
      writeFileSync(join(dir, 'm.onnx'), g.serialize());
      const session = await ort.InferenceSession.create(join(dir, 'm.onnx'), { intraOpNumThreads: 1 });
      const y = (await session.run({ x: new ort.Tensor('float32', x, [3, K]) })).y.data as Float32Array;
      const wq = dequantize(quantizeBlockwise(w, N, K, bits), N, K, bits);
      let maxErr = 0;
      let maxRef = 0;
      for (let m = 0; m < 3; m++) {
        for (let n = 0; n < N; n++) {
          let ref = 0;
          for (let k = 0; k < K; k++) ref += x[m * K + k] * wq[n * K + k];
          maxErr = Math.max(maxErr, Math.abs(y[m * N + n] - ref));
          maxRef = Math.max(maxRef, Math.abs(ref));
        }
      }
      // int8 activations carry ~1/254 relative error per block
      assert.ok(maxErr < 0.02 * maxRef, `max error ${maxErr} of ${maxRef}`);
      await session.release();
    });
  }

  for (const precision of ['int8', 'int4'] as const) {
    it(`${precision} experts on a fixture: logits deviation from f32 measured (int8 must keep the argmax)`, async () => {
      const prompt = readGolden('v3-tiny').prompts[1].tokens;
      const opts = { threads: 1, cacheDir: testCacheDir() };
      const quant = await loadModel(join(FIXTURES, 'v3-tiny'), { ...opts, precision });
      const f32 = await loadModel(join(FIXTURES, 'v3-tiny'), opts);
      assert.equal(quant.info.precision, precision);
      const [rq, rf] = [await quant.forward(prompt), await f32.forward(prompt)];
      const deviation = Math.max(...rq.logits.map((row, t) => maxAbsDiff(row, rf.logits[t])));
      const agree = rq.logits.filter((row, t) => argmax(row) === argmax(rf.logits[t])).length / prompt.length;
      process.stdout.write(
        `      ${precision} vs f32 on v3-tiny: max |logit diff| ${deviation.toFixed(4)}, argmax agreement ${(agree * 100).toFixed(0)}%\n`,
      );
      assert.ok(deviation > 0, 'quantized weights are in use');
      if (precision === 'int8') {
        assert.ok(deviation < 0.5, `int8 deviation ${deviation}`);
        assert.ok(agree >= 0.9);
      }
      await quant.dispose();
      await f32.dispose();
    });
  }
});

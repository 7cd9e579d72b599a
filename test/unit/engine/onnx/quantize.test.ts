// int8 / int4 weights (MatMulNBits for every projection, GatherBlockQuantized for the embedding): the quantizer's error
// bound, the operators computing what the dequantized weights give, every matrix stored quantized, and the logits
// deviation and argmax agreement against float32 measured on the fixtures.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { ExternalDataFile, GraphBuilder } from '../../../../engine/onnx/builder';
import { onnx } from 'onnx-proto';
import { readConfig } from '../../../../engine/checkpoint/config';
import { embedGraph } from '../../../../engine/model/transformer';
import { quantizedLinear } from '../../../../engine/onnx/ops';
import { dequantize, quantizeBlockwise } from '../../../../engine/onnx/quantize';
import { loadModel } from '../../../../engine/runtime/load-model';
import {
  FIXTURES,
  FIXTURE_NAMES,
  argmax,
  maxAbsDiff,
  readGolden,
  tempDir,
  testCacheDir,
} from '../../../helpers/fixture-models';

describe('quantized weights', () => {
  it('quantizes block-wise with an error of at most half a step, padding a short last block', () => {
    const N = 3;
    const K = 40; // one full block of 32 and a padded one
    const w = Float32Array.from({ length: N * K }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    for (const bits of [8, 4] as const) {
      const q = quantizeBlockwise(w, N, K, bits);
      assert.equal(q.blocks, 2);
      const back = dequantize(q, N, K);
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
      const wq = dequantize(quantizeBlockwise(w, N, K, bits), N, K);
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

  for (const bits of [8, 4] as const) {
    it(`a ${bits}-bit embedding gathers exactly the dequantized rows (GatherBlockQuantized)`, async () => {
      const cfg = { ...readConfig(join(FIXTURES, 'v3-tiny')), vocab_size: 10, hidden_size: 64 };
      const w = Float32Array.from({ length: 10 * 64 }, (_, i) => Math.sin(i * 0.71) * (1 + (i % 7)));
      const dir = tempDir('gbq');
      const file = new ExternalDataFile(join(dir, 'embed.bin'));
      const ckpt = { readF32: () => w } as never;
      writeFileSync(join(dir, 'embed.onnx'), embedGraph(cfg, { ckpt, file, precision: bits === 8 ? 'int8' : 'int4' }));
      file.close();
      const session = await ort.InferenceSession.create(join(dir, 'embed.onnx'));
      const ids = [3, 0, 9, 3];
      const y = (await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [4]) })).hidden
        .data as Float32Array;
      const wq = dequantize(quantizeBlockwise(w, 10, 64, bits), 10, 64);
      ids.forEach((id, t) =>
        assert.ok(maxAbsDiff(y.subarray(t * 64, (t + 1) * 64), wq.subarray(id * 64, (id + 1) * 64)) < 1e-6, `row ${t}`),
      );
      assert.ok(maxAbsDiff(y.subarray(0, 64), w.subarray(3 * 64, 4 * 64)) > 0, 'quantized, not the float32 table');
      await session.release();
    });
  }

  it('every matrix is stored quantized: no float32 matrix but the router is left in an int8 / int4 graph', async () => {
    for (const precision of ['int8', 'int4'] as const) {
      const cacheDir = tempDir(`ops-${precision}`);
      const model = await loadModel(join(FIXTURES, 'v3-tiny'), { threads: 1, cacheDir, precision });
      await model.dispose();
      const [graphDir] = readdirSync(cacheDir).filter((d) => d.includes(`-${precision}-`));
      const floatMatrices: string[] = [];
      let quantized = 0;
      for (const f of readdirSync(join(cacheDir, graphDir)).filter((f) => f.endsWith('.onnx'))) {
        const m = onnx.ModelProto.decode(readFileSync(join(cacheDir, graphDir, f)));
        const inits = new Map((m.graph?.initializer ?? []).map((t) => [t.name as string, t]));
        for (const n of m.graph?.node ?? []) {
          if (n.opType === 'MatMulNBits' || n.opType === 'GatherBlockQuantized') quantized++;
          for (const input of n.input ?? []) {
            const t = inits.get(input);
            // a float32 matrix is allowed only as the router's weight (and the block scales)
            if (
              t &&
              t.dims?.length === 2 &&
              t.dataType === onnx.TensorProto.DataType.FLOAT &&
              !/mlp\.gate\.weight|\.scales$/.test(input)
            )
              floatMatrices.push(`${f}: ${input}`);
          }
        }
      }
      assert.deepEqual(floatMatrices, [], `${precision}: float32 matrices left`);
      assert.ok(quantized > 0);
    }
  });

  for (const name of FIXTURE_NAMES) {
    for (const precision of ['int8', 'int4'] as const) {
      it(`${name}: ${precision} against f32, logits deviation, argmax and routing agreement measured (int8 keeps the argmax)`, async () => {
        const prompt = readGolden(name).prompts[1].tokens;
        const opts = { threads: 1, cacheDir: testCacheDir() };
        const quant = await loadModel(join(FIXTURES, name), { ...opts, precision });
        const f32 = await loadModel(join(FIXTURES, name), opts);
        assert.equal(quant.info.precision, precision);
        const [rq, rf] = [await quant.forward(prompt), await f32.forward(prompt)];
        await quant.dispose();
        await f32.dispose();
        const deviation = Math.max(...rq.logits.map((row, t) => maxAbsDiff(row, rf.logits[t])));
        const agree = rq.logits.filter((row, t) => argmax(row) === argmax(rf.logits[t])).length / prompt.length;
        // a token routed to another expert jumps (the fixtures' random routers have near ties): the deviation where
        // every layer picked the same experts is the quantization error proper
        const sameExperts = (t: number) =>
          rq.experts.every((layer, l) => layer[t].every((e) => rf.experts[l][t].includes(e)));
        const routed = prompt.map((_, t) => t).filter(sameExperts);
        const picks = rq.experts.reduce(
          (n, layer, l) =>
            n + layer.reduce((m, tok, t) => m + tok.filter((e) => rf.experts[l][t].includes(e)).length, 0),
          0,
        );
        const routingAgree =
          picks / rf.experts.reduce((n, layer) => n + layer.reduce((m, tok) => m + tok.length, 0), 0);
        const routedDeviation = Math.max(...routed.map((t) => maxAbsDiff(rq.logits[t], rf.logits[t])));
        process.stdout.write(
          `      ${precision} vs f32 on ${name}: max |logit diff| ${deviation.toFixed(3)}, ${routedDeviation.toFixed(3)} where routing agrees (${routed.length}/${prompt.length} tokens), argmax agreement ${(agree * 100).toFixed(0)}%, expert picks agree ${(routingAgree * 100).toFixed(1)}%\n`,
        );
        assert.ok(deviation > 0, 'quantized weights are in use');
        if (precision === 'int8') {
          assert.ok(routed.length >= prompt.length / 2, `int8: routing agrees on ${routed.length} tokens only`);
          assert.ok(routedDeviation < 0.5, `int8 deviation ${routedDeviation} where routing agrees`);
          assert.ok(routingAgree >= 0.95, `int8 routing agreement ${routingAgree}`);
          assert.ok(agree >= (name === 'v3-tiny' ? 0.9 : 0.8), `int8 argmax agreement ${agree}`);
        }
      });
    }
  }
});

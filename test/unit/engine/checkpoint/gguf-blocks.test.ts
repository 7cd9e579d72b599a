// A GGUF's Q8_0 / Q4_0 blocks handed to MatMulNBits as they are (GgufCheckpoint.readBlocks, ggml-types.ts
// matMulNBitsBlocks, engine/onnx/ops.ts matrixBlocks): the blocks decode to exactly ggml's values for every matrix
// but kv_b (rebuilt across its blocks, so quantized again), only at the matching width; and a model loaded from them
// is at least as close to the float32 run of those values as one that quantizes the values again.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeDeepseek2Gguf, writeDeepseek2GgufDequantized } from '../../../../bench/gguf/deepseek2';
import { GgufCheckpoint } from '../../../../engine/checkpoint/gguf';
import { matMulNBitsBlocks } from '../../../../engine/checkpoint/matmulnbits-blocks';
import { expectedTensors } from '../../../../engine/checkpoint/tensors';
import { readConfig } from '../../../../engine/checkpoint/config';
import { matrixBlocks } from '../../../../engine/onnx/ops';
import { dequantize, quantizeBlockwise } from '../../../../engine/onnx/quantize';
import type { WeightPrecision } from '../../../../engine/protocol';
import { loadModel } from '../../../../engine/runtime/load-model';
import {
  FIXTURE_NAMES,
  FIXTURES,
  maxAbsDiff,
  readGolden,
  tempDir,
  testCacheDir,
} from '../../../helpers/fixture-models';

const FORMATS = [
  { type: 'Q8_0', bits: 8, precision: 'int8' },
  { type: 'Q4_0', bits: 4, precision: 'int4' },
] as const;

describe('GGUF blocks kept for MatMulNBits (readBlocks)', function () {
  this.timeout(300_000);
  const dir = tempDir('gguf-blocks');

  it('Q8_0 and Q4_0 blocks by hand: codes around 2^(bits-1), Q4_0 nibbles j / j+16 repacked to 2i / 2i+1', () => {
    // one block: d = 0.5 (fp16 0x3800), then the quants
    const q8 = new Uint8Array(34);
    q8[1] = 0x38;
    for (let j = 0; j < 32; j++) q8[2 + j] = (j - 16) & 0xff;
    const b8 = matMulNBitsBlocks('Q8_0', 8, q8, 32);
    assert.ok(b8);
    assert.deepEqual([...b8.scales], [0.5]);
    assert.deepEqual(
      [...b8.packed],
      Array.from({ length: 32 }, (_, j) => j - 16 + 128),
    );
    const q4 = new Uint8Array(18);
    q4[1] = 0x38;
    for (let j = 0; j < 16; j++) q4[2 + j] = j | ((15 - j) << 4); // value j = j, value j + 16 = 15 - j
    const b4 = matMulNBitsBlocks('Q4_0', 4, q4, 32);
    assert.ok(b4);
    const values = Array.from({ length: 32 }, (_, j) => (j < 16 ? j : 31 - j));
    assert.deepEqual(
      [...b4.packed],
      Array.from({ length: 16 }, (_, i) => values[2 * i] | (values[2 * i + 1] << 4)),
    );
    assert.equal(matMulNBitsBlocks('Q8_0', 4, q8, 32)?.bits, 8, 'Q8_0 keeps 8 bits at int4');
    assert.deepEqual(
      [...(matMulNBitsBlocks('Q4_0', 8, q4, 32)?.packed ?? [])],
      values.map((v) => v - 8 + 128),
      'Q4_0 widened to 8 bits around 128',
    );
  });

  for (const name of FIXTURE_NAMES) {
    for (const { type, bits } of FORMATS) {
      it(`${name} as ${type}: every matrix's blocks decode to ggml's values bit for bit, kv_b excepted`, async () => {
        const file = join(dir, `${name}-${type}.gguf`);
        writeDeepseek2Gguf(join(FIXTURES, name), file, type);
        const ckpt = await GgufCheckpoint.open(file);
        const src = { ckpt, file: { path: '', offset: 0 } as never, precision: bits === 8 ? 'int8' : 'int4' } as const;
        let kept = 0;
        for (const { name: t, shape } of expectedTensors(readConfig(join(FIXTURES, name)))) {
          const blocks = ckpt.readBlocks(t, bits);
          // the writer stores a matrix as blocks when its rows are whole blocks; the router and vectors stay F32, and
          // kv_b is rebuilt from attn_k_b, stored transposed
          if (shape.length !== 2 || shape[1] % 32 !== 0 || /kv_b_proj|mlp\.gate\.weight/.test(t)) {
            assert.equal(blocks, undefined, t);
            continue;
          }
          assert.ok(blocks, `${t}: no blocks`);
          const [N, K] = shape;
          assert.deepEqual(dequantize(blocks, N, K), ckpt.readF32(t), t);
          assert.deepEqual(matrixBlocks(src, t, N, K), blocks, `${t}: the graph gets the file's blocks`);
          // at the other precision: Q8_0 stays 8-bit at int4 (the file's type decides), Q4_0 widens to 8 bits at int8
          const other = ckpt.readBlocks(t, bits === 8 ? 4 : 8);
          assert.equal(other?.bits, 8, `${t} at the other precision`);
          assert.deepEqual(dequantize(other, N, K), ckpt.readF32(t), `${t} at the other precision`);
          kept++;
        }
        assert.ok(kept > 10, `${kept} matrices kept`);
      });
    }
  }

  it("Q4_0 values quantized again are not kept: quantizeBlockwise's 4-bit scale is max|x| / 7, ggml's max / -8", async () => {
    const file = join(dir, 'v3-tiny-Q4_0.gguf');
    writeDeepseek2Gguf(join(FIXTURES, 'v3-tiny'), file, 'Q4_0');
    const ckpt = await GgufCheckpoint.open(file);
    const t = 'model.layers.0.self_attn.o_proj.weight';
    const [N, K] = ckpt.shape(t);
    const values = ckpt.readF32(t);
    assert.ok(maxAbsDiff(dequantize(quantizeBlockwise(values, N, K, 4), N, K), values) > 0);
  });

  for (const { type, precision } of FORMATS) {
    it(`v3-tiny: ${type} loaded at ${precision} is as close to the float32 run of its values as the values quantized again`, async () => {
      const source = join(FIXTURES, 'v3-tiny');
      const file = join(dir, `v3-tiny-${type}-model.gguf`);
      const decoded = join(dir, `v3-tiny-${type}-as-f32.gguf`);
      writeDeepseek2Gguf(source, file, type);
      writeDeepseek2GgufDequantized(source, decoded, type);
      const tokens = readGolden('v3-tiny').prompts[1].tokens;
      const logits = async (f: string, p: WeightPrecision) => {
        const model = await loadModel(f, { threads: 1, cacheDir: testCacheDir(), precision: p });
        try {
          return (await model.forward(tokens)).logits;
        } finally {
          await model.dispose();
        }
      };
      const ref = await logits(decoded, 'f32');
      const direct = await logits(file, precision);
      const again = await logits(decoded, precision);
      const worst = (rows: Float32Array[]) => Math.max(...rows.map((r, i) => maxAbsDiff(r, ref[i])));
      console.log(
        `      ${type} at ${precision}: max |logit - f32| ${worst(direct).toExponential(2)} with the file's blocks, ${worst(again).toExponential(2)} quantized again`,
      );
      assert.ok(worst(direct) <= worst(again), `${worst(direct)} > ${worst(again)}`);
    });
  }
});

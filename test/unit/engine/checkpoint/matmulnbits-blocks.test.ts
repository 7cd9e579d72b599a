// Every ggml quant type as MatMulNBits blocks (engine/checkpoint/matmulnbits-blocks.ts), on random blocks packed from
// ggml's layouts (test/helpers/ggml-random-blocks.ts, whose values follow from ggml's definitions without the
// engine's code): at each precision, the blocks take the width the type needs, decode (MatMulNBits' definition:
// scale * (code - zero point) + min, engine/onnx/quantize.ts dequantize) to ggml's values (bit for bit; to float32 rounding for a type with a min, whose codes are centred), and the real
// onnxruntime's MatMulNBits graph (engine/onnx/ops.ts blocksLinear) computes x W^T of those values: to float rounding
// at accuracy_level 0, and within int8-activation rounding at the engine's level.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  blockValues,
  dequantize as ggml,
  type QuantTypeName,
  unpackBlocks,
} from '../../../../engine/checkpoint/ggml-types';
import { matMulNBitsBlocks } from '../../../../engine/checkpoint/matmulnbits-blocks';
import { DataType, ExternalDataFile, GraphBuilder } from '../../../../engine/onnx/builder';
import { ACCURACY_LEVEL, blockGather, blocksLinear } from '../../../../engine/onnx/ops';
import { dequantize } from '../../../../engine/onnx/quantize';
import { seededRandom } from '../../../../engine/runtime/sampling';
import { type Block, k45Block, randomBlock } from '../../../helpers/ggml-random-blocks';
import { maxAbsDiff, tempDir } from '../../../helpers/fixture-models';
import type { BlockMatrix, CheckpointWeights } from '../../../../engine/checkpoint/weights';

/** type -> [bits at int4, bits at int8, block size, mins] */
const EXPECTED: Record<QuantTypeName, [number, number, number, boolean]> = {
  Q8_0: [8, 8, 32, false],
  Q4_0: [4, 8, 32, false],
  Q4_1: [4, 8, 32, true],
  Q5_0: [8, 8, 32, false],
  Q5_1: [8, 8, 32, true],
  Q4_K: [4, 8, 32, true],
  Q5_K: [8, 8, 32, true],
  Q6_K: [8, 8, 16, false],
};

const N = 6;
const K = 512;
const M = 3;

function randomMatrix(type: QuantTypeName, seed: number, make = (next: () => number) => randomBlock(type, next)) {
  const next = seededRandom(seed);
  const blocks: Block[] = Array.from({ length: (N * K) / blockValues(type) }, () => make(next));
  return {
    raw: Buffer.concat(blocks.map((b) => b.bytes)),
    values: Float32Array.from(blocks.flatMap((b) => Array.from(b.values))),
  };
}

async function run(q: BlockMatrix, x: Float32Array, level: number): Promise<Float32Array> {
  const dir = tempDir('mnb-blocks');
  const file = new ExternalDataFile(join(dir, 'w.bin'));
  const g = new GraphBuilder('mnb');
  g.output(blocksLinear(g, file, 'w', q, N, K, g.input('x', ['M', K]), level), 'y', ['M', N]);
  file.close();
  writeFileSync(join(dir, 'm.onnx'), g.serialize());
  const session = await ort.InferenceSession.create(join(dir, 'm.onnx'), { intraOpNumThreads: 1 });
  try {
    return (await session.run({ x: new ort.Tensor('float32', x, [M, K]) })).y.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** max |y - x W^T| over max |x W^T|, the reference in float64 */
function relError(y: Float32Array, x: Float32Array, w: Float32Array): number {
  let err = 0;
  let ref = 0;
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x[m * K + k] * w[n * K + k];
      err = Math.max(err, Math.abs(y[m * N + n] - s));
      ref = Math.max(ref, Math.abs(s));
    }
  return err / ref;
}

describe('ggml blocks as MatMulNBits blocks (matmulnbits-blocks.ts), against ggml-layout random blocks', function () {
  this.timeout(120_000);
  for (const type of Object.keys(EXPECTED) as QuantTypeName[]) {
    for (const bits of [4, 8] as const) {
      it(`${type} at int${bits}: the width its type needs, ggml's values (to float32 rounding with a min), MatMulNBits computes x W^T`, async () => {
        const [at4, at8, blockSize, mins] = EXPECTED[type];
        const errors: string[] = [];
        for (let seed = 1; seed <= 3; seed++) {
          const { raw, values } = randomMatrix(type, seed * 31 + bits);
          const q = matMulNBitsBlocks(type, bits, raw, K);
          assert.ok(q, `${type}: no blocks`);
          assert.equal(q.bits, bits === 4 ? at4 : at8, 'bits');
          assert.equal(q.blockSize, blockSize, 'block size');
          assert.equal(q.zeroPoints, undefined, 'the default zero point');
          assert.equal(!!q.mins, mins, 'mins');
          // bit for bit; a type with a min to float32 rounding (its codes are centred, the min taking midpoint * scale)
          const back = dequantize(q, N, K);
          if (mins) assert.ok(maxAbsDiff(back, values) <= 1e-6 * maxAbsDiff(values, new Float32Array(N * K)));
          else assert.deepEqual(back, values, `seed ${seed}: the values MatMulNBits stands for`);
          const next = seededRandom(seed);
          const x = Float32Array.from({ length: M * K }, () => next() * 2 - 1);
          const exact = relError(await run(q, x, 0), x, values);
          const fast = relError(await run(q, x, ACCURACY_LEVEL), x, values);
          errors.push(`${exact.toExponential(1)} / ${fast.toExponential(1)}`);
          assert.ok(exact < 1e-5, `seed ${seed}: level 0 relative error ${exact}`);
          assert.ok(fast < 0.02, `seed ${seed}: level ${ACCURACY_LEVEL} relative error ${fast}`);
        }
        process.stdout.write(`      relative error at level 0 / ${ACCURACY_LEVEL}: ${errors.join(', ')}\n`);
      });
    }
  }

  it('Q4_K with sub-blocks of scale 0 and of min 0: scale 0 gives 0 (+ the min), exactly', async () => {
    const zeroed = (next: () => number): Block => {
      const b = k45Block('Q4_K', next);
      // sub-block 0: scale 0 (its min kept), sub-block 5: min 0 (the values: the engine's ggml dequantization, tested
      // against the definitions in ggml-types.test.ts)
      b.bytes[4] &= 0xc0; // sc[0] = 0 (the top bits belong to sc[4])
      b.bytes[4 + 5 + 4] &= 0x0f; // low nibble of mn[5] = 0
      b.bytes[4 + 5] &= 0x3f; // top bits of mn[5] (the spare bits of mn[1]'s byte) = 0
      return b;
    };
    const next = seededRandom(7);
    const blocks = Array.from({ length: (N * K) / 256 }, () => zeroed(next));
    const raw = Buffer.concat(blocks.map((b) => b.bytes));
    const values = ggml('Q4_K', raw, N * K);
    for (let j = 0; j < 32; j++) assert.ok(values[j] <= 0, 'sub-block 0 holds only -min');
    const q = matMulNBitsBlocks('Q4_K', 4, raw, K);
    assert.ok(q);
    assert.ok(maxAbsDiff(dequantize(q, N, K), values) <= 1e-6 * maxAbsDiff(values, new Float32Array(N * K)));
    const x = Float32Array.from({ length: M * K }, () => next() * 2 - 1);
    assert.ok(relError(await run(q, x, 0), x, values) < 1e-5);
  });

  it('explicit uint8 zero points (BlockMatrix.zeroPoints): Q4_K as its raw codes, zero point 0 and its own mins', async () => {
    const { raw, values } = randomMatrix('Q4_K', 11);
    const q = matMulNBitsBlocks('Q4_K', 4, raw, K);
    assert.ok(q);
    const u = unpackBlocks('Q4_K', raw, N * K);
    // 4-bit codes centred on 8 are the raw codes; zero points 0 (two a byte) with ggml's own mins say the same
    const explicit: BlockMatrix = { ...q, zeroPoints: new Uint8Array(N * Math.ceil(q.blocks / 2)), mins: u.mins };
    assert.deepEqual(dequantize(explicit, N, K), values, 'zero point 0: ggml values bit for bit');
    const next = seededRandom(5);
    const x = Float32Array.from({ length: M * K }, () => next() * 2 - 1);
    assert.ok(relError(await run(explicit, x, 0), x, values) < 1e-5);
    assert.ok(relError(await run(explicit, x, ACCURACY_LEVEL), x, values) < 0.02);
  });

  for (const [type, bits] of [
    ['Q4_K', 4],
    ['Q4_K', 8],
    ['Q6_K', 4],
    ['Q5_1', 4],
  ] as const) {
    it(`an embedding table of ${type} at int${bits}: GatherBlockQuantized (+ the gathered mins) gives ggml's rows`, async () => {
      const { raw, values } = randomMatrix(type, 17);
      const q = matMulNBitsBlocks(type, bits, raw, K);
      assert.ok(q);
      const dir = tempDir('gather-blocks');
      const file = new ExternalDataFile(join(dir, 'w.bin'));
      // a checkpoint faked at its boundary: the one table, as readBlocks serves it
      const ckpt = { readBlocks: () => q, locate: () => 'table' } as unknown as CheckpointWeights;
      const g = new GraphBuilder('gather');
      const ids = g.input('ids', ['T'], DataType.INT64);
      g.output(blockGather(g, { ckpt, file, precision: `int${bits}` }, 't', N, K, ids), 'rows', ['T', K]);
      file.close();
      writeFileSync(join(dir, 'm.onnx'), g.serialize());
      const session = await ort.InferenceSession.create(join(dir, 'm.onnx'));
      const pick = [5, 0, 3, 5];
      const rows = (await session.run({ ids: new ort.Tensor('int64', BigInt64Array.from(pick, BigInt), [4]) })).rows
        .data as Float32Array;
      await session.release();
      const scale = maxAbsDiff(values, new Float32Array(values.length));
      pick.forEach((r, t) =>
        assert.ok(
          maxAbsDiff(rows.subarray(t * K, (t + 1) * K), values.subarray(r * K, (r + 1) * K)) <= 1e-6 * scale,
          `row ${r}`,
        ),
      );
    });
  }
});

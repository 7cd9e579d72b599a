// The row quantizer the graph builder uses for checkpoint matrices (engine/onnx/quantize-rows.ts) gives the bytes of
// quantizeBlockwise (engine/onnx/quantize.ts) exactly: codes and scales, at 4 and 8 bits, from F32 / BF16 / F16
// safetensors, with the values where rounding and clamping decide (exact halves, infinities, NaN, zeros, -0).
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { SafetensorsCheckpoint } from '../../../../engine/checkpoint/safetensors';
import { writeSafetensors } from '../../../../engine/checkpoint/safetensors-writer';
import { quantizeBlockwise } from '../../../../engine/onnx/quantize';
import { quantizeRows } from '../../../../engine/onnx/quantize-rows';
import { quantizingCheckpoint } from '../../../../engine/onnx/quantizing-checkpoint';
import { FIXTURES, tempDir } from '../../../helpers/fixture-models';

const K = 96;

/** Rows of 3 blocks each: random, exact halves of the scale, a block of zeros, infinities, NaN, -0 and tiny values. */
function awkwardMatrix(N: number, seed: number): Float32Array {
  const w = new Float32Array(N * K);
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (let i = 0; i < w.length; i++) w[i] = rand() * 0.05;
  // row 0, block 0: amax 7 (scale exactly 1 at 4 bits): every half between -7.5 and 7 is a tie Math.round breaks up
  for (let j = 0; j < 32; j++) w[j] = j === 0 ? 7 : -7.5 + (j % 16) * 0.5 + (j >= 16 ? 0.25 : 0);
  // row 0, block 1: amax 127 (scale 1 at 8 bits) with halves; block 2: all zeros
  for (let j = 0; j < 32; j++) w[32 + j] = j === 0 ? -127 : -126.5 + j * 7.5;
  for (let j = 0; j < 32; j++) w[64 + j] = j % 2 ? -0 : 0;
  if (N > 3) {
    w[K] = Infinity; // row 1, block 0
    w[K + 33] = NaN; // row 1, block 1
    w[K + 70] = -Infinity;
    for (let j = 0; j < 32; j++) w[2 * K + j] = (j - 16) * 1e-30; // row 2, block 0: tiny (subnormal in F16)
  }
  return w;
}

function assertSameBlocks(a: { packed: Uint8Array; scales: Float32Array; blocks: number }, b: typeof a, what: string) {
  assert.equal(a.blocks, b.blocks, what);
  assert.deepEqual(Buffer.from(a.packed), Buffer.from(b.packed), `${what}: codes`);
  assert.deepEqual(
    Buffer.from(a.scales.buffer, a.scales.byteOffset, a.scales.byteLength),
    Buffer.from(b.scales.buffer, b.scales.byteOffset, b.scales.byteLength),
    `${what}: scales`,
  );
}

describe('row quantizer (the graph builder quantizing checkpoint matrices)', () => {
  it('gives quantizeBlockwise’s bytes for float32 values, ties, infinities and NaN included', () => {
    for (const seed of [1, 2, 3]) {
      const N = 7;
      const w = awkwardMatrix(N, seed);
      for (const bits of [4, 8] as const)
        assertSameBlocks(
          quantizeRows({ dtype: 'F32', data: w }, N, K, bits),
          quantizeBlockwise(w, N, K, bits),
          `seed ${seed}, ${bits} bits`,
        );
    }
  });

  it('quantizes BF16 and F16 safetensors matrices as quantizeBlockwise(readF32) does', () => {
    for (const dtype of ['BF16', 'F16', 'F32'] as const) {
      const sub = tempDir(`quantize-rows-${dtype}`);
      writeSafetensors(
        join(sub, 'model.safetensors'),
        [
          { name: 'a.weight', shape: [7, K], data: () => awkwardMatrix(7, 5) },
          { name: 'odd.weight', shape: [3, 40], data: () => awkwardMatrix(2, 4).subarray(0, 120) },
        ],
        dtype,
      );
      const ckpt = new SafetensorsCheckpoint(sub);
      const fast = quantizingCheckpoint(ckpt);
      for (const bits of [4, 8] as const) {
        const got = fast.readBlocks?.('a.weight', bits);
        assert.ok(got, `${dtype}: blocks for a [7, ${K}] matrix`);
        assertSameBlocks(got, quantizeBlockwise(ckpt.readF32('a.weight'), 7, K, bits), `${dtype}, ${bits} bits`);
        // K = 40 is not whole blocks: left to the builder's own quantizer (it pads)
        assert.equal(fast.readBlocks?.('odd.weight', bits), undefined);
      }
      assert.deepEqual(fast.readF32('a.weight'), ckpt.readF32('a.weight'));
    }
  });

  it('gives every projection of the fixtures the bytes quantizeBlockwise gives', () => {
    const ckpt = new SafetensorsCheckpoint(join(FIXTURES, 'v2lite-tiny'));
    const fast = quantizingCheckpoint(ckpt);
    let matrices = 0;
    for (const [name, t] of ckpt.tensors) {
      if (t.shape.length !== 2 || t.shape[1] % 32 !== 0) continue;
      matrices++;
      for (const bits of [4, 8] as const) {
        const got = fast.readBlocks?.(name, bits);
        assert.ok(got, name);
        assertSameBlocks(got, quantizeBlockwise(ckpt.readF32(name), t.shape[0], t.shape[1], bits), `${name} ${bits}`);
      }
    }
    assert.ok(matrices > 10, `${matrices} matrices`);
  });
});

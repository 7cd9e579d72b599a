// Dequantization of every ggml type the engine reads (engine/checkpoint/ggml-types.ts), on random blocks, against an
// independent reference: the benchmark's encoder (bench/gguf/ggml-blocks.ts) for the types it writes, and for the
// others blocks packed from ggml's block layouts (test/helpers/ggml-random-blocks.ts) out of known scales and codes, so the expected
// values follow from the definitions (x = d * q, d * q + m, d * scale * q - dmin * min) without the engine's code.
import * as assert from 'node:assert/strict';
import { decode, encode, toF16 } from '../../../../bench/gguf/ggml-blocks';
import { dequantize, type GgmlTypeName } from '../../../../engine/checkpoint/ggml-types';
import { seededRandom } from '../../../../engine/runtime/sampling';
import { type Block, k45Block, legacyBlock, packScales, q6KBlock } from '../../../helpers/ggml-random-blocks';

function check(type: GgmlTypeName, make: (next: () => number) => Block, perBlock: number): void {
  for (let seed = 1; seed <= 40; seed++) {
    const next = seededRandom(seed);
    const blocks = Array.from({ length: 4 }, () => make(next));
    const got = dequantize(type, Buffer.concat(blocks.map((b) => b.bytes)), 4 * perBlock);
    const want = Float32Array.from(blocks.flatMap((b) => Array.from(b.values)));
    assert.deepEqual(got, want, `${type} seed ${seed}`);
  }
}

describe('ggml block types, dequantized (engine/checkpoint/ggml-types.ts)', () => {
  for (const type of ['F16', 'Q8_0', 'Q4_0'] as const) {
    it(`${type}: the values the benchmark's encoder wrote, read back as its decoder does`, () => {
      for (let seed = 1; seed <= 40; seed++) {
        const next = seededRandom(seed);
        const x = Float32Array.from({ length: 32 * 8 }, () => (next() - 0.5) * seed);
        const bytes = encode(type, x);
        assert.deepEqual(dequantize(type, bytes, x.length), decode(type, bytes, x.length), `seed ${seed}`);
      }
    });
  }

  it('F32 and BF16: the bits as they are (BF16 is the top half of a float32)', () => {
    const x = Float32Array.from({ length: 64 }, (_, i) => (i - 32) * 1.25e-3);
    assert.deepEqual(dequantize('F32', Buffer.from(x.buffer), 64), x);
    const top = new Uint16Array(new Uint32Array(x.buffer).map((b) => b >>> 16));
    const truncated = new Float32Array(new Uint32Array(Array.from(top, (h) => h << 16)).buffer);
    assert.deepEqual(dequantize('BF16', Buffer.from(top.buffer), 64), truncated);
  });

  for (const type of ['Q4_1', 'Q5_0', 'Q5_1'] as const) {
    it(`${type}: random blocks packed from ggml's layout`, () => check(type, (next) => legacyBlock(type, next), 32));
  }
  for (const type of ['Q4_K', 'Q5_K'] as const) {
    it(`${type}: random super-blocks packed from ggml's layout (6-bit scales and mins)`, () =>
      check(type, (next) => k45Block(type, next), 256));
  }
  it("Q6_K: random super-blocks packed from ggml's layout (int8 scales)", () => check('Q6_K', q6KBlock, 256));

  it('Q4_K by hand: sub-block 5 takes its scale and min from the split bytes', () => {
    const bytes = Buffer.alloc(144);
    bytes.writeUInt16LE(toF16(1), 0);
    bytes.writeUInt16LE(toF16(0.5), 2);
    const sc = [1, 2, 3, 4, 5, 6 + 16, 7, 8];
    const mn = [0, 0, 0, 0, 0, 33, 0, 0];
    packScales(sc, mn).forEach((b, i) => (bytes[4 + i] = b));
    bytes.fill(0x11, 16); // every code 1
    const y = dequantize('Q4_K', bytes, 256);
    assert.equal(y[0], 1); // scale 1, min 0
    assert.equal(y[5 * 32], 22 - 0.5 * 33); // sub-block 5: scale 22, min 33
  });
});

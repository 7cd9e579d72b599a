// Dequantization of every ggml type the engine reads (engine/checkpoint/ggml-types.ts), on random blocks, against an
// independent reference: the benchmark's encoder (bench/gguf/ggml-blocks.ts) for the types it writes, and for the
// others blocks packed here from ggml's block layouts (ggml-common.h) out of known scales and codes, so the expected
// values follow from the definitions (x = d * q, d * q + m, d * scale * q - dmin * min) without the engine's code.
import * as assert from 'node:assert/strict';
import { decode, encode, fromF16, toF16 } from '../../../../bench/gguf/ggml-blocks';
import { byteLength, dequantize, type GgmlTypeName } from '../../../../engine/checkpoint/ggml-types';
import { seededRandom } from '../../../../engine/runtime/sampling';

const f = Math.fround;

/** A block as the reference sees it: its bytes and the values they must give. */
interface Block {
  bytes: Buffer;
  values: Float32Array;
}

function randomInts(next: () => number, n: number, max: number): number[] {
  return Array.from({ length: n }, () => Math.floor(next() * (max + 1)));
}

/** A float16 scale of either sign (or positive), its value as float32. */
function scale(next: () => number, signed = true): [number, number] {
  const bits = toF16((signed ? next() - 0.5 : next()) * 0.2);
  return [bits, fromF16(bits)];
}

/** Q4_1, Q5_0, Q5_1: qs byte j holds values j (low nibble) and j + 16; Q5's qh bit i is value i's fifth bit. */
function legacyBlock(type: 'Q4_1' | 'Q5_0' | 'Q5_1', next: () => number): Block {
  const five = type !== 'Q4_1';
  const withMin = type !== 'Q5_0';
  const q = randomInts(next, 32, five ? 31 : 15);
  const [dBits, d] = scale(next);
  const [mBits, m] = scale(next);
  const bytes = Buffer.alloc(byteLength(type, 32));
  bytes.writeUInt16LE(dBits, 0);
  if (withMin) bytes.writeUInt16LE(mBits, 2);
  let at = withMin ? 4 : 2;
  if (five) {
    let qh = 0;
    for (let i = 0; i < 32; i++) qh |= (q[i] >> 4) << i;
    bytes.writeUInt32LE(qh >>> 0, at);
    at += 4;
  }
  for (let j = 0; j < 16; j++) bytes[at + j] = (q[j] & 15) | ((q[j + 16] & 15) << 4);
  const values = Float32Array.from(q, (x) => (withMin ? f(f(x * d) + m) : f((x - 16) * d)));
  return { bytes, values };
}

/** The 12 scale bytes of Q4_K / Q5_K: 8 six-bit scales and mins, the last four split into nibbles and top bits. */
function packScales(sc: number[], mn: number[]): number[] {
  const out = new Array<number>(12).fill(0);
  for (let j = 0; j < 4; j++) {
    out[j] = sc[j] | ((sc[j + 4] >> 4) << 6);
    out[j + 4] = mn[j] | ((mn[j + 4] >> 4) << 6);
    out[j + 8] = (sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4);
  }
  return out;
}

/** Q4_K / Q5_K: d, dmin, scales[12], (Q5_K: qh[32]), qs[128]; 32 qs bytes hold sub-blocks 2p (low) and 2p + 1 (high). */
function k45Block(type: 'Q4_K' | 'Q5_K', next: () => number): Block {
  const five = type === 'Q5_K';
  const q = randomInts(next, 256, five ? 31 : 15);
  const sc = randomInts(next, 8, 63);
  const mn = randomInts(next, 8, 63);
  const [dBits, d] = scale(next, false);
  const [minBits, dmin] = scale(next, false);
  const bytes = Buffer.alloc(byteLength(type, 256));
  bytes.writeUInt16LE(dBits, 0);
  bytes.writeUInt16LE(minBits, 2);
  packScales(sc, mn).forEach((b, i) => (bytes[4 + i] = b));
  const qs = five ? 48 : 16;
  for (let p = 0; p < 4; p++) {
    for (let l = 0; l < 32; l++) {
      const lo = q[64 * p + l];
      const hi = q[64 * p + 32 + l];
      bytes[qs + 32 * p + l] = (lo & 15) | ((hi & 15) << 4);
      if (five) bytes[16 + l] |= ((lo >> 4) << (2 * p)) | ((hi >> 4) << (2 * p + 1));
    }
  }
  const values = Float32Array.from(q, (x, i) => {
    const s = i >> 5;
    return f(f(f(d * sc[s]) * x) - f(dmin * mn[s]));
  });
  return { bytes, values };
}

/** Q6_K: ql[128], qh[64], int8 scales[16], d; per 128 values, ql byte l holds l / l + 64, l + 32 holds l + 32 / l + 96. */
function q6KBlock(next: () => number): Block {
  const q = randomInts(next, 256, 63);
  const sc = randomInts(next, 16, 255).map((x) => x - 128);
  const [dBits, d] = scale(next);
  const bytes = Buffer.alloc(210);
  for (let h = 0; h < 2; h++) {
    for (let l = 0; l < 32; l++) {
      const [v0, v1, v2, v3] = [0, 32, 64, 96].map((k) => q[128 * h + l + k]);
      bytes[64 * h + l] = (v0 & 15) | ((v2 & 15) << 4);
      bytes[64 * h + l + 32] = (v1 & 15) | ((v3 & 15) << 4);
      bytes[128 + 32 * h + l] = (v0 >> 4) | ((v1 >> 4) << 2) | ((v2 >> 4) << 4) | ((v3 >> 4) << 6);
    }
  }
  sc.forEach((s, i) => bytes.writeInt8(s, 192 + i));
  bytes.writeUInt16LE(dBits, 208);
  return { bytes, values: Float32Array.from(q, (x, i) => f(f(d * sc[i >> 4]) * (x - 32))) };
}

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

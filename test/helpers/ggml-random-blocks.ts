// Random ggml blocks packed from ggml's block layouts (ggml-common.h) out of known scales and codes, each with the
// values the definitions give (x = d * q, d * q + m, d * scale * q - dmin * min, float32 step by step), written without
// the engine's code: the reference for its dequantization (ggml-types.test.ts) and its MatMulNBits blocks
// (matmulnbits-blocks.test.ts).
import { byteLength, type GgmlTypeName } from '../../engine/checkpoint/ggml-types';
import { fromF16, toF16 } from '../../bench/gguf/ggml-blocks';

const f = Math.fround;

/** A block as the reference sees it: its bytes and the values they must give. */
export interface Block {
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
export function legacyBlock(type: 'Q4_1' | 'Q5_0' | 'Q5_1', next: () => number): Block {
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
export function packScales(sc: number[], mn: number[]): number[] {
  const out = new Array<number>(12).fill(0);
  for (let j = 0; j < 4; j++) {
    out[j] = sc[j] | ((sc[j + 4] >> 4) << 6);
    out[j + 4] = mn[j] | ((mn[j + 4] >> 4) << 6);
    out[j + 8] = (sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4);
  }
  return out;
}

/** Q4_K / Q5_K: d, dmin, scales[12], (Q5_K: qh[32]), qs[128]; 32 qs bytes hold sub-blocks 2p (low) and 2p + 1 (high). */
export function k45Block(type: 'Q4_K' | 'Q5_K', next: () => number): Block {
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
export function q6KBlock(next: () => number): Block {
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

/** Q8_0 (d, int8 qs[32]) and Q4_0 (d, qs[16]: byte j holds values j and j + 16, around 8). */
export function block80or40(type: 'Q8_0' | 'Q4_0', next: () => number): Block {
  const [dBits, d] = scale(next);
  const bytes = Buffer.alloc(byteLength(type, 32));
  bytes.writeUInt16LE(dBits, 0);
  if (type === 'Q8_0') {
    const q = randomInts(next, 32, 255).map((x) => x - 128);
    q.forEach((x, j) => bytes.writeInt8(x, 2 + j));
    return { bytes, values: Float32Array.from(q, (x) => f(x * d)) };
  }
  const q = randomInts(next, 32, 15);
  for (let j = 0; j < 16; j++) bytes[2 + j] = q[j] | (q[j + 16] << 4);
  return { bytes, values: Float32Array.from(q, (x) => f((x - 8) * d)) };
}

/** A random block of any quantized type, and the values it holds; values per block beside it. */
export function randomBlock(type: Exclude<GgmlTypeName, 'F32' | 'F16' | 'BF16'>, next: () => number): Block {
  if (type === 'Q8_0' || type === 'Q4_0') return block80or40(type, next);
  if (type === 'Q4_1' || type === 'Q5_0' || type === 'Q5_1') return legacyBlock(type, next);
  if (type === 'Q4_K' || type === 'Q5_K') return k45Block(type, next);
  return q6KBlock(next);
}

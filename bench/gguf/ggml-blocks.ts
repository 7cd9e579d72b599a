// The ggml block formats the benchmark writes, as ggml defines them (ggml-quants.c, quantize_row_*_ref): blocks of
// 32 values along a row, each a float16 scale `d` and the quantized values.
//   Q8_0: d = max|x| / 127, q = round(x / d) as int8                                  (34 bytes a block)
//   Q4_0: d = (the value of largest magnitude) / -8, q = min(15, trunc(x / d + 8.5)),
//         values 0..15 packed two a byte: byte j holds value j (low nibble) and j + 16 (high)  (18 bytes a block)
//   Q4_K, Q6_K: 256-value super-blocks (k-quant-blocks.ts), for the matrices of a Q4_K_M file
import { dequantize } from '../../engine/checkpoint/ggml-types';
import { encodeQ4K, encodeQ6K } from './k-quant-blocks';

export const QK = 32;

export type GgmlType = 'F32' | 'F16' | 'Q8_0' | 'Q4_0' | 'Q4_K' | 'Q6_K';
/** ggml_type ids as the GGUF tensor info stores them */
export const GGML_TYPE_ID: Record<GgmlType, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8, Q4_K: 12, Q6_K: 14 };
const BLOCK_BYTES: Record<GgmlType, [number, number]> = {
  F32: [1, 4],
  F16: [1, 2],
  Q8_0: [QK, 34],
  Q4_0: [QK, 18],
  Q4_K: [256, 144],
  Q6_K: [256, 210],
};

/** Bytes of `n` values (a whole number of blocks) in `type`. */
export function byteSize(type: GgmlType, n: number): number {
  const [values, bytes] = BLOCK_BYTES[type];
  if (n % values !== 0) throw new Error(`${type} needs a multiple of ${values} values, got ${n}`);
  return (n / values) * bytes;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half precision, round to nearest even (what ggml's GGML_FP32_TO_FP16 does on x86). */
export function toF16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  // a carry out of the mantissa moves into the exponent, up to infinity: what the bit pattern gives
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function fromF16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** `values` (row-major, rows a multiple of 32 long) in `type`. */
export function encode(type: GgmlType, values: Float32Array): Buffer {
  const out = Buffer.alloc(byteSize(type, values.length));
  if (type === 'F32') {
    Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(out);
    return out;
  }
  if (type === 'F16') {
    for (let i = 0; i < values.length; i++) out.writeUInt16LE(toF16(values[i]), 2 * i);
    return out;
  }
  if (type === 'Q4_K') return encodeQ4K(values);
  if (type === 'Q6_K') return encodeQ6K(values);
  for (let b = 0; b < values.length / QK; b++) {
    const x = values.subarray(b * QK, (b + 1) * QK);
    if (type === 'Q8_0') {
      let amax = 0;
      for (const v of x) amax = Math.max(amax, Math.abs(v));
      // float arithmetic as in C (Math.fround), so the same inputs give ggml's bytes
      const d = Math.fround(amax / 127);
      const id = d ? Math.fround(1 / d) : 0;
      const at = b * 34;
      out.writeUInt16LE(toF16(d), at);
      for (let j = 0; j < QK; j++) {
        const v = Math.fround(x[j] * id);
        out.writeInt8(Math.sign(v) * Math.round(Math.abs(v)), at + 2 + j); // roundf: halves away from zero
      }
    } else {
      let amax = 0;
      let max = 0;
      for (const v of x) {
        if (Math.abs(v) > amax) {
          amax = Math.abs(v);
          max = v;
        }
      }
      const d = Math.fround(max / -8);
      const id = d ? Math.fround(1 / d) : 0;
      const at = b * 18;
      out.writeUInt16LE(toF16(d), at);
      // (int8_t)(x * id + 8.5f): truncation toward zero
      const q = (v: number) => Math.min(15, Math.trunc(Math.fround(Math.fround(v * id) + 8.5)));
      for (let j = 0; j < QK / 2; j++) out[at + 2 + j] = q(x[j]) | (q(x[j + QK / 2]) << 4);
    }
  }
  return out;
}

/** The values a block encodes (dequantize_row_*): the reference the tests compare the engine's kernels with. */
export function decode(type: GgmlType, bytes: Buffer, n: number): Float32Array {
  const out = new Float32Array(n);
  if (type === 'F32') return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 4 * n));
  if (type === 'F16') {
    for (let i = 0; i < n; i++) out[i] = fromF16(bytes.readUInt16LE(2 * i));
    return out;
  }
  // the K-quants as the engine reads them (ggml-types.ts, tested against ggml's definitions on random blocks)
  if (type === 'Q4_K' || type === 'Q6_K') return dequantize(type, bytes, n);
  for (let b = 0; b < n / QK; b++) {
    if (type === 'Q8_0') {
      const d = fromF16(bytes.readUInt16LE(b * 34));
      for (let j = 0; j < QK; j++) out[b * QK + j] = bytes.readInt8(b * 34 + 2 + j) * d;
    } else {
      const d = fromF16(bytes.readUInt16LE(b * 18));
      for (let j = 0; j < QK / 2; j++) {
        const byte = bytes[b * 18 + 2 + j];
        out[b * QK + j] = ((byte & 0x0f) - 8) * d;
        out[b * QK + j + QK / 2] = ((byte >> 4) - 8) * d;
      }
    }
  }
  return out;
}

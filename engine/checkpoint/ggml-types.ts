// The ggml tensor types a GGUF file may store, and their dequantization to float32 as ggml defines the blocks
// (ggml-common.h block_*, ggml-quants.c dequantize_row_*). Values run along a row in blocks: 32 values for the legacy
// quants, 256-value super-blocks for the K-quants. Arithmetic is float32 step by step, as in the C code
// (Math.fround after every operation), so the values are ggml's to the bit.
import type { BlockMatrix } from './weights';

/** ggml_type ids (the GGUF tensor info's type field) of the types the engine reads. */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  BF16: 30,
} as const;
export type GgmlTypeName = keyof typeof GgmlType;

/** Values per block and bytes per block of each type. */
const LAYOUT: Record<GgmlTypeName, { values: number; bytes: number }> = {
  F32: { values: 1, bytes: 4 },
  F16: { values: 1, bytes: 2 },
  BF16: { values: 1, bytes: 2 },
  Q4_0: { values: 32, bytes: 18 }, // d, qs[16]
  Q4_1: { values: 32, bytes: 20 }, // d, m, qs[16]
  Q5_0: { values: 32, bytes: 22 }, // d, qh[4], qs[16]
  Q5_1: { values: 32, bytes: 24 }, // d, m, qh[4], qs[16]
  Q8_0: { values: 32, bytes: 34 }, // d, qs[32]
  Q4_K: { values: 256, bytes: 144 }, // d, dmin, scales[12], qs[128]
  Q5_K: { values: 256, bytes: 176 }, // d, dmin, scales[12], qh[32], qs[128]
  Q6_K: { values: 256, bytes: 210 }, // ql[128], qh[64], scales[16] (int8), d
};

const NAMES = new Map<number, GgmlTypeName>(Object.entries(GgmlType).map(([k, v]) => [v, k as GgmlTypeName]));

/** The type of an id, or undefined for a type the engine does not read. */
export function ggmlTypeName(id: number): GgmlTypeName | undefined {
  return NAMES.get(id);
}

/** Values per block: a row's length must be a multiple of it. */
export function blockValues(type: GgmlTypeName): number {
  return LAYOUT[type].values;
}

/** Bytes of `n` values (a whole number of blocks). */
export function byteLength(type: GgmlTypeName, n: number): number {
  const { values, bytes } = LAYOUT[type];
  return (n / values) * bytes;
}

const F16_TABLE = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    t[h] = e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? NaN : s * Infinity) : s * (1 + f / 1024) * 2 ** (e - 15);
  }
  return t;
})();

const f = Math.fround;

/** `n` values of `type` from `raw` (exactly byteLength(type, n) bytes) as float32. */
export function dequantize(type: GgmlTypeName, raw: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const half = (at: number) => F16_TABLE[view.getUint16(at, true)];
  const { values, bytes } = LAYOUT[type];
  const blocks = n / values;
  switch (type) {
    case 'F32':
      new Uint8Array(out.buffer).set(raw.subarray(0, 4 * n)); // GGUF is little-endian, as are x86 and arm
      return out;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = half(2 * i);
      return out;
    case 'BF16': {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    case 'Q8_0':
      for (let b = 0; b < blocks; b++) {
        const at = b * bytes;
        const d = half(at);
        for (let j = 0; j < 32; j++) out[b * 32 + j] = f(view.getInt8(at + 2 + j) * d);
      }
      return out;
    case 'Q4_0':
    case 'Q4_1':
    case 'Q5_0':
    case 'Q5_1':
      legacy(type, raw, view, blocks, out);
      return out;
    case 'Q4_K':
    case 'Q5_K':
      for (let b = 0; b < blocks; b++) kQuant45(type, raw, b * bytes, out, b * 256);
      return out;
    case 'Q6_K':
      for (let b = 0; b < blocks; b++) q6K(raw, b * bytes, out, b * 256);
      return out;
  }
}

/**
 * Q4_0 / Q4_1 / Q5_0 / Q5_1: byte j of qs holds value j (low nibble) and j + 16 (high); Q5 adds bit j and bit j + 16
 * of the 32-bit qh as each value's fifth bit. _0 types are signed around 8 (16 for Q5): x = (q - 8) * d;
 * _1 types add the block minimum: x = q * d + m.
 */
function legacy(
  type: 'Q4_0' | 'Q4_1' | 'Q5_0' | 'Q5_1',
  raw: Uint8Array,
  view: DataView,
  blocks: number,
  out: Float32Array,
): void {
  const { bytes } = LAYOUT[type];
  const withMin = type === 'Q4_1' || type === 'Q5_1';
  const five = type === 'Q5_0' || type === 'Q5_1';
  const offset = withMin ? 0 : five ? 16 : 8;
  for (let b = 0; b < blocks; b++) {
    const at = b * bytes;
    const d = F16_TABLE[view.getUint16(at, true)];
    const m = withMin ? F16_TABLE[view.getUint16(at + 2, true)] : 0;
    const qhAt = at + (withMin ? 4 : 2);
    const qh = five ? view.getUint32(qhAt, true) : 0;
    const qs = qhAt + (five ? 4 : 0);
    for (let j = 0; j < 16; j++) {
      const lo = (raw[qs + j] & 0x0f) | (((qh >>> j) & 1) << 4);
      const hi = (raw[qs + j] >> 4) | (((qh >>> (j + 16)) & 1) << 4);
      out[b * 32 + j] = withMin ? f(f(lo * d) + m) : f((lo - offset) * d);
      out[b * 32 + j + 16] = withMin ? f(f(hi * d) + m) : f((hi - offset) * d);
    }
  }
}

/**
 * The 6-bit scale and min of sub-block j (of 8) from the 12 packed bytes of a Q4_K / Q5_K block: sub-blocks 0..3 keep
 * them in the low 6 bits of bytes j and j + 4; 4..7 in a nibble of byte j + 4, their top two bits in the spare high
 * bits of bytes j - 4 (scale) and j (min).
 */
function scaleMin(raw: Uint8Array, at: number, j: number): [number, number] {
  if (j < 4) return [raw[at + j] & 63, raw[at + j + 4] & 63];
  return [(raw[at + j + 4] & 0x0f) | ((raw[at + j - 4] >> 6) << 4), (raw[at + j + 4] >> 4) | ((raw[at + j] >> 6) << 4)];
}

/**
 * Q4_K / Q5_K: 8 sub-blocks of 32, x = d * scale * q - dmin * min. Each 32 bytes of qs hold two sub-blocks (low
 * nibbles the first, high the second); Q5_K's qh[l] holds bit 2i and 2i + 1 for the i-th such pair.
 */
function kQuant45(type: 'Q4_K' | 'Q5_K', raw: Uint8Array, at: number, out: Float32Array, o: number): void {
  const view = new DataView(raw.buffer, raw.byteOffset + at, LAYOUT[type].bytes);
  const d = F16_TABLE[view.getUint16(0, true)];
  const dmin = F16_TABLE[view.getUint16(2, true)];
  const scales = at + 4;
  const five = type === 'Q5_K';
  const qh = at + 16;
  let qs = at + (five ? 48 : 16);
  for (let pair = 0; pair < 4; pair++) {
    const [sc1, m1] = scaleMin(raw, scales, 2 * pair);
    const [sc2, m2] = scaleMin(raw, scales, 2 * pair + 1);
    const d1 = f(d * sc1);
    const min1 = f(dmin * m1);
    const d2 = f(d * sc2);
    const min2 = f(dmin * m2);
    for (let l = 0; l < 32; l++) {
      const h1 = five && raw[qh + l] & (1 << (2 * pair)) ? 16 : 0;
      const h2 = five && raw[qh + l] & (2 << (2 * pair)) ? 16 : 0;
      out[o + l] = f(f(d1 * ((raw[qs + l] & 0x0f) + h1)) - min1);
      out[o + l + 32] = f(f(d2 * ((raw[qs + l] >> 4) + h2)) - min2);
    }
    qs += 32;
    o += 64;
  }
}

/**
 * Q6_K: 16 sub-blocks of 16, x = d * scale * (q - 32) with int8 scales. Each half (128 values) takes 64 bytes of ql
 * (low nibbles: values l and l + 32, high nibbles: l + 64 and l + 96) and 32 of qh (2 bits for each of the four).
 */
function q6K(raw: Uint8Array, at: number, out: Float32Array, o: number): void {
  const view = new DataView(raw.buffer, raw.byteOffset + at, 210);
  const d = F16_TABLE[view.getUint16(208, true)];
  for (let half = 0; half < 2; half++) {
    const ql = at + 64 * half;
    const qh = at + 128 + 32 * half;
    const sc = 192 + 8 * half;
    for (let l = 0; l < 32; l++) {
      const is = l >> 4;
      const h = raw[qh + l];
      const q1 = ((raw[ql + l] & 0x0f) | ((h & 3) << 4)) - 32;
      const q2 = ((raw[ql + l + 32] & 0x0f) | (((h >> 2) & 3) << 4)) - 32;
      const q3 = ((raw[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32;
      const q4 = ((raw[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32;
      out[o + l] = f(f(d * view.getInt8(sc + is)) * q1);
      out[o + l + 32] = f(f(d * view.getInt8(sc + is + 2)) * q2);
      out[o + l + 64] = f(f(d * view.getInt8(sc + is + 4)) * q3);
      out[o + l + 96] = f(f(d * view.getInt8(sc + is + 6)) * q4);
    }
    o += 128;
  }
}

/**
 * Q8_0 at 8 bits and Q4_0 at 4 bits as MatMulNBits' blocks of 32 (weights.ts BlockMatrix), the values exactly ggml's:
 * MatMulNBits dequantizes (code - 2^(bits-1)) * scale in float32, as ggml computes q * d (Q8_0) and (q - 8) * d (Q4_0).
 * The fp16 d becomes the float32 scale; Q8_0's int8 q becomes the code q + 128; Q4_0's nibbles are already codes
 * around 8 but ggml packs value j and j + 16 of a block in byte j, MatMulNBits value 2i and 2i + 1 in byte i (low
 * nibble first), so they are repacked. `raw` is whole rows of K values; undefined for any other type and width.
 */
export function matMulNBitsBlocks(
  type: GgmlTypeName,
  bits: 4 | 8,
  raw: Uint8Array,
  K: number,
): BlockMatrix | undefined {
  if (!((type === 'Q8_0' && bits === 8) || (type === 'Q4_0' && bits === 4)) || K % 32 !== 0) return undefined;
  const { bytes } = LAYOUT[type];
  const n = raw.byteLength / bytes; // blocks in all
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const blob = 4 * bits; // 32 * bits / 8
  const packed = new Uint8Array(n * blob);
  const scales = new Float32Array(n);
  for (let b = 0; b < n; b++) {
    const at = b * bytes;
    scales[b] = F16_TABLE[view.getUint16(at, true)];
    const qs = at + 2;
    const out = b * blob;
    if (bits === 8) {
      for (let j = 0; j < 32; j++) packed[out + j] = raw[qs + j] ^ 0x80; // int8 q -> q + 128
    } else {
      for (let i = 0; i < 16; i++) {
        // values 2i and 2i + 1 of the block: ggml's byte (2i mod 16) and (2i + 1 mod 16), low nibble below 16
        const lo = 2 * i < 16 ? raw[qs + 2 * i] & 15 : raw[qs + 2 * i - 16] >> 4;
        const hi = 2 * i + 1 < 16 ? raw[qs + 2 * i + 1] & 15 : raw[qs + 2 * i + 1 - 16] >> 4;
        packed[out + i] = lo | (hi << 4);
      }
    }
  }
  return { packed, scales, blocks: K / 32 };
}

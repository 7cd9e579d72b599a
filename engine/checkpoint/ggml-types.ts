// The ggml tensor types a GGUF file may store, and their dequantization to float32 as ggml defines the blocks
// (ggml-common.h block_*, ggml-quants.c dequantize_row_*). Values run along a row in blocks: 32 values for the legacy
// quants, 256-value super-blocks for the K-quants. Arithmetic is float32 step by step, as in the C code
// (Math.fround after every operation), so the values are ggml's to the bit.

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

/** Every float16 bit pattern's value. */
export const F16_TABLE = (() => {
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

/**
 * A quantized type's blocks as integers and per-sub-block floats, the form every ggml quant shares:
 * value i = f(f(scales[s] * (codes[i] - offset)) + mins[s]) for s = i / sub (ggml's own float32 steps; no mins: + 0).
 * MatMulNBits (matmulnbits-blocks.ts) multiplies the same scale by the same integer, so it gets ggml's products.
 */
export interface UnpackedBlocks {
  /** each value's unsigned code as the block stores it (0 .. 2^width - 1; Q8_0's int8 as q + 128) */
  codes: Uint8Array;
  /** subtracted from every code: 8 for Q4_0, 16 for Q5_0, 32 for Q6_K, 128 for Q8_0, 0 for the types with a min */
  offset: number;
  /** the largest code the type can hold (15, 31, 63, 255) */
  maxCode: number;
  /** values per sub-block: 32, or 16 for Q6_K */
  sub: number;
  scales: Float32Array;
  /** the additive term of Q4_1 / Q5_1 (+m) and Q4_K / Q5_K (-dmin * min); absent for the others */
  mins?: Float32Array;
}

export type QuantTypeName = Exclude<GgmlTypeName, 'F32' | 'F16' | 'BF16'>;

export const isQuantType = (type: GgmlTypeName): type is QuantTypeName =>
  type !== 'F32' && type !== 'F16' && type !== 'BF16';

/** `n` values of the quantized `type` from `raw` (exactly byteLength(type, n) bytes), unpacked. */
export function unpackBlocks(type: QuantTypeName, raw: Uint8Array, n: number): UnpackedBlocks {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const { bytes } = LAYOUT[type];
  const blocks = n / LAYOUT[type].values;
  const codes = new Uint8Array(n);
  switch (type) {
    case 'Q8_0': {
      const scales = new Float32Array(blocks);
      for (let b = 0; b < blocks; b++) {
        const at = b * bytes;
        scales[b] = F16_TABLE[view.getUint16(at, true)];
        for (let j = 0; j < 32; j++) codes[b * 32 + j] = raw[at + 2 + j] ^ 0x80; // int8 q -> q + 128
      }
      return { codes, offset: 128, maxCode: 255, sub: 32, scales };
    }
    case 'Q4_0':
    case 'Q4_1':
    case 'Q5_0':
    case 'Q5_1':
      return legacy(type, raw, view, blocks, codes);
    case 'Q4_K':
    case 'Q5_K': {
      const scales = new Float32Array(blocks * 8);
      const mins = new Float32Array(blocks * 8);
      for (let b = 0; b < blocks; b++) kQuant45(type, raw, b * bytes, codes, scales, mins, b);
      return { codes, offset: 0, maxCode: type === 'Q5_K' ? 31 : 15, sub: 32, scales, mins };
    }
    case 'Q6_K': {
      const scales = new Float32Array(blocks * 16);
      for (let b = 0; b < blocks; b++) q6K(raw, b * bytes, codes, scales, b);
      return { codes, offset: 32, maxCode: 63, sub: 16, scales };
    }
  }
}

/** `n` values of `type` from `raw` (exactly byteLength(type, n) bytes) as float32. */
export function dequantize(type: GgmlTypeName, raw: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (type) {
    case 'F32':
      new Uint8Array(out.buffer).set(raw.subarray(0, 4 * n)); // GGUF is little-endian, as are x86 and arm
      return out;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = F16_TABLE[view.getUint16(2 * i, true)];
      return out;
    case 'BF16': {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
  }
  const { codes, offset, sub, scales, mins } = unpackBlocks(type, raw, n);
  for (let i = 0; i < n; i++) {
    const s = (i / sub) | 0;
    const x = f(scales[s] * (codes[i] - offset));
    out[i] = mins ? f(x + mins[s]) : x;
  }
  return out;
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
  codes: Uint8Array,
): UnpackedBlocks {
  const { bytes } = LAYOUT[type];
  const withMin = type === 'Q4_1' || type === 'Q5_1';
  const five = type === 'Q5_0' || type === 'Q5_1';
  const scales = new Float32Array(blocks);
  const mins = withMin ? new Float32Array(blocks) : undefined;
  for (let b = 0; b < blocks; b++) {
    const at = b * bytes;
    scales[b] = F16_TABLE[view.getUint16(at, true)];
    if (mins) mins[b] = F16_TABLE[view.getUint16(at + 2, true)];
    const qhAt = at + (withMin ? 4 : 2);
    const qh = five ? view.getUint32(qhAt, true) : 0;
    const qs = qhAt + (five ? 4 : 0);
    for (let j = 0; j < 16; j++) {
      codes[b * 32 + j] = (raw[qs + j] & 0x0f) | (((qh >>> j) & 1) << 4);
      codes[b * 32 + j + 16] = (raw[qs + j] >> 4) | (((qh >>> (j + 16)) & 1) << 4);
    }
  }
  const offset = withMin ? 0 : five ? 16 : 8;
  return { codes, offset, maxCode: five ? 31 : 15, sub: 32, scales, mins };
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
 * Q4_K / Q5_K super-block b: 8 sub-blocks of 32, x = d * scale * q - dmin * min (scale = f(d * sc), min = f(dmin * m)
 * as ggml computes them). Each 32 bytes of qs hold two sub-blocks (low nibbles the first, high the second); Q5_K's
 * qh[l] holds bit 2i and 2i + 1 for the i-th such pair.
 */
function kQuant45(
  type: 'Q4_K' | 'Q5_K',
  raw: Uint8Array,
  at: number,
  codes: Uint8Array,
  scales: Float32Array,
  mins: Float32Array,
  b: number,
): void {
  const view = new DataView(raw.buffer, raw.byteOffset + at, LAYOUT[type].bytes);
  const d = F16_TABLE[view.getUint16(0, true)];
  const dmin = F16_TABLE[view.getUint16(2, true)];
  const five = type === 'Q5_K';
  const qh = at + 16;
  let qs = at + (five ? 48 : 16);
  let o = b * 256;
  for (let pair = 0; pair < 4; pair++) {
    for (const s of [2 * pair, 2 * pair + 1]) {
      const [sc, m] = scaleMin(raw, at + 4, s);
      scales[b * 8 + s] = f(d * sc);
      mins[b * 8 + s] = -f(dmin * m);
    }
    for (let l = 0; l < 32; l++) {
      const h1 = five && raw[qh + l] & (1 << (2 * pair)) ? 16 : 0;
      const h2 = five && raw[qh + l] & (2 << (2 * pair)) ? 16 : 0;
      codes[o + l] = (raw[qs + l] & 0x0f) + h1;
      codes[o + l + 32] = (raw[qs + l] >> 4) + h2;
    }
    qs += 32;
    o += 64;
  }
}

/**
 * Q6_K super-block b: 16 sub-blocks of 16, x = d * scale * (q - 32) with int8 scales (f(d * scale) as ggml). Each half
 * (128 values) takes 64 bytes of ql (low nibbles: values l and l + 32, high nibbles: l + 64 and l + 96) and 32 of qh
 * (2 bits for each of the four).
 */
function q6K(raw: Uint8Array, at: number, codes: Uint8Array, scales: Float32Array, b: number): void {
  const view = new DataView(raw.buffer, raw.byteOffset + at, 210);
  const d = F16_TABLE[view.getUint16(208, true)];
  for (let s = 0; s < 16; s++) scales[b * 16 + s] = f(d * view.getInt8(192 + s));
  let o = b * 256;
  for (let half = 0; half < 2; half++) {
    const ql = at + 64 * half;
    const qh = at + 128 + 32 * half;
    for (let l = 0; l < 32; l++) {
      const h = raw[qh + l];
      codes[o + l] = (raw[ql + l] & 0x0f) | ((h & 3) << 4);
      codes[o + l + 32] = (raw[ql + l + 32] & 0x0f) | (((h >> 2) & 3) << 4);
      codes[o + l + 64] = (raw[ql + l] >> 4) | (((h >> 4) & 3) << 4);
      codes[o + l + 96] = (raw[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4);
    }
    o += 128;
  }
}

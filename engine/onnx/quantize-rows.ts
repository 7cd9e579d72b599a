// The block-wise quantizer of quantize.ts (same codes, same scales, byte for byte) as tight per-bit-width loops fed one
// row at a time: a BF16 / F16 / F32 tensor is quantized straight from the checkpoint's bytes through one row of
// float32 scratch, never a float32 copy of the whole matrix. A first load at int4 spent 29 of its 38 s in the generic
// quantizer (4-layer V2-Lite shape); these loops take a fraction of that.
import { halfToFloat, type StoredValues } from '../checkpoint/safetensors';
import { QUANT_BLOCK_SIZE, type QuantizedWeight } from './quantize';

/**
 * w [N, K] row-major (K whole blocks of QUANT_BLOCK_SIZE) as blocks: the same bytes as quantizeBlockwise(w as
 * float32, N, K, bits).
 */
export function quantizeRows(src: StoredValues, N: number, K: number, bits: 4 | 8): QuantizedWeight {
  if (K % QUANT_BLOCK_SIZE !== 0) throw new Error(`quantizeRows: K ${K} is not whole blocks of ${QUANT_BLOCK_SIZE}`);
  const blocks = K / QUANT_BLOCK_SIZE;
  const packed = new Uint8Array((N * K * bits) / 8);
  const scales = new Float32Array(N * blocks);
  // 16-bit values go through one row of float32 (their exact values); float32 ones are read in place
  const row = src.dtype === 'F32' ? src.data : new Float32Array(K);
  const rowBits = new Uint32Array(row.buffer, row.byteOffset, row.length);
  for (let n = 0; n < N; n++) {
    let at = n * K;
    if (src.dtype === 'BF16') {
      const h = src.data;
      for (let k = 0; k < K; k++) rowBits[k] = h[at + k] << 16;
      at = 0;
    } else if (src.dtype === 'F16') {
      const h = src.data;
      for (let k = 0; k < K; k++) row[k] = halfToFloat(h[at + k]);
      at = 0;
    }
    if (bits === 4) quantizeRow4(row, at, blocks, packed, scales, n * blocks);
    else quantizeRow8(row, at, blocks, packed, scales, n * blocks);
  }
  return { bits, blockSize: QUANT_BLOCK_SIZE, packed, scales, blocks };
}

// Per block the largest magnitude, then the codes: quantizeBlockwise's operations (round and clamp below are exact
// stand-ins for Math.round and Math.max / Math.min), so NaN and infinities come out the same too (a NaN code is
// stored as 0 either way). `at` is where the row starts in `row`.
function quantizeRow4(
  row: Float32Array,
  at: number,
  blocks: number,
  packed: Uint8Array,
  scales: Float32Array,
  first: number,
): void {
  for (let b = 0; b < blocks; b++) {
    const k0 = at + b * 32;
    let amax = 0;
    for (let k = k0; k < k0 + 32; k++) amax = Math.max(amax, Math.abs(row[k]));
    const scale = amax / 7 || 1;
    scales[first + b] = scale;
    let out = (first + b) * 16;
    for (let k = k0; k < k0 + 32; k += 2) {
      const lo = clamp(round(row[k] / scale), -8, 7);
      const hi = clamp(round(row[k + 1] / scale), -8, 7);
      packed[out++] = (lo + 8) | ((hi + 8) << 4);
    }
  }
}

function quantizeRow8(
  row: Float32Array,
  at: number,
  blocks: number,
  packed: Uint8Array,
  scales: Float32Array,
  first: number,
): void {
  for (let b = 0; b < blocks; b++) {
    const k0 = at + b * 32;
    let amax = 0;
    for (let k = k0; k < k0 + 32; k++) amax = Math.max(amax, Math.abs(row[k]));
    const scale = amax / 127 || 1;
    scales[first + b] = scale;
    let out = (first + b) * 32;
    for (let k = k0; k < k0 + 32; k++) packed[out++] = clamp(round(row[k] / scale), -127, 127) + 128;
  }
}

/**
 * Math.round (the nearest integer, halves up) for what the quantizer rounds, without its call: V8 does not inline
 * Math.round (about 110 M values/s here against 1,000 M for Math.floor). x + 0.5 is exact for |x| < 2^52 but for one
 * value, the double just below 0.5 (its sum rounds to 1.0), handled here; larger |x| is clamped right after, to the
 * same code either way.
 */
function round(x: number): number {
  return x === 0.49999999999999994 ? 0 : Math.floor(x + 0.5);
}

/** Math.max(lo, Math.min(hi, q)), NaN kept (it codes as 0 as it did). */
function clamp(q: number, lo: number, hi: number): number {
  return q > hi ? hi : q < lo ? lo : q;
}

// A GGUF matrix's ggml blocks as com.microsoft MatMulNBits blocks (weights.ts BlockMatrix), exactly where the format
// allows, which is every quantized type the engine reads. MatMulNBits dequantizes a value as scale * (code - zp) in
// float32, ggml as f(scale * (q - offset)) (+ min): the same scale times the same integer, so the products are ggml's
// to the bit; the min of Q4_1 / Q5_1 / Q4_K / Q5_K goes beside them (BlockMatrix.mins, added in the graph by
// linearity: sum_k x_k (s q_k + m) = s sum_k x_k q_k + m sum_k x_k), so those equal ggml's values to float rounding.
//
// Why mins rather than MatMulNBits' float zero points (zp = -m / s): measured with onnxruntime-node 1.30 on this CPU
// (bench/gguf-matmulnbits-probe.ts, 2048 x 2048, 2 threads), float zero points are refused at 8 bits ("Only 2b and 4b
// quantization is supported for unpacked compute") and at 4 bits take the unpacked float path at every
// accuracy_level: 6.6-8.9 ms per row against 0.27 ms with uint8 zero points at level 4. uint8 zero points work at 4
// and 8 bits, blocks 16 and 32, at the fast level-4 kernel; so the 4-bit types with a min keep their codes with a
// zero point of 0, and everything else is shifted to the default zero point 2^(bits-1).
//
// Widths: the file's type decides. At int4, Q4_0 / Q4_1 / Q4_K stay 4-bit; Q5_0 / Q5_1 / Q5_K (5-bit codes),
// Q6_K (6-bit) and Q8_0 go to 8 bits, exactly, rather than be quantized again to 4 bits (a Q4_K_M file keeps its Q6_K
// matrices at 8 bits, as llama.cpp does). At int8 every type goes to 8 bits: the 4-bit types widen without loss, and
// the 8-bit level-4 kernel measured faster than the 4-bit one (0.05 against 0.27 ms a row, 0.9 against 3.2 ms for 64
// rows), which is what int8 is chosen for; the weights take twice a 4-bit file's memory, as int8 does anyway.
// Q6_K's sub-blocks are 16 values with their own scales: block_size 16 (8-bit, level 4: 0.07 ms a row, but 2.9 ms for
// 64 rows against 0.9 at 32).
import { blockValues, byteLength, isQuantType, type GgmlTypeName, unpackBlocks } from './ggml-types';
import type { BlockMatrix } from './weights';

/** The MatMulNBits width a `type` matrix takes at the engine's precision `bits`. */
export function blockBits(type: GgmlTypeName, bits: 4 | 8): 4 | 8 | undefined {
  if (!isQuantType(type)) return undefined;
  return bits === 4 && (type === 'Q4_0' || type === 'Q4_1' || type === 'Q4_K') ? 4 : 8;
}

/**
 * `raw`, whole rows of K values of `type`, as MatMulNBits blocks for the precision `bits` (the width per blockBits);
 * undefined for a type that is not quantized (F32, F16, BF16: quantized from the values instead).
 */
export function matMulNBitsBlocks(
  type: GgmlTypeName,
  bits: 4 | 8,
  raw: Uint8Array,
  K: number,
): BlockMatrix | undefined {
  const width = blockBits(type, bits);
  if (!width || !isQuantType(type) || K % blockValues(type) !== 0) return undefined;
  const n = (raw.byteLength / byteLength(type, blockValues(type))) * blockValues(type);
  const u = unpackBlocks(type, raw, n);
  const N = n / K;
  const blocks = K / u.sub;
  // the default zero point 2^(width-1) where the shifted codes fit the width, else the codes as they are with the
  // block's own offset as an explicit zero point (a 4-bit type with a min: offset 0)
  const shift = (1 << (width - 1)) - u.offset;
  const explicit = u.maxCode + shift >= 1 << width || shift < 0;
  const packed = new Uint8Array((n * width) / 8);
  if (width === 8) {
    for (let i = 0; i < n; i++) packed[i] = u.codes[i] + (explicit ? 0 : shift);
  } else {
    for (let i = 0; i < n; i += 2) {
      const lo = u.codes[i] + (explicit ? 0 : shift);
      const hi = u.codes[i + 1] + (explicit ? 0 : shift);
      packed[i >> 1] = lo | (hi << 4);
    }
  }
  const out: BlockMatrix = { bits: width, blockSize: u.sub, packed, scales: u.scales, blocks };
  if (explicit) out.zeroPoints = zeroPoints(N, blocks, width, u.offset);
  if (u.mins?.some((m) => m !== 0)) out.mins = u.mins;
  return out;
}

/** MatMulNBits' uint8 zero points, all `zp`: [N, ceil(blocks * bits / 8)], two a byte (low nibble first) at 4 bits. */
function zeroPoints(N: number, blocks: number, bits: 4 | 8, zp: number): Uint8Array {
  const perRow = Math.ceil((blocks * bits) / 8);
  const out = new Uint8Array(N * perRow);
  if (bits === 8) return out.fill(zp);
  for (let r = 0; r < N; r++) for (let b = 0; b < blocks; b++) out[r * perRow + (b >> 1)] |= b & 1 ? zp << 4 : zp;
  return out;
}

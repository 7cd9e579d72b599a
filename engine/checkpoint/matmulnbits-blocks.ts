// A GGUF matrix's ggml blocks as com.microsoft MatMulNBits blocks (weights.ts BlockMatrix), exactly where the format
// allows, which is every quantized type the engine reads. MatMulNBits dequantizes a value as scale * (code - zp) in
// float32, ggml as f(scale * (q - offset)) (+ min): for the types without a min (Q4_0, Q5_0, Q8_0, Q6_K) the same
// scale times the same integer, so the values are ggml's to the bit; the min of Q4_1 / Q5_1 / Q4_K / Q5_K goes beside
// them (BlockMatrix.mins, added in the graph by linearity: sum_k x_k (s q_k + m) = s sum_k x_k q_k + m sum_k x_k), so
// those equal ggml's values to float32 rounding.
//
// Why mins rather than MatMulNBits' float zero points (zp = -m / s): measured with onnxruntime-node 1.30 on this CPU
// (bench/gguf-matmulnbits-probe.ts, 2048 x 2048, 2 threads), float zero points are refused at 8 bits ("Only 2b and 4b
// quantization is supported for unpacked compute") and at 4 bits take the unpacked float path at every
// accuracy_level: 6.6-8.9 ms per row against 0.27 ms with uint8 zero points at level 4. uint8 zero points work at 4
// and 8 bits, blocks 16 and 32, at the fast level-4 kernel, but are not needed either: every code is shifted to the
// default zero point 2^(bits-1). A type with a min centres its codes there too (q - 8 for Q4_K, the min taking
// 8 * scale): at level 4 the activations are rounded to int8, an error that scales with the weights MatMulNBits
// multiplies them by, and codes 0..15 against zero point 0 doubled it (bench/gguf-kquant-blocks.ts: Q4_K's relative
// error 8.3e-3 with zero point 0, ~4e-3 centred, as Q4_0's; the min term is float32 on the exact activations).
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
  const blocks = K / u.sub;
  // codes centred on the default zero point 2^(width-1): a type with an offset subtracts it (exact); a type with a
  // min centres its codes on their midpoint and moves midpoint * scale into the min (float32 rounding only)
  const mid = u.mins ? (u.maxCode + 1) / 2 : u.offset;
  const shift = (1 << (width - 1)) - mid;
  const packed = new Uint8Array((n * width) / 8);
  if (width === 8) {
    for (let i = 0; i < n; i++) packed[i] = u.codes[i] + shift;
  } else {
    for (let i = 0; i < n; i += 2) packed[i >> 1] = (u.codes[i] + shift) | ((u.codes[i + 1] + shift) << 4);
  }
  const mins = u.mins?.map((m, s) => m + mid * u.scales[s]);
  const out: BlockMatrix = { bits: width, blockSize: u.sub, packed, scales: u.scales, blocks };
  if (mins?.some((m) => m !== 0)) out.mins = mins;
  return out;
}

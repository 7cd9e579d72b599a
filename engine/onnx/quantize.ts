// Block-wise symmetric quantization of projection weights for com.microsoft MatMulNBits: per block of `blockSize`
// input features one float scale; values stored as unsigned codes with the operator's default zero point
// 2^(bits-1), so no zero-point tensor is needed. The weight keeps the checkpoint's [out, in] layout.
import type { BlockMatrix } from '../checkpoint/weights';

/** The blocks MatMulNBits takes, quantized here or a checkpoint's own (weights.ts BlockMatrix). */
export type QuantizedWeight = BlockMatrix;

export const QUANT_BLOCK_SIZE = 32;

/** w is [N, K] row-major (output features first). */
export function quantizeBlockwise(
  w: Float32Array,
  N: number,
  K: number,
  bits: 4 | 8,
  blockSize = QUANT_BLOCK_SIZE,
): QuantizedWeight {
  const blocks = Math.ceil(K / blockSize);
  const bytesPerBlock = (blockSize * bits) / 8;
  const packed = new Uint8Array(N * blocks * bytesPerBlock);
  const scales = new Float32Array(N * blocks);
  const qmax = bits === 8 ? 127 : 7;
  const zero = bits === 8 ? 128 : 8;
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      const k0 = b * blockSize;
      const k1 = Math.min(K, k0 + blockSize);
      let amax = 0;
      for (let k = k0; k < k1; k++) amax = Math.max(amax, Math.abs(w[n * K + k]));
      const scale = amax / qmax || 1;
      scales[n * blocks + b] = scale;
      const base = (n * blocks + b) * bytesPerBlock;
      for (let j = 0; j < blockSize; j++) {
        const k = k0 + j;
        // padding past K quantizes to 0
        const q = k < k1 ? Math.max(-qmax - (bits === 4 ? 1 : 0), Math.min(qmax, Math.round(w[n * K + k] / scale))) : 0;
        const code = q + zero;
        if (bits === 8) packed[base + j] = code;
        else packed[base + (j >> 1)] |= (j & 1) === 0 ? code : code << 4;
      }
    }
  }
  return { bits, blockSize, packed, scales, blocks };
}

/** The float32 values the quantized weight stands for (to measure the quantization error, and as the reference). */
export function dequantize(q: QuantizedWeight, N: number, K: number): Float32Array {
  const out = new Float32Array(N * K);
  const { bits, blockSize } = q;
  const bytesPerBlock = (blockSize * bits) / 8;
  const zpPerRow = Math.ceil((q.blocks * bits) / 8);
  const zeroOf = (n: number, b: number): number => {
    if (!q.zeroPoints) return 1 << (bits - 1);
    const byte = q.zeroPoints[n * zpPerRow + (bits === 8 ? b : b >> 1)];
    return bits === 8 ? byte : (b & 1) === 0 ? byte & 15 : byte >> 4;
  };
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const b = Math.floor(k / blockSize);
      const j = k % blockSize;
      const byte = q.packed[(n * q.blocks + b) * bytesPerBlock + (bits === 8 ? j : j >> 1)];
      const code = bits === 8 ? byte : (j & 1) === 0 ? byte & 15 : byte >> 4;
      const x = Math.fround((code - zeroOf(n, b)) * q.scales[n * q.blocks + b]);
      out[n * K + k] = q.mins ? Math.fround(x + q.mins[n * q.blocks + b]) : x;
    }
  }
  return out;
}

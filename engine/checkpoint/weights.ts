// The weights of a checkpoint by Hugging Face tensor name, whatever the file holds them as: a folder of safetensors
// (safetensors.ts) or one GGUF file (gguf.ts). The graph builders and the validation read only this.

/**
 * A matrix [N, K] in com.microsoft MatMulNBits' blocks along K (engine/onnx/quantize.ts makes them from float32; a
 * GGUF's ggml blocks map onto them, engine/checkpoint/matmulnbits-blocks.ts): value k of row n, in block b = k / blockSize,
 * is scales[n, b] * (code - zero point) + mins[n, b], codes low nibble first at 4 bits.
 */
export interface BlockMatrix {
  bits: 4 | 8;
  /** values per block: a power of two >= 16 (32, or 16 for a GGUF's Q6_K) */
  blockSize: number;
  /** [N, blocks, blockSize * bits / 8] */
  packed: Uint8Array;
  /** [N * blocks] */
  scales: Float32Array;
  blocks: number;
  /** MatMulNBits' uint8 zero points [N, ceil(blocks * bits / 8)] (two a byte at 4 bits); absent: 2^(bits-1) */
  zeroPoints?: Uint8Array;
  /** [N * blocks] added to every value of the block (a GGUF's Q4_1 / Q5_1 / Q4_K / Q5_K minimum); absent: 0 */
  mins?: Float32Array;
}

export interface CheckpointWeights {
  /** the model folder or the .gguf file: names the checkpoint in errors and in the graph cache */
  readonly path: string;
  /** the files whose bytes key the graph cache */
  readonly files: string[];
  /** where the hyperparameters come from, as errors name it ('config.json', 'the GGUF metadata') */
  readonly configSource: string;
  has(name: string): boolean;
  /** PyTorch order, outermost first: [out, in] for a projection */
  shape(name: string): number[];
  /** the tensor as the file names it (it need not be there), for errors */
  fileName(name: string): string;
  /** the file and the tensor as that file names it, for errors */
  locate(name: string): string;
  /** the tensor as float32, whatever it is stored as */
  readF32(name: string): Float32Array;
  /**
   * The matrix as MatMulNBits blocks for the precision `bits`, when the file stores it as blocks that map onto them
   * exactly (a GGUF's quantized matrices, at the width its type needs: matmulnbits-blocks.ts): no float32 detour and
   * ggml's values kept. Undefined otherwise; the reader then quantizes readF32's values at `bits`.
   */
  readBlocks?(name: string, bits: 4 | 8): BlockMatrix | undefined;
}

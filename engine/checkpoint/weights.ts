// The weights of a checkpoint by Hugging Face tensor name, whatever the file holds them as: a folder of safetensors
// (safetensors.ts) or one GGUF file (gguf.ts). The graph builders and the validation read only this.

/**
 * A matrix [N, K] already in MatMulNBits' blocks of 32 along K (engine/onnx/quantize.ts QuantizedWeight's layout):
 * codes with the default zero point 2^(bits-1), low nibble first at 4 bits, and one float scale per block.
 */
export interface BlockMatrix {
  /** [N, blocks, 32 * bits / 8] */
  packed: Uint8Array;
  /** [N * blocks] */
  scales: Float32Array;
  blocks: number;
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
   * The matrix as blocks of `bits`, when the file stores it as exactly such blocks (a GGUF's Q8_0 at 8 bits, Q4_0 at
   * 4): no float32 detour and ggml's values kept. Undefined otherwise; the reader then quantizes readF32's values.
   */
  readBlocks?(name: string, bits: 4 | 8): BlockMatrix | undefined;
}

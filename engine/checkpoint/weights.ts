// The weights of a checkpoint by Hugging Face tensor name, whatever the file holds them as: a folder of safetensors
// (safetensors.ts) or one GGUF file (gguf.ts). The graph builders and the validation read only this.

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
}

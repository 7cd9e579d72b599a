// The checkpoint as the graph builder reads it at int8 / int4: readBlocks answers for every [N, K] matrix with K a
// whole number of blocks: the file's own blocks where it has them (a GGUF's ggml blocks, unchanged), else its values
// quantized by quantizeRows (quantize-rows.ts), the same bytes the builder's quantizeBlockwise(readF32(name)) gives,
// faster and without the float32 copy; matrices prefetched by the worker pool are handed over as they came back.
import type { StoredValues, TensorInfo } from '../checkpoint/safetensors';
import type { CheckpointWeights } from '../checkpoint/weights';
import { QUANT_BLOCK_SIZE, type QuantizedWeight } from './quantize';
import type { QuantizePool } from './quantize-pool';
import { quantizeRows } from './quantize-rows';

/** A checkpoint that hands over a tensor's values as stored and where they are (SafetensorsCheckpoint). */
interface StoresValues {
  readStored(name: string): StoredValues;
  info(name: string): TensorInfo;
}

export interface QuantizingCheckpoint extends CheckpointWeights {
  /**
   * Quantizes these matrices in the pool's workers, ahead of the graph that reads them; resolves when they are back.
   * Names that are not quantized here (absent, not whole blocks, the file's own blocks) are skipped, and a worker's
   * failure only leaves its matrix to readBlocks (whose error, if the file is bad, names the tensor).
   */
  prefetch(names: string[], bits: 4 | 8): Promise<void>;
}

export function quantizingCheckpoint(ckpt: CheckpointWeights, pool?: QuantizePool): QuantizingCheckpoint {
  const stored = 'readStored' in ckpt && 'info' in ckpt ? (ckpt as CheckpointWeights & StoresValues) : undefined;
  const ready = new Map<string, QuantizedWeight>();
  const key = (name: string, bits: number) => `${bits} ${name}`;
  const quantizable = (name: string) => {
    if (!ckpt.has(name)) return false;
    const shape = ckpt.shape(name);
    // anything else (padding past K) keeps the builder's own quantizer
    return shape.length === 2 && shape[1] % QUANT_BLOCK_SIZE === 0;
  };
  return {
    path: ckpt.path,
    files: ckpt.files,
    configSource: ckpt.configSource,
    has: (name) => ckpt.has(name),
    shape: (name) => ckpt.shape(name),
    fileName: (name) => ckpt.fileName(name),
    locate: (name) => ckpt.locate(name),
    readF32: (name) => ckpt.readF32(name),
    readBlocks: (name, bits) => {
      const own = ckpt.readBlocks?.(name, bits);
      if (own) return own;
      const done = ready.get(key(name, bits));
      if (done) {
        ready.delete(key(name, bits));
        return done;
      }
      if (!quantizable(name)) return undefined;
      const [N, K] = ckpt.shape(name);
      return quantizeRows(stored ? stored.readStored(name) : { dtype: 'F32', data: ckpt.readF32(name) }, N, K, bits);
    },
    prefetch: async (names, bits) => {
      // only stored values a worker can read itself (a GGUF's blocks are the file's own, or dequantized here)
      if (!pool || !stored || ckpt.readBlocks) return;
      await Promise.all(
        names.filter(quantizable).map(async (name) => {
          const t = stored.info(name);
          const [N, K] = t.shape;
          try {
            const q = await pool.run({
              file: t.file,
              offset: t.offset,
              byteLength: t.byteLength,
              dtype: t.dtype,
              N,
              K,
              bits,
            });
            ready.set(key(name, bits), q);
          } catch {
            // readBlocks quantizes it on the main thread
          }
        }),
      );
    },
  };
}

// How the engine opens an onnxruntime session on a cached graph: CPU, one graph at a time, weights memory-mapped.
import * as ort from 'onnxruntime-node';

/** A float32 feed over `data` (no copy). */
export const f32Tensor = (data: Float32Array, dims: number[]): ort.Tensor => new ort.Tensor('float32', data, dims);

export async function createSession(path: string, threads: number, prepack = false): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Float32 weights stay memory-mapped without prepacking (with it, onnxruntime copies every weight to the heap).
    // MatMulNBits has no fast kernel without its prepacked layout (measured ~100-170x slower), so quantized graphs are
    // prepacked: resident in full while their session is open (~1.4x the int4 file), which is why routed experts get
    // a session per group, opened when first selected (../runtime/expert-pool.ts).
    // No spinning: idle threads that spin steal the core the other thread needs on a busy machine (4x slower decode).
    extra: { session: { disable_prepacking: prepack ? '0' : '1', 'intra_op.allow_spinning': '0' } },
  });
}

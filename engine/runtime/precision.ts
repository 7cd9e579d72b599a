// Which weight precision a model gets when the user leaves it to Switchyard ('auto'). Float32 is exact but a
// DeepSeek-Coder-V2-Lite (16B parameters) would need 63 GB in it; int8 / int4 quantize every matrix (attention, dense
// MLP, shared and routed experts, embedding, head: MatMulNBits blocks, one float32 scale per block of 32); norms, the
// router and biases stay float32. Measured on the 1.97B V2-Lite shape (bench:engine, experts-only quantization then):
// int8 decodes 2.3x and int4 2.9x faster than float32. So 'auto' keeps float32 only for small models, where it is
// fast anyway (the bundled one: 24 MB), and otherwise takes int8 when it fits.
import type { ExpectedTensor } from '../checkpoint/tensors';
import type { WeightPrecision } from '../protocol';

/** Bytes per weight: float32, and int8 / int4 plus their block scale (4 bytes per 32 weights). */
const BYTES = { f32: 4, int8: 1 + 4 / 32, int4: 0.5 + 4 / 32 } as const;

/** Share of this machine's memory the weights may take; the rest is for the editor, the OS and the caches. */
export const WEIGHT_MEMORY_SHARE = 1 / 3;
/** Float32 weights up to this size stay float32 (quantizing them would buy little speed). */
export const SMALL_MODEL_BYTES = 1024 ** 3;

/** A matrix the quantized graphs store as blocks: every 2-D weight but the router's (norms and biases are 1-D). */
const isQuantizedMatrix = (t: ExpectedTensor) => t.shape.length === 2 && !/\.mlp\.gate\.weight$/.test(t.name);

/** Estimated bytes of a model's weights at a precision. */
export function weightBytes(tensors: readonly ExpectedTensor[], precision: WeightPrecision): number {
  let bytes = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    bytes += n * (isQuantizedMatrix(t) ? BYTES[precision] : BYTES.f32);
  }
  return bytes;
}

/**
 * Float32 for a small model that fits the memory share; otherwise int8 when it fits, else int4 (even when that does
 * not fit either: the load then says what failed).
 */
export function choosePrecision(tensors: readonly ExpectedTensor[], totalMemoryBytes: number): WeightPrecision {
  const budget = totalMemoryBytes * WEIGHT_MEMORY_SHARE;
  const f32 = weightBytes(tensors, 'f32');
  if (f32 <= SMALL_MODEL_BYTES && f32 <= budget) return 'f32';
  return weightBytes(tensors, 'int8') <= budget ? 'int8' : 'int4';
}

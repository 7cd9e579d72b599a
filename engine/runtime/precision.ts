// Which weight precision a model gets when the user leaves it to Switchyard ('auto'). Float32 is exact but a
// DeepSeek-Coder-V2-Lite (16B parameters) would need 63 GB in it; int8 / int4 quantize only the expert projections
// (MatMulNBits, one float32 scale per block of 32), which hold nearly all of a MoE model's parameters.
import type { ExpectedTensor } from '../model/checkpoint';
import type { WeightPrecision } from '../protocol';

/** Bytes per weight: float32, and int8 / int4 plus their block scale (4 bytes per 32 weights). */
const BYTES = { f32: 4, int8: 1 + 4 / 32, int4: 0.5 + 4 / 32 } as const;

/** Share of this machine's memory the weights may take; the rest is for the editor, the OS and the caches. */
export const WEIGHT_MEMORY_SHARE = 1 / 3;

const isExpertProjection = (name: string) => /\.mlp\.(experts\.\d+|shared_experts)\.(gate|up|down)_proj\.weight$/.test(name);

/** Estimated bytes of a model's weights at a precision. */
export function weightBytes(tensors: readonly ExpectedTensor[], precision: WeightPrecision): number {
  let bytes = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    bytes += n * (isExpertProjection(t.name) ? BYTES[precision] : BYTES.f32);
  }
  return bytes;
}

/** The most precise precision whose weights fit the memory share; int4 when none does (the load may still fail). */
export function choosePrecision(tensors: readonly ExpectedTensor[], totalMemoryBytes: number): WeightPrecision {
  const budget = totalMemoryBytes * WEIGHT_MEMORY_SHARE;
  for (const p of ['f32', 'int8'] as const) if (weightBytes(tensors, p) <= budget) return p;
  return 'int4';
}

// Decoupled RoPE (the positional half of MLA's queries and keys). Runtime half: the frequencies with YaRN, the
// cos/sin tables of a step's positions and the attention softmax scale, as the official DeepSeek-V3 inference code
// computes them (float32 angles; YaRN on iff rope_scaling is set; mscale only scales the softmax, not cos/sin).
// Graph half: the rotation of interleaved pairs by those tables.
import type { ModelConfig } from '../checkpoint/config';
import type { GraphBuilder } from '../onnx/builder';

const f32 = Math.fround;

/** inv_freq[i] for the qk_rope_head_dim/2 rotary pairs, YaRN-blended when rope_scaling is present. */
export function ropeInvFreq(cfg: ModelConfig): Float32Array {
  const dim = cfg.qk_rope_head_dim;
  const base = cfg.rope_theta;
  const half = dim / 2;
  const freqs = new Float32Array(half);
  for (let i = 0; i < half; i++) freqs[i] = f32(1 / f32(base ** f32((2 * i) / dim)));
  const y = cfg.rope_scaling;
  if (!y) return freqs;
  // the rotation count at which a dimension completes `rot` turns over the original context
  const correctionDim = (rot: number) =>
    (dim * Math.log(y.originalMaxPositionEmbeddings / (rot * 2 * Math.PI))) / (2 * Math.log(base));
  const low = Math.max(Math.floor(correctionDim(y.beta_fast)), 0);
  let high = Math.min(Math.ceil(correctionDim(y.beta_slow)), dim - 1);
  if (low === high) high += 0.001;
  for (let i = 0; i < half; i++) {
    const ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
    const smooth = f32(1 - ramp);
    freqs[i] = f32(f32(f32(freqs[i] / y.factor) * f32(1 - smooth)) + f32(freqs[i] * smooth));
  }
  return freqs;
}

/** (qk_nope + qk_rope)^-0.5, times mscale^2 when YaRN is on. */
export function softmaxScale(cfg: ModelConfig): number {
  let scale = (cfg.qk_nope_head_dim + cfg.qk_rope_head_dim) ** -0.5;
  const y = cfg.rope_scaling;
  if (y && y.factor > 1) {
    const mscale = 0.1 * y.mscale_all_dim * Math.log(y.factor) + 1;
    scale *= mscale * mscale;
  }
  return scale;
}

/** cos / sin [T, R/2] for positions start .. start+T-1. */
export function ropeTables(invFreq: Float32Array, start: number, T: number): { cos: Float32Array; sin: Float32Array } {
  const half = invFreq.length;
  const cos = new Float32Array(T * half);
  const sin = new Float32Array(T * half);
  for (let t = 0; t < T; t++) {
    const pos = f32(start + t);
    for (let i = 0; i < half; i++) {
      const angle = f32(pos * invFreq[i]);
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/**
 * Rotary embedding on interleaved pairs: elements (2i, 2i+1) of the last axis form one complex number rotated by
 * angle[t, i]. `x` is [T, n, R]; `cos`/`sin` are [T, R/2] and broadcast over the n heads.
 */
export function ropeInterleaved(g: GraphBuilder, x: string, cos: string, sin: string, n: number, R: number): string {
  const pairs = g.op('Reshape', [x, g.constI64([0, n, R / 2, 2])]); // [T, n, R/2, 2]
  const [x0, x1] = g.node('Split', [pairs, g.constI64([1, 1])], { axis: -1 }, 2); // [T, n, R/2, 1]
  const shape = g.constI64([0, 1, R / 2, 1]);
  const c = g.op('Reshape', [cos, shape]);
  const s = g.op('Reshape', [sin, shape]);
  const y0 = g.op('Sub', [g.op('Mul', [x0, c]), g.op('Mul', [x1, s])]);
  const y1 = g.op('Add', [g.op('Mul', [x0, s]), g.op('Mul', [x1, c])]);
  return g.op('Reshape', [g.op('Concat', [y0, y1], { axis: -1 }), g.constI64([0, n, R])]); // [T, n, R]
}

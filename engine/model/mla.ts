// Multi-head Latent Attention in its absorbed form, for T new tokens after P cached ones (P = 0 for a fresh prefill,
// T = 1 for decode). The cache holds per token the normalised latent c_KV [kv_lora_rank] and the rotated shared
// rope key k_pe [qk_rope_head_dim]; the graph takes the past cache as an input view and returns only the new rows.
// W_UK is folded into the query and W_UV applied after attention, so keys and values are never expanded per head.
// Graph half: mla(), called by the block's graph (block.ts). Runtime half: the attention mask of a step.
import type { ModelConfig } from '../checkpoint/config';
import type { GraphBuilder } from '../onnx/builder';
import { type WeightSource, isQuantized, linear, quantizedLinear, rmsNorm, transpose, vectorWeight } from '../onnx/ops';
import { ropeInterleaved } from './rope';

/** Floats the cache holds per token and layer: c_KV [kv_lora_rank] then k_pe [qk_rope_head_dim]. */
export const latentWidth = (cfg: ModelConfig): number => cfg.kv_lora_rank + cfg.qk_rope_head_dim;

/** [T, P+T] additive mask for T new tokens after P cached ones: causal within the new tokens, every cached one visible. */
export function causalMask(P: number, T: number): Float32Array {
  const S = P + T;
  const mask = new Float32Array(T * S);
  for (let t = 0; t < T; t++) mask.fill(-Infinity, t * S + P + t + 1, (t + 1) * S);
  return mask;
}

export interface MlaInputs {
  /** [T, d] attention input (already input_layernorm-ed) */
  x: string;
  /** [T, R/2] */
  cos: string;
  sin: string;
  /** [T, P+T] additive mask (0 / -inf) */
  mask: string;
  /** [P, kv_lora_rank + R] */
  pastLatent: string;
}

/** Returns { out: [T, d] attention output (before the residual add), newLatent: [T, kv_lora_rank + R] }. */
export function mla(
  g: GraphBuilder,
  src: WeightSource,
  cfg: ModelConfig,
  layer: number,
  inp: MlaInputs,
  softmaxScale: number,
): { out: string; newLatent: string } {
  const a = `model.layers.${layer}.self_attn.`;
  const d = cfg.hidden_size;
  const H = cfg.num_attention_heads;
  const nope = cfg.qk_nope_head_dim;
  const R = cfg.qk_rope_head_dim;
  const r = cfg.kv_lora_rank;
  const v = cfg.v_head_dim;
  const eps = cfg.rms_norm_eps;

  // queries: [T, H*(nope+R)] from q_proj, or q_b(q_a_layernorm(q_a(x))) with q LoRA
  let q: string;
  if (cfg.q_lora_rank > 0) {
    const qa = linear(g, src, `${a}q_a_proj.weight`, cfg.q_lora_rank, d, inp.x);
    const qn = rmsNorm(g, qa, vectorWeight(g, src, `${a}q_a_layernorm.weight`, cfg.q_lora_rank), eps);
    q = linear(g, src, `${a}q_b_proj.weight`, H * (nope + R), cfg.q_lora_rank, qn);
  } else {
    q = linear(g, src, `${a}q_proj.weight`, H * (nope + R), d, inp.x);
  }
  const q3 = g.op('Reshape', [q, g.constI64([0, H, nope + R])]); // [T, H, nope+R]
  const [qNope, qPe] = g.node('Split', [q3, g.constI64([nope, R])], { axis: -1 }, 2);
  const qPeRot = ropeInterleaved(g, qPe, inp.cos, inp.sin, H, R); // [T, H, R]

  // the new cache rows: kv_a_layernorm(c_KV) and the rotated k_pe (not normalised)
  const kv = linear(g, src, `${a}kv_a_proj_with_mqa.weight`, r + R, d, inp.x); // [T, r+R]
  const [latent, kPe] = g.node('Split', [kv, g.constI64([r, R])], { axis: -1 }, 2);
  const latentNorm = rmsNorm(g, latent, vectorWeight(g, src, `${a}kv_a_layernorm.weight`, r), eps);
  const kPeRot = g.op('Reshape', [
    ropeInterleaved(g, g.op('Reshape', [kPe, g.constI64([0, 1, R])]), inp.cos, inp.sin, 1, R),
    g.constI64([0, R]),
  ]);
  const newLatent = g.op('Concat', [latentNorm, kPeRot], { axis: -1 }); // [T, r+R]

  // kv_b_proj [H*(nope+v), r], per head nope rows then v rows: W_UK [H, nope, r] and W_UV [H, v, r]
  const wkvB = src.ckpt.readF32(`${a}kv_b_proj.weight`);
  const all = g.op('Concat', [inp.pastLatent, newLatent], { axis: 0 }); // [S, r+R]
  const [cKV, kPeAll] = g.node('Split', [all, g.constI64([r, R])], { axis: -1 }, 2); // [S, r], [S, R]
  const qNopeH = g.op('Transpose', [qNope], { perm: [1, 0, 2] }); // [H, T, nope]
  const qPeH = g.op('Transpose', [qPeRot], { perm: [1, 0, 2] }); // [H, T, R]
  // W_UK_h^T [r, nope]: qLat_h = qNope_h W_UK_h
  const wUKt = (h: number) => transpose(headRows(wkvB, h, nope, v, r, 0, nope), nope, r);
  const qLat = perHeadLinear(g, src, `${a}kv_b_proj.w_uk_t`, H, r, nope, wUKt, qNopeH); // [H, T, r]
  const scores = g.op('Add', [
    g.op('MatMul', [qLat, g.op('Transpose', [cKV], { perm: [1, 0] })]),
    g.op('MatMul', [qPeH, g.op('Transpose', [kPeAll], { perm: [1, 0] })]),
  ]); // [H, T, S]
  const scaled = g.op('Add', [g.op('Mul', [scores, g.constF32([softmaxScale], [])]), inp.mask]);
  const probs = g.op('Softmax', [scaled], { axis: -1 });
  const oLat = g.op('MatMul', [probs, cKV]); // [H, T, r]
  const wUV = (h: number) => headRows(wkvB, h, nope, v, r, nope, v); // W_UV_h [v, r]: o_h = oLat_h W_UV_h^T
  const o = perHeadLinear(g, src, `${a}kv_b_proj.w_uv`, H, v, r, wUV, oLat); // [H, T, v]
  const oFlat = g.op('Reshape', [g.op('Transpose', [o], { perm: [1, 0, 2] }), g.constI64([0, H * v])]); // [T, H*v]
  const out = linear(g, src, `${a}o_proj.weight`, d, H * v, oFlat);
  return { out, newLatent };
}

/** Head h's rows of kv_b_proj [H*(nope+v), r]: rows from..from+n of its block. */
const headRows = (wkvB: Float32Array, h: number, nope: number, v: number, r: number, from: number, n: number) =>
  wkvB.subarray((h * (nope + v) + from) * r, (h * (nope + v) + from + n) * r);

/**
 * x [H, T, K] -> [H, T, N] = per head x_h W_h^T, W_h [N, K] = weightOf(h). Float32: one batched MatMul over the stacked
 * W_h^T [H, K, N]. Quantized: one MatMulNBits per head (it takes one 2-D weight), blocks along K.
 */
function perHeadLinear(
  g: GraphBuilder,
  src: WeightSource,
  name: string,
  H: number,
  N: number,
  K: number,
  weightOf: (h: number) => Float32Array,
  x: string,
): string {
  if (!isQuantized(src)) {
    const stacked = new Float32Array(H * K * N);
    for (let h = 0; h < H; h++) stacked.set(transpose(weightOf(h), N, K), h * K * N);
    return g.op('MatMul', [x, g.weight(`${name}_t`, stacked, [H, K, N], src.file)]);
  }
  const heads = H === 1 ? [x] : g.node('Split', [x], { axis: 0 }, H); // each [1, T, K]
  const outs = heads.map((xh, h) => quantizedLinear(g, src, `${name}.${h}`, weightOf(h), N, K, xh));
  return H === 1 ? outs[0] : g.op('Concat', outs, { axis: 0 });
}

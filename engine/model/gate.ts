// The DeepSeekMoE gate. Graph half: the router logits (one [d, E] projection of the FFN input), emitted by the block's
// graph. Runtime half, in JS so every bias and the ids/weights forward() reports come from one place: scores (softmax
// or sigmoid), the selection score (score + e_score_correction_bias + the request's selection bias), the group limit,
// top-k, and the mixing weights from the *unbiased* scores (renormalised when norm_topk_prob, times
// routed_scaling_factor). float32 arithmetic, as the reference. Adaptive expert count (a request's minExpertWeight τ
// > 0): a selected expert whose share of the token's routed mix (its unbiased score over the sum of the k selected
// ones, whatever norm_topk_prob says) is below τ is skipped, never the top one; its weight becomes 0 and the others
// keep theirs, not renormalised (measured on the default model: see README "Adaptive expert count").
import type { ModelConfig } from '../checkpoint/config';
import { layerPrefix } from '../checkpoint/tensors';
import type { GraphBuilder } from '../onnx/builder';
import { type WeightSource, linearWeight } from '../onnx/ops';

const f32 = Math.fround;

/** [T, d] FFN input -> [T, E] router logits. */
export function gateLogits(g: GraphBuilder, src: WeightSource, cfg: ModelConfig, layer: number, x: string): string {
  const gate = linearWeight(g, src, `${layerPrefix(layer)}mlp.gate.weight`, cfg.n_routed_experts, cfg.hidden_size);
  return g.op('MatMul', [x, gate]);
}

/** Routing of T tokens: row t holds the k selected experts, in descending selection score. */
export interface Routing {
  k: number;
  ids: Int32Array; // [T*k]
  weights: Float32Array; // [T*k]
  /**
   * [T*k] 1 where a selected expert was skipped (its share of the mix below the request's minExpertWeight): weight 0,
   * not computed, its group not opened. Absent when nothing can be skipped (minExpertWeight 0).
   */
  skipped?: Uint8Array;
  /** the unbiased scores of every routed expert, [T*E]; only when route() is asked for them */
  scores?: Float32Array;
}

export interface RouterBiases {
  /** the checkpoint's e_score_correction_bias (noaux_tc) */
  correction?: Float32Array;
  /** the request's skew; all zeros gives bit-identical routing; -inf removes an expert (keptExperts) */
  selection?: Float32Array;
  /** τ in [0, 1): skip a selected expert whose share of the token's routed mix is below it (0: never) */
  minExpertWeight?: number;
}

/** Whether entry j (of T*k) of a routing is computed: selected and not skipped. */
export function isComputed(r: Routing, j: number): boolean {
  return r.skipped === undefined || r.skipped[j] === 0;
}

/**
 * Skips the chosen experts (descending selection score) whose unbiased score is below τ of the chosen ones' sum,
 * keeping the one of highest score: marks them in `skipped` at `offset` and zeroes their weights.
 */
function skipLight(
  scores: Float32Array,
  chosen: number[],
  tau: number,
  weights: Float32Array,
  skipped: Uint8Array,
  offset: number,
): void {
  let sum = 0;
  let top = 0;
  for (let j = 0; j < chosen.length; j++) {
    sum += scores[chosen[j]];
    if (scores[chosen[j]] > scores[chosen[top]]) top = j;
  }
  for (let j = 0; j < chosen.length; j++) {
    if (j === top || !(scores[chosen[j]] < tau * sum)) continue;
    skipped[offset + j] = 1;
    weights[offset + j] = 0;
  }
}

/** Indices of the `k` largest values (ties: lower index first), descending. */
function topK(values: Float32Array | number[], k: number): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort((a, b) => values[b] - values[a] || a - b);
  return idx.slice(0, k);
}

/** [E] logits -> [E] affinity scores. */
function score(cfg: ModelConfig, logits: Float32Array, removed: Float32Array | undefined): Float32Array {
  const E = logits.length;
  const scores = new Float32Array(E);
  if (cfg.scoring_func === 'sigmoid') {
    for (let e = 0; e < E; e++) scores[e] = 1 / (1 + Math.exp(-logits[e]));
    return scores;
  }
  // an expert whose selection bias is -inf is removed from the model (keptExperts): the softmax is taken over the
  // kept experts only, as if the checkpoint had been trained without the others
  const kept = (e: number) => removed?.[e] !== -Infinity;
  let max = -Infinity;
  for (let e = 0; e < E; e++) if (kept(e)) max = Math.max(max, logits[e]);
  let sum = 0;
  for (let e = 0; e < E; e++) if (kept(e)) sum += Math.exp(logits[e] - max);
  for (let e = 0; e < E; e++) scores[e] = kept(e) ? Math.exp(logits[e] - max) / sum : 0;
  return scores;
}

/** [E] scores + the biases: what experts are *selected* by, never what they are weighted with. */
function selectionScores(scores: Float32Array, biases: RouterBiases): Float32Array {
  const sel = new Float32Array(scores.length);
  for (let e = 0; e < scores.length; e++) {
    let s = scores[e];
    if (biases.correction) s = f32(s + biases.correction[e]);
    if (biases.selection) s = f32(s + biases.selection[e]);
    sel[e] = s;
  }
  return sel;
}

/**
 * Keeps the topk_group best of n_group expert groups (the rest -inf, in place): group_limited_greedy scores a group by
 * its best expert, noaux_tc by the sum of its best two.
 */
function limitGroups(cfg: ModelConfig, sel: Float32Array): Float32Array {
  if (cfg.n_group <= 1) return sel;
  const groupSize = sel.length / cfg.n_group;
  const groupScores = new Float32Array(cfg.n_group);
  for (let gi = 0; gi < cfg.n_group; gi++) {
    const grp = sel.subarray(gi * groupSize, (gi + 1) * groupSize);
    if (cfg.topk_method === 'noaux_tc') {
      const [a, b] = topK(grp, 2);
      groupScores[gi] = b === undefined ? grp[a] : f32(grp[a] + grp[b]);
    } else {
      groupScores[gi] = Math.max(...grp);
    }
  }
  const kept = new Set(topK(groupScores, cfg.topk_group));
  for (let gi = 0; gi < cfg.n_group; gi++) if (!kept.has(gi)) sel.fill(-Infinity, gi * groupSize, (gi + 1) * groupSize);
  return sel;
}

/** The chosen experts' unbiased scores, renormalised when norm_topk_prob, times routed_scaling_factor. */
function mixingWeights(cfg: ModelConfig, scores: Float32Array, chosen: number[]): Float32Array {
  let sum = 0;
  for (const e of chosen) sum = f32(sum + scores[e]);
  // as the reference: renormalised whenever norm_topk_prob, even for k = 1 (HF skips k = 1)
  return Float32Array.from(chosen, (e) => {
    const w = cfg.norm_topk_prob ? f32(scores[e] / sum) : scores[e];
    return f32(w * cfg.routed_scaling_factor);
  });
}

/** Routes T tokens from their [T, E] router logits. */
export function route(
  cfg: ModelConfig,
  logits: Float32Array,
  T: number,
  biases: RouterBiases = {},
  keepScores = false,
): Routing {
  const E = cfg.n_routed_experts;
  const k = cfg.num_experts_per_tok;
  const ids = new Int32Array(T * k);
  const weights = new Float32Array(T * k);
  const allScores = keepScores ? new Float32Array(T * E) : undefined;
  const tau = biases.minExpertWeight ?? 0;
  if (!(tau >= 0 && tau < 1)) throw new RangeError(`minExpertWeight must be in [0, 1), got ${tau}`);
  const skipped = tau > 0 ? new Uint8Array(T * k) : undefined;
  for (let t = 0; t < T; t++) {
    const scores = score(cfg, logits.subarray(t * E, (t + 1) * E), biases.selection); // [E]
    const chosen = topK(limitGroups(cfg, selectionScores(scores, biases)), k); // the biases pick the experts
    ids.set(chosen, t * k);
    weights.set(mixingWeights(cfg, scores, chosen), t * k); // the unbiased scores weigh them
    if (skipped) skipLight(scores, chosen, tau, weights, skipped, t * k);
    allScores?.set(scores, t * E);
  }
  return skipped ? { k, ids, weights, skipped, scores: allScores } : { k, ids, weights, scores: allScores };
}

// DeepSeekMoE gate, run in JS on the router logits of the graph: scoring (softmax / sigmoid), the selection score
// (score + e_score_correction_bias + the request's selection bias), group-limited choice, top-k, and the mixing weights
// from the *unbiased* scores (renormalised when norm_topk_prob, times routed_scaling_factor). float32 arithmetic.
import type { ModelConfig } from '../checkpoint/config';

const f32 = Math.fround;

/** Routing of T tokens: row t holds the k selected experts, in descending selection score. */
export interface Routing {
  k: number;
  ids: Int32Array; // [T*k]
  weights: Float32Array; // [T*k]
  /** the unbiased scores of every routed expert, [T*E]; only when route() is asked for them */
  scores?: Float32Array;
}

export interface RouterBiases {
  /** the checkpoint's e_score_correction_bias (noaux_tc) */
  correction?: Float32Array;
  /** the request's skew; all zeros gives bit-identical routing */
  selection?: Float32Array;
}

/** Indices of the `k` largest values (ties: lower index first), descending. */
function topK(values: Float32Array | number[], k: number): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort((a, b) => values[b] - values[a] || a - b);
  return idx.slice(0, k);
}

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
  const scores = new Float32Array(E);
  const sel = new Float32Array(E);
  const groupSize = E / cfg.n_group;
  const allScores = keepScores ? new Float32Array(T * E) : undefined;
  for (let t = 0; t < T; t++) {
    const row = logits.subarray(t * E, (t + 1) * E);
    if (cfg.scoring_func === 'softmax') {
      // an expert whose selection bias is -inf is removed from the model (keptExperts): the softmax is taken over
      // the kept experts only, as if the checkpoint had been trained without the others
      const removed = biases.selection;
      let max = -Infinity;
      for (let e = 0; e < E; e++) if (removed?.[e] !== -Infinity) max = Math.max(max, row[e]);
      let sum = 0;
      for (let e = 0; e < E; e++) if (removed?.[e] !== -Infinity) sum += Math.exp(row[e] - max);
      for (let e = 0; e < E; e++) scores[e] = removed?.[e] === -Infinity ? 0 : Math.exp(row[e] - max) / sum;
    } else {
      for (let e = 0; e < E; e++) scores[e] = 1 / (1 + Math.exp(-row[e]));
    }
    allScores?.set(scores, t * E);
    for (let e = 0; e < E; e++) {
      let s = scores[e];
      if (biases.correction) s = f32(s + biases.correction[e]);
      if (biases.selection) s = f32(s + biases.selection[e]);
      sel[e] = s;
    }
    if (cfg.n_group > 1) {
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
    }
    const chosen = topK(sel, k);
    let sum = 0;
    for (const e of chosen) sum = f32(sum + scores[e]);
    // as the reference: renormalised whenever norm_topk_prob, even for k = 1 (HF skips k = 1)
    const renorm = cfg.norm_topk_prob;
    for (let j = 0; j < k; j++) {
      let w = scores[chosen[j]];
      if (renorm) w = f32(w / sum);
      ids[t * k + j] = chosen[j];
      weights[t * k + j] = f32(w * cfg.routed_scaling_factor);
    }
  }
  return { k, ids, weights, scores: allScores };
}

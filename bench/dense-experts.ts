// The dense baseline of bench:engine: every routed expert on every token, the unselected ones weighted 0 (so the
// outputs are the engine's), to measure what computing only the selected experts saves.
import type { ExpertDispatch } from '../engine/model/moe';

export const allExperts: ExpertDispatch = (r, T, E) => {
  const rows = Array.from({ length: E }, () => Array.from({ length: T }, (_, t) => t));
  const weights = Array.from({ length: E }, () => new Array<number>(T).fill(0));
  for (let t = 0; t < T; t++) for (let j = 0; j < r.k; j++) weights[r.ids[t * r.k + j]][t] = r.weights[t * r.k + j];
  return { rows, weights };
};

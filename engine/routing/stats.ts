// Calibration statistics: per MoE layer and routed expert, how often it is selected on a domain's text and with what
// mean mixing weight, plus the spread of the router's selection scores (so a bias can be expressed in units of it).
// Pure accumulation over the engine's ForwardResult; running the model is calibrate.ts's job.
import type { ForwardResult } from '../runtime/api';

export const CALIBRATION_DOMAINS = ['code', 'math', 'general'] as const;
export type CalibrationDomain = (typeof CALIBRATION_DOMAINS)[number];

/** What one domain's text did to the router, per MoE layer. */
export interface DomainStats {
  /** tokens routed (the same count in every MoE layer) */
  tokens: number;
  /** [moeLayer][expert] how many tokens selected the expert */
  counts: number[][];
  /** [moeLayer][expert] sum of the expert's mixing weight over the tokens that selected it */
  weightSums: number[][];
  /** [moeLayer] sum over tokens of the standard deviation of the selection scores across experts */
  scoreSpreadSums: number[];
  /** [moeLayer] tokens that contributed to scoreSpreadSums (0 when the engine returned no scores) */
  scoreSpreadTokens: number[];
}

export function emptyStats(moeLayers: number, routedExperts: number): DomainStats {
  const grid = () => Array.from({ length: moeLayers }, () => new Array<number>(routedExperts).fill(0));
  return {
    tokens: 0,
    counts: grid(),
    weightSums: grid(),
    scoreSpreadSums: new Array<number>(moeLayers).fill(0),
    scoreSpreadTokens: new Array<number>(moeLayers).fill(0),
  };
}

/** Population standard deviation, accumulated in float64 in index order (deterministic). */
export function stdDev(values: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i];
  mean /= values.length;
  let v = 0;
  for (let i = 0; i < values.length; i++) v += (values[i] - mean) ** 2;
  return Math.sqrt(v / values.length);
}

/**
 * Adds one forward pass to `stats`. `firstToken` skips the leading positions of a window that only provide context
 * (they were counted by the previous window), so overlapping windows count each text token once.
 */
export function accumulate(stats: DomainStats, result: ForwardResult, firstToken = 0): void {
  const layers = stats.counts.length;
  if (result.experts.length !== layers) {
    throw new Error(`forward returned ${result.experts.length} MoE layers, the statistics have ${layers}`);
  }
  const tokens = result.experts[0]?.length ?? 0;
  for (let l = 0; l < layers; l++) {
    const ids = result.experts[l];
    const weights = result.expertWeights[l];
    const scores = result.routerScores?.[l];
    for (let t = firstToken; t < tokens; t++) {
      for (let j = 0; j < ids[t].length; j++) {
        const e = ids[t][j];
        stats.counts[l][e] += 1;
        stats.weightSums[l][e] += weights[t][j];
      }
      if (scores) {
        stats.scoreSpreadSums[l] += stdDev(scores[t]);
        stats.scoreSpreadTokens[l] += 1;
      }
    }
  }
  stats.tokens += Math.max(0, tokens - firstToken);
}

/** [moeLayer][expert] mean mixing weight when selected (0 for an expert never selected). */
export function meanGateWeights(stats: DomainStats): number[][] {
  return stats.counts.map((row, l) => row.map((c, e) => (c > 0 ? stats.weightSums[l][e] / c : 0)));
}

/** [moeLayer][expert] fraction of tokens that selected the expert (sums to top-k per layer). */
export function selectionFrequencies(stats: DomainStats): number[][] {
  return stats.counts.map((row) => row.map((c) => (stats.tokens > 0 ? c / stats.tokens : 0)));
}

// The domain profile: per MoE layer, a selection-bias vector per domain, derived from calibration statistics.
//
// bias[d][l][e] = spread_l * clip(ln(p_d[l][e] / p_general[l][e]), ±CLIP) / CLIP
//
// p_d is the smoothed share of domain d's selections that went to expert e in layer l. The log ratio says how much
// more (or less) the domain uses the expert than general text does; clipping keeps one rare expert from dominating;
// dividing by CLIP and multiplying by the layer's router score spread makes strength 1 mean "at most one typical score
// spread" in every layer, whatever the layer's (or the model's) score scale. A request multiplies it by its strength.
import type { SelectionBias } from '../runtime/api';
import {
  type CalibrationDomain,
  type DomainStats,
  CALIBRATION_DOMAINS,
  meanGateWeights,
  selectionFrequencies,
} from './stats';

export const PROFILE_FORMAT = 'switchyard-routing';
export const PROFILE_VERSION = 1;
export const PROFILE_FILE = 'switchyard-routing.json';
/** pseudo-count added to every expert's selection count, so a never-selected expert has a finite log ratio */
export const SMOOTHING = 0.5;
/** |log ratio| beyond ln 4 (a 4x difference in use) counts as 4x */
export const LOG_RATIO_CLIP = Math.log(4);
/** used when a profile predates a measured default (or the benchmark has not run on the model yet) */
export const FALLBACK_DEFAULT_STRENGTH = 1;

/** Domains that carry a bias; `general` is the reference and routes as the checkpoint does. */
export type BiasDomain = Exclude<CalibrationDomain, 'general'>;
export const BIAS_DOMAINS: readonly BiasDomain[] = ['code', 'math'];

export interface CorpusPart {
  /** file paths as given to calibrate, relative to the working directory when under it */
  files: string[];
  bytes: number;
  tokens: number;
}

export interface CheckpointIdentity {
  /** see checkpoint-fingerprint.ts */
  fingerprint: string;
  modelType: string;
  moeLayers: number;
  routedExperts: number;
  activeExperts: number;
}

export interface LayerProfile {
  /** index of the decoder layer (dense layers come first) */
  layer: number;
  /** mean over calibration tokens of the std of the router's selection scores across experts */
  scoreSpread: number;
  /** per domain, [expert] share of tokens selecting it (sums to the number of active experts) */
  frequency: Record<CalibrationDomain, number[]>;
  /** per domain, [expert] mean mixing weight when selected */
  meanGateWeight: Record<CalibrationDomain, number[]>;
  /** per biased domain, [expert] selection bias at strength 1 */
  bias: Record<BiasDomain, number[]>;
}

export interface RoutingProfile {
  format: typeof PROFILE_FORMAT;
  version: number;
  checkpoint: CheckpointIdentity;
  createdAt: string;
  corpus: { description: string } & Record<CalibrationDomain, CorpusPart>;
  /** tokens per calibration window and overlap, so a re-run reproduces it */
  window: { tokens: number; context: number };
  smoothing: number;
  logRatioClip: number;
  /** the strength requests use when they do not say; chosen from the routing benchmark */
  defaultStrength: number;
  /**
   * per domain, the adaptive expert count τ requests use when they do not say (a selected expert whose share of the
   * token's mix is below it is not computed); chosen from the routing benchmark, a domain not named (or no field) 0
   */
  minExpertWeight?: Partial<Record<CalibrationDomain, number>>;
  layers: LayerProfile[];
}

export interface DeriveInput {
  checkpoint: CheckpointIdentity;
  firstMoeLayer: number;
  stats: Record<CalibrationDomain, DomainStats>;
  corpus: RoutingProfile['corpus'];
  window: RoutingProfile['window'];
  defaultStrength?: number;
  createdAt?: string;
}

/** Smoothed selection share of each expert: (count + SMOOTHING) / (total + E * SMOOTHING). */
export function smoothedShares(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0) + counts.length * SMOOTHING;
  return counts.map((c) => (c + SMOOTHING) / total);
}

/** Per-layer bias at strength 1 for one domain against general text (see the header). */
export function domainBias(domainCounts: number[], generalCounts: number[], scoreSpread: number): number[] {
  const pd = smoothedShares(domainCounts);
  const pg = smoothedShares(generalCounts);
  return pd.map((p, e) => {
    const r = Math.log(p / pg[e]);
    const clipped = Math.max(-LOG_RATIO_CLIP, Math.min(LOG_RATIO_CLIP, r));
    return (scoreSpread * clipped) / LOG_RATIO_CLIP;
  });
}

/** The layer's score spread pooled over every domain's tokens. */
function pooledSpread(stats: Record<CalibrationDomain, DomainStats>, l: number): number {
  let sum = 0;
  let n = 0;
  for (const d of CALIBRATION_DOMAINS) {
    sum += stats[d].scoreSpreadSums[l];
    n += stats[d].scoreSpreadTokens[l];
  }
  if (n === 0)
    throw new Error(`no router scores were recorded for MoE layer ${l}; the engine must return routerScores`);
  return sum / n;
}

export function deriveProfile(input: DeriveInput): RoutingProfile {
  const { stats, checkpoint } = input;
  for (const d of CALIBRATION_DOMAINS) {
    if (stats[d].tokens === 0) throw new Error(`calibration saw no ${d} tokens`);
  }
  const freq = Object.fromEntries(CALIBRATION_DOMAINS.map((d) => [d, selectionFrequencies(stats[d])]));
  const gate = Object.fromEntries(CALIBRATION_DOMAINS.map((d) => [d, meanGateWeights(stats[d])]));
  const layers: LayerProfile[] = [];
  for (let l = 0; l < checkpoint.moeLayers; l++) {
    const scoreSpread = pooledSpread(stats, l);
    const pick = (table: Record<string, number[][]>) =>
      Object.fromEntries(CALIBRATION_DOMAINS.map((d) => [d, table[d][l]])) as Record<CalibrationDomain, number[]>;
    layers.push({
      layer: input.firstMoeLayer + l,
      scoreSpread,
      frequency: pick(freq),
      meanGateWeight: pick(gate),
      bias: Object.fromEntries(
        BIAS_DOMAINS.map((d) => [d, domainBias(stats[d].counts[l], stats.general.counts[l], scoreSpread)]),
      ) as Record<BiasDomain, number[]>,
    });
  }
  return {
    format: PROFILE_FORMAT,
    version: PROFILE_VERSION,
    checkpoint,
    createdAt: input.createdAt ?? new Date().toISOString(),
    corpus: input.corpus,
    window: input.window,
    smoothing: SMOOTHING,
    logRatioClip: LOG_RATIO_CLIP,
    defaultStrength: input.defaultStrength ?? FALLBACK_DEFAULT_STRENGTH,
    layers,
  };
}

/**
 * The selection bias of a request. `undefined` (not a zero vector) whenever nothing should change, so strength 0 and
 * the general domain take exactly the engine's unbiased path: bit-identical to having no profile at all.
 */
export function selectionBias(
  profile: RoutingProfile,
  domain: CalibrationDomain,
  strength: number,
): SelectionBias | undefined {
  if (!Number.isFinite(strength) || strength < 0) {
    throw new RangeError(`routing strength must be a finite number >= 0, got ${strength}`);
  }
  if (strength === 0 || domain === 'general') return undefined;
  return profile.layers.map((layer) => Float32Array.from(layer.bias[domain], (b) => b * strength));
}

// Calibration: run the model over each domain's text and turn what its routers did into a domain profile.
// Texts are cut into windows of `window.tokens` tokens, each (after the first) starting with `window.context` tokens
// of the previous one, which give context but are not counted again, so every text token is routed once with some
// left context. One forward pass per window, no sampling, no threads racing: the same inputs give the same profile.
import type { LoadedModel } from '../runtime/api';
import { type CheckpointIdentity, type CorpusPart, type RoutingProfile, deriveProfile } from './profile';
import { type CalibrationDomain, type DomainStats, CALIBRATION_DOMAINS, accumulate, emptyStats } from './stats';

export interface CalibrationWindow {
  tokens: number;
  context: number;
}
export const DEFAULT_WINDOW: CalibrationWindow = { tokens: 256, context: 32 };
/** enough for stable frequencies on the default model (16 experts x 2 layers) in about a minute on two cores */
export const DEFAULT_MAX_TOKENS_PER_DOMAIN = 12_000;

/** One domain's calibration input: token sequences (one per file) and where they came from. */
export interface DomainCorpus {
  files: string[];
  bytes: number;
  sequences: number[][];
}

/** [start, firstCounted] pairs of the windows covering a sequence of `length` tokens. */
export function windows(length: number, w: CalibrationWindow): { start: number; end: number; first: number }[] {
  if (w.context >= w.tokens) throw new RangeError('window context must be shorter than the window');
  const out: { start: number; end: number; first: number }[] = [];
  for (let start = 0; start < length;) {
    const end = Math.min(length, start + w.tokens);
    out.push({ start, end, first: start === 0 ? 0 : w.context });
    if (end === length) break;
    start = end - w.context;
  }
  return out;
}

/** Routes `sequences` through the model (at most `maxTokens` counted tokens) and accumulates the statistics. */
export async function collectStats(
  model: LoadedModel,
  sequences: number[][],
  window: CalibrationWindow = DEFAULT_WINDOW,
  maxTokens = Infinity,
  onProgress?: (tokensDone: number) => void,
): Promise<DomainStats> {
  const stats = emptyStats(model.info.moeLayers, model.info.routedExperts);
  for (const seq of sequences) {
    for (const { start, end, first } of windows(seq.length, window)) {
      if (stats.tokens >= maxTokens) return stats;
      const budget = maxTokens - stats.tokens;
      const stop = Math.min(end, start + first + budget);
      const result = await model.forward(seq.slice(start, stop), { routerScores: true });
      accumulate(stats, result, first);
      onProgress?.(stats.tokens);
    }
  }
  return stats;
}

export interface CalibrateOptions {
  /** from checkpointFingerprint(modelDir) */
  fingerprint: string;
  corpora: Record<CalibrationDomain, DomainCorpus>;
  description: string;
  window?: CalibrationWindow;
  maxTokensPerDomain?: number;
  defaultStrength?: number;
  onProgress?: (domain: CalibrationDomain, tokensDone: number) => void;
  /** fixed timestamp for reproducible files (tests) */
  createdAt?: string;
}

export async function calibrate(model: LoadedModel, opts: CalibrateOptions): Promise<RoutingProfile> {
  const window = opts.window ?? DEFAULT_WINDOW;
  const maxTokens = opts.maxTokensPerDomain ?? DEFAULT_MAX_TOKENS_PER_DOMAIN;
  const info = model.info;
  const checkpoint: CheckpointIdentity = {
    fingerprint: opts.fingerprint,
    modelType: info.modelType,
    moeLayers: info.moeLayers,
    routedExperts: info.routedExperts,
    activeExperts: info.activeExperts,
  };
  const stats = {} as Record<CalibrationDomain, DomainStats>;
  const corpus = { description: opts.description } as RoutingProfile['corpus'];
  for (const d of CALIBRATION_DOMAINS) {
    const c = opts.corpora[d];
    stats[d] = await collectStats(model, c.sequences, window, maxTokens, (n) => opts.onProgress?.(d, n));
    const part: CorpusPart = { files: c.files, bytes: c.bytes, tokens: stats[d].tokens };
    corpus[d] = part;
  }
  return deriveProfile({
    checkpoint,
    // MoE layers follow the dense ones (moe_layer_freq is 1 in every DeepSeek-V2/V3 config)
    firstMoeLayer: info.layers - info.moeLayers,
    stats,
    corpus,
    window,
    defaultStrength: opts.defaultStrength,
    createdAt: opts.createdAt,
  });
}

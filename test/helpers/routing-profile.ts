// A routing profile with made-up numbers for the v3-tiny fixture's layout (2 MoE layers x 16 experts), for tests of
// what reads, checks and applies a profile rather than of calibration.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RoutingProfile, PROFILE_FORMAT, PROFILE_VERSION } from '../../engine/routing/profile';

export const MADE_UP_LAYOUT = { moeLayers: 2, routedExperts: 16 };

/** A calibration corpus of no files, for profiles whose numbers a test makes up. */
export function emptyCorpus(): RoutingProfile['corpus'] {
  const none = () => ({ files: [], bytes: 0, tokens: 0 });
  return { description: 'test', code: none(), math: none(), general: none() };
}

/** `codeBias` / `mathBias`: every layer's bias at strength 1 for the first experts (the others, and by default all: 0). */
export function madeUpProfile(
  fingerprint: string,
  opts: {
    codeBias?: number[];
    mathBias?: number[];
    defaultStrength?: number;
    minExpertWeight?: RoutingProfile['minExpertWeight'];
  } = {},
): RoutingProfile {
  const zeros = () => new Array<number>(MADE_UP_LAYOUT.routedExperts).fill(0);
  const leading = (values: number[] = []) => zeros().map((z, e) => values[e] ?? z);
  const layer = (l: number) => ({
    layer: l,
    scoreSpread: 0.1,
    frequency: { code: zeros(), math: zeros(), general: zeros() },
    meanGateWeight: { code: zeros(), math: zeros(), general: zeros() },
    bias: { code: leading(opts.codeBias), math: leading(opts.mathBias) },
  });
  return {
    format: PROFILE_FORMAT,
    version: PROFILE_VERSION,
    checkpoint: { fingerprint, modelType: 'deepseek_v3', ...MADE_UP_LAYOUT, activeExperts: 4 },
    createdAt: '2026-01-01T00:00:00.000Z',
    corpus: emptyCorpus(),
    window: { tokens: 8, context: 2 },
    smoothing: 0.5,
    logRatioClip: 1,
    defaultStrength: opts.defaultStrength ?? 1,
    ...(opts.minExpertWeight && { minExpertWeight: opts.minExpertWeight }),
    layers: [layer(1), layer(2)],
  };
}

/** A temporary folder holding the v3-tiny fixture's weights (what a profile's fingerprint covers); the caller removes it. */
export function fixtureWeightsCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-profile-'));
  const from = join(__dirname, '../fixtures/deepseek/v3-tiny');
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(from, f), join(dir, f));
  return dir;
}

// Deterministic "domains" for the fixture models, which have no tokenizer: three disjoint token-id ranges, so the
// routers see three different input distributions, as they would code, math and prose.
import type { DomainCorpus } from '../../engine/routing/calibration';
import type { CalibrationDomain } from '../../engine/routing/stats';

/** xorshift32: the same sequence on every machine */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const RANGES: Record<CalibrationDomain, [number, number]> = { code: [2, 170], math: [170, 340], general: [340, 512] };

export function fixtureSequence(domain: CalibrationDomain, length: number, seed: number): number[] {
  const r = rng(seed);
  const [lo, hi] = RANGES[domain];
  return Array.from({ length }, () => lo + Math.floor(r() * (hi - lo)));
}

export function fixtureCorpora(tokensPerDomain = 96): Record<CalibrationDomain, DomainCorpus> {
  const make = (d: CalibrationDomain, seed: number): DomainCorpus => ({
    files: [`synthetic-${d}`],
    bytes: tokensPerDomain,
    sequences: [fixtureSequence(d, tokensPerDomain / 2, seed), fixtureSequence(d, tokensPerDomain / 2, seed + 1)],
  });
  return { code: make('code', 11), math: make('math', 23), general: make('general', 37) };
}

// Which experts stay in the graphs for `--keep-experts FRACTION`, and how many a generation touched.
import type { RoutingProfile } from './profile';
import type { CalibrationDomain } from './stats';

/**
 * Per MoE layer, the ids (ascending) of the experts to keep: the `fraction` the domain selects most often on its
 * calibration text (several domains: their summed frequencies), never fewer than `activeExperts` (top-k must stay
 * possible). Ties go to the expert general text uses more, then to the lower id, so the choice is deterministic.
 * `undefined` for fraction 1: keep everything.
 */
export function keptExperts(
  profile: RoutingProfile,
  domain: CalibrationDomain | CalibrationDomain[],
  fraction: number,
): number[][] | undefined {
  const domains = Array.isArray(domain) ? domain : [domain];
  if (!Number.isFinite(fraction) || fraction <= 0 || fraction > 1) {
    throw new RangeError(`keep-experts fraction must be in (0, 1], got ${fraction}`);
  }
  const { routedExperts, activeExperts } = profile.checkpoint;
  const keep = Math.max(activeExperts, Math.ceil(fraction * routedExperts - 1e-9));
  if (keep >= routedExperts) return undefined;
  return profile.layers.map((layer) => {
    const f = layer.frequency.general.map((_, e) => domains.reduce((acc, d) => acc + layer.frequency[d][e], 0));
    const g = layer.frequency.general;
    const order = f.map((_, e) => e).sort((a, b) => f[b] - f[a] || g[b] - g[a] || a - b);
    return order.slice(0, keep).sort((a, b) => a - b);
  });
}

/** Fraction of (MoE layer, routed expert) pairs selected at least once, from GenerationStats.expertCounts. */
export function touchedFraction(expertCounts: number[][]): number {
  let touched = 0;
  let total = 0;
  for (const row of expertCounts) {
    for (const c of row) {
      total += 1;
      if (c > 0) touched += 1;
    }
  }
  return total === 0 ? 0 : touched / total;
}

/** Adds the expert ids of a ForwardResult ([moeLayer][token][k]) into per-layer counts. */
export function countSelections(experts: number[][][], routedExperts: number, into?: number[][]): number[][] {
  const counts = into ?? experts.map(() => new Array<number>(routedExperts).fill(0));
  experts.forEach((layer, l) => {
    for (const ids of layer) for (const e of ids) counts[l][e] += 1;
  });
  return counts;
}

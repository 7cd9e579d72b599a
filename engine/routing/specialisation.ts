// How differently the domains use the experts: per MoE layer, the total variation distance between a domain's
// selection distribution and general text's (0 = the same experts equally often, 1 = disjoint experts). The number
// the routing benchmark reports to say whether a model's experts specialise by domain at all.
import type { RoutingProfile } from './profile';
import type { CalibrationDomain } from './stats';

export function totalVariation(p: number[], q: number[]): number {
  const sp = p.reduce((a, b) => a + b, 0);
  const sq = q.reduce((a, b) => a + b, 0);
  if (sp === 0 || sq === 0) return 0;
  return 0.5 * p.reduce((acc, x, i) => acc + Math.abs(x / sp - q[i] / sq), 0);
}

/** [moeLayer] distance of `domain` from `against` (general by default). */
export function specialisation(
  profile: RoutingProfile,
  domain: CalibrationDomain,
  against: CalibrationDomain = 'general',
): number[] {
  return profile.layers.map((l) => totalVariation(l.frequency[domain], l.frequency[against]));
}

// Which routing domain a request asks for, and the seam where a calibrated routing profile turns it into a selection
// bias. The profile (calibration, per-layer bias vectors) is the routing work's; until a model has one, requests run
// with the checkpoint's own routing.
import type { Domain, RoutingRequest } from '../protocol';
import type { SelectionBias } from '../runtime/api';

export type RequestKind = 'complete' | 'chat';

export interface ResolvedRouting {
  /** undefined when `auto` could not be decided (no classifier in this build) */
  domain?: Exclude<Domain, 'auto'>;
  /** undefined: the profile's default strength */
  strength?: number;
}

/** Completions are code unless the client says otherwise; chat passes its domain through. */
export function resolveRouting(kind: RequestKind, routing: RoutingRequest | undefined): ResolvedRouting {
  const strength = routing?.strength;
  const asked = routing?.domain ?? (kind === 'complete' ? 'code' : 'auto');
  return { domain: asked === 'auto' ? undefined : asked, strength };
}

/** What a routing profile provides: the selection bias for a domain at a strength (undefined = no skew). */
export interface RoutingProfile {
  /** classify free text for `auto` requests */
  classify?(text: string): Exclude<Domain, 'auto'>;
  biasFor(domain: Exclude<Domain, 'auto'>, strength: number): SelectionBias | undefined;
  /** the strength of requests that do not say (chosen by the routing benchmark) */
  readonly defaultStrength?: number;
}

export function selectionBiasFor(profile: RoutingProfile | undefined, routing: ResolvedRouting): SelectionBias | undefined {
  const strength = routing.strength ?? profile?.defaultStrength ?? 0;
  if (!profile || !routing.domain || strength === 0) return undefined;
  return profile.biasFor(routing.domain, strength);
}

// What the server attaches to a request: its domain (classified when `auto`), its strength (the profile's default when
// the request does not say) and the selection bias those give. One function, so completions, chat and Check Proof
// route the same way.
import type { Domain, RoutingRequest } from '../protocol';
import type { SelectionBias } from '../runtime/api';
import { classifyDomain } from './classifier';
import { type RoutingProfile, selectionBias } from './profile';
import type { CalibrationDomain } from './stats';

export interface RequestRouting {
  domain: CalibrationDomain;
  /** 0 when the model has no profile: nothing is skewed */
  strength: number;
  selectionBias?: SelectionBias;
}

/**
 * `fallback` is the domain the request's origin implies (completion in a programming language: code; LaTeX,
 * Markdown math, Check Proof: math; chat: auto); `text` is what `auto` is classified from.
 */
export function routingFor(
  profile: RoutingProfile | undefined,
  request: Partial<RoutingRequest> | undefined,
  fallback: Domain,
  text: string,
): RequestRouting {
  const wanted = request?.domain ?? fallback;
  const domain = wanted === 'auto' ? classifyDomain(text) : wanted;
  if (!profile) return { domain, strength: 0 };
  const strength = request?.strength ?? profile.defaultStrength;
  return { domain, strength, selectionBias: selectionBias(profile, domain, strength) };
}

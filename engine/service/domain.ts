// The routing choice of one request: the domain it runs in (from its origin; chat's `auto` classified from the user's
// text) and the strength of the skew, and how the model's routing (engine/routing/model-routing.ts, the calibrated
// profile) turns that choice into a selection bias. Without a profile requests run with the checkpoint's own routing.
import type { ChatMessage, Domain, RoutingRequest } from '../protocol';
import type { ModelRouting } from '../routing/model-routing';
import type { SelectionBias } from '../runtime/api';

export type RequestKind = 'complete' | 'chat';

/** Domain and strength of one request; the bias is made when it runs, from the profile loaded then. */
export interface RequestRouting {
  /** undefined: `auto` undecided (a completion, or chat on a model without a routing profile) */
  domain?: Exclude<Domain, 'auto'>;
  /** undefined: the profile's default strength */
  strength?: number;
  /** undefined: the domain's τ in the profile */
  minExpertWeight?: number;
}

/**
 * Completions are code unless the client says otherwise; chat is `auto` unless it says, classified from `text` by the
 * model's routing.
 */
export function resolveRouting(
  kind: RequestKind,
  request: RoutingRequest | undefined,
  model?: ModelRouting,
  text = '',
): RequestRouting {
  const strength = request?.strength;
  const tau = request?.minExpertWeight;
  const override = tau === undefined ? {} : { minExpertWeight: tau };
  const asked = request?.domain ?? (kind === 'complete' ? 'code' : 'auto');
  if (asked !== 'auto') return { domain: asked, strength, ...override };
  return { domain: kind === 'chat' ? model?.classify(text) : undefined, strength, ...override };
}

/** What chat's `auto` is classified from: the user's messages. */
export function userText(messages: readonly ChatMessage[]): string {
  return messages
    .filter((m) => m.role === 'user')
    .map((m) => m.content)
    .join('\n');
}

/** undefined (no skew) without a profile, without a domain, and at strength 0. */
export function selectionBiasFor(model: ModelRouting | undefined, routing: RequestRouting): SelectionBias | undefined {
  const strength = routing.strength ?? model?.defaultStrength ?? 0;
  if (!model || !routing.domain || strength === 0) return undefined;
  return model.biasFor(routing.domain, strength);
}

/** The request's τ, else its domain's in the profile; 0 (every selected expert) without a profile or a domain. */
export function minExpertWeightFor(model: ModelRouting | undefined, routing: RequestRouting): number {
  if (routing.minExpertWeight !== undefined) return routing.minExpertWeight;
  return model && routing.domain ? model.minExpertWeight(routing.domain) : 0;
}

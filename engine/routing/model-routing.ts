// A loaded model's routing skew, as the server uses it: the profile next to the checkpoint (refused when it was made
// for other weights), the chat classifier for `auto`, the bias of a domain at a strength, the profile's default
// strength, the experts to keep for `keepExperts`, and what `routing/profile` tells the extension about it.
import type { Domain, ModelInfo, RoutingProfileResult } from '../protocol';
import type { SelectionBias } from '../runtime/api';
import { classifyDomain } from './classifier';
import { type RoutingProfile, PROFILE_FILE, selectionBias } from './profile';
import { existsSync, readFileSync } from 'node:fs';
import {
  type CheckpointShape,
  checkProfileFits,
  defaultProfilePath,
  loadProfileFor,
  parseProfile,
} from './profile-file';
import { keptExperts } from './residency';
import type { CalibrationDomain } from './stats';

/** A code-and-math assistant keeps the experts those two domains use most. */
export const ASSISTANT_DOMAINS: CalibrationDomain[] = ['code', 'math'];

export class ModelRouting {
  private constructor(
    readonly profile: RoutingProfile,
    readonly path: string,
  ) {}

  /**
   * The model's routing, or undefined when the folder has no profile; throws EngineError for a profile made for other
   * weights. Without `shape` (before the model is loaded) only the fingerprint is checked: call fits() after loading.
   */
  static load(
    modelDir: string,
    shape?: CheckpointShape,
    path = defaultProfilePath(modelDir),
  ): ModelRouting | undefined {
    if (shape) {
      const profile = loadProfileFor(modelDir, shape, path);
      return profile ? new ModelRouting(profile, path) : undefined;
    }
    if (!existsSync(path)) return undefined;
    const profile = parseProfile(readFileSync(path, 'utf8'), path);
    checkProfileFits(profile, path, modelDir, profile.checkpoint);
    return new ModelRouting(profile, path);
  }

  /** Whether the profile's layers and experts match a loaded model's. */
  fits(shape: CheckpointShape): boolean {
    return (
      this.profile.checkpoint.moeLayers === shape.moeLayers &&
      this.profile.checkpoint.routedExperts === shape.routedExperts
    );
  }

  get defaultStrength(): number {
    return this.profile.defaultStrength;
  }

  /** The profile's τ for a domain (0 where it names none). */
  minExpertWeight(domain: Exclude<Domain, 'auto'>): number {
    return this.profile.minExpertWeight?.[domain] ?? 0;
  }

  classify(text: string): Exclude<Domain, 'auto'> {
    return classifyDomain(text);
  }

  biasFor(domain: Exclude<Domain, 'auto'>, strength: number): SelectionBias | undefined {
    return selectionBias(this.profile, domain, strength);
  }

  /** LoadOptions.keptExperts for `--keep-experts FRACTION` (undefined = keep all). */
  keptExperts(fraction: number, domains: CalibrationDomain[] = ASSISTANT_DOMAINS): number[][] | undefined {
    return keptExperts(this.profile, domains, fraction);
  }
}

/**
 * The `routing/profile` answer for a served model: the profile its requests are skewed by, else why there is none
 * (`refused`: the reason a profile next to it was not applied at load).
 */
export function routingProfileResult(
  model: ModelInfo,
  routing: ModelRouting | undefined,
  refused?: string,
): RoutingProfileResult {
  if (model.backend === 'openai-compatible') {
    return {
      reason: `Routing skew is off: requests go to ${model.path} over the OpenAI API, which carries no per-request expert bias and reports no expert counts.`,
    };
  }
  if (routing) return { profile: routing.profile };
  if (refused) return { reason: `Routing skew is off: ${refused}` };
  return {
    reason: `${model.name} has no routing profile (${PROFILE_FILE}); create one with the engine's calibrate command.`,
  };
}

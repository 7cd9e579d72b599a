// A loaded model's routing skew, as the server uses it: the profile next to the checkpoint (refused when it was made
// for other weights), the chat classifier for `auto`, the bias of a domain at a strength, the profile's default
// strength, and the experts to keep for `keepExperts`.
import type { Domain } from '../protocol';
import type { SelectionBias } from '../runtime/api';
import { classifyDomain } from './classifier';
import { type RoutingProfile, selectionBias } from './profile';
import { type CheckpointShape, defaultProfilePath, loadProfileFor } from './profile-file';
import { keptExperts } from './residency';
import type { CalibrationDomain } from './stats';

/** A code-and-math assistant keeps the experts those two domains use most. */
export const ASSISTANT_DOMAINS: CalibrationDomain[] = ['code', 'math'];

export class ModelRouting {
  private constructor(
    readonly profile: RoutingProfile,
    readonly path: string,
  ) {}

  /** The model's routing, or undefined when the folder has no profile; throws EngineError for a foreign profile. */
  static load(modelDir: string, shape: CheckpointShape, path = defaultProfilePath(modelDir)): ModelRouting | undefined {
    const profile = loadProfileFor(modelDir, shape, path);
    return profile ? new ModelRouting(profile, path) : undefined;
  }

  get defaultStrength(): number {
    return this.profile.defaultStrength;
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

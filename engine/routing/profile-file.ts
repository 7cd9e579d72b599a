// Reading and writing `switchyard-routing.json`, and refusing a profile that does not belong to the checkpoint.
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ggufShardFiles } from '../checkpoint/gguf';
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';
import { checkpointFingerprint } from './checkpoint-fingerprint';
import { type RoutingProfile, BIAS_DOMAINS, PROFILE_FILE, PROFILE_FORMAT, PROFILE_VERSION } from './profile';
import { CALIBRATION_DOMAINS } from './stats';

/**
 * Where a model's profile lives: in its folder, or beside a GGUF file as `<file>.switchyard-routing.json` (one for all
 * the shards of a split model, named after the first).
 */
export function defaultProfilePath(model: string): string {
  if (!statSync(model, { throwIfNoEntry: false })?.isFile()) return join(model, PROFILE_FILE);
  return `${ggufShardFiles(model)[0]}.${PROFILE_FILE}`;
}

/** Writes atomically (temp file + rename), so a crash never leaves a half-written profile next to the model. */
export function saveProfile(profile: RoutingProfile, path: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(profile, null, 1)}\n`);
  renameSync(tmp, path);
}

function bad(path: string, what: string): EngineError {
  return new EngineError(`routing profile ${path}: ${what}`, EngineErrorCodes.BadInput);
}

function checkVector(path: string, where: string, v: unknown, length: number): void {
  if (!Array.isArray(v) || v.length !== length || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw bad(path, `${where} must be ${length} finite numbers`);
  }
}

/** Parses and checks the structure of a profile (not yet whether it fits a checkpoint). */
export function parseProfile(text: string, path: string): RoutingProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw bad(path, `not valid JSON (${(err as Error).message})`);
  }
  const p = raw as Partial<RoutingProfile>;
  if (typeof p !== 'object' || p === null || p.format !== PROFILE_FORMAT) {
    throw bad(path, `not a Switchyard routing profile (format must be "${PROFILE_FORMAT}")`);
  }
  if (typeof p.version !== 'number' || p.version > PROFILE_VERSION || p.version < 1) {
    throw bad(path, `version ${String(p.version)} is not supported (this engine reads version ${PROFILE_VERSION})`);
  }
  const ck = p.checkpoint;
  if (
    !ck ||
    typeof ck.fingerprint !== 'string' ||
    !Number.isInteger(ck.moeLayers) ||
    !Number.isInteger(ck.routedExperts)
  ) {
    throw bad(path, 'missing checkpoint identity (fingerprint, moeLayers, routedExperts)');
  }
  if (!Array.isArray(p.layers) || p.layers.length !== ck.moeLayers) {
    throw bad(path, `needs ${ck.moeLayers} layer entries`);
  }
  p.layers.forEach((layer, l) => {
    if (!(typeof layer.scoreSpread === 'number' && layer.scoreSpread >= 0)) throw bad(path, `layers[${l}].scoreSpread`);
    for (const d of BIAS_DOMAINS) checkVector(path, `layers[${l}].bias.${d}`, layer.bias?.[d], ck.routedExperts);
    for (const d of CALIBRATION_DOMAINS) {
      checkVector(path, `layers[${l}].frequency.${d}`, layer.frequency?.[d], ck.routedExperts);
    }
  });
  if (typeof p.defaultStrength !== 'number' || !(p.defaultStrength >= 0)) throw bad(path, 'defaultStrength');
  if (p.minExpertWeight !== undefined) {
    if (typeof p.minExpertWeight !== 'object' || p.minExpertWeight === null) throw bad(path, 'minExpertWeight');
    for (const [d, tau] of Object.entries(p.minExpertWeight)) {
      if (!(CALIBRATION_DOMAINS as readonly string[]).includes(d) || !(typeof tau === 'number' && tau >= 0 && tau < 1))
        throw bad(path, `minExpertWeight.${d} must be a number in [0, 1) for code, math or general`);
    }
  }
  return p as RoutingProfile;
}

export interface CheckpointShape {
  moeLayers: number;
  routedExperts: number;
}

/**
 * Refuses a profile calibrated on other weights: its bias would steer a different router and silently hurt quality.
 * `fingerprint` defaults to hashing `modelDir` now.
 */
export function checkProfileFits(
  profile: RoutingProfile,
  path: string,
  modelDir: string,
  shape: CheckpointShape,
  fingerprint = checkpointFingerprint(modelDir),
): void {
  const ck = profile.checkpoint;
  if (ck.fingerprint !== fingerprint) {
    throw new EngineError(
      `routing profile ${path} was calibrated for another checkpoint (${ck.fingerprint.slice(0, 19)}…, ` +
        `${ck.modelType}) but ${modelDir} is ${fingerprint.slice(0, 19)}…; recalibrate with ` +
        `\`npm run -s engine -- calibrate --model ${modelDir} --code … --math … --general …\``,
      EngineErrorCodes.BadInput,
    );
  }
  if (ck.moeLayers !== shape.moeLayers || ck.routedExperts !== shape.routedExperts) {
    throw bad(
      path,
      `made for ${ck.moeLayers} MoE layers x ${ck.routedExperts} experts, the model has ` +
        `${shape.moeLayers} x ${shape.routedExperts}`,
    );
  }
}

/** The model's profile if it has one (undefined when absent); throws when present but unusable. */
export function loadProfileFor(
  modelDir: string,
  shape: CheckpointShape,
  path = defaultProfilePath(modelDir),
  fingerprint?: string,
): RoutingProfile | undefined {
  if (!existsSync(path)) return undefined;
  const profile = parseProfile(readFileSync(path, 'utf8'), path);
  checkProfileFits(profile, path, modelDir, shape, fingerprint);
  return profile;
}

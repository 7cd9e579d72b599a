// Calibration from text files, shared by the `calibrate` command and the server's `calibrate` request: expand the
// paths, tokenise with the model's tokenizer, run the calibration and write the profile (next to the model unless
// told otherwise). A re-calibration keeps the default strength the benchmark chose for the same weights.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';
import type { LoadedModel } from '../runtime/api';
import { type CalibrationWindow, type DomainCorpus, calibrate } from './calibration';
import { checkpointFingerprint } from './checkpoint-fingerprint';
import { displayPath, expandPaths, readDocuments } from './corpus-files';
import type { RoutingProfile } from './profile';
import { defaultProfilePath, parseProfile, saveProfile } from './profile-file';
import { noTokenizer } from '../checkpoint/tokenizer';
import { type CalibrationDomain, CALIBRATION_DOMAINS } from './stats';

export interface CalibrateFilesOptions {
  /** per domain, comma-separated files or folders (each entry may hold several) */
  paths: Record<CalibrationDomain, string[]>;
  out?: string;
  maxTokensPerDomain?: number;
  window?: CalibrationWindow;
  description?: string;
  defaultStrength?: number;
  onProgress?: (domain: CalibrationDomain, tokensDone: number) => void;
}

function corpusOf(model: LoadedModel, spec: string[], domain: CalibrationDomain): DomainCorpus {
  const tokenizer = model.tokenizer;
  if (!tokenizer) {
    throw new EngineError(
      `${noTokenizer(model.info.path)}: calibration needs text, not token ids`,
      EngineErrorCodes.BadInput,
    );
  }
  const files = expandPaths(spec);
  const docs = readDocuments(files);
  if (docs.length === 0)
    throw new EngineError(`no ${domain} text files in ${spec.join(', ')}`, EngineErrorCodes.BadInput);
  return {
    files: files.map(displayPath),
    bytes: docs.reduce((n, d) => n + Buffer.byteLength(d.text), 0),
    sequences: docs.map((d) => tokenizer.encode(d.text, { addSpecialTokens: false })).filter((s) => s.length > 0),
  };
}

/** The benchmark's choices (default strength, per-domain τ) of the profile at `out`, if made for these weights. */
function previousDefaults(out: string, fingerprint: string): Partial<RoutingProfile> {
  if (!existsSync(out)) return {};
  try {
    const old = parseProfile(readFileSync(out, 'utf8'), out);
    if (old.checkpoint.fingerprint !== fingerprint) return {};
    return { defaultStrength: old.defaultStrength, minExpertWeight: old.minExpertWeight };
  } catch {
    return {};
  }
}

export async function calibrateFiles(
  model: LoadedModel,
  modelDir: string,
  opts: CalibrateFilesOptions,
): Promise<{ profile: RoutingProfile; path: string }> {
  const dir = resolve(modelDir);
  const path = resolve(opts.out ?? defaultProfilePath(dir));
  const fingerprint = checkpointFingerprint(dir);
  const corpora = Object.fromEntries(CALIBRATION_DOMAINS.map((d) => [d, corpusOf(model, opts.paths[d], d)])) as Record<
    CalibrationDomain,
    DomainCorpus
  >;
  const description =
    opts.description ??
    CALIBRATION_DOMAINS.map((d) => `${d}: ${corpora[d].files.length} files, ${corpora[d].bytes} bytes`).join('; ');
  const previous = previousDefaults(path, fingerprint);
  const profile = await calibrate(model, {
    fingerprint,
    corpora,
    description,
    window: opts.window,
    maxTokensPerDomain: opts.maxTokensPerDomain,
    defaultStrength: opts.defaultStrength ?? previous.defaultStrength,
    onProgress: opts.onProgress,
  });
  if (previous.minExpertWeight) profile.minExpertWeight = previous.minExpertWeight;
  saveProfile(profile, path);
  return { profile, path };
}

// `calibrate --model DIR --code PATHS --math PATHS --general PATHS [--out FILE]`: runs the model over each domain's
// texts and writes its routing profile (default: DIR/switchyard-routing.json). PATHS are comma-separated files or
// folders; each flag may be repeated.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { calibrate, DEFAULT_MAX_TOKENS_PER_DOMAIN, DEFAULT_WINDOW, type DomainCorpus } from '../routing/calibration';
import { checkpointFingerprint } from '../routing/checkpoint-fingerprint';
import { displayPath, expandPaths, readDocuments } from '../routing/corpus-files';
import { defaultProfilePath, parseProfile, saveProfile } from '../routing/profile-file';
import { specialisation } from '../routing/specialisation';
import { CALIBRATION_DOMAINS, type CalibrationDomain } from '../routing/stats';
import type { LoadedModel } from '../runtime/api';
import { loadModel } from '../runtime/load-model';
import { CliError } from './errors';

const USAGE =
  'usage: calibrate --model DIR --code PATHS --math PATHS --general PATHS [--out FILE] [--max-tokens N] ' +
  '[--window N] [--description TEXT] [--default-strength S] [--threads N] [--cache-dir DIR] [--json]';

function positiveInt(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`--${name} must be a positive integer, got '${v}'`);
  return n;
}

function corpusOf(model: LoadedModel, spec: string[], domain: CalibrationDomain): DomainCorpus {
  const tokenizer = model.tokenizer;
  if (!tokenizer) throw new CliError(`${model.info.path} has no tokenizer.json: calibration needs text, not token ids`);
  const files = expandPaths(spec);
  const docs = readDocuments(files);
  if (docs.length === 0) throw new CliError(`--${domain} names no text files`);
  return {
    files: files.map(displayPath),
    bytes: docs.reduce((n, d) => n + Buffer.byteLength(d.text), 0),
    sequences: docs.map((d) => tokenizer.encode(d.text, { addSpecialTokens: false })).filter((s) => s.length > 0),
  };
}

/** A re-calibration keeps the strength the benchmark chose for this checkpoint, unless told otherwise. */
function previousDefaultStrength(out: string, fingerprint: string): number | undefined {
  if (!existsSync(out)) return undefined;
  try {
    const old = parseProfile(readFileSync(out, 'utf8'), out);
    return old.checkpoint.fingerprint === fingerprint ? old.defaultStrength : undefined;
  } catch {
    return undefined;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      code: { type: 'string', multiple: true },
      math: { type: 'string', multiple: true },
      general: { type: 'string', multiple: true },
      out: { type: 'string' },
      'max-tokens': { type: 'string' },
      window: { type: 'string' },
      description: { type: 'string' },
      'default-strength': { type: 'string' },
      threads: { type: 'string' },
      'cache-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.model || !values.code || !values.math || !values.general) throw new CliError(USAGE);
  const dir = resolve(values.model);
  const out = resolve(values.out ?? defaultProfilePath(dir));
  const maxTokens = positiveInt('max-tokens', values['max-tokens'], DEFAULT_MAX_TOKENS_PER_DOMAIN);
  const windowTokens = positiveInt('window', values.window, DEFAULT_WINDOW.tokens);
  const window = { tokens: windowTokens, context: Math.min(DEFAULT_WINDOW.context, Math.floor(windowTokens / 4)) };
  let defaultStrength: number | undefined;
  if (values['default-strength'] !== undefined) {
    defaultStrength = Number(values['default-strength']);
    if (!(defaultStrength >= 0)) throw new CliError(`--default-strength must be a number >= 0`);
  }
  const fingerprint = checkpointFingerprint(dir);
  defaultStrength ??= previousDefaultStrength(out, fingerprint);

  const model = await loadModel(dir, {
    threads: values.threads ? positiveInt('threads', values.threads, 1) : undefined,
    cacheDir: values['cache-dir'],
  });
  try {
    const spec = { code: values.code, math: values.math, general: values.general };
    const corpora = Object.fromEntries(
      CALIBRATION_DOMAINS.map((d) => [d, corpusOf(model, spec[d], d)]),
    ) as Record<CalibrationDomain, DomainCorpus>;
    const description =
      values.description ??
      CALIBRATION_DOMAINS.map((d) => `${d}: ${corpora[d].files.length} files, ${corpora[d].bytes} bytes`).join('; ');
    const started = Date.now();
    const profile = await calibrate(model, {
      fingerprint,
      corpora,
      description,
      window,
      maxTokensPerDomain: maxTokens,
      defaultStrength,
      onProgress: (d, n) => process.stderr.write(`\rcalibrate: ${d} ${n} tokens   `),
    });
    process.stderr.write('\n');
    saveProfile(profile, out);
    const summary = {
      profile: out,
      seconds: (Date.now() - started) / 1000,
      tokens: Object.fromEntries(CALIBRATION_DOMAINS.map((d) => [d, profile.corpus[d].tokens])),
      specialisation: { code: specialisation(profile, 'code'), math: specialisation(profile, 'math') },
      scoreSpread: profile.layers.map((l) => l.scoreSpread),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stdout.write(`wrote ${out} (${summary.seconds.toFixed(1)} s)\n`);
      profile.layers.forEach((l, i) => {
        process.stdout.write(
          `layer ${l.layer}: score spread ${l.scoreSpread.toFixed(4)}, distance from general text: ` +
            `code ${summary.specialisation.code[i].toFixed(3)}, math ${summary.specialisation.math[i].toFixed(3)}\n`,
        );
      });
    }
    return 0;
  } finally {
    await model.dispose();
  }
}

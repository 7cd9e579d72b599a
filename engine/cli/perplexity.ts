// `perplexity --model DIR --file F [--domain D --strength S --keep-experts K] [--json]`: bits per byte of the model on
// a text file, with the routing skew of a domain profile and with only a fraction of the experts kept, plus what
// that costs and saves: the fraction of (layer, expert) pairs touched, the routed-expert bytes resident in this
// process (read from /proc/self/smaps, not estimated) and the decode speed of a short greedy continuation.
// JSON: {"bits_per_byte", "tokens", "experts_touched_fraction", "resident_expert_bytes", "decode_tokens_per_s"}.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { windows } from '../routing/calibration';
import { classifyDomain } from '../routing/classifier';
import { type RoutingProfile, selectionBias } from '../routing/profile';
import { defaultProfilePath, loadProfileFor } from '../routing/profile-file';
import { countSelections, keptExperts, touchedFraction } from '../routing/residency';
import type { CalibrationDomain } from '../routing/stats';
import type { LoadedModel, SelectionBias } from '../runtime/api';
import { loadModel, validateModelDir } from '../runtime/load-model';
import { CliError } from './errors';

const USAGE =
  'usage: perplexity --model DIR --file F [--domain code|math|general|auto] [--strength S] [--keep-experts K] ' +
  '[--profile FILE] [--max-tokens N] [--decode-tokens N] [--threads N] [--cache-dir DIR] [--json]';

export interface PerplexityResult {
  bits_per_byte: number;
  tokens: number;
  experts_touched_fraction: number;
  resident_expert_bytes: number;
  decode_tokens_per_s: number;
}

export interface ScoreOptions {
  selectionBias?: SelectionBias;
  maxTokens?: number;
  /** tokens per forward pass and how many of them are context carried over from the previous window */
  window?: { tokens: number; context: number };
  /** tokens of greedy continuation timed for decode_tokens_per_s (0: skip) */
  decodeTokens?: number;
}

const LN2 = Math.log(2);

/** -log2 p(target) under a row of logits, in float64. */
function bitsOf(logits: Float32Array, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return (Math.log(sum) + max - logits[target]) / LN2;
}

/**
 * Scores `text`: every token after the first (after BOS when the tokenizer has one, so the first text token is scored
 * too) is predicted from its left context within its window; bits are divided by the UTF-8 bytes scored.
 */
export async function scoreText(model: LoadedModel, text: string, opts: ScoreOptions = {}): Promise<PerplexityResult> {
  const tok = model.tokenizer;
  if (!tok) throw new CliError(`${model.info.path} has no tokenizer.json: perplexity needs text`);
  const textIds = tok.encode(text, { addSpecialTokens: false }).slice(0, opts.maxTokens ?? Infinity);
  const bos = tok.bosId !== undefined ? [tok.bosId] : [];
  const ids = [...bos, ...textIds];
  if (ids.length < 2) throw new CliError('the file is too short to score');
  const bytes = Buffer.byteLength(tok.decode(bos.length ? textIds : textIds.slice(1)));
  const window = opts.window ?? { tokens: 512, context: 128 };
  const counts = Array.from({ length: model.info.moeLayers }, () => new Array<number>(model.info.routedExperts).fill(0));
  let bits = 0;
  let scored = 0;
  for (const w of windows(ids.length, window)) {
    const r = await model.forward(ids.slice(w.start, w.end), { selectionBias: opts.selectionBias });
    countSelections(r.experts, model.info.routedExperts, counts);
    for (let i = Math.max(1, w.first); i < w.end - w.start; i++) {
      bits += bitsOf(r.logits[i - 1], ids[w.start + i]);
      scored += 1;
    }
  }
  let decode = 0;
  const decodeTokens = opts.decodeTokens ?? 32;
  if (decodeTokens > 0) {
    const g = await model.generate(ids.slice(0, Math.min(64, ids.length)), {
      maxTokens: decodeTokens,
      temperature: 0,
      ignoreEos: true,
      usePrefixCache: false,
      selectionBias: opts.selectionBias,
    });
    decode = g.stats.decodeTokensPerS;
    g.stats.expertCounts?.forEach((row, l) => row.forEach((c, e) => (counts[l][e] += c)));
  }
  return {
    bits_per_byte: bits / bytes,
    tokens: scored,
    experts_touched_fraction: touchedFraction(counts),
    resident_expert_bytes: model.residentExpertBytes(),
    decode_tokens_per_s: decode,
  };
}

function numberArg(name: string, v: string | undefined, ok: (n: number) => boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!ok(n)) throw new CliError(`--${name}: invalid value '${v}'`);
  return n;
}

const DOMAINS = ['code', 'math', 'general', 'auto'] as const;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      file: { type: 'string' },
      domain: { type: 'string' },
      strength: { type: 'string' },
      'keep-experts': { type: 'string' },
      profile: { type: 'string' },
      'max-tokens': { type: 'string' },
      'decode-tokens': { type: 'string' },
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
  if (!values.model || !values.file) throw new CliError(USAGE);
  const dir = resolve(values.model);
  let text: string;
  try {
    text = readFileSync(values.file, 'utf8');
  } catch (err) {
    throw new CliError(`${values.file}: ${(err as Error).message}`);
  }
  if (values.domain !== undefined && !(DOMAINS as readonly string[]).includes(values.domain)) {
    throw new CliError(`--domain must be one of ${DOMAINS.join(', ')}, got '${values.domain}'`);
  }
  const strengthArg = numberArg('strength', values.strength, (n) => Number.isFinite(n) && n >= 0);
  const keep = numberArg('keep-experts', values['keep-experts'], (n) => n > 0 && n <= 1) ?? 1;
  const maxTokens = numberArg('max-tokens', values['max-tokens'], (n) => Number.isInteger(n) && n > 1);
  const decodeTokens = numberArg('decode-tokens', values['decode-tokens'], (n) => Number.isInteger(n) && n >= 0);
  const threads = numberArg('threads', values.threads, (n) => Number.isInteger(n) && n > 0);

  const domain: CalibrationDomain =
    values.domain === undefined ? 'general' : values.domain === 'auto' ? classifyDomain(text.slice(0, 4000)) : values.domain as CalibrationDomain;
  const skewed = (values.domain !== undefined && domain !== 'general' && strengthArg !== 0) || keep < 1;
  let profile: RoutingProfile | undefined;
  if (skewed) {
    const { info } = validateModelDir(dir);
    const path = values.profile ? resolve(values.profile) : defaultProfilePath(dir);
    profile = loadProfileFor(dir, info, path);
    if (!profile) throw new CliError(`${path} does not exist: run \`npm run -s engine -- calibrate --model ${values.model} …\` first`);
  }
  const strength = values.domain === undefined ? 0 : (strengthArg ?? profile?.defaultStrength ?? 0);
  const bias = profile && strength > 0 ? selectionBias(profile, domain, strength) : undefined;
  const kept = profile && keep < 1 ? keptExperts(profile, domain, keep) : undefined;

  const model = await loadModel(dir, { threads, keptExperts: kept, cacheDir: values['cache-dir'] });
  try {
    const result = await scoreText(model, text, { selectionBias: bias, maxTokens, decodeTokens });
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(
        `${values.file}: ${result.bits_per_byte.toFixed(4)} bits/byte over ${result.tokens} tokens ` +
          `(domain ${domain}, strength ${strength}, keep ${keep}); experts touched ` +
          `${(100 * result.experts_touched_fraction).toFixed(1)}%, resident expert bytes ${result.resident_expert_bytes}, ` +
          `decode ${result.decode_tokens_per_s.toFixed(1)} tokens/s\n`,
      );
    }
    return 0;
  } finally {
    await model.dispose();
  }
}

// `perplexity --model DIR --file F [--file G ...] [--context N] [--domain D --strength S --keep-experts K]
// [--min-expert-weight TAU] [--max-tokens N] [--decode-tokens N] [--token-bits FILE] [--json]`:
// bits per byte of a model on text files, optionally with the routing skew of a domain profile and with only a
// fraction of the experts kept, plus what that costs and saves: the fraction of (layer, expert) pairs touched, the
// routed-expert bytes resident in this process (read from /proc/self/smaps, never estimated) and the decode speed of
// a short greedy continuation under the same routing. --min-expert-weight TAU: the adaptive expert count (gate.ts);
// the JSON then also says how many routed experts were computed per token and layer, and how many distinct (layer,
// expert) pairs per 1,000 scored tokens.
// JSON: {"bits_per_byte", "tokens", "bytes", "experts_touched_fraction", "resident_expert_bytes", "decode_tokens_per_s",
// "experts_per_token", "touched_per_1k_tokens"}.
//
// Each file is tokenised whole, then scored in non-overlapping windows of --context tokens, each window preceded by
// the BOS token so that every token of the file is predicted exactly once. Bits per byte = the summed -log2 p of all
// tokens over the files' UTF-8 bytes (a byte-level tokenizer covers every byte), so models with different
// tokenizers compare fairly. The default context is the tokenizer_config.json `model_max_length` (the length the
// model was trained on), capped at 1024.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readTokenizerConfig } from '../checkpoint/tokenizer-config';
import { classifyDomain } from '../routing/classifier';
import { type RoutingProfile, selectionBias } from '../routing/profile';
import { defaultProfilePath, loadProfileFor } from '../routing/profile-file';
import { keptExperts, touchedFraction } from '../routing/residency';
import type { CalibrationDomain } from '../routing/stats';
import type { LoadedModel, SelectionBias } from '../runtime/api';
import { noTokenizer } from '../checkpoint/tokenizer';
import { loadModel, validateModel } from '../runtime/load-model';
import { CliError } from './errors';
import { MODEL_OPTIONS, loadOptions, number, positiveInt, requireModel } from './model-options';

export interface PerplexityResult {
  bits_per_byte: number;
  tokens: number;
  bytes: number;
  /** fraction of (MoE layer, routed expert) pairs selected at least once */
  experts_touched_fraction: number;
  /** [moeLayer][expert] selection counts over all scored tokens (computed experts only) */
  expert_counts: number[][];
  /** routed experts computed per token and MoE layer, mean over scored tokens */
  experts_per_token: number;
  /** distinct (MoE layer, expert) pairs computed per block of 1,000 scored tokens, mean over whole blocks (else all) */
  touched_per_1k_tokens: number;
  /** -log2 p of every scored token, in order (for paired comparisons of two routings on the same text) */
  token_bits: Float64Array;
}

/** log-softmax of one logit row at `target`, in float64. */
function logProb(row: Float32Array, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  return row[target] - max - Math.log(sum);
}

export async function measurePerplexity(
  model: LoadedModel,
  texts: string[],
  opts: {
    context: number;
    selectionBias?: SelectionBias;
    minExpertWeight?: number;
    /** score at most this many tokens of each text */ maxTokens?: number;
  },
): Promise<PerplexityResult> {
  const tok = model.tokenizer;
  if (!tok) throw new CliError(`${noTokenizer(model.info.path)}: perplexity needs text`);
  const bos = tok.bosId ?? tok.eosIds[0];
  if (bos === undefined)
    throw new CliError(`${model.info.path}: the tokenizer has no BOS or EOS token to start windows with`);
  if (opts.context < 2) throw new CliError(`--context must be at least 2, got ${opts.context}`);
  const E = model.info.routedExperts;
  const counts = Array.from({ length: model.info.moeLayers }, () => new Array<number>(E).fill(0));
  let nats = 0;
  let tokens = 0;
  const tokenBits: number[] = [];
  let bytes = 0;
  let computed = 0; // routed experts computed at the scored rows, all MoE layers
  const blocks: number[] = []; // distinct pairs of each whole block of 1,000 scored tokens
  const block = new Set<number>();
  for (const text of texts) {
    if (text.length === 0) continue;
    let ids = tok.encode(text);
    if (opts.maxTokens !== undefined && ids.length > opts.maxTokens) {
      ids = ids.slice(0, opts.maxTokens);
      // a byte-level tokenizer decodes a token prefix to exactly the bytes it covers
      bytes += Buffer.byteLength(tok.decode(ids), 'utf8');
    } else {
      bytes += Buffer.byteLength(text, 'utf8');
    }
    for (let start = 0; start < ids.length; start += opts.context - 1) {
      const targets = ids.slice(start, start + opts.context - 1);
      const input = [bos, ...targets.slice(0, -1)];
      const r = await model.forward(input, {
        selectionBias: opts.selectionBias,
        minExpertWeight: opts.minExpertWeight,
      });
      targets.forEach((t, i) => {
        const lp = logProb(r.logits[i], t);
        nats -= lp;
        tokenBits.push(-lp / Math.LN2);
        // the pairs computed at row i (the row that predicts this token), into the current block of 1,000
        r.experts.forEach((layer, m) => {
          for (const e of layer[i]) block.add(m * E + e);
          computed += layer[i].length;
        });
        if ((tokens + i + 1) % 1000 === 0) {
          blocks.push(block.size);
          block.clear();
        }
      });
      r.experts.forEach((layer, m) => {
        for (const sel of layer) for (const e of sel) counts[m][e]++;
      });
      tokens += targets.length;
    }
  }
  if (bytes === 0) throw new CliError('the input files are empty');
  const touched = counts.reduce((n, layer) => n + layer.filter((c) => c > 0).length, 0);
  return {
    bits_per_byte: nats / Math.LN2 / bytes,
    tokens,
    bytes,
    experts_per_token: tokens && counts.length ? computed / tokens / counts.length : 0,
    touched_per_1k_tokens: blocks.length ? blocks.reduce((a, b) => a + b, 0) / blocks.length : block.size,
    experts_touched_fraction: counts.length ? touched / (counts.length * E) : 0,
    expert_counts: counts,
    token_bits: Float64Array.from(tokenBits),
  };
}

/** The context the checkpoint was trained on, from tokenizer_config.json (at most 1024), else 256. */
export function defaultContext(dir: string): number {
  const n = readTokenizerConfig(dir).modelMaxLength;
  return n === undefined ? 256 : Math.min(n, 1024);
}

const DOMAINS = ['code', 'math', 'general', 'auto'] as const;

interface RoutingChoice {
  domain: CalibrationDomain;
  strength: number;
  keep: number;
  selectionBias?: SelectionBias;
  keptExperts?: number[][];
}

/** --domain / --strength / --keep-experts -> the bias and the kept experts, from the model's profile (or --profile). */
async function routingChoice(
  dir: string,
  values: Record<string, string | boolean | string[] | undefined>,
  text: string,
): Promise<RoutingChoice> {
  const domainArg = values.domain as string | undefined;
  if (domainArg !== undefined && !(DOMAINS as readonly string[]).includes(domainArg)) {
    throw new CliError(`--domain must be one of ${DOMAINS.join(', ')}, got '${domainArg}'`);
  }
  const strengthArg = values.strength !== undefined ? number(values.strength as string, '--strength') : undefined;
  if (strengthArg !== undefined && strengthArg < 0) throw new CliError(`--strength must be >= 0, got ${strengthArg}`);
  const keep = values['keep-experts'] !== undefined ? number(values['keep-experts'] as string, '--keep-experts') : 1;
  if (!(keep > 0 && keep <= 1)) throw new CliError(`--keep-experts must be a fraction in (0, 1], got ${keep}`);
  const domain: CalibrationDomain =
    domainArg === undefined
      ? 'general'
      : domainArg === 'auto'
        ? classifyDomain(text.slice(0, 4000))
        : (domainArg as CalibrationDomain);
  const needsProfile = (domainArg !== undefined && domain !== 'general' && strengthArg !== 0) || keep < 1;
  if (!needsProfile) return { domain, strength: 0, keep };
  const { info } = await validateModel(dir);
  const path = values.profile ? (values.profile as string) : defaultProfilePath(dir);
  const profile: RoutingProfile | undefined = loadProfileFor(dir, info, path);
  if (!profile)
    throw new CliError(`${path} does not exist: run \`npm run -s engine -- calibrate --model ${dir} …\` first`);
  const strength = domainArg === undefined ? 0 : (strengthArg ?? profile.defaultStrength);
  return {
    domain,
    strength,
    keep,
    selectionBias: strength > 0 ? selectionBias(profile, domain, strength) : undefined,
    keptExperts: keep < 1 ? keptExperts(profile, domain, keep) : undefined,
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_OPTIONS,
      file: { type: 'string', multiple: true },
      context: { type: 'string' },
      domain: { type: 'string' },
      strength: { type: 'string' },
      'keep-experts': { type: 'string' },
      'min-expert-weight': { type: 'string' },
      profile: { type: 'string' },
      'max-tokens': { type: 'string' },
      'decode-tokens': { type: 'string' },
      'token-bits': { type: 'string' },
    },
    strict: true,
  });
  const dir = requireModel(values);
  const files = values.file ?? [];
  if (files.length === 0) throw new CliError('--file F is required (repeat it for several files)');
  const texts = files.map((f) => {
    if (!existsSync(f)) throw new CliError(`${f}: no such file`);
    return readFileSync(f, 'utf8');
  });
  const context = values.context !== undefined ? positiveInt(values.context, '--context', 2) : defaultContext(dir);
  const maxTokens =
    values['max-tokens'] !== undefined ? positiveInt(values['max-tokens'], '--max-tokens', 1) : undefined;
  const decodeTokens =
    values['decode-tokens'] !== undefined ? positiveInt(values['decode-tokens'], '--decode-tokens', 0) : 32;
  const routing = await routingChoice(dir, values, texts.join('\n'));
  // omitted: 0 (every selected expert), not the domain's default: the benchmark sets it explicitly
  const minExpertWeight =
    values['min-expert-weight'] !== undefined ? number(values['min-expert-weight'], '--min-expert-weight') : 0;
  if (!(minExpertWeight >= 0 && minExpertWeight < 1))
    throw new CliError(`--min-expert-weight must be in [0, 1), got ${minExpertWeight}`);
  const model = await loadModel(dir, { ...loadOptions(values), keptExperts: routing.keptExperts });
  try {
    const r = await measurePerplexity(model, texts, {
      context,
      selectionBias: routing.selectionBias,
      minExpertWeight,
      maxTokens,
    });
    if (values['token-bits']) writeFileSync(values['token-bits'], r.token_bits);
    const counts = r.expert_counts;
    let decodeTokensPerS = 0;
    if (decodeTokens > 0 && model.tokenizer) {
      // a short greedy continuation of the first text under the same routing, for the decode speed
      const prompt = model.tokenizer.encode(texts[0]).slice(0, 64);
      if (prompt.length > 0) {
        const g = await model.generate(prompt, {
          maxTokens: decodeTokens,
          temperature: 0,
          ignoreEos: true,
          usePrefixCache: false,
          selectionBias: routing.selectionBias,
          minExpertWeight,
        });
        decodeTokensPerS = g.stats.decodeTokensPerS;
        g.stats.expertCounts?.forEach((row, l) => row.forEach((c, e) => (counts[l][e] += c)));
      }
    }
    const touched = touchedFraction(counts);
    const resident = model.residentExpertBytes();
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({
          bits_per_byte: r.bits_per_byte,
          tokens: r.tokens,
          bytes: r.bytes,
          experts_touched_fraction: touched,
          resident_expert_bytes: resident,
          decode_tokens_per_s: decodeTokensPerS,
          experts_per_token: r.experts_per_token,
          touched_per_1k_tokens: r.touched_per_1k_tokens,
        })}\n`,
      );
    } else {
      process.stdout.write(
        `${r.bits_per_byte.toFixed(4)} bits/byte over ${r.bytes} bytes (${r.tokens} tokens, context ${context}; ` +
          `domain ${routing.domain}, strength ${routing.strength}, keep ${routing.keep}); experts touched ` +
          `${(100 * touched).toFixed(1)}%, resident expert bytes ${resident}, decode ${decodeTokensPerS.toFixed(1)} tokens/s\n`,
      );
    }
  } finally {
    await model.dispose();
  }
  return 0;
}

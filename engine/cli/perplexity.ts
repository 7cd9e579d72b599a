// `perplexity --model DIR --file F [--file G ...] [--context N] [--json]`: bits per byte of a model on text files.
//
// Each file is tokenised whole, then scored in non-overlapping windows of --context tokens, each window preceded by
// the BOS token so that every token of the file is predicted exactly once. Bits per byte = the summed -log2 p of all
// tokens over the files' UTF-8 bytes (a byte-level tokenizer covers every byte), so models with different
// tokenizers compare fairly. The default context is the tokenizer_config.json `model_max_length` (the length the
// model was trained on), capped at 1024.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadedModel, SelectionBias } from '../runtime/api';
import { loadModel } from '../runtime/load-model';
import { CliError } from './errors';
import { MODEL_OPTIONS, loadOptions, positiveInt, requireModel } from './model-options';

export interface PerplexityResult {
  bits_per_byte: number;
  tokens: number;
  bytes: number;
  /** fraction of (MoE layer, routed expert) pairs selected at least once */
  experts_touched_fraction: number;
  /** [moeLayer][expert] selection counts over all scored tokens */
  expert_counts: number[][];
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
  opts: { context: number; selectionBias?: SelectionBias },
): Promise<PerplexityResult> {
  const tok = model.tokenizer;
  if (!tok) throw new CliError(`${model.info.path}: the model has no tokenizer.json; perplexity needs text`);
  const bos = tok.bosId ?? tok.eosIds[0];
  if (bos === undefined) throw new CliError(`${model.info.path}: the tokenizer has no BOS or EOS token to start windows with`);
  if (opts.context < 2) throw new CliError(`--context must be at least 2, got ${opts.context}`);
  const E = model.info.routedExperts;
  const counts = Array.from({ length: model.info.moeLayers }, () => new Array<number>(E).fill(0));
  let nats = 0;
  let tokens = 0;
  let bytes = 0;
  for (const text of texts) {
    bytes += Buffer.byteLength(text, 'utf8');
    if (text.length === 0) continue;
    const ids = tok.encode(text);
    for (let start = 0; start < ids.length; start += opts.context - 1) {
      const targets = ids.slice(start, start + opts.context - 1);
      const input = [bos, ...targets.slice(0, -1)];
      const r = await model.forward(input, { selectionBias: opts.selectionBias });
      targets.forEach((t, i) => {
        nats -= logProb(r.logits[i], t);
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
    experts_touched_fraction: counts.length ? touched / (counts.length * E) : 0,
    expert_counts: counts,
  };
}

/** The context the checkpoint was trained on, from tokenizer_config.json, else 256. */
export function defaultContext(dir: string): number {
  const path = join(dir, 'tokenizer_config.json');
  if (existsSync(path)) {
    try {
      const n = (JSON.parse(readFileSync(path, 'utf8')) as { model_max_length?: unknown }).model_max_length;
      if (typeof n === 'number' && Number.isInteger(n) && n >= 2) return Math.min(n, 1024);
    } catch {
      // an unreadable tokenizer_config.json is reported by the tokenizer loader itself
    }
  }
  return 256;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...MODEL_OPTIONS, file: { type: 'string', multiple: true }, context: { type: 'string' } },
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
  const model = await loadModel(dir, loadOptions(values));
  try {
    const r = await measurePerplexity(model, texts, { context });
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({
          bits_per_byte: r.bits_per_byte,
          tokens: r.tokens,
          bytes: r.bytes,
          experts_touched_fraction: r.experts_touched_fraction,
          resident_expert_bytes: model.residentExpertBytes(),
        })}\n`,
      );
    } else {
      process.stdout.write(
        `${r.bits_per_byte.toFixed(4)} bits/byte over ${r.bytes} bytes (${r.tokens} tokens, context ${context}); ` +
          `experts touched ${(100 * r.experts_touched_fraction).toFixed(1)}%\n`,
      );
    }
  } finally {
    await model.dispose();
  }
  return 0;
}

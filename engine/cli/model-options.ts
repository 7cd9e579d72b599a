// Options every model command shares (--model, --threads, --cache-dir, --cache-limit, --precision, --memory-budget),
// token-list parsing, and the tokenizer on its own.
import { statSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { readConfig } from '../checkpoint/config';
import { GgufCheckpoint } from '../checkpoint/gguf';
import { ggufConfig } from '../checkpoint/gguf-config';
import { CheckpointTokenizer, noTokenizer } from '../checkpoint/tokenizer';
import { parseByteSize } from '../byte-size';
import { clampCacheLimit } from '../onnx/cache-limit';
import type { WeightPrecision } from '../protocol';
import type { LoadOptions } from '../runtime/api';
import { CliError } from './errors';

export const MODEL_OPTIONS = {
  model: { type: 'string' },
  threads: { type: 'string' },
  'cache-dir': { type: 'string' },
  'cache-limit': { type: 'string' },
  precision: { type: 'string' },
  'memory-budget': { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

export function requireModel(values: { model?: string }): string {
  if (!values.model) throw new CliError('--model DIR|FILE.gguf is required');
  return values.model;
}

export function loadOptions(values: {
  threads?: string;
  'cache-dir'?: string;
  'cache-limit'?: string;
  precision?: string;
  'memory-budget'?: string;
}): LoadOptions {
  const opts: LoadOptions = {};
  if (values['memory-budget'] !== undefined) opts.memoryBudgetBytes = memoryBudget(values['memory-budget']);
  if (values.threads !== undefined) opts.threads = positiveInt(values.threads, '--threads');
  if (values['cache-dir']) opts.cacheDir = values['cache-dir'];
  opts.cacheLimitBytes = cacheLimit(values['cache-limit']);
  if (values.precision !== undefined) {
    if (!['auto', 'f32', 'int8', 'int4'].includes(values.precision)) {
      throw new CliError(`--precision must be auto, f32, int8 or int4, got '${values.precision}'`);
    }
    opts.precision = values.precision as WeightPrecision | 'auto';
  }
  return opts;
}

/** `--cache-limit 20GB`: the graph cache's size limit in bytes (clamped), or undefined for the default (32 GiB). */
export function cacheLimit(v: string | undefined): number | undefined {
  return v === undefined ? undefined : clampCacheLimit(cliSize(v, '--cache-limit'));
}

/** `--memory-budget 4GB`: bytes the weights may keep resident, or undefined for the engine's default. */
export function memoryBudget(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = cliSize(v, '--memory-budget');
  if (n <= 0) throw new CliError(`--memory-budget must be more than 0 bytes, got '${v}'`);
  return n;
}

function cliSize(v: string, flag: string): number {
  try {
    return parseByteSize(v, flag);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

export function positiveInt(v: string, flag: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${flag} must be an integer >= ${min}, got '${v}'`);
  return n;
}

export function number(v: string, flag: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new CliError(`${flag} must be a number, got '${v}'`);
  return n;
}

/** "5,17,3" -> [5, 17, 3]; ids are used exactly as given (no BOS added). */
export function parseTokens(v: string): number[] {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p))) {
    throw new CliError(`--tokens must be comma-separated non-negative integers, got '${v}'`);
  }
  return parts.map(Number);
}

/** The checkpoint's tokenizer alone (no weights read): a folder's tokenizer.json, or a GGUF file's metadata. */
export async function requireTokenizer(values: { model?: string }): Promise<CheckpointTokenizer> {
  const path = requireModel(values);
  let tokenizer: CheckpointTokenizer | undefined;
  if (statSync(path, { throwIfNoEntry: false })?.isFile()) {
    const gguf = await GgufCheckpoint.open(path);
    tokenizer = CheckpointTokenizer.fromGguf(
      path,
      gguf.metadata,
      ggufConfig(path, gguf.metadata, new Set(gguf.tensors.keys())),
    );
  } else {
    tokenizer = CheckpointTokenizer.load(path, readConfig(path));
  }
  if (!tokenizer) throw new CliError(noTokenizer(path));
  return tokenizer;
}

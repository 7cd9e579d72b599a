// Options every model command shares (--model, --threads, --cache-dir, --precision, --memory-budget), token-list
// parsing, and the
// tokenizer on its own.
import { statSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { readConfig } from '../checkpoint/config';
import { CheckpointTokenizer } from '../checkpoint/tokenizer';
import type { WeightPrecision } from '../protocol';
import type { LoadOptions } from '../runtime/api';
import { parseByteSize } from '../runtime/byte-size';
import { CliError } from './errors';

export const MODEL_OPTIONS = {
  model: { type: 'string' },
  threads: { type: 'string' },
  'cache-dir': { type: 'string' },
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
  precision?: string;
  'memory-budget'?: string;
}): LoadOptions {
  const opts: LoadOptions = {};
  if (values['memory-budget'] !== undefined) opts.memoryBudgetBytes = memoryBudget(values['memory-budget']);
  if (values.threads !== undefined) opts.threads = positiveInt(values.threads, '--threads');
  if (values['cache-dir']) opts.cacheDir = values['cache-dir'];
  if (values.precision !== undefined) {
    if (!['auto', 'f32', 'int8', 'int4'].includes(values.precision)) {
      throw new CliError(`--precision must be auto, f32, int8 or int4, got '${values.precision}'`);
    }
    opts.precision = values.precision as WeightPrecision | 'auto';
  }
  return opts;
}

/** --memory-budget: bytes, or with a unit (256MiB, 4GB). */
export function memoryBudget(v: string): number {
  const n = parseByteSize(v);
  if (n === undefined)
    throw new CliError(`--memory-budget must be a byte count or a size such as 256MiB or 4GB, got '${v}'`);
  return n;
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

/** The checkpoint's tokenizer alone (no weights loaded): what tokenize and detokenize need. */
export function requireTokenizer(values: { model?: string }): CheckpointTokenizer {
  const dir = requireModel(values);
  if (statSync(dir, { throwIfNoEntry: false })?.isFile()) {
    throw new CliError(
      `${dir}: a GGUF file's tokenizer is not read yet: tokenize and detokenize need a model folder with tokenizer.json`,
    );
  }
  const tokenizer = CheckpointTokenizer.load(dir, readConfig(dir));
  if (!tokenizer) throw new CliError(`${dir} has no tokenizer.json`);
  return tokenizer;
}

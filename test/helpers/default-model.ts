// Shared by the default-model tests: the committed model, its reference fixtures written by engine/train/fixtures.py.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readHeader, toF32 } from '../../engine/checkpoint/safetensors';

export const ROOT = join(__dirname, '..', '..');
export const DEFAULT_MODEL = join(ROOT, 'engine', 'models', 'default');
export const TRAIN_FIXTURES = join(ROOT, 'test', 'fixtures', 'train');

export interface ParitySequence {
  domain: string;
  source: string;
  tokens: number[];
  positions: number[];
  argmax: number[];
  /** [moeLayer][token] sorted expert ids chosen by PyTorch */
  experts: number[][][];
}
export interface ParityFixture {
  model_sha256: string;
  context: number;
  sequences: ParitySequence[];
  perplexity: { text: string; bits_per_byte: number; tokens: number; bytes: number };
}

export function readParity(): ParityFixture {
  return JSON.parse(readFileSync(join(TRAIN_FIXTURES, 'default-parity.json'), 'utf8')) as ParityFixture;
}

export function parityLogits(name: string): Float32Array {
  const file = join(TRAIN_FIXTURES, 'default-parity.safetensors');
  const t = readHeader(file).find((x) => x.name === name);
  if (!t) throw new Error(`no tensor ${name} in ${file}`);
  return toF32(readFileSync(file).subarray(t.offset, t.offset + t.byteLength), 'F32');
}

export function modelSha256(): string {
  return createHash('sha256')
    .update(readFileSync(join(DEFAULT_MODEL, 'model.safetensors')))
    .digest('hex');
}

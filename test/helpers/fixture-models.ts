// Shared by the engine tests: the fixture checkpoints (repo copy), their golden outputs, and a per-run graph cache.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHeader, toF32 } from '../../engine/checkpoint/safetensors';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'deepseek');
export const FIXTURE_NAMES = ['v2lite-tiny', 'v3-tiny', 'v3-tiny-yarn'] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

export interface GoldenPrompt {
  tokens: number[];
  routing: { layer: number; expert_indices: number[][]; expert_weights: number[][] }[];
  greedy: { new_tokens: number[] };
  decode: { prefill_len: number; logit_positions: number[] };
}
export interface Golden {
  prompts: GoldenPrompt[];
  derived: { softmax_scale: number; rope_inv_freq: number[] };
}

export function readGolden(name: string): Golden {
  return JSON.parse(readFileSync(join(FIXTURES, name, 'golden.json'), 'utf8')) as Golden;
}

export function goldenTensor(name: string, tensor: string): Float32Array {
  const file = join(FIXTURES, name, 'golden.safetensors');
  const t = readHeader(file).find((x) => x.name === tensor);
  if (!t) throw new Error(`no golden tensor ${tensor}`);
  return toF32(readFileSync(file).subarray(t.offset, t.offset + t.byteLength), 'F32');
}

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A temporary folder removed when the test process exits. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `switchyard-${prefix}-`));
  tempDirs.push(d);
  return d;
}

/** One graph cache per test process, so every run builds into a fresh folder. */
let cacheDir: string | undefined;
export function testCacheDir(): string {
  cacheDir ??= tempDir('graphs');
  return cacheDir;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

// Builds variants of a fixture checkpoint in a temporary folder: other dtypes, shards with an index, extra (MTP)
// layers, missing or reshaped tensors, edited config fields. Reads the fixture through the engine's own reader.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsCheckpoint, type Dtype } from '../../engine/checkpoint/safetensors';
import { type TensorSpec, writeSafetensors } from '../../engine/checkpoint/safetensors-writer';
import { FIXTURES, tempDir } from './fixture-models';

export interface VariantOptions {
  dtype?: Dtype;
  /** number of shard files (with model.safetensors.index.json) */
  shards?: number;
  /** edits to config.json */
  config?: Record<string, unknown>;
  /** change the tensor list (drop, add, reshape) */
  tensors?: (t: TensorSpec[]) => TensorSpec[];
}

export function fixtureTensors(name: string): TensorSpec[] {
  const ckpt = new SafetensorsCheckpoint(join(FIXTURES, name));
  return [...ckpt.tensors.values()].map((t) => ({ name: t.name, shape: t.shape, data: () => ckpt.readF32(t.name) }));
}

export function writeVariant(name: string, opts: VariantOptions = {}): string {
  const dir = tempDir(name);
  const cfg = { ...JSON.parse(readFileSync(join(FIXTURES, name, 'config.json'), 'utf8')), ...opts.config };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg, null, 2));
  let tensors = fixtureTensors(name);
  if (opts.tensors) tensors = opts.tensors(tensors);
  const shards = opts.shards ?? 1;
  if (shards === 1) {
    writeSafetensors(join(dir, 'model.safetensors'), tensors, opts.dtype);
    return dir;
  }
  const weightMap: Record<string, string> = {};
  const per = Math.ceil(tensors.length / shards);
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = tensors.slice(s * per, (s + 1) * per);
    for (const t of part) weightMap[t.name] = file;
    writeSafetensors(join(dir, file), part, opts.dtype);
  }
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  return dir;
}

export function copyFixture(name: string): string {
  const dir = tempDir(name);
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(FIXTURES, name, f), join(dir, f));
  return dir;
}

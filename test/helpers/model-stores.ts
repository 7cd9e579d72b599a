// Model stores laid out as the other runtimes lay them out, in a temporary home: Ollama's manifests and
// content-addressed blobs, the Hugging Face hub cache's snapshots (files linked to blobs, as huggingface_hub does),
// and plain folders of GGUF files (LM Studio, llama.cpp's cache). The GGUF files are real: the fixtures converted by
// the benchmark's deepseek2 writer, or a small model of another architecture.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { deepseek2Gguf, type GgufPrecision } from '../../bench/gguf/deepseek2';
import { writeGguf, type MetaValue } from '../../bench/gguf/writer';
import { FIXTURES, type FixtureName } from './fixture-models';

/** The fixture as a deepseek2 GGUF file at `precision`. */
export function fixtureGguf(file: string, name: FixtureName, precision: GgufPrecision = 'Q8_0'): string {
  mkdirSync(dirname(file), { recursive: true });
  const { metadata, tensors } = deepseek2Gguf(join(FIXTURES, name), precision);
  writeGguf(file, metadata, tensors);
  return file;
}

/** A small GGUF file of another architecture (llama.cpp's `llama` by default), with its file type. */
export function otherArchitectureGguf(file: string, architecture = 'llama', extra: Record<string, MetaValue> = {}) {
  mkdirSync(dirname(file), { recursive: true });
  writeGguf(file, { 'general.architecture': { str: architecture }, 'general.file_type': { u32: 7 }, ...extra }, [
    { name: 'token_embd.weight', shape: [8, 64], type: 'Q8_0', data: () => new Float32Array(8 * 64).fill(0.5) },
    { name: 'output_norm.weight', shape: [64], type: 'F32', data: () => new Float32Array(64).fill(1) },
  ]);
  return file;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** `ollama pull` of `model:tag`: the GGUF file as a blob, a manifest naming it (and a template layer beside it). */
export function ollamaModel(root: string, model: string, tag: string, gguf: string, opts: { size?: number } = {}) {
  const digest = sha256(gguf);
  mkdirSync(join(root, 'blobs'), { recursive: true });
  copyFileSync(gguf, join(root, 'blobs', `sha256-${digest}`));
  const [ns, name] = model.includes('/') ? model.split('/') : ['library', model];
  const dir = join(root, 'manifests', 'registry.ollama.ai', ns, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, tag),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: `sha256:${'0'.repeat(64)}` },
      layers: [
        {
          mediaType: 'application/vnd.ollama.image.model',
          digest: `sha256:${digest}`,
          size: opts.size ?? readFileSync(gguf).length,
        },
        { mediaType: 'application/vnd.ollama.image.template', digest: `sha256:${'1'.repeat(64)}`, size: 10 },
      ],
    }),
  );
  return join(root, 'blobs', `sha256-${digest}`);
}

/**
 * A repo downloaded into the hub cache: each file a blob named by its hash, linked from snapshots/<rev>/ by a
 * relative link, refs/main naming the revision. Returns the snapshot folder.
 */
export function hubRepo(root: string, repo: string, files: Record<string, string>, rev = 'a'.repeat(40)): string {
  const repoDir = join(root, `models--${repo.replace('/', '--')}`);
  const snapshot = join(repoDir, 'snapshots', rev);
  mkdirSync(join(repoDir, 'blobs'), { recursive: true });
  mkdirSync(join(repoDir, 'refs'), { recursive: true });
  writeFileSync(join(repoDir, 'refs', 'main'), rev);
  for (const [name, source] of Object.entries(files)) {
    const blob = join(repoDir, 'blobs', sha256(source));
    copyFileSync(source, blob);
    const link = join(snapshot, name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), blob), link);
  }
  return snapshot;
}

/** The fixture split by llama-gguf-split into two shards, PREFIX-00001-of-00002.gguf and -00002-. */
export function splitFixtureGguf(prefix: string, name: FixtureName): [string, string] {
  mkdirSync(dirname(prefix), { recursive: true });
  const { metadata, tensors } = deepseek2Gguf(join(FIXTURES, name), 'F32');
  const half = Math.floor(tensors.length / 2);
  const shards: [string, string] = [`${prefix}-00001-of-00002.gguf`, `${prefix}-00002-of-00002.gguf`];
  const split = (no: number): Record<string, MetaValue> => ({
    'split.no': { u32: no },
    'split.count': { u32: 2 },
    'split.tensors.count': { i32: tensors.length },
  });
  writeGguf(shards[0], { ...metadata, ...split(0) }, tensors.slice(0, half));
  writeGguf(shards[1], split(1), tensors.slice(half));
  return shards;
}

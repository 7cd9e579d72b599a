// Builds a checkpoint's graphs once and keeps them on disk, keyed by the checkpoint's content and the build options,
// so the second load only maps the files. A manifest written last marks a complete build. The cache holds the
// weights, so it is private to the user (folders 0700, files 0600); its key is the content (not name, size and mtime,
// which a swapped file can keep) so graphs are never reused for other weights.
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { type ModelConfig, isMoeLayer } from '../checkpoint/config';
import type { SafetensorsCheckpoint } from '../checkpoint/safetensors';
import { EngineError } from '../errors';
import { EngineErrorCodes, type WeightPrecision } from '../protocol';
import { ExternalDataFile } from './builder';
import { blockGraph } from '../model/block';
import { expertsGraph } from '../model/moe';
import { embedGraph, headGraph } from '../model/transformer';

/** Bump when graph layout changes, so stale caches are rebuilt. */
const GRAPH_FORMAT = 5;

export interface GraphFiles {
  dir: string;
  embed: string;
  head: string;
  attention: string[];
  /** per layer; undefined for dense layers */
  experts: (string | undefined)[];
  /** the external-data files that hold routed-expert weights (for residency measurement) */
  routedExpertData: string[];
}

export function defaultCacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'switchyard', 'graphs');
}

/** Checkpoints up to this size are hashed whole (about 50 ms for the 24 MB default model); larger ones are sampled. */
export const WHOLE_HASH_BYTES = 1 << 30;
const SAMPLES = 64;
const SAMPLE_BYTES = 1 << 20;

/** Hashes a file's bytes: all of them, or its safetensors header plus evenly spaced 1 MiB samples and its tail. */
function hashContent(h: ReturnType<typeof createHash>, file: string, whole: boolean): void {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    h.update(`${basename(file)} ${size}\n`);
    const buf = Buffer.allocUnsafe(SAMPLE_BYTES);
    const hashRange = (start: number, length: number) => {
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, 0, Math.min(SAMPLE_BYTES, length - done), start + done);
        if (n <= 0) break;
        h.update(buf.subarray(0, n));
        done += n;
      }
    };
    if (whole || size <= SAMPLES * SAMPLE_BYTES) {
      hashRange(0, size);
      return;
    }
    // the header names every tensor, shape and offset (the checkpoint reader has already checked its length)
    const len = Buffer.alloc(8);
    readSync(fd, len, 0, 8, 0);
    hashRange(0, Math.min(size, 8 + Number(len.readBigUInt64LE(0))));
    for (let i = 0; i < SAMPLES; i++) hashRange(Math.floor(((size - SAMPLE_BYTES) * i) / (SAMPLES - 1)), SAMPLE_BYTES);
  } finally {
    closeSync(fd);
  }
}

function cacheKey(ckptDir: string, files: string[], softmaxScale: number, precision: WeightPrecision): string {
  const h = createHash('sha256');
  h.update(`format ${GRAPH_FORMAT}\nscale ${softmaxScale}\nprecision ${precision}\n`);
  h.update(readFileSync(join(ckptDir, 'config.json')));
  const whole = files.reduce((n, f) => n + statSync(f).size, 0) <= WHOLE_HASH_BYTES;
  for (const f of files) hashContent(h, f, whole);
  return h.digest('hex').slice(0, 16);
}

/** Creates (or narrows) a cache folder so only this user can read it. */
function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

function layout(dir: string, cfg: ModelConfig): GraphFiles {
  const attention: string[] = [];
  const experts: (string | undefined)[] = [];
  const routedExpertData: string[] = [];
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    attention.push(join(dir, `layer${l}.attention.onnx`));
    if (isMoeLayer(cfg, l)) {
      experts.push(join(dir, `layer${l}.experts.onnx`));
      routedExpertData.push(join(dir, `layer${l}.routed-experts.bin`));
    } else experts.push(undefined);
  }
  return { dir, embed: join(dir, 'embed.onnx'), head: join(dir, 'head.onnx'), attention, experts, routedExpertData };
}

/** Graphs built so far during a first load, of how many (embedding, head, each layer's attention and experts). */
export type BuildProgress = (done: number, total: number) => void;

/**
 * Returns the graph files for the checkpoint, building them first when the cache has none. A build yields to the
 * event loop after each graph, so progress (and anything else the engine has to say) goes out while it runs: a real
 * checkpoint's first build takes minutes.
 */
export async function ensureGraphs(
  cfg: ModelConfig,
  ckpt: SafetensorsCheckpoint,
  softmaxScale: number,
  cacheRoot: string = defaultCacheRoot(),
  precision: WeightPrecision = 'f32',
  onProgress?: BuildProgress,
): Promise<GraphFiles> {
  const key = cacheKey(ckpt.dir, ckpt.files, softmaxScale, precision);
  try {
    // a root that exists is left as it is (it may be a shared folder the user chose); each build folder is private
    mkdirSync(cacheRoot, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new EngineError(`cannot build the graphs in ${cacheRoot}: ${(e as Error).message}`, EngineErrorCodes.BadInput);
  }
  const dir = join(cacheRoot, `${basename(ckpt.dir)}-${precision}-${key}`);
  const files = layout(dir, cfg);
  if (existsSync(join(dir, 'manifest.json'))) return files;

  // build into a temporary folder and rename, so a crash mid-build never leaves a half cache that looks complete
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    await buildAll(cfg, ckpt, softmaxScale, precision, tmp, onProgress);
    // another process may have finished the same build meanwhile: keep theirs (it may be in use)
    if (existsSync(join(dir, 'manifest.json'))) rmSync(tmp, { recursive: true, force: true });
    else {
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
    }
  } catch (e) {
    try {
      rmSync(tmp, { recursive: true, force: true });
    } catch {
      // the folder could not even be created
    }
    if (e instanceof EngineError) throw e;
    throw new EngineError(`cannot build the graphs in ${cacheRoot}: ${(e as Error).message}`, EngineErrorCodes.BadInput);
  }
  return files;
}

async function buildAll(
  cfg: ModelConfig,
  ckpt: SafetensorsCheckpoint,
  softmaxScale: number,
  precision: WeightPrecision,
  tmp: string,
  onProgress?: BuildProgress,
): Promise<void> {
  rmSync(tmp, { recursive: true, force: true });
  privateDir(tmp);
  let layersMoe = 0;
  for (let l = 0; l < cfg.num_hidden_layers; l++) if (isMoeLayer(cfg, l)) layersMoe++;
  const total = 2 + cfg.num_hidden_layers + layersMoe;
  let done = 0;
  const write = async (name: string, build: (file: ExternalDataFile) => Uint8Array, dataName = name.replace(/\.onnx$/, '.bin')) => {
    const file = new ExternalDataFile(join(tmp, dataName));
    try {
      writeFileSync(join(tmp, name), build(file), { mode: 0o600 });
    } finally {
      file.close();
    }
    onProgress?.(++done, total);
    await new Promise((r) => setImmediate(r));
  };
  await write('embed.onnx', (file) => embedGraph(cfg, { ckpt, file }));
  await write('head.onnx', (file) => headGraph(cfg, { ckpt, file }));
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const moe = isMoeLayer(cfg, l);
    await write(`layer${l}.attention.onnx`, (file) => blockGraph(cfg, { ckpt, file }, l, softmaxScale, moe));
    if (!moe) continue;
    const routed = new ExternalDataFile(join(tmp, `layer${l}.routed-experts.bin`));
    try {
      await write(`layer${l}.experts.onnx`, (file) => expertsGraph(cfg, { ckpt, file, precision }, { ckpt, file: routed, precision }, l), `layer${l}.shared-experts.bin`);
    } finally {
      routed.close();
    }
  }
  writeFileSync(join(tmp, 'manifest.json'), JSON.stringify({ format: GRAPH_FORMAT, precision, checkpoint: ckpt.dir, builtAt: new Date().toISOString() }), { mode: 0o600 });
}

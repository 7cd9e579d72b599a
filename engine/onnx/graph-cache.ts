// Builds a checkpoint's graphs once and keeps them on disk, keyed by the checkpoint's files (name, size, mtime) and
// the build options, so the second load only maps the files. A manifest written last marks a complete build.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { type ModelConfig, isMoeLayer } from '../model/config';
import type { SafetensorsCheckpoint } from '../model/safetensors';
import { EngineError } from '../errors';
import { EngineErrorCodes, type WeightPrecision } from '../protocol';
import { ExternalDataFile } from './builder';
import { attentionGraph, embedGraph, expertsGraph, headGraph } from './graphs';

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

function cacheKey(ckptDir: string, files: string[], softmaxScale: number, precision: WeightPrecision): string {
  const h = createHash('sha256');
  h.update(`format ${GRAPH_FORMAT}\nscale ${softmaxScale}\nprecision ${precision}\n`);
  h.update(readFileSync(join(ckptDir, 'config.json')));
  for (const f of files) {
    const s = statSync(f);
    h.update(`${basename(f)} ${s.size} ${s.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 16);
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
  mkdirSync(tmp, { recursive: true });
  let layersMoe = 0;
  for (let l = 0; l < cfg.num_hidden_layers; l++) if (isMoeLayer(cfg, l)) layersMoe++;
  const total = 2 + cfg.num_hidden_layers + layersMoe;
  let done = 0;
  const write = async (name: string, build: (file: ExternalDataFile) => Uint8Array, dataName = name.replace(/\.onnx$/, '.bin')) => {
    const file = new ExternalDataFile(join(tmp, dataName));
    try {
      writeFileSync(join(tmp, name), build(file));
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
    await write(`layer${l}.attention.onnx`, (file) => attentionGraph(cfg, { ckpt, file }, l, softmaxScale, moe));
    if (!moe) continue;
    const routed = new ExternalDataFile(join(tmp, `layer${l}.routed-experts.bin`));
    try {
      await write(`layer${l}.experts.onnx`, (file) => expertsGraph(cfg, { ckpt, file, precision }, { ckpt, file: routed, precision }, l), `layer${l}.shared-experts.bin`);
    } finally {
      routed.close();
    }
  }
  writeFileSync(join(tmp, 'manifest.json'), JSON.stringify({ format: GRAPH_FORMAT, precision, checkpoint: ckpt.dir, builtAt: new Date().toISOString() }));
}

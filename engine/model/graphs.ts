// The model's graphs on disk: which files one checkpoint becomes (embedding, head, each layer's attention block and
// experts) and how each is built from the network's builders. The cache that keeps them between loads is generic
// (onnx/graph-cache.ts); what it holds is decided here, beside the network.
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type ModelConfig, isMoeLayer } from '../checkpoint/config';
import type { CheckpointWeights } from '../checkpoint/weights';
import type { WeightPrecision } from '../protocol';
import { ExternalDataFile } from '../onnx/builder';
import { type CachePolicy, defaultCacheRoot, ensureCached } from '../onnx/graph-cache';
import { blockGraph } from './block';
import { expertsGraph } from './moe';
import { embedGraph, headGraph } from './transformer';

/** Bump when graph layout changes, so stale caches are rebuilt. */
const GRAPH_FORMAT = 6;

export interface GraphFiles {
  dir: string;
  embed: string;
  head: string;
  attention: string[];
  /** per layer; undefined for dense layers */
  experts: (string | undefined)[];
  /** the external-data files that hold routed-expert weights (for residency measurement) */
  routedExpertData: string[];
  /** the lease on the cache folder (engine/onnx/cache-lease.ts): release it when the files are no longer used */
  release(): void;
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
  ckpt: CheckpointWeights,
  softmaxScale: number,
  cacheRoot: string = defaultCacheRoot(),
  precision: WeightPrecision = 'f32',
  onProgress?: BuildProgress,
  cache: CachePolicy = {},
): Promise<GraphFiles> {
  const lease = await ensureCached(
    {
      checkpoint: { dir: ckpt.path, files: ckpt.files },
      name: `${basename(ckpt.path)}-${precision}`,
      buildOptions: `format ${GRAPH_FORMAT}\nscale ${softmaxScale}\nprecision ${precision}\n`,
      build: (tmp) => buildAll(cfg, ckpt, softmaxScale, precision, tmp, onProgress),
      manifest: { format: GRAPH_FORMAT, precision },
    },
    cacheRoot,
    cache,
  );
  return { ...layout(lease.dir, cfg), release: lease.release };
}

function layout(dir: string, cfg: ModelConfig): Omit<GraphFiles, 'release'> {
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

async function buildAll(
  cfg: ModelConfig,
  ckpt: CheckpointWeights,
  softmaxScale: number,
  precision: WeightPrecision,
  tmp: string,
  onProgress?: BuildProgress,
): Promise<void> {
  let layersMoe = 0;
  for (let l = 0; l < cfg.num_hidden_layers; l++) if (isMoeLayer(cfg, l)) layersMoe++;
  const total = 2 + cfg.num_hidden_layers + layersMoe;
  let done = 0;
  const write = async (
    name: string,
    build: (file: ExternalDataFile) => Uint8Array,
    dataName = name.replace(/\.onnx$/, '.bin'),
  ) => {
    const file = new ExternalDataFile(join(tmp, dataName));
    try {
      writeFileSync(join(tmp, name), build(file), { mode: 0o600 });
    } finally {
      file.close();
    }
    onProgress?.(++done, total);
    await new Promise((r) => setImmediate(r));
  };
  await write('embed.onnx', (file) => embedGraph(cfg, { ckpt, file, precision }));
  await write('head.onnx', (file) => headGraph(cfg, { ckpt, file, precision }));
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const moe = isMoeLayer(cfg, l);
    await write(`layer${l}.attention.onnx`, (file) => blockGraph(cfg, { ckpt, file, precision }, l, softmaxScale, moe));
    if (!moe) continue;
    const routed = new ExternalDataFile(join(tmp, `layer${l}.routed-experts.bin`));
    try {
      await write(
        `layer${l}.experts.onnx`,
        (file) => expertsGraph(cfg, { ckpt, file, precision }, { ckpt, file: routed, precision }, l),
        `layer${l}.shared-experts.bin`,
      );
    } finally {
      routed.close();
    }
  }
}

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
import { withRowQuantizer } from '../onnx/quantize-rows';
import { blockGraph } from './block';
import { expertsPerGroup, groupExperts, routedExpertsGraph, sharedExpertsGraph } from './moe';
import { embedGraph, headGraph } from './transformer';

/** Bump when graph layout changes, so stale caches are rebuilt. */
const GRAPH_FORMAT = 7;

export interface GraphFiles {
  dir: string;
  embed: string;
  head: string;
  attention: string[];
  /** per layer; undefined for dense layers */
  experts: (MoeGraphFiles | undefined)[];
  /** experts per routed group (the same in every layer) */
  expertsPerGroup: number;
  /** the lease on the cache folder (engine/onnx/cache-lease.ts): release it when the files are no longer used */
  release(): void;
}

/** One MoE layer's files: the shared experts, and each routed group's graph and the file holding its weights. */
export interface MoeGraphFiles {
  /** undefined when the layer has no shared experts */
  shared?: string;
  groups: { graph: string; data: string }[];
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
  groupSize: number = expertsPerGroup(cfg),
): Promise<GraphFiles> {
  const lease = await ensureCached(
    {
      checkpoint: { dir: ckpt.path, files: ckpt.files },
      name: `${basename(ckpt.path)}-${precision}`,
      // a GGUF's Q8_0 / Q4_0 blocks are kept as they are (readBlocks): its graphs built before that are rebuilt, while
      // safetensors graphs keep their key
      buildOptions:
        `format ${GRAPH_FORMAT}\nscale ${softmaxScale}\nprecision ${precision}\nexperts per group ${groupSize}\n` +
        (ckpt.readBlocks ? 'file blocks kept\n' : ''),
      // the same bytes as the builder's own quantizer, from the stored values row by row (the key is unchanged)
      build: (tmp) => buildAll(cfg, withRowQuantizer(ckpt), softmaxScale, precision, groupSize, tmp, onProgress),
      manifest: { format: GRAPH_FORMAT, precision },
    },
    cacheRoot,
    cache,
  );
  return { ...layout(lease.dir, cfg, groupSize), release: lease.release };
}

const groupCount = (cfg: ModelConfig, size: number) => Math.ceil(cfg.n_routed_experts / size);
const groupName = (l: number, g: number) => `layer${l}.experts-g${g}`;
const routedDataName = (l: number, g: number) => `layer${l}.routed-experts-g${g}.bin`;

function layout(dir: string, cfg: ModelConfig, groupSize: number): Omit<GraphFiles, 'release'> {
  const attention: string[] = [];
  const experts: (MoeGraphFiles | undefined)[] = [];
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    attention.push(join(dir, `layer${l}.attention.onnx`));
    if (!isMoeLayer(cfg, l)) {
      experts.push(undefined);
      continue;
    }
    const groups = Array.from({ length: groupCount(cfg, groupSize) }, (_, g) => ({
      graph: join(dir, `${groupName(l, g)}.onnx`),
      data: join(dir, routedDataName(l, g)),
    }));
    const shared = cfg.n_shared_experts > 0 ? join(dir, `layer${l}.shared-experts.onnx`) : undefined;
    experts.push({ shared, groups });
  }
  return {
    dir,
    embed: join(dir, 'embed.onnx'),
    head: join(dir, 'head.onnx'),
    attention,
    experts,
    expertsPerGroup: groupSize,
  };
}

async function buildAll(
  cfg: ModelConfig,
  ckpt: CheckpointWeights,
  softmaxScale: number,
  precision: WeightPrecision,
  groupSize: number,
  tmp: string,
  onProgress?: BuildProgress,
): Promise<void> {
  let layersMoe = 0;
  for (let l = 0; l < cfg.num_hidden_layers; l++) if (isMoeLayer(cfg, l)) layersMoe++;
  const perMoeLayer = (cfg.n_shared_experts > 0 ? 1 : 0) + groupCount(cfg, groupSize);
  const total = 2 + cfg.num_hidden_layers + layersMoe * perMoeLayer;
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
    if (cfg.n_shared_experts > 0)
      await write(`layer${l}.shared-experts.onnx`, (file) => sharedExpertsGraph(cfg, { ckpt, file, precision }, l));
    for (let g = 0; g < groupCount(cfg, groupSize); g++) {
      const { first, end } = groupExperts(cfg, groupSize, g);
      await write(
        `${groupName(l, g)}.onnx`,
        (file) => routedExpertsGraph(cfg, { ckpt, file, precision }, l, first, end),
        routedDataName(l, g),
      );
    }
  }
}

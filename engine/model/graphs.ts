// The model's graphs on disk: which files one checkpoint becomes (embedding, head, each layer's attention block and
// experts) and how each is built from the network's builders. The cache that keeps them between loads is generic
// (onnx/graph-cache.ts); what it holds is decided here, beside the network.
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type ModelConfig, isMoeLayer } from '../checkpoint/config';
import { expertPrefix, layerPrefix } from '../checkpoint/tensors';
import type { CheckpointWeights } from '../checkpoint/weights';
import type { WeightPrecision } from '../protocol';
import { ExternalDataFile } from '../onnx/builder';
import { type CachePolicy, defaultCacheRoot, ensureCached } from '../onnx/graph-cache';
import { quantBits } from '../onnx/ops';
import { QuantizePool, defaultQuantizeWorkers } from '../onnx/quantize-pool';
import { type QuantizingCheckpoint, quantizingCheckpoint } from '../onnx/quantizing-checkpoint';
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
  /** worker threads quantizing ahead of the build (int8 / int4 from safetensors); below 2, none */
  quantizeWorkers: number = defaultQuantizeWorkers(),
): Promise<GraphFiles> {
  const lease = await ensureCached(
    {
      checkpoint: { dir: ckpt.path, files: ckpt.files },
      name: `${basename(ckpt.path)}-${precision}`,
      // a GGUF's own blocks of any ggml quant type are kept (readBlocks): its graphs built before that are rebuilt, while
      // safetensors graphs keep their key
      buildOptions:
        `format ${GRAPH_FORMAT}\nscale ${softmaxScale}\nprecision ${precision}\nexperts per group ${groupSize}\n` +
        (ckpt.readBlocks ? 'file blocks kept: every ggml quant type, zero points, mins\n' : ''),
      // the same bytes as the builder's own quantizer, from the stored values row by row (the key is unchanged)
      build: async (tmp) => {
        const pool = precision === 'f32' ? undefined : QuantizePool.open(quantizeWorkers);
        try {
          await buildAll(
            cfg,
            quantizingCheckpoint(ckpt, pool),
            softmaxScale,
            precision,
            groupSize,
            tmp,
            onProgress,
            pool?.size ?? 0,
          );
        } finally {
          await pool?.close();
        }
      },
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

/** One graph file to write: its name, its external-data file's, how it is built, and the matrices it quantizes. */
interface GraphTask {
  name: string;
  dataName?: string;
  build(file: ExternalDataFile): Uint8Array;
  matrices: string[];
}

const mlpMatrices = (prefix: string) => ['gate_proj', 'up_proj', 'down_proj'].map((p) => `${prefix}${p}.weight`);

async function buildAll(
  cfg: ModelConfig,
  ckpt: QuantizingCheckpoint,
  softmaxScale: number,
  precision: WeightPrecision,
  groupSize: number,
  tmp: string,
  onProgress: BuildProgress | undefined,
  workers: number,
): Promise<void> {
  const src = { ckpt, precision };
  const tasks: GraphTask[] = [
    { name: 'embed.onnx', build: (file) => embedGraph(cfg, { ...src, file }), matrices: [] },
    { name: 'head.onnx', build: (file) => headGraph(cfg, { ...src, file }), matrices: [] },
  ];
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const moe = isMoeLayer(cfg, l);
    tasks.push({
      name: `layer${l}.attention.onnx`,
      build: (file) => blockGraph(cfg, { ...src, file }, l, softmaxScale, moe),
      // the dense MLP (the block holds it) is the bulk of a dense layer; attention's matrices stay on this thread
      matrices: moe ? [] : mlpMatrices(`${layerPrefix(l)}mlp.`),
    });
    if (!moe) continue;
    if (cfg.n_shared_experts > 0)
      tasks.push({
        name: `layer${l}.shared-experts.onnx`,
        build: (file) => sharedExpertsGraph(cfg, { ...src, file }, l),
        matrices: mlpMatrices(`${layerPrefix(l)}mlp.shared_experts.`),
      });
    for (let g = 0; g < groupCount(cfg, groupSize); g++) {
      const { first, end } = groupExperts(cfg, groupSize, g);
      const matrices: string[] = [];
      for (let e = first; e < end; e++) matrices.push(...mlpMatrices(expertPrefix(l, e)));
      tasks.push({
        name: `${groupName(l, g)}.onnx`,
        dataName: routedDataName(l, g),
        build: (file) => routedExpertsGraph(cfg, { ...src, file }, l, first, end),
        matrices,
      });
    }
  }
  // the workers quantize up to two graphs each ahead of the one being written
  const bits = quantBits(src);
  const ahead: Promise<void>[] = [];
  const prefetch = (i: number) => {
    // no workers at f32 (nothing to quantize)
    if (workers > 0 && i < tasks.length && !ahead[i]) ahead[i] = ckpt.prefetch(tasks[i].matrices, bits);
  };
  for (let i = 0; i < tasks.length; i++) {
    for (let j = i; j <= i + 2 * workers; j++) prefetch(j);
    await ahead[i];
    const task = tasks[i];
    const file = new ExternalDataFile(join(tmp, task.dataName ?? task.name.replace(/\.onnx$/, '.bin')));
    try {
      writeFileSync(join(tmp, task.name), task.build(file), { mode: 0o600 });
    } finally {
      file.close();
    }
    onProgress?.(i + 1, tasks.length);
    await new Promise((r) => setImmediate(r));
  }
}

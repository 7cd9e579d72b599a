// loadModel(path): a Hugging Face DeepSeek-V2/V3 folder or a llama.cpp `deepseek2` GGUF file -> a LoadedModel.
// Validates config, tensors and tokenizer, builds (or reuses) the cached graphs, opens the sessions, and serves
// forward / generate one request at a time.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { EngineError } from '../errors';
import { type ModelConfig, moeLayerCount, readConfig } from '../checkpoint/config';
import { GgufCheckpoint } from '../checkpoint/gguf';
import { ggufConfig } from '../checkpoint/gguf-config';
import { readsGgufTokenizer } from '../checkpoint/gguf-tokenizer';
import { expectedTensors, layerPrefix, validateCheckpoint } from '../checkpoint/tensors';
import { SafetensorsCheckpoint } from '../checkpoint/safetensors';
import { CheckpointTokenizer } from '../checkpoint/tokenizer';
import type { CheckpointWeights } from '../checkpoint/weights';
import { EngineErrorCodes, type ModelInfo } from '../protocol';
import { defaultProfilePath } from '../routing/profile-file';
import { defaultCacheRoot } from '../onnx/graph-cache';
import { type GraphFiles, ensureGraphs } from '../model/graphs';
import type { ForwardResult, GenerateOptions, GenerateResult, LoadedModel, LoadOptions, SelectionBias } from './api';
import { generate } from './generate';
import { PrefixCache } from './prefix-cache';
import { choosePrecision } from './precision';
import { ExpertPool, largestGroupBytes } from './expert-pool';
import { defaultMemoryBudget, expertBudget } from './memory-budget';
import { isComputed } from '../model/gate';
import { softmaxScale } from '../model/rope';
import { Transformer, type StepResult } from '../model/transformer';

export interface ValidatedCheckpoint {
  cfg: ModelConfig;
  ckpt: CheckpointWeights;
  tokenizer?: CheckpointTokenizer;
  info: ModelInfo;
}

/**
 * Reads and checks a folder without building graphs (model/load with validateOnly). Its ModelInfo is the one the
 * engine reports for this model: nothing adds to it or overwrites it later.
 */
export function validateModelDir(dir: string, opts: LoadOptions = {}): ValidatedCheckpoint {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new EngineError(`${abs}: model folder does not exist`, EngineErrorCodes.BadCheckpoint);
  const cfg = readConfig(abs);
  const ckpt = new SafetensorsCheckpoint(abs);
  validateCheckpoint(cfg, ckpt);
  return validated(cfg, ckpt, CheckpointTokenizer.load(abs, cfg), opts);
}

/**
 * Reads and checks a model without building graphs: a folder (config.json, safetensors, tokenizer.json) or a GGUF
 * file (its tokenizer from the tokenizer.ggml.* metadata when it is byte-level BPE; token ids work without one).
 */
export async function validateModel(path: string, opts: LoadOptions = {}): Promise<ValidatedCheckpoint> {
  const abs = resolve(path);
  if (!existsSync(abs) || statSync(abs).isDirectory()) return validateModelDir(abs, opts);
  const ckpt = await GgufCheckpoint.open(abs);
  const cfg = ggufConfig(abs, ckpt.metadata, new Set(ckpt.tensors.keys()));
  validateCheckpoint(cfg, ckpt);
  const tokenizer = readsGgufTokenizer(ckpt.metadata)
    ? CheckpointTokenizer.fromGguf(abs, ckpt.metadata, cfg)
    : undefined;
  return validated(cfg, ckpt, tokenizer, opts);
}

function validated(
  cfg: ModelConfig,
  ckpt: CheckpointWeights,
  tokenizer: CheckpointTokenizer | undefined,
  opts: LoadOptions,
): ValidatedCheckpoint {
  const requested = opts.precision ?? 'f32';
  if (!['auto', 'f32', 'int8', 'int4'].includes(requested)) {
    throw new EngineError(
      `precision '${requested}' is not supported (auto, f32, int8, int4 are)`,
      EngineErrorCodes.BadInput,
    );
  }
  const tensors = expectedTensors(cfg);
  const precision = requested === 'auto' ? choosePrecision(tensors, opts.totalMemoryBytes ?? totalmem()) : requested;
  const parameters = tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  const abs = ckpt.path;
  const info: ModelInfo = {
    path: abs,
    name: basename(abs),
    modelType: cfg.modelType,
    vocabSize: cfg.vocab_size,
    layers: cfg.num_hidden_layers,
    moeLayers: moeLayerCount(cfg),
    routedExperts: cfg.n_routed_experts,
    activeExperts: cfg.num_experts_per_tok,
    parameters,
    precision,
    hasTokenizer: tokenizer !== undefined,
    fim: tokenizer?.fim,
    // the template the service's chat formatter will use: tokenizer_config.json, chat_template.jinja or .json
    hasChatTemplate: tokenizer?.hasChatTemplate ?? false,
    hasRoutingProfile: opts.routingProfile ?? existsSync(defaultProfilePath(abs)),
    backend: 'local',
    contextLength: cfg.max_position_embeddings,
  };
  return { cfg, ckpt, tokenizer, info };
}

class DeepseekModel implements LoadedModel {
  private readonly prefixCache: PrefixCache;
  /** requests run one at a time: the sessions and caches are not re-entrant */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly info: ModelInfo,
    readonly cfg: ModelConfig,
    readonly tokenizer: CheckpointTokenizer | undefined,
    private readonly transformer: Transformer,
    /** every MoE layer's routed-expert groups, opened when selected, closed to stay within the budget */
    readonly experts: ExpertPool,
    /** -inf for experts removed by keptExperts, per MoE layer; undefined when all are kept */
    private readonly keptMask: Float32Array[] | undefined,
    private readonly budget: number,
    /** releases the lease on the graph cache folder, so the cache may evict it */
    private readonly releaseGraphs: () => void,
  ) {
    this.prefixCache = new PrefixCache(() => transformer.newCache());
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private checkTokens(tokens: number[]): void {
    if (tokens.length === 0) throw new EngineError('empty token list', EngineErrorCodes.BadInput);
    for (const t of tokens) {
      if (!Number.isInteger(t) || t < 0 || t >= this.cfg.vocab_size) {
        throw new EngineError(
          `token id ${t} is out of range (vocab_size ${this.cfg.vocab_size})`,
          EngineErrorCodes.BadInput,
        );
      }
    }
  }

  /** The request's bias plus the kept-experts mask, checked against the model's shape. */
  private selectionBias(bias: SelectionBias | undefined): Float32Array[] | undefined {
    const L = this.info.moeLayers;
    const E = this.cfg.n_routed_experts;
    if (bias !== undefined) {
      if (bias.length !== L)
        throw new EngineError(
          `selectionBias has ${bias.length} layers, the model has ${L} MoE layers`,
          EngineErrorCodes.BadInput,
        );
      bias.forEach((b, i) => {
        if (b.length !== E)
          throw new EngineError(
            `selectionBias[${i}] has ${b.length} entries, the model has ${E} routed experts`,
            EngineErrorCodes.BadInput,
          );
        if (b.some((x) => Number.isNaN(x)))
          throw new EngineError(`selectionBias[${i}] contains NaN`, EngineErrorCodes.BadInput);
      });
    }
    if (!this.keptMask) return bias;
    return this.keptMask.map((m, i) => (bias ? m.map((x, e) => x + bias[i][e]) : m));
  }

  /** A request's minExpertWeight, checked: undefined is 0. */
  private minExpertWeight(tau: number | undefined): number {
    if (tau === undefined) return 0;
    if (!(tau >= 0 && tau < 1))
      throw new EngineError(`minExpertWeight must be a number in [0, 1), got ${tau}`, EngineErrorCodes.BadInput);
    return tau;
  }

  forward(
    tokens: number[],
    opts: { decode?: boolean; selectionBias?: SelectionBias; minExpertWeight?: number; routerScores?: boolean } = {},
  ): Promise<ForwardResult> {
    this.checkTokens(tokens);
    const selectionBias = this.selectionBias(opts.selectionBias);
    const minExpertWeight = this.minExpertWeight(opts.minExpertWeight);
    return this.serial(async () => {
      const cache = this.transformer.newCache();
      const steps: StepResult[] = [];
      if (opts.decode) {
        for (const t of tokens)
          steps.push(
            await this.transformer.step([t], cache, {
              selectionBias,
              minExpertWeight,
              allLogits: true,
              routerScores: opts.routerScores,
            }),
          );
      } else {
        steps.push(
          await this.transformer.step(tokens, cache, {
            selectionBias,
            minExpertWeight,
            allLogits: true,
            routerScores: opts.routerScores,
          }),
        );
      }
      const V = this.cfg.vocab_size;
      const logits: Float32Array[] = [];
      for (const s of steps) for (let r = 0; r < s.rows; r++) logits.push(s.logits.slice(r * V, (r + 1) * V));
      const experts: number[][][] = Array.from({ length: this.info.moeLayers }, () => []);
      const expertWeights: number[][][] = Array.from({ length: this.info.moeLayers }, () => []);
      for (const s of steps) {
        s.routing.forEach((r, m) => {
          for (let t = 0; t < r.ids.length / r.k; t++) {
            const computed = Array.from({ length: r.k }, (_, j) => t * r.k + j).filter((j) => isComputed(r, j));
            experts[m].push(computed.map((j) => r.ids[j]));
            expertWeights[m].push(computed.map((j) => r.weights[j]));
          }
        });
      }
      if (!opts.routerScores) return { logits, experts, expertWeights };
      const E = this.cfg.n_routed_experts;
      const routerScores: Float32Array[][] = Array.from({ length: this.info.moeLayers }, () => []);
      for (const s of steps) {
        s.routing.forEach((r, m) => {
          const sc = r.scores as Float32Array;
          for (let t = 0; t < sc.length / E; t++) routerScores[m].push(sc.slice(t * E, (t + 1) * E));
        });
      }
      return { logits, experts, expertWeights, routerScores };
    });
  }

  generate(prompt: number[], opts: GenerateOptions): Promise<GenerateResult> {
    this.checkTokens(prompt);
    if (!Number.isInteger(opts.maxTokens) || opts.maxTokens < 0) {
      throw new EngineError(
        `maxTokens must be a non-negative integer, got ${opts.maxTokens}`,
        EngineErrorCodes.BadInput,
      );
    }
    const selectionBias = this.selectionBias(opts.selectionBias);
    const minExpertWeight = this.minExpertWeight(opts.minExpertWeight);
    const eosIds = opts.ignoreEos ? [] : (this.tokenizer?.eosIds ?? this.cfg.eos_token_ids);
    return this.serial(() =>
      generate(
        {
          transformer: this.transformer,
          tokenizer: this.tokenizer,
          prefixCache: this.prefixCache,
          eosIds,
          moeLayers: this.info.moeLayers,
          routedExperts: this.cfg.n_routed_experts,
          selectionBias,
          minExpertWeight,
        },
        prompt,
        opts,
      ),
    );
  }

  residentExpertBytes(): number {
    return this.experts.residentBytes();
  }

  memoryBudgetBytes(): number {
    return this.budget;
  }

  /** Bytes of latent cache per token (all layers), for the memory report. */
  latentBytesPerToken(): number {
    return this.cfg.num_hidden_layers * (this.cfg.kv_lora_rank + this.cfg.qk_rope_head_dim) * 4;
  }

  /** Forget cached prefixes (e.g. after a model switch or to measure cold prefill). */
  clearPrefixCache(): void {
    this.prefixCache.clear();
  }

  async dispose(): Promise<void> {
    await this.serial(async () => {
      this.prefixCache.clear();
      await this.transformer.dispose();
      await this.experts.release();
      this.releaseGraphs();
    });
  }
}

export type DeepseekLoadedModel = DeepseekModel;

/** Loads a model folder or GGUF file (see validateModel). */
export async function loadModel(path: string, opts: LoadOptions = {}): Promise<LoadedModel & DeepseekModel> {
  const { cfg, ckpt, tokenizer, info } = await validateModel(path, opts);
  if (opts.expertsPerGroup !== undefined && !(Number.isInteger(opts.expertsPerGroup) && opts.expertsPerGroup >= 1))
    throw new EngineError(
      `expertsPerGroup must be an integer >= 1, got ${opts.expertsPerGroup}`,
      EngineErrorCodes.BadInput,
    );
  const budget = opts.memoryBudgetBytes ?? defaultMemoryBudget();
  if (!Number.isSafeInteger(budget) || budget <= 0)
    throw new EngineError(
      `memoryBudgetBytes must be a positive whole number of bytes, got ${budget}`,
      EngineErrorCodes.BadInput,
    );
  const cacheRoot = resolve(opts.cacheDir ?? defaultCacheRoot());
  const cachePolicy = { limitBytes: opts.cacheLimitBytes };
  const graphs = () =>
    ensureGraphs(
      cfg,
      ckpt,
      softmaxScale(cfg),
      cacheRoot,
      info.precision,
      opts.onBuildProgress,
      cachePolicy,
      opts.expertsPerGroup,
    );
  const correction: (Float32Array | undefined)[] = [];
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const name = `${layerPrefix(l)}mlp.gate.e_score_correction_bias`;
    correction.push(cfg.topk_method === 'noaux_tc' && ckpt.has(name) ? ckpt.readF32(name) : undefined);
  }
  let keptMask: Float32Array[] | undefined;
  if (opts.keptExperts) {
    if (opts.keptExperts.length !== info.moeLayers) {
      throw new EngineError(
        `keptExperts has ${opts.keptExperts.length} layers, the model has ${info.moeLayers} MoE layers`,
        EngineErrorCodes.BadInput,
      );
    }
    keptMask = opts.keptExperts.map((kept, i) => {
      if (kept.length < cfg.num_experts_per_tok) {
        throw new EngineError(
          `keptExperts[${i}] keeps ${kept.length} experts, fewer than num_experts_per_tok ${cfg.num_experts_per_tok}`,
          EngineErrorCodes.BadInput,
        );
      }
      const m = new Float32Array(cfg.n_routed_experts).fill(-Infinity);
      for (const e of kept) m[e] = 0;
      return m;
    });
  }
  // after the checks above: a bad request fails before a first load spends minutes building, and holds no lease
  let files = await graphs();
  const prepacked = info.precision !== 'f32';
  const threads = opts.threads ?? defaultThreads();
  const open = async (files: GraphFiles) => {
    const forExperts = expertBudget(info.name, budget, denseBytes(files), largestGroupBytes(files.experts));
    const pool = new ExpertPool(files.experts, files.expertsPerGroup, {
      threads,
      prepack: prepacked,
      budgetBytes: forExperts,
    });
    const sessions = {
      threads,
      correctionBias: correction,
      prepack: prepacked,
      dispatch: opts.expertDispatch,
      routed: pool,
    };
    return { pool, transformer: await Transformer.create(cfg, files, sessions) };
  };
  let opened: Awaited<ReturnType<typeof open>>;
  try {
    opened = await open(files);
  } catch (first) {
    if (first instanceof EngineError) {
      files.release(); // the budget: the cache is fine, but this model will not hold it
      throw first;
    }
    // a damaged cache (a file deleted or truncated behind our back): rebuild it once
    files.release();
    rmSync(files.dir, { recursive: true, force: true });
    files = await graphs();
    try {
      opened = await open(files);
    } catch (e) {
      files.release();
      if (e instanceof EngineError) throw e;
      throw new EngineError(
        `onnxruntime cannot open the graphs in ${files.dir}: ${(e as Error).message} (first attempt: ${(first as Error).message})`,
      );
    }
  }
  return new DeepseekModel(info, cfg, tokenizer, opened.transformer, opened.pool, keptMask, budget, files.release);
}

/** Bytes of the weights every token reads: all external data but the routed experts'. */
function denseBytes(files: GraphFiles): number {
  const routed = new Set(files.experts.flatMap((l) => l?.groups.map((g) => g.data) ?? []));
  return readdirSync(files.dir)
    .map((f) => join(files.dir, f))
    .filter((f) => f.endsWith('.bin') && !routed.has(f))
    .reduce((n, f) => n + statSync(f).size, 0);
}

/** onnxruntime intra-op threads when the caller does not say: the cores, at most 4 (decode is memory-bound). */
function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

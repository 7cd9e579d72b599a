// The request logic behind both front doors (the stdio JSON-RPC server and the OpenAI-compatible HTTP server): which
// backend serves, one generation at a time per backend, the stop pipeline (stop/) on the streamed text, time budgets,
// cancellation, routing domain, and the statistics of the last generation.
import { resolve } from 'node:path';
import { EngineError } from '../errors';
import { clampCacheLimit, DEFAULT_GRAPH_CACHE_LIMIT } from '../onnx/cache-limit';
import { cacheInfo, clearCache } from '../onnx/cache-store';
import { defaultCacheRoot } from '../onnx/graph-cache';
import {
  EngineErrorCodes,
  type CacheClearResult,
  type CalibrateParams,
  type CalibrateResult,
  type ChatParams,
  type ChatResult,
  type CompleteParams,
  type CompleteResult,
  type EngineStats,
  type GenerationStats,
  type GraphCacheInfo,
  type ModelInfo,
  type ModelLoadParams,
  type RoutingProfileResult,
  type SamplingParams,
} from '../protocol';
import type { LoadedModel, LoadOptions, Tokenizer } from '../runtime/api';
import type { Backend, BackendGenerateOptions, BackendResult } from './backend';
import { ModelRouting, routingProfileResult } from '../routing/model-routing';
import { minExpertWeightFor, resolveRouting, selectionBiasFor, userText, type RequestRouting } from './domain';
import type { FimRequest } from './fim';
import { LocalBackend } from './local-backend';
import { CancelledError, RequestQueue, type Lane } from './queue';
import { chatStops, completionStops, textStops, type StopPipeline } from './stop/pipeline';
import { StreamGate } from './stop/stream-gate';
import { TimeBudget } from './stop/time-budget';

export type ModelLoader = (dir: string, opts?: LoadOptions) => Promise<LoadedModel>;

export interface EngineServiceOptions {
  loadModel?: ModelLoader;
  /** checks a folder without building graphs (model/load with validateOnly) */
  validateModel?: (dir: string, opts?: LoadOptions) => Promise<{ info: ModelInfo }> | { info: ModelInfo };
  threads?: number;
  /** where local models' graphs are cached (default: the user's cache folder, engine/onnx/graph-cache.ts) */
  cacheDir?: string;
  /** the graph cache is trimmed to this after each load (default DEFAULT_GRAPH_CACHE_LIMIT) */
  cacheLimitBytes?: number;
}

export interface StreamOptions {
  signal?: AbortSignal;
  /** text as it becomes final (never retracted later) */
  onDelta?: (text: string) => void;
  /** which lane of the one queue the request waits in (default: the editor's, served first) */
  lane?: Lane;
}

export type GenerationResult = CompleteResult;

/** A cancelled request: what was generated before the cancel travels with it. */
export class CancelledGenerationError extends CancelledError {
  constructor(readonly partial: GenerationResult) {
    super('generation');
  }
}

export class EngineService {
  private backend?: Backend;
  private routing?: ModelRouting;
  /** why the profile next to the loaded model was not applied, when it was refused */
  private routingRefused?: string;
  private lastGeneration?: GenerationStats;
  private readonly queue: RequestQueue;
  private threads?: number;
  private cacheLimitBytes: number;

  constructor(private readonly options: EngineServiceOptions = {}) {
    this.queue = new RequestQueue(1);
    this.threads = options.threads;
    this.cacheLimitBytes = clampCacheLimit(options.cacheLimitBytes ?? DEFAULT_GRAPH_CACHE_LIMIT);
  }

  get model(): ModelInfo | undefined {
    return this.backend?.info;
  }

  /** The served model's tokenizer (not queued: tokenising never touches the KV cache). */
  tokenizer(): Tokenizer {
    const backend = this.backend;
    if (!backend) throw new EngineError('no model loaded', EngineErrorCodes.NoModelLoaded);
    if (!backend.tokenizer)
      throw new EngineError(
        `'${backend.info.name}' is served by another server: its tokenizer is not here`,
        EngineErrorCodes.NotAvailable,
      );
    return backend.tokenizer();
  }
  get queueState(): { inFlight: number; waiting: number; waitingHttp: number; httpWaitingLimit: number } {
    const q = this.queue;
    return {
      inFlight: q.inFlight,
      waiting: q.queued,
      waitingHttp: q.queuedIn('http'),
      httpWaitingLimit: q.waitingLimit('http'),
    };
  }

  /** How many requests of a lane may wait for the model; more are refused with Busy (the HTTP server sets its own). */
  setWaitingLimit(lane: Lane, limit: number): void {
    this.queue.setWaitingLimit(lane, limit);
  }

  setThreads(threads: number | undefined): void {
    this.threads = threads && threads > 0 ? threads : undefined;
  }

  /** The graph cache's limit from now on (applied after the next load); undefined keeps the current one. */
  setCacheLimit(bytes: number | undefined): void {
    if (bytes !== undefined && Number.isFinite(bytes)) this.cacheLimitBytes = clampCacheLimit(bytes);
  }

  private get cacheRoot(): string {
    return resolve(this.options.cacheDir ?? defaultCacheRoot());
  }

  /** What the graph cache holds (`cache/info`). */
  cacheInfo(): GraphCacheInfo {
    return cacheInfo(this.cacheRoot, this.cacheLimitBytes);
  }

  /** Removes every cached model no live engine has loaded (`cache/clear`); the loaded one stays. */
  clearCache(): CacheClearResult {
    return clearCache(this.cacheRoot);
  }

  /** Install a backend (local model, remote server or a test's) in place of the current one. */
  async useBackend(backend: Backend, routing?: ModelRouting, routingRefused?: string): Promise<ModelInfo> {
    const previous = this.backend;
    this.backend = backend;
    this.routing = routing;
    this.routingRefused = routingRefused;
    this.queue.setConcurrency(backend.concurrency);
    await previous?.dispose();
    return backend.info;
  }

  /** `onBuildProgress`: graphs built so far, when this load has to build them (a checkpoint's first load). */
  async loadModel(params: ModelLoadParams, onBuildProgress?: LoadOptions['onBuildProgress']): Promise<ModelInfo> {
    if (!this.options.loadModel) {
      throw new EngineError('this build has no local runtime to load models with', EngineErrorCodes.NotAvailable);
    }
    const opts: LoadOptions = {
      precision: params.precision,
      threads: this.threads,
      onBuildProgress,
      cacheDir: this.options.cacheDir,
      cacheLimitBytes: this.cacheLimitBytes,
      memoryBudgetBytes: params.memoryBudgetBytes,
    };
    // The checkpoint's routing profile. One calibrated on other weights is refused: an error when the request needs
    // it (keepExperts), otherwise the model loads with its own routing and the reason goes to the log (stderr).
    const wantsKept = params.keepExperts !== undefined && params.keepExperts < 1;
    let routing: ModelRouting | undefined;
    let refused: string | undefined;
    try {
      routing = params.validateOnly ? undefined : ModelRouting.load(params.path);
    } catch (err) {
      if (wantsKept || !(err instanceof EngineError)) throw err;
      refused = err.message;
      process.stderr.write(`switchyard engine: routing skew off: ${err.message}\n`);
    }
    if (wantsKept) {
      if (!routing) {
        throw new EngineError(
          `keepExperts below 1 ranks experts by the model's routing profile, and ${params.path} has none ` +
            '(create it with `npm run -s engine -- calibrate`)',
          EngineErrorCodes.BadInput,
        );
      }
      opts.keptExperts = routing.keptExperts(params.keepExperts as number);
    }
    // what the client sees: whether requests are skewed, not merely whether a file is there
    if (!params.validateOnly) opts.routingProfile = routing !== undefined;
    if (params.validateOnly && this.options.validateModel)
      return (await this.options.validateModel(params.path, opts)).info;
    const model = await this.options.loadModel(params.path, opts);
    const backend = new LocalBackend(model, params.path);
    if (params.validateOnly) {
      await model.dispose();
      return backend.info;
    }
    if (routing && !routing.fits(model.info)) {
      await model.dispose();
      throw new EngineError(
        `${routing.path} was made for another expert layout than ${params.path}`,
        EngineErrorCodes.BadInput,
      );
    }
    return this.useBackend(backend, routing, refused);
  }

  async complete(params: CompleteParams, stream: StreamOptions = {}): Promise<CompleteResult> {
    const backend = this.requireBackend();
    const req: FimRequest = {
      prefix: params.prefix,
      suffix: params.suffix,
      languageId: params.languageId,
      filePath: params.filePath,
      contextChunks: params.contextChunks,
    };
    const routing = resolveRouting('complete', params.routing);
    return this.generate(routing, params, completionStops(params), stream, (o) => backend.fill(req, o));
  }

  async chat(params: ChatParams, stream: StreamOptions = {}): Promise<ChatResult> {
    const backend = this.requireBackend();
    const routing = resolveRouting('chat', params.routing, this.routing, userText(params.messages));
    return this.generate(routing, params, chatStops(params), stream, (o) => backend.chat(params.messages, o));
  }

  /** A raw prompt (the HTTP server's /v1/completions without suffix). */
  async text(prompt: string, params: SamplingParams, stream: StreamOptions = {}): Promise<GenerationResult> {
    const backend = this.requireBackend();
    return this.generate({ strength: 0 }, params, textStops(params), stream, (o) => backend.text(prompt, o));
  }

  /** Fill in the middle without the editor's line rules (the HTTP server's /v1/completions with `suffix`). */
  async fill(req: FimRequest, params: SamplingParams, stream: StreamOptions = {}): Promise<GenerationResult> {
    const backend = this.requireBackend();
    return this.generate(resolveRouting('complete', undefined), params, textStops(params), stream, (o) =>
      backend.fill(req, o),
    );
  }

  /** Calibrates the loaded local model (queued like a generation) and applies the new profile at once. */
  async calibrate(params: CalibrateParams): Promise<CalibrateResult> {
    const backend = this.requireBackend();
    const calibrateBackend = backend.calibrate?.bind(backend);
    if (!calibrateBackend) throw new EngineError('only a local model can be calibrated', EngineErrorCodes.NotAvailable);
    return this.queue.run(async () => {
      const result = await calibrateBackend(params);
      // the profile is applied only when it was written next to the model (where model/load looks for it)
      if (this.backend === backend) {
        this.routing = ModelRouting.load(backend.info.path, backend.info) ?? this.routing;
        backend.info.hasRoutingProfile = this.routing !== undefined;
      }
      return result;
    });
  }

  /** The profile requests are skewed by, or why there is none (`routing/profile`). */
  routingProfile(): RoutingProfileResult {
    return routingProfileResult(this.requireBackend().info, this.routing, this.routingRefused);
  }

  stats(): EngineStats {
    return {
      model: this.backend?.info,
      residentExpertBytes: this.backend?.residentExpertBytes(),
      memoryBudgetBytes: this.backend?.memoryBudgetBytes(),
      rssBytes: process.memoryUsage().rss,
      lastGeneration: this.lastGeneration,
    };
  }

  async dispose(): Promise<void> {
    const backend = this.backend;
    this.backend = undefined;
    await backend?.dispose();
  }

  private requireBackend(): Backend {
    if (!this.backend) throw new EngineError('no model loaded: send model/load first', EngineErrorCodes.NoModelLoaded);
    return this.backend;
  }

  private generate(
    routing: RequestRouting,
    params: SamplingParams,
    stops: StopPipeline,
    stream: StreamOptions,
    run: (opts: BackendGenerateOptions) => Promise<BackendResult>,
  ): Promise<GenerationResult> {
    if (!(params.maxTokens >= 1))
      throw new EngineError(`maxTokens must be at least 1 (got ${params.maxTokens})`, EngineErrorCodes.BadInput);
    return this.queue.run(
      async () => {
        const gate = new StreamGate(stops, stream.onDelta);
        const controller = new AbortController();
        const onCancel = () => controller.abort();
        stream.signal?.addEventListener('abort', onCancel, { once: true });
        const budget = new TimeBudget(params.timeBudgetMs, () => controller.abort());
        gate.onDecision = () => controller.abort();
        const started = performance.now();
        let result: BackendResult | undefined;
        let failure: unknown;
        try {
          if (stream.signal?.aborted) throw new CancelledError();
          const { timeBudgetMs: _budget, ...sampling } = params;
          result = await run({
            ...sampling,
            signal: controller.signal,
            onText: (t) => gate.push(t, started),
            shouldStop: (textSoFar) => gate.shouldStop(textSoFar),
            selectionBias: selectionBiasFor(this.routing, routing),
            minExpertWeight: minExpertWeightFor(this.routing, routing),
          });
        } catch (err) {
          failure = err;
        } finally {
          budget.clear();
          stream.signal?.removeEventListener('abort', onCancel);
        }
        const timedOut = budget.ranOut;
        const userCancelled = stream.signal?.aborted === true && !gate.decision && !timedOut;
        if (failure !== undefined && !userCancelled && !gate.decision && !timedOut) throw failure;

        const finished = gate.finish(result?.text);
        const stopReason =
          gate.decision?.reason ??
          (timedOut ? 'time' : userCancelled ? 'cancelled' : (result?.stopReason ?? 'cancelled'));
        const stats: GenerationStats = {
          ...(result?.stats ?? gate.fallbackStats(performance.now() - started)),
          ...(routing.domain ? { domain: routing.domain } : {}),
        };
        this.lastGeneration = stats;
        const out = { text: finished, stopReason, stats };
        if (userCancelled) throw new CancelledGenerationError(out);
        return out;
      },
      stream.signal,
      stream.lane,
    );
  }
}

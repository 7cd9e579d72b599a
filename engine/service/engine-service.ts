// The request logic behind both front doors (the stdio JSON-RPC server and the OpenAI-compatible HTTP server): which
// backend serves, one generation at a time per backend, stop rules applied to the streamed text, time budgets,
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
import { emptyStats, type Backend, type BackendGenerateOptions, type BackendResult } from './backend';
import { ModelRouting, routingProfileResult } from '../routing/model-routing';
import { resolveRouting, selectionBiasFor, userText, type RequestRouting } from './domain';
import type { FimRequest } from './fim';
import { describeTextFormats, LocalBackend } from './local-backend';
import { CancelledError, RequestQueue, type Lane } from './queue';
import { CHAT_REPETITION, COMPLETION_REPETITION, repetitionRule } from './repetition';
import { combineRules, completionRule, stopStringsRule, type StopDecision, type TextStopRule } from './stop-rules';

export type ModelLoader = (dir: string, opts?: LoadOptions) => Promise<LoadedModel>;

export interface EngineServiceOptions {
  loadModel?: ModelLoader;
  /** checks a folder without building graphs (model/load with validateOnly) */
  validateModel?: (
    dir: string,
    opts?: LoadOptions,
  ) => Promise<{ info: ModelInfo; tokenizer?: Tokenizer }> | { info: ModelInfo; tokenizer?: Tokenizer };
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
    if (params.validateOnly && this.options.validateModel) {
      const { info, tokenizer } = await this.options.validateModel(params.path, opts);
      return describeTextFormats(info, tokenizer, params.path);
    }
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
    // what the client sees: whether requests are skewed, not merely whether a file is there
    backend.info.hasRoutingProfile = routing !== undefined;
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
    // With code after the cursor on its line, only the rest of that line makes sense.
    const lineEnd = params.suffix.indexOf('\n');
    const restOfLine = lineEnd < 0 ? params.suffix : params.suffix.slice(0, lineEnd);
    const maxLines = /\S/.test(restOfLine) ? 1 : params.maxLines;
    const rule = combineRules([
      completionRule({ prefix: params.prefix, maxLines }),
      stopStringsRule(params.stop ?? []),
      repetitionRule(COMPLETION_REPETITION),
    ]);
    const routing = resolveRouting('complete', params.routing);
    return this.generate(routing, params, rule, stream, true, (o) => backend.fill(req, o));
  }

  async chat(params: ChatParams, stream: StreamOptions = {}): Promise<ChatResult> {
    const backend = this.requireBackend();
    const routing = resolveRouting('chat', params.routing, this.routing, userText(params.messages));
    const rule = combineRules([stopStringsRule(params.stop ?? []), repetitionRule(CHAT_REPETITION)]);
    return this.generate(routing, params, rule, stream, false, (o) => backend.chat(params.messages, o));
  }

  /** A raw prompt (the HTTP server's /v1/completions without suffix). */
  async text(prompt: string, params: SamplingParams, stream: StreamOptions = {}): Promise<GenerationResult> {
    const backend = this.requireBackend();
    const rule = stopStringsRule(params.stop ?? []);
    return this.generate({ strength: 0 }, params, rule, stream, false, (o) => backend.text(prompt, o));
  }

  /** Fill in the middle without the editor's line rules (the HTTP server's /v1/completions with `suffix`). */
  async fill(req: FimRequest, params: SamplingParams, stream: StreamOptions = {}): Promise<GenerationResult> {
    const backend = this.requireBackend();
    const rule = stopStringsRule(params.stop ?? []);
    return this.generate(resolveRouting('complete', undefined), params, rule, stream, false, (o) =>
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
    rule: TextStopRule,
    stream: StreamOptions,
    trimTrailingBlankLines: boolean,
    run: (opts: BackendGenerateOptions) => Promise<BackendResult>,
  ): Promise<GenerationResult> {
    if (!(params.maxTokens >= 1))
      throw new EngineError(`maxTokens must be at least 1 (got ${params.maxTokens})`, EngineErrorCodes.BadInput);
    return this.queue.run(
      async () => {
        const gate = new StreamGate(rule, stream.onDelta);
        const controller = new AbortController();
        const onCancel = () => controller.abort();
        stream.signal?.addEventListener('abort', onCancel, { once: true });
        let timedOut = false;
        const budget = params.timeBudgetMs;
        const timer =
          budget && budget > 0
            ? setTimeout(() => {
                timedOut = true;
                controller.abort();
              }, budget)
            : undefined;
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
            shouldStop: (textSoFar) => {
              const decision = gate.decision ?? rule.check(textSoFar);
              return decision ? gate.decide(decision) : undefined;
            },
            selectionBias: selectionBiasFor(this.routing, routing),
          });
        } catch (err) {
          failure = err;
        } finally {
          clearTimeout(timer);
          stream.signal?.removeEventListener('abort', onCancel);
        }
        const userCancelled = stream.signal?.aborted === true && !gate.decision && !timedOut;
        if (failure !== undefined && !userCancelled && !gate.decision && !timedOut) throw failure;

        const finished = gate.finish(result?.text, trimTrailingBlankLines);
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

/** Releases streamed text only once no stop rule can cut it any more. */
class StreamGate {
  private text = '';
  private emitted = 0;
  private pieces = 0;
  private firstPieceMs?: number;
  decision?: StopDecision;
  onDecision?: () => void;

  constructor(
    private readonly rule: TextStopRule,
    private readonly onDelta?: (text: string) => void,
  ) {}

  push(piece: string, started: number): void {
    if (!piece) return;
    this.pieces++;
    this.firstPieceMs ??= performance.now() - started;
    if (this.decision) {
      // decided through shouldStop on the runtime's text: the runtime still sends what is kept
      if (this.text.length < this.decision.keep) {
        this.text += piece;
        this.release(Math.min(this.decision.keep, this.text.length));
      }
      return;
    }
    this.text += piece;
    const decision = this.rule.check(this.text);
    if (decision) {
      this.decision = this.neverRetracting(decision);
      this.release(decision.keep);
      this.onDecision?.();
    } else this.release(this.rule.safeLength(this.text));
  }

  /** A rule fired on the backend's own view of the text (the local runtime's shouldStop). */
  decide(decision: StopDecision): number {
    this.decision ??= this.neverRetracting(decision);
    return this.decision.keep;
  }

  /** The final text: the rule's cut, else the backend's own text (it may join partial UTF-8 better), rules re-applied. */
  finish(backendText: string | undefined, trimTrailingBlankLines: boolean): string {
    let text = this.decision ? this.text.slice(0, this.decision.keep) : (backendText ?? this.text);
    if (!this.decision) {
      const late = this.rule.final?.(text) ?? this.rule.check(text);
      if (late) {
        this.decision = this.neverRetracting(late);
        text = text.slice(0, late.keep);
      }
    }
    if (trimTrailingBlankLines) text = text.replace(/\n\s*$/, '');
    if (text.length > this.emitted && text.startsWith(this.text.slice(0, this.emitted))) {
      this.onDelta?.(text.slice(this.emitted));
      this.emitted = text.length;
    }
    return text;
  }

  fallbackStats(elapsedMs: number): GenerationStats {
    const stats = emptyStats();
    stats.generatedTokens = this.pieces;
    stats.timeToFirstTokenMs = this.firstPieceMs ?? 0;
    const decodeMs = elapsedMs - (this.firstPieceMs ?? elapsedMs);
    stats.decodeTokensPerS = decodeMs > 0 && this.pieces > 1 ? ((this.pieces - 1) * 1000) / decodeMs : 0;
    return stats;
  }

  /** A cut inside text already streamed moves to its end: the client shows deltas as they come and keeps them. */
  private neverRetracting(decision: StopDecision): StopDecision {
    return this.onDelta && decision.keep < this.emitted ? { ...decision, keep: this.emitted } : decision;
  }

  private release(upTo: number): void {
    if (upTo > this.emitted) {
      this.onDelta?.(this.text.slice(this.emitted, upTo));
      this.emitted = upTo;
    }
  }
}

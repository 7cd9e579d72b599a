// The inline-completion logic without the VS Code API: window -> cache -> debounce -> engine (its stop pipeline shapes
// the suggestion) -> cache. The VS Code provider is a thin adapter over it, and the completion benchmark drives it
// directly.
import { CancellationToken, CancellationTokenSource } from 'vscode-jsonrpc';
import type { CompleteParams, CompleteResult, ContextChunk, RoutingRequest } from '../../engine/protocol';
import { cancelOnce } from '../engine/supervisor';
import { CompletionCache } from './cache';
import { AdaptiveDebounce, waitUnlessCancelled } from './debounce';
import { fimWindow, WindowLimits } from './window';
import { completionDomain } from './domain';

export interface CompletionSettings {
  maxLines: number;
  maxTokens: number;
  debounceMinMs: number;
  debounceMaxMs: number;
  window: WindowLimits;
  routing?: RoutingRequest;
  /** wall-clock budget the engine gets for one suggestion */
  timeBudgetMs: number;
}

export interface CompletionInput {
  text: string;
  /** UTF-16 offset of the cursor */
  offset: number;
  languageId: string;
  filePath?: string;
  /** the editor's tab size, for the engine's block-end rule */
  tabSize?: number;
  contextChunks?: ContextChunk[];
}

/** Whoever answers `complete`: the engine client, or (in the benchmark) a bare connection to the engine. */
export type CompleteFn = (params: CompleteParams, token: CancellationToken) => Promise<CompleteResult>;

export type SuggestionSource = 'exact-cache' | 'type-ahead' | 'engine';

export interface Suggestion {
  text: string;
  source: SuggestionSource;
  result?: CompleteResult;
}

export interface PipelineCounters {
  /** calls of suggest() */
  triggers: number;
  /** requests sent to the engine */
  requests: number;
  exactHits: number;
  typeAheadHits: number;
  /** triggers dropped during the debounce wait (a newer keystroke came) */
  debounced: number;
  /** engine requests cancelled because a newer one superseded them or VS Code cancelled them */
  cancelled: number;
  errors: number;
}

export class CompletionPipeline {
  readonly cache = new CompletionCache(128);
  readonly debounce: AdaptiveDebounce;
  readonly counters: PipelineCounters = {
    triggers: 0,
    requests: 0,
    exactHits: 0,
    typeAheadHits: 0,
    debounced: 0,
    cancelled: 0,
    errors: 0,
  };
  private inFlight: CancellationTokenSource | undefined;

  constructor(
    private readonly complete: CompleteFn,
    private settings: CompletionSettings,
  ) {
    this.debounce = new AdaptiveDebounce({ minMs: settings.debounceMinMs, maxMs: settings.debounceMaxMs });
  }

  updateSettings(settings: CompletionSettings): void {
    this.settings = settings;
    this.debounce.setLimits({ minMs: settings.debounceMinMs, maxMs: settings.debounceMaxMs });
    this.cache.clear();
  }

  /** Every edit of a document that may be completed: feeds the typing rhythm. */
  recordKeystroke(nowMs = Date.now()): void {
    this.debounce.recordKeystroke(nowMs);
  }

  /**
   * The suggestion at the cursor; its text is '' when the engine answered but nothing useful was left after its stop
   * pipeline. Undefined when cancelled or debounced away; an engine error is thrown.
   */
  async suggest(input: CompletionInput, token: CancellationToken): Promise<Suggestion | undefined> {
    this.counters.triggers++;
    const { prefix, suffix } = fimWindow(input.text, input.offset, this.settings.window);
    const hit = this.cache.get(prefix, suffix);
    if (hit) {
      if (hit.kind === 'exact') this.counters.exactHits++;
      else this.counters.typeAheadHits++;
      return { text: hit.text, source: hit.kind === 'exact' ? 'exact-cache' : 'type-ahead' };
    }
    if (!(await waitUnlessCancelled(this.debounce.delayMs(), token))) {
      this.counters.debounced++;
      return undefined;
    }
    // A newer request supersedes the one still decoding: cancel it so the engine stops within a token.
    if (this.inFlight) cancelOnce(this.inFlight);
    const source = new CancellationTokenSource();
    this.inFlight = source;
    const link = token.onCancellationRequested(() => cancelOnce(source));
    if (token.isCancellationRequested) cancelOnce(source);
    const s = this.settings;
    this.counters.requests++;
    const sentAt = Date.now();
    try {
      const result = await this.complete(
        {
          prefix,
          suffix,
          languageId: input.languageId,
          filePath: input.filePath,
          contextChunks: input.contextChunks,
          maxTokens: s.maxTokens,
          maxLines: s.maxLines,
          tabSize: input.tabSize,
          temperature: 0,
          timeBudgetMs: s.timeBudgetMs,
          routing: s.routing && { ...s.routing, domain: completionDomain(input.languageId) },
        },
        source.token,
      );
      if (source.token.isCancellationRequested || result.stopReason === 'cancelled') {
        this.counters.cancelled++;
        this.debounce.recordCancelledAfter(Date.now() - sentAt);
        return undefined;
      }
      this.debounce.recordAnswer(Date.now() - sentAt);
      this.cache.put(prefix, suffix, result.text);
      return { text: result.text, source: 'engine', result };
    } catch (err) {
      if (source.token.isCancellationRequested) {
        this.counters.cancelled++;
        this.debounce.recordCancelledAfter(Date.now() - sentAt);
        return undefined;
      }
      this.counters.errors++;
      throw err;
    } finally {
      link.dispose();
      if (this.inFlight === source) this.inFlight = undefined;
      source.dispose();
    }
  }

  dispose(): void {
    if (this.inFlight) cancelOnce(this.inFlight);
  }
}

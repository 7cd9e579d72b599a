// The generation loop: prefix-cache lookup, prefill of the rest of the prompt, then one token at a time with
// streaming text, stop tokens, the caller's text stop rule (one of the stop pipeline's rules, ../service/stop/, passed
// in so the runtime does not depend on the service above it), the caller's shouldStop (the service's whole pipeline),
// max tokens, a wall-clock budget and cancellation between tokens.
import { createHash } from 'node:crypto';
import { isComputed } from '../model/gate';
import type { GenerateOptions, GenerateResult, StreamStopRule, Tokenizer } from './api';
import type { StopReason } from '../protocol';
import type { PrefixCache } from './prefix-cache';
import { Sampler } from './sampling';
import type { StepResult, Transformer } from '../model/transformer';
import type { LatentCache } from '../model/latent-cache';

/** prompt tokens per prefill call (the unit of cancellation during prefill) */
export const PREFILL_CHUNK = 256;

/** Counts, per MoE layer and routed expert, how many tokens selected it. */
export function countExperts(counts: number[][], step: StepResult): void {
  step.routing.forEach((r, m) => {
    r.ids.forEach((e, j) => {
      if (isComputed(r, j)) counts[m][e]++;
    });
  });
}

export interface GenerationContext {
  transformer: Transformer;
  tokenizer?: Tokenizer;
  prefixCache: PrefixCache;
  eosIds: number[];
  moeLayers: number;
  routedExperts: number;
  /** routing applied to every step (kept-experts mask + the request's bias), built by the caller */
  selectionBias?: Float32Array[];
  /** the request's adaptive expert count τ (0: every selected expert) */
  minExpertWeight?: number;
}

/**
 * Identity of a routing (kept-experts mask + bias + minExpertWeight) for the prefix cache: '' for the checkpoint's own
 * routing. Cached latents depend on all three.
 */
export function selectionKey(bias: Float32Array[] | undefined, minExpertWeight = 0): string {
  if (!bias && minExpertWeight === 0) return '';
  const h = createHash('sha256');
  for (const b of bias ?? []) h.update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  if (minExpertWeight !== 0) h.update(`tau=${minExpertWeight}`);
  return h.digest('hex');
}

/** No text rule: nothing cuts, everything can be shown at once. */
const NO_STOP_RULE: StreamStopRule = { check: () => undefined, safeLength: (text) => text.length };

export async function generate(
  ctx: GenerationContext,
  prompt: number[],
  opts: GenerateOptions,
): Promise<GenerateResult> {
  const start = performance.now();
  const deadline = opts.timeBudgetMs !== undefined ? start + opts.timeBudgetMs : Infinity;
  const counts = Array.from({ length: ctx.moeLayers }, () => new Array<number>(ctx.routedExperts).fill(0));
  const stopTokens = new Set([...(opts.stopTokens ?? []), ...ctx.eosIds]);
  const stops = opts.stopRule ?? NO_STOP_RULE;
  const sampler = new Sampler(opts);
  const useCache = opts.usePrefixCache !== false;
  let cache: LatentCache;
  let reused = 0;
  const routingKey = useCache ? selectionKey(ctx.selectionBias, ctx.minExpertWeight) : '';
  if (useCache) ({ cache, reused } = ctx.prefixCache.acquire(prompt, routingKey));
  else cache = ctx.transformer.newCache();

  const tokens: number[] = [];
  let text = '';
  let emitted = 0;
  let stopReason: StopReason = 'length';
  let prefillMs = 0;
  let decodeMs = 0;
  let decodeSteps = 0;
  let ttft = 0;
  const decodeText = () => (ctx.tokenizer ? ctx.tokenizer.decode(tokens) : '');
  try {
    if (opts.signal?.aborted) stopReason = 'cancelled';
    else {
      const t0 = performance.now();
      // prefill in chunks, so a cancelled or over-budget request stops within one chunk, not after the whole prompt
      const rest = prompt.slice(reused);
      let step: StepResult | undefined;
      for (let i = 0; i < rest.length; i += PREFILL_CHUNK) {
        if (i > 0 && opts.signal?.aborted) stopReason = 'cancelled';
        else if (i > 0 && performance.now() > deadline) stopReason = 'time';
        if (stopReason !== 'length') break;
        step = await ctx.transformer.step(rest.slice(i, i + PREFILL_CHUNK), cache, {
          selectionBias: ctx.selectionBias,
          minExpertWeight: ctx.minExpertWeight,
        });
        countExperts(counts, step);
      }
      prefillMs = performance.now() - t0;
      while (step && stopReason === 'length') {
        if (tokens.length >= opts.maxTokens) break;
        if (opts.signal?.aborted) {
          stopReason = 'cancelled';
          break;
        }
        if (performance.now() > deadline) {
          stopReason = 'time';
          break;
        }
        const next = sampler.sample(step.logits);
        if (tokens.length === 0) ttft = performance.now() - start;
        if (stopTokens.has(next)) {
          stopReason = 'eos';
          break;
        }
        tokens.push(next);
        text = decodeText();
        // a trailing U+FFFD is an incomplete UTF-8 sequence: wait for the next token before showing it
        let visible = text.endsWith('\uFFFD') ? text.length - 1 : text.length;
        let stopAt = stops.check(text)?.keep;
        const keep = opts.shouldStop?.(text);
        if (keep !== undefined) stopAt = Math.min(stopAt ?? Infinity, keep);
        if (stopAt !== undefined) {
          text = text.slice(0, stopAt);
          if (text.length > emitted) opts.onToken?.(next, text.slice(emitted));
          emitted = text.length;
          stopReason = 'stop';
          break;
        }
        visible = stops.safeLength(text.slice(0, visible));
        const piece = visible > emitted ? text.slice(emitted, visible) : '';
        emitted = Math.max(emitted, visible);
        opts.onToken?.(next, piece);
        if (tokens.length >= opts.maxTokens) break;
        const t1 = performance.now();
        step = await ctx.transformer.step([next], cache, {
          selectionBias: ctx.selectionBias,
          minExpertWeight: ctx.minExpertWeight,
        });
        decodeMs += performance.now() - t1;
        decodeSteps++;
        countExperts(counts, step);
      }
    }
  } finally {
    if (useCache) ctx.prefixCache.release(cache, routingKey);
  }
  if (stopReason !== 'stop') {
    text = decodeText();
    if (text.length > emitted && tokens.length > 0) opts.onToken?.(tokens[tokens.length - 1], text.slice(emitted));
  }
  const prefilled = prompt.length - reused;
  return {
    tokens,
    text,
    stopReason,
    stats: {
      promptTokens: prompt.length,
      reusedTokens: reused,
      generatedTokens: tokens.length,
      prefillTokensPerS: prefillMs > 0 ? (prefilled * 1000) / prefillMs : 0,
      decodeTokensPerS: decodeMs > 0 ? (decodeSteps * 1000) / decodeMs : 0,
      timeToFirstTokenMs: ttft,
      expertCounts: counts,
    },
  };
}

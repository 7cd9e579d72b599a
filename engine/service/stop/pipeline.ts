// The one stop pipeline: every rule that ends or trims a streamed reply, composed in one place for each kind of
// request. The earliest cut of any rule wins while the text streams; once it has ended, the rules are applied again
// to what is kept until none cuts further (a completion cut at its block's end may still end with the suffix's `)`).
// The client trims only what it alone knows (src/completion/postprocess.ts).
import type { CompleteParams, SamplingParams, StopReason } from '../../protocol';
import { blockEndRule } from './block-end';
import { lineLimitRule } from './line-limit';
import { CHAT_REPETITION, COMPLETION_REPETITION, repetitionRule } from './repetition';
import type { StopDecision, TextStopRule } from './rule';
import { stopStringsRule } from './stop-strings';
import { suffixOverlapRule } from './suffix-overlap';

export interface StopPipeline extends TextStopRule {
  final(text: string): StopDecision | undefined;
  /** the last touch on the final text, after every cut (it gives no stop reason) */
  tidy(text: string): string;
}

export function stopPipeline(rules: readonly TextStopRule[], tidy: (text: string) => string = (t) => t): StopPipeline {
  const earliest = (decide: (r: TextStopRule) => StopDecision | undefined): StopDecision | undefined => {
    let best: StopDecision | undefined;
    for (const r of rules) {
      const d = decide(r);
      if (d && (!best || d.keep < best.keep)) best = d;
    }
    return best;
  };
  return {
    check: (text) => earliest((r) => r.check(text)),
    safeLength: (text) => Math.min(text.length, ...rules.map((r) => r.safeLength(text))),
    final(text) {
      let reason: StopReason | undefined;
      let kept = text;
      for (;;) {
        const d = earliest((r) => r.final?.(kept) ?? r.check(kept));
        if (!d || d.keep >= kept.length) break;
        reason ??= d.reason; // the rule that ended the text first; later rounds only trim what it kept
        kept = kept.slice(0, d.keep);
      }
      return reason ? { keep: kept.length, reason } : undefined;
    },
    tidy,
  };
}

/**
 * Inline completions: the end of the cursor's block, the line limit (only the rest of the line when code follows the
 * cursor on it), stop strings, repetition and the code after the cursor. A suggestion of nothing but white space is
 * nothing, and white space ending in a line break is not shown.
 */
export function completionStops(
  params: Pick<CompleteParams, 'prefix' | 'suffix' | 'maxLines' | 'stop' | 'tabSize'>,
): StopPipeline {
  const lineEnd = params.suffix.indexOf('\n');
  const restOfLine = lineEnd < 0 ? params.suffix : params.suffix.slice(0, lineEnd);
  const maxLines = /\S/.test(restOfLine) ? 1 : params.maxLines;
  return stopPipeline(
    [
      blockEndRule({ prefix: params.prefix, tabSize: params.tabSize }),
      lineLimitRule(maxLines),
      stopStringsRule(params.stop ?? []),
      repetitionRule(COMPLETION_REPETITION),
      suffixOverlapRule(params.suffix),
    ],
    (text) => (text.trim() === '' ? '' : text.replace(/\s+$/, (ws) => (ws.includes('\n') ? '' : ws))),
  );
}

/** Chat replies: stop strings and repetition. */
export function chatStops(params: Pick<SamplingParams, 'stop'>): StopPipeline {
  return stopPipeline([stopStringsRule(params.stop ?? []), repetitionRule(CHAT_REPETITION)]);
}

/** Raw prompts and fill-in-the-middle for other tools (the HTTP server): their stop strings only. */
export function textStops(params: Pick<SamplingParams, 'stop'>): StopPipeline {
  return stopPipeline([stopStringsRule(params.stop ?? [])]);
}

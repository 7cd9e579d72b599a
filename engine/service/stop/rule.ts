// What every stop rule is: a function of the text streamed so far that says where it must end and why, and how much of
// it can be shown already. Rules decide on the text alone, so the same rules hold for the local runtime and for a
// remote server. The rules are composed in one place (pipeline.ts).
import type { StopReason } from '../../protocol';

export interface StopDecision {
  /** characters of the text to keep */
  keep: number;
  reason: StopReason;
}

export interface TextStopRule {
  /** the decision once the text must end, else undefined */
  check(text: string): StopDecision | undefined;
  /** how much of the text can be shown already: later tokens can no longer cut it */
  safeLength(text: string): number;
  /** the decision on the whole text once the stream has ended (an unfinished last line is judged as complete) */
  final?(text: string): StopDecision | undefined;
}

/** A cut at `keep`, with the blank lines and spaces before it dropped. */
export function cutBefore(text: string, keep: number, reason: StopReason): StopDecision {
  while (keep > 0 && /\s/.test(text[keep - 1])) keep--;
  return { keep, reason };
}

/** Line rules judge a line once it is complete: only whole lines (less trailing blank lines) can be shown. */
export function wholeLinesLength(text: string): number {
  const lastNewline = text.lastIndexOf('\n');
  return lastNewline < 0 ? text.length : text.slice(0, lastNewline).replace(/\s+$/, '').length;
}

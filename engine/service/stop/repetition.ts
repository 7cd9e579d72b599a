// The repetition guard: a stream that falls into repeating one token or phrase (`x, x, x, x, …`, `?>?>?>`, the same
// line again and again) is degenerate whatever the model, and only gets worse the longer it runs. Small models do it
// often; large ones do it too at temperature 0. The guard stops the stream and keeps one copy of the repeated unit;
// for completions, a suggestion that still repeats itself after that cut is dropped rather than shown.
import type { StopDecision, TextStopRule } from './rule';

export interface RepetitionOptions {
  /** the shortest repeated run (in characters) that stops the stream */
  minChars: number;
  /** keep nothing when what would be kept still repeats itself (three copies of a unit: the loose count) */
  dropIfStillRepeating: boolean;
}

/** Completions: short suggestions, so a short run already gives them away, and a mostly repeated one is not shown. */
export const COMPLETION_REPETITION: RepetitionOptions = { minChars: 18, dropIfStillRepeating: true };
/** Chat: prose and tables repeat more legitimately, so a longer run is needed, and what came before is kept. */
export const CHAT_REPETITION: RepetitionOptions = { minChars: 48, dropIfStillRepeating: false };

/** The longest repeated unit looked for: a line or two of code. */
const MAX_PERIOD = 120;
/** Only the text's tail is searched for a run that ends the stream: each token adds at most this much. */
const TAIL = 400;

/** How many copies of a unit of `period` characters make a run: short units must repeat more often to count. */
function minRepeats(period: number): number {
  return period <= 4 ? 6 : period <= 12 ? 4 : 3;
}

export interface RepeatedRun {
  start: number;
  end: number;
  period: number;
}

/**
 * Runs `[start, end)` of `text` in which a unit of `period` characters repeats back to back. A unit must hold a letter or
 * digit: rules of dashes, indentation and `))))` are layout, not degeneration. The smallest period that explains a
 * stretch of text is reported, once.
 */
export function repeatedRuns(text: string, from = 0, minChars = 0, repeats = minRepeats): RepeatedRun[] {
  const runs: RepeatedRun[] = [];
  const covered = new Uint8Array(text.length);
  for (let p = 1; p <= MAX_PERIOD && 2 * p <= text.length - from; p++) {
    let i = text.length - p - 1;
    while (i >= from) {
      if (text.charCodeAt(i) !== text.charCodeAt(i + p)) {
        i--;
        continue;
      }
      // text[j] === text[j + p] for every j in (lo, i]: the stretch [lo + 1, i + p + 1) has period p
      let lo = i;
      while (lo >= from && text.charCodeAt(lo) === text.charCodeAt(lo + p)) lo--;
      const start = lo + 1;
      const end = i + p + 1;
      const length = end - start;
      if (
        length >= Math.max(minChars, repeats(p) * p) &&
        !covered[start] &&
        /[\p{L}\p{N}]/u.test(text.slice(start, start + p))
      ) {
        runs.push({ start, end, period: p });
        covered.fill(1, start, end);
      }
      i = lo;
    }
  }
  return runs.sort((a, b) => a.start - b.start);
}

/**
 * The share of `text` (its non-space characters) that only repeats what came just before: every copy of a unit after
 * its first, counted loosely (three copies, six characters).
 */
export function repetitionShare(text: string): number {
  const body = text.trimEnd();
  if (body.trim().length === 0) return 0;
  const covered = new Uint8Array(body.length);
  for (const r of repeatedRuns(body, 0, 6, () => 3)) covered.fill(1, r.start + r.period, r.end);
  let inRuns = 0;
  let all = 0;
  for (let i = 0; i < body.length; i++) {
    if (/\s/.test(body[i])) continue;
    all++;
    inRuns += covered[i];
  }
  return all === 0 ? 0 : inRuns / all;
}

/**
 * Stops at the first repeated run of at least `minChars` characters, keeping what came before it and one copy of the
 * unit (its first occurrence may well be meant); when what would be kept still repeats itself that much, keeps nothing.
 */
export function repetitionRule({ minChars, dropIfStillRepeating }: RepetitionOptions): TextStopRule {
  const decide = (text: string): StopDecision | undefined => {
    const run = repeatedRuns(text, Math.max(0, text.length - TAIL), minChars)[0];
    if (!run) return undefined;
    let keep = run.start + run.period;
    // A unit found mid-sentence (`. I hope this helps` repeated) keeps the full stop that ends its copy.
    if (/^[.!?](\s|$)/.test(text.slice(keep, keep + 2))) keep++;
    while (keep > 0 && /\s/.test(text[keep - 1])) keep--;
    if (dropIfStillRepeating && repetitionShare(text.slice(0, keep)) > 0) return { keep: 0, reason: 'repetition' };
    return { keep, reason: 'repetition' };
  };
  return {
    check: decide,
    safeLength: (text) => text.length - repeatingTail(text),
  };
}

/**
 * How much of the text's end may still turn out to be a run: while the text ends in a unit and the start of its next
 * copy, everything after the first copy is held back (it would be cut if the copies go on), and released once they
 * stop. In ordinary text that is a character or two.
 */
function repeatingTail(text: string): number {
  let hold = 0;
  for (let p = 1; p <= MAX_PERIOD && 2 * p <= text.length; p++) {
    let j = text.length - p - 1;
    while (j >= 0 && text.charCodeAt(j) === text.charCodeAt(j + p)) j--;
    const stretch = text.length - (j + 1);
    if (stretch > p && /[\p{L}\p{N}]/u.test(text.slice(text.length - p))) hold = Math.max(hold, stretch - p);
  }
  return hold;
}

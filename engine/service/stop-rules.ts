// When a streamed reply must end, decided on the text alone, so the same rules hold for the local runtime and for a
// remote server: stop strings, a line limit, and (for code completions) the end of the block the cursor is in.
import type { StopReason } from '../protocol';

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

/** Stop strings: cut before the first occurrence; hold back a tail that may be the start of one. */
export function stopStringsRule(stop: readonly string[]): TextStopRule {
  const stops = stop.filter((s) => s.length > 0);
  return {
    check(text) {
      let first = -1;
      for (const s of stops) {
        const at = text.indexOf(s);
        if (at >= 0 && (first < 0 || at < first)) first = at;
      }
      return first >= 0 ? { keep: first, reason: 'stop' } : undefined;
    },
    safeLength(text) {
      let hold = 0;
      for (const s of stops) {
        for (let n = Math.min(s.length - 1, text.length); n > hold; n--) {
          if (text.endsWith(s.slice(0, n))) {
            hold = n;
            break;
          }
        }
      }
      return text.length - hold;
    },
  };
}

function indentWidth(line: string): number {
  let w = 0;
  for (const ch of line) {
    if (ch === ' ') w += 1;
    else if (ch === '\t') w += 4;
    else break;
  }
  return w;
}

/** Lines that close the block at its own indentation (kept, then the completion ends). */
const CLOSER = /^\s*(\}|\)|\]|end\b|fi\b|done\b|esac\b|\\end\{)/;
/** Lines that continue the statement at its own indentation (`} else {`, `elif`, `except`, …). */
const CONTINUATION = /^\s*(\}\s*(else|catch|finally|while)\b|else\b|elif\b|elsif\b|except\b|finally\b|catch\b|case\b|default\b)/;

export interface CompletionStopOptions {
  /** the text before the cursor (its last line decides the block's indentation) */
  prefix: string;
  maxLines?: number;
}

/**
 * Completion rules: at most `maxLines` lines, and stop at the end of the current indentation block: a line indented
 * less than the cursor's line, or, after a deeper body, a new statement at the cursor's own level (a closing bracket
 * at that level is kept as the block's last line).
 */
export function completionRule({ prefix, maxLines }: CompletionStopOptions): TextStopRule {
  const cursorLine = prefix.slice(prefix.lastIndexOf('\n') + 1);
  const lineLimit = maxLines && maxLines > 0 ? maxLines : Infinity;

  const decide = (text: string): StopDecision | undefined => {
    const lines = text.split('\n');
    // Indentation of the cursor's line: known from the prefix unless the cursor sits in leading whitespace.
    const firstLine = cursorLine + lines[0];
    const base = indentWidth(/\S/.test(firstLine) ? firstLine : cursorLine);
    let offset = lines[0].length + 1;
    let seenDeeper = false;
    // Lines are judged once complete (`} else {` and `else:` only read as such in full); the last, unfinished one
    // is judged by `final` when the stream ends.
    for (let i = 1; i < lines.length - 1; i++) {
      const line = lines[i];
      const cutBefore = (reason: StopReason) => trimEnd(text, { keep: offset - 1, reason });
      if (i >= lineLimit) return cutBefore('lines');
      if (/\S/.test(line)) {
        const w = indentWidth(line);
        if (w < base) return cutBefore('lines');
        if (w === base && seenDeeper && !CONTINUATION.test(line)) {
          // the block's closing line is kept, and ends the completion
          return CLOSER.test(line) ? { keep: offset + line.length, reason: 'lines' } : cutBefore('lines');
        }
        if (w > base) seenDeeper = true;
      }
      offset += line.length + 1;
    }
    if (lines.length - 1 >= lineLimit && lines.length > 1) return trimEnd(text, { keep: offset - 1, reason: 'lines' });
    return undefined;
  };

  return {
    check: decide,
    final: (text) => {
      const d = decide(`${text}\n`);
      return d && d.keep <= text.length ? d : undefined;
    },
    safeLength(text) {
      // The unfinished last line may still be cut (with the blank lines before it): only whole lines are shown.
      const lastNewline = text.lastIndexOf('\n');
      return lastNewline < 0 ? text.length : text.slice(0, lastNewline).replace(/\s+$/, '').length;
    },
  };
}

/** Drop trailing blank lines before the cut point. */
function trimEnd(text: string, cut: StopDecision): StopDecision {
  let keep = cut.keep;
  while (keep > 0 && /\s/.test(text[keep - 1])) keep--;
  return { keep, reason: cut.reason };
}

/** All rules together: the earliest cut wins, and only text that none of them can still cut is shown. */
export function combineRules(rules: readonly TextStopRule[]): TextStopRule {
  return {
    check(text) {
      let best: StopDecision | undefined;
      for (const r of rules) {
        const d = r.check(text);
        if (d && (!best || d.keep < best.keep)) best = d;
      }
      return best;
    },
    safeLength(text) {
      return Math.min(text.length, ...rules.map((r) => r.safeLength(text)));
    },
    final(text) {
      let best: StopDecision | undefined;
      for (const r of rules) {
        const d = r.final?.(text) ?? r.check(text);
        if (d && (!best || d.keep < best.keep)) best = d;
      }
      return best;
    },
  };
}

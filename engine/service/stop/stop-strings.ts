// Stop strings (the request's `stop`, a chat template's end marker): cut before the first occurrence, and never stream
// a tail that may be the start of one. The runtime's generation loop uses the same rule for its own `stop`.
import type { TextStopRule } from './rule';

/** Length of the longest suffix of `text` that is a proper prefix of some stop string (held back from streaming). */
export function pendingStopPrefix(text: string, stops: readonly string[]): number {
  let hold = 0;
  for (const s of stops) {
    for (let n = Math.min(s.length - 1, text.length); n > hold; n--) {
      if (text.endsWith(s.slice(0, n))) {
        hold = n;
        break;
      }
    }
  }
  return hold;
}

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
    safeLength: (text) => text.length - pendingStopPrefix(text, stops),
  };
}

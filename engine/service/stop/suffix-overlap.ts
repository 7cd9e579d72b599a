// A completion never repeats the code that already follows the cursor. Two cases matter in practice:
// - the suggestion ends with the start of the suffix (`foo(a, b)` typed before an existing `)`): the overlap of the
//   completion's end with the suffix's start is dropped;
// - the suggestion runs on into lines that the suffix already holds: from the first whole line equal to the suffix's
//   first non-blank line, the rest is dropped.
// Both are judged on the whole text when the stream ends; while it streams, a tail that may turn out to be such a
// repeat is held back.
import { cutBefore, type TextStopRule } from './rule';

export function suffixOverlapRule(suffix: string): TextStopRule {
  const suffixHead = suffix.split('\n')[0];
  const firstSuffixLine = suffix
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim();
  return {
    check: () => undefined,
    final(text) {
      const keep = trimSuffixOverlap(text, suffix).length;
      return keep < text.length ? { keep, reason: 'suffix' } : undefined;
    },
    safeLength(text) {
      let safe = text.length;
      for (let k = Math.min(suffixHead.length, text.length); k > 0; k--) {
        if (text.endsWith(suffixHead.slice(0, k))) {
          safe = text.length - k;
          break;
        }
      }
      if (firstSuffixLine === undefined) return safe;
      // from a line that is (or, unfinished, may become) the suffix's first line
      const lines = text.split('\n');
      let start = 0;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        const unfinished = i === lines.length - 1;
        if (line.trim() === firstSuffixLine || (unfinished && firstSuffixLine.startsWith(line.trimStart()))) {
          return Math.min(safe, cutBefore(text, start, 'suffix').keep); // the line breaks before it go with it
        }
        start += line.length + 1;
      }
      return safe;
    },
  };
}

/** `completion` without its tail that repeats `suffix` (a prefix of `completion`). */
export function trimSuffixOverlap(completion: string, suffix: string): string {
  if (!completion || !suffix) return completion;
  let out = completion;
  // Whole lines repeated: find the suffix's first non-blank line inside the completion, at a line start.
  const suffixLines = suffix.split('\n');
  const firstSuffixLine = suffixLines.find((l) => l.trim() !== '');
  if (firstSuffixLine !== undefined) {
    const lines = out.split('\n');
    const suffixIsOnCursorLine = !suffix.startsWith('\n') && suffixLines[0].trim() !== '';
    for (let i = suffixIsOnCursorLine ? 0 : 1; i < lines.length; i++) {
      if (lines[i].trim() !== '' && lines[i].trim() === firstSuffixLine.trim()) {
        // A closer that balances a bracket the suggestion itself opened is its own, not the suffix's.
        if (/^[)\]}]+;?,?$/.test(lines[i].trim()) && openBrackets(lines.slice(0, i).join('\n')) > 0) continue;
        // Only a repeat when the following lines agree as well (a lone `}` often legitimately appears twice).
        const restMatches = linesAgree(lines.slice(i + 1), suffixLines.slice(suffixLines.indexOf(firstSuffixLine) + 1));
        if (restMatches || i === lines.length - 1 || lines.slice(i + 1).every((l) => l.trim() === '')) {
          out =
            i === 0
              ? ''
              : lines
                  .slice(0, i)
                  .join('\n')
                  .replace(/(\n[ \t]*)+$/, '');
          break;
        }
      }
    }
  }
  // Character overlap on the cursor line: the completion's end equals the start of the suffix's first line.
  const suffixHead = suffixLines[0];
  for (let k = Math.min(suffixHead.length, out.length); k > 0; k--) {
    if (out.endsWith(suffixHead.slice(0, k))) {
      out = out.slice(0, out.length - k);
      break;
    }
  }
  return out;
}

function linesAgree(a: string[], b: string[]): boolean {
  const an = a.filter((l) => l.trim() !== '');
  const bn = b.filter((l) => l.trim() !== '');
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) if (an[i].trim() !== bn[i].trim()) return false;
  return true;
}

/** Opening minus closing brackets, ignoring quotes (good enough to tell whose closer a line is). */
function openBrackets(text: string): number {
  let n = 0;
  for (const ch of text) {
    if (ch === '(' || ch === '[' || ch === '{') n++;
    else if (ch === ')' || ch === ']' || ch === '}') n--;
  }
  return n;
}

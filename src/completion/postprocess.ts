// Shapes what the model proposes into what the editor shows: stop at the end of the current block, respect the line
// limit, and never repeat the code that already follows the cursor.

/** Width of the leading whitespace of `line`, a tab counting as `tabSize` columns. */
export function indentWidth(line: string, tabSize = 4): number {
  let w = 0;
  for (const ch of line) {
    if (ch === ' ') w += 1;
    else if (ch === '\t') w += tabSize - (w % tabSize);
    else break;
  }
  return w;
}

/**
 * Cuts a multi-line suggestion where the block the cursor is in ends. `base` is the indentation of the cursor line.
 * - A suggestion that opens a block (the cursor line plus its first line ends in `{`, `(`, `[` or `:`) runs until the
 *   first later line indented no deeper than `base`; a closer there (`}`, `)`, `]`, `end`) is kept, anything else is not.
 * - Otherwise it runs until the first later line indented less than `base` (the enclosing block's end).
 * Blank lines never decide, and blank lines left at the end are dropped.
 */
export function stopAtBlockEnd(completion: string, prefix: string, tabSize = 4): string {
  const lines = completion.split('\n');
  if (lines.length <= 1) return completion;
  const cursorLine = prefix.slice(prefix.lastIndexOf('\n') + 1);
  // On a line with nothing but indentation so far, the suggestion's own first line sets the block's indentation.
  const base = indentWidth(cursorLine.trim() === '' ? cursorLine + lines[0] : cursorLine, tabSize);
  const opensBlock = /[{([:]\s*$/.test(cursorLine + lines[0]);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const w = indentWidth(line, tabSize);
    if (opensBlock && w <= base) {
      const isCloser = w === base && /^\s*([})\]]|end\b)/.test(line);
      return trimTrailingBlankLines(lines.slice(0, isCloser ? i + 1 : i).join('\n'));
    }
    if (!opensBlock && w < base) return trimTrailingBlankLines(lines.slice(0, i).join('\n'));
  }
  return completion;
}

function trimTrailingBlankLines(s: string): string {
  return s.replace(/(\n[ \t]*)+$/, '');
}

/** Keeps at most `maxLines` lines. */
export function limitLines(completion: string, maxLines: number): string {
  if (maxLines <= 0) return completion;
  const lines = completion.split('\n');
  return lines.length <= maxLines ? completion : trimTrailingBlankLines(lines.slice(0, maxLines).join('\n'));
}

/**
 * Removes the tail of `completion` that repeats what follows the cursor. Two cases matter in practice:
 * - the suggestion ends with the start of the suffix (`foo(a, b)` typed before an existing `)`): the overlap of the
 *   completion's end with the suffix's start is dropped;
 * - the suggestion runs on into lines that the suffix already holds: from the first whole line equal to the suffix's
 *   first non-blank line, the rest is dropped.
 */
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
          out = trimTrailingBlankLines(lines.slice(0, i).join('\n'));
          if (i === 0) out = '';
          break;
        }
      }
    }
  }
  // Character overlap on the cursor line: the completion's end equals the start of the suffix's first line.
  const suffixHead = suffix.split('\n')[0];
  if (suffixHead.length > 0) {
    for (let k = Math.min(suffixHead.length, out.length); k > 0; k--) {
      if (out.endsWith(suffixHead.slice(0, k))) {
        out = out.slice(0, out.length - k);
        break;
      }
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

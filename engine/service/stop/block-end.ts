// The end of the block the cursor is in: a completion stops at a line indented less than the cursor's line, or, after
// a deeper body, at a new statement on the cursor's own level (a closing bracket there is kept as the block's last
// line). Indentation is measured in columns with the editor's tab size.
import type { StopReason } from '../../protocol';
import { cutBefore, wholeLinesLength, type StopDecision, type TextStopRule } from './rule';

/** Width of the leading whitespace of `line`, a tab advancing to the next multiple of `tabSize` columns. */
export function indentWidth(line: string, tabSize = 4): number {
  let w = 0;
  for (const ch of line) {
    if (ch === ' ') w += 1;
    else if (ch === '\t') w += tabSize - (w % tabSize);
    else break;
  }
  return w;
}

/** Lines that close the block at its own indentation (kept, then the completion ends). */
const CLOSER = /^\s*(\}|\)|\]|end\b|fi\b|done\b|esac\b|\\end\{)/;
/** Lines that continue the statement at its own indentation (`} else {`, `elif`, `except`, …). */
const CONTINUATION =
  /^\s*(\}\s*(else|catch|finally|while)\b|else\b|elif\b|elsif\b|except\b|finally\b|catch\b|case\b|default\b)/;

export interface BlockEndOptions {
  /** the text before the cursor (its last line decides the block's indentation) */
  prefix: string;
  /** columns a tab counts for (the editor's setting; default 4) */
  tabSize?: number;
}

export function blockEndRule({ prefix, tabSize = 4 }: BlockEndOptions): TextStopRule {
  const cursorLine = prefix.slice(prefix.lastIndexOf('\n') + 1);
  const width = (line: string) => indentWidth(line, tabSize > 0 ? tabSize : 4);

  const reason: StopReason = 'block';
  const decide = (text: string): StopDecision | undefined => {
    const lines = text.split('\n');
    // Indentation of the cursor's line: known from the prefix unless the cursor sits in leading whitespace.
    const firstLine = cursorLine + lines[0];
    const base = width(/\S/.test(firstLine) ? firstLine : cursorLine);
    let offset = lines[0].length + 1;
    let seenDeeper = false;
    // Lines are judged once complete (`} else {` and `else:` only read as such in full); the last, unfinished one
    // is judged by `final` when the stream ends.
    for (let i = 1; i < lines.length - 1; i++) {
      const line = lines[i];
      if (/\S/.test(line)) {
        const w = width(line);
        if (w < base) return cutBefore(text, offset - 1, reason);
        if (w === base && seenDeeper && !CONTINUATION.test(line)) {
          // the block's closing line is kept, and ends the completion
          return CLOSER.test(line) ? { keep: offset + line.length, reason } : cutBefore(text, offset - 1, reason);
        }
        if (w > base) seenDeeper = true;
      }
      offset += line.length + 1;
    }
    return undefined;
  };

  return {
    check: decide,
    final: (text) => {
      const d = decide(`${text}\n`);
      return d && d.keep <= text.length ? d : undefined;
    },
    // the unfinished last line may still be cut (with the blank lines before it): only whole lines are shown
    safeLength: wholeLinesLength,
  };
}

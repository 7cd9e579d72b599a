// Offsets in a JS string are UTF-16 code units, which is what VS Code's columns count; this maps them to 0-based
// (line, character) positions, shifted by where the checked text sits in its document.
import type { SourcePosition, SourceRange } from '../protocol';

export class SourceMap {
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly text: string,
    private readonly origin: SourcePosition = { line: 0, character: 0 },
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  position(offset: number): SourcePosition {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const character = offset - this.lineStarts[lo]!;
    return lo === 0
      ? { line: this.origin.line, character: this.origin.character + character }
      : { line: this.origin.line + lo, character };
  }

  range(start: number, end: number): SourceRange {
    return { start: this.position(start), end: this.position(end) };
  }

  offsetOf(line: number, character: number): number {
    return (this.lineStarts[line] ?? this.text.length) + character;
  }
}

/** Converts a byte offset into a UTF-8 encoded line to a UTF-16 column (provers report bytes). */
export function byteOffsetToUtf16(line: string, byteOffset: number): number {
  let bytes = 0;
  let col = 0;
  for (const ch of line) {
    if (bytes >= byteOffset) break;
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    col += ch.length;
  }
  return col;
}

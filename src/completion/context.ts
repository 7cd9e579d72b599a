// Context chunks: a few short excerpts of other files the user has open or edited recently, sent with a completion
// so the model sees the names and types defined elsewhere.
import type { ContextChunk } from '../../engine/protocol';

export interface CandidateFile {
  filePath: string;
  /** the absolute path on disk, for the git-ignore check; undefined for a document not saved as a local file */
  diskPath?: string;
  languageId: string;
  text: string;
  /** where the user last edited, as a UTF-16 offset (undefined: never edited in this session) */
  lastEditOffset?: number;
  /** milliseconds timestamp of the last edit or focus; larger = more recent */
  lastUsed: number;
}

export interface ChunkLimits {
  maxChunks: number;
  maxCharsPerChunk: number;
}

/**
 * Picks up to `maxChunks` files other than the current one: same language first, then most recently used. From each it
 * takes the lines around the last edit (or the head of the file), whole lines, at most `maxCharsPerChunk` characters.
 */
export function selectContextChunks(
  candidates: CandidateFile[],
  currentPath: string,
  currentLanguageId: string,
  limits: ChunkLimits,
): ContextChunk[] {
  if (limits.maxChunks <= 0) return [];
  return candidates
    .filter((c) => c.filePath !== currentPath && c.text.trim() !== '')
    .sort((a, b) => {
      const lang = Number(b.languageId === currentLanguageId) - Number(a.languageId === currentLanguageId);
      return lang !== 0 ? lang : b.lastUsed - a.lastUsed;
    })
    .slice(0, limits.maxChunks)
    .map((c) => ({ filePath: c.filePath, text: excerpt(c.text, c.lastEditOffset ?? 0, limits.maxCharsPerChunk) }));
}

/** Whole lines around `offset`, centred on it, at most `maxChars` characters. */
export function excerpt(text: string, offset: number, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let start = Math.max(0, Math.min(offset - Math.floor(maxChars / 2), text.length - maxChars));
  let end = start + maxChars;
  if (start > 0) {
    const nl = text.indexOf('\n', start);
    if (nl >= 0 && nl < end) start = nl + 1;
  }
  if (end < text.length) {
    const nl = text.lastIndexOf('\n', end);
    if (nl > start) end = nl + 1;
  }
  return text.slice(start, end);
}

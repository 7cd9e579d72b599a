// Remembers suggestions so that going back, re-triggering, or typing what the suggestion starts with ("type-ahead")
// never costs a new engine request.
import { afterTyping } from './postprocess';

export interface CachedSuggestion {
  /** the suggestion as it would be shown at `prefix` */
  text: string;
}

interface Entry {
  prefix: string;
  suffix: string;
  text: string;
}

export type CacheLookup = { text: string; kind: 'exact' | 'type-ahead' } | undefined;

/**
 * Keyed by the document around the cursor. A lookup hits exactly when prefix and suffix match a stored request, and
 * hits "type-ahead" when the new prefix is a stored prefix plus characters that the stored suggestion starts with
 * (the suffix unchanged): the rest of the suggestion is served.
 */
export class CompletionCache {
  private readonly entries: Entry[] = [];

  constructor(private readonly capacity = 64) {}

  get size(): number {
    return this.entries.length;
  }

  put(prefix: string, suffix: string, text: string): void {
    const i = this.entries.findIndex((e) => e.prefix === prefix && e.suffix === suffix);
    if (i >= 0) this.entries.splice(i, 1);
    this.entries.push({ prefix, suffix, text });
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  get(prefix: string, suffix: string): CacheLookup {
    // Newest first: the most recent suggestion is what the user is looking at.
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (e.suffix !== suffix) continue;
      if (e.prefix === prefix) {
        this.touch(i);
        return { text: e.text, kind: 'exact' };
      }
      if (prefix.length > e.prefix.length && prefix.startsWith(e.prefix)) {
        const rest = afterTyping(e.text, prefix.slice(e.prefix.length));
        if (rest !== undefined) {
          this.touch(i);
          return { text: rest, kind: 'type-ahead' };
        }
      }
    }
    return undefined;
  }

  clear(): void {
    this.entries.length = 0;
  }

  private touch(i: number): void {
    const [e] = this.entries.splice(i, 1);
    this.entries.push(e);
  }
}

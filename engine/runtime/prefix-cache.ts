// Prefix cache: latent caches of recent requests, kept after they finish. A new request takes the one sharing the
// longest token prefix with its prompt, truncates it there and prefills only the rest (the inline-completion pattern:
// same file, one more character typed). At least the last prompt token is always run, for its logits.
// Entries are keyed by the routing they were computed under: a latent entry of layer l depends on the experts chosen
// in the layers before it, so a prefix computed with one selection bias is never reused under another.
import type { LatentCache } from '../model/latent-cache';

function commonPrefix(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export class PrefixCache {
  /** most recently used first */
  private entries: { cache: LatentCache; routing: string }[] = [];

  constructor(
    private readonly create: () => LatentCache,
    private readonly maxEntries = 4,
  ) {}

  /**
   * A cache holding the longest available prefix of `prompt` (possibly empty) computed under the same `routing` key,
   * for exclusive use until `release`.
   */
  acquire(prompt: number[], routing = ''): { cache: LatentCache; reused: number } {
    let best = -1;
    let bestLen = 0;
    this.entries.forEach((e, i) => {
      if (e.routing !== routing) return;
      const n = Math.min(commonPrefix(e.cache.tokens, prompt), prompt.length - 1);
      if (n > bestLen) {
        best = i;
        bestLen = n;
      }
    });
    if (best < 0) return { cache: this.create(), reused: 0 };
    const [{ cache }] = this.entries.splice(best, 1);
    cache.truncate(bestLen);
    return { cache, reused: bestLen };
  }

  release(cache: LatentCache, routing = ''): void {
    this.entries.unshift({ cache, routing });
    this.entries.length = Math.min(this.entries.length, this.maxEntries);
  }

  clear(): void {
    this.entries = [];
  }
}

// What the user reads about the engine's graph cache (cache/info, cache/clear): its size where a model is chosen, the
// question before a clear, and what the clear did. Free of the VS Code API, so the texts are unit-tested in plain Node.
import { formatBytes } from '../../engine/byte-size';
import type { CacheClearResult, GraphCacheEntry, GraphCacheInfo } from '../../engine/protocol';

/** `deepseek-coder-v2-lite (int8)`: the checkpoint folder's name and the precision its graphs were built at. */
export function entryLabel(e: GraphCacheEntry): string {
  const name = e.checkpoint.split(/[\\/]/).filter(Boolean).pop() ?? e.name;
  return e.precision ? `${name} (${e.precision})` : name;
}

function models(n: number): string {
  return n === 1 ? '1 model' : `${n} models`;
}

function sum(entries: GraphCacheEntry[]): number {
  return entries.reduce((n, e) => n + e.bytes, 0);
}

/** `11.2 GiB in 3 models, limit 32.0 GiB` (or `empty, limit 32.0 GiB`). */
export function cacheSummary(info: GraphCacheInfo): string {
  const limit = `limit ${formatBytes(info.limitBytes)}`;
  if (info.entries.length === 0) return `empty, ${limit}`;
  return `${formatBytes(info.totalBytes)} in ${models(info.entries.length)}, ${limit}`;
}

/** The modal's question before a clear, or the reason there is nothing to clear. */
export type ClearQuestion = { nothing: string } | { message: string; detail: string; freeBytes: number };

export function clearQuestion(info: GraphCacheInfo): ClearQuestion {
  const free = info.entries.filter((e) => e.inUseBy.length === 0);
  const held = info.entries.filter((e) => e.inUseBy.length > 0);
  const heldText = held.length
    ? `${formatBytes(sum(held))} in use by a running engine is kept: ${held.map(entryLabel).join(', ')}.`
    : '';
  if (free.length === 0) {
    return {
      nothing: info.entries.length === 0 ? `The model cache (${info.root}) is empty.` : `Nothing to clear: ${heldText}`,
    };
  }
  const freeBytes = sum(free);
  return {
    freeBytes,
    message: `Clear the model cache? This frees ${formatBytes(freeBytes)} (${models(free.length)}).`,
    detail: [
      `Removed from ${info.root}: ${free.map((e) => `${entryLabel(e)}, ${formatBytes(e.bytes)}`).join('; ')}.`,
      heldText,
      'Each is built again on its next load, which takes minutes for a large model.',
    ]
      .filter(Boolean)
      .join('\n\n'),
  };
}

/** What a clear did: freed bytes, and each entry it kept with the reason. `warn`: something could not be removed. */
export function clearReport(r: CacheClearResult): { text: string; warn: boolean } {
  const parts = [`freed ${formatBytes(r.freedBytes)} (${models(r.removed.length)} removed)`];
  for (const k of r.kept) {
    const why =
      k.reason === 'in-use'
        ? `in use by engine pid ${k.entry.inUseBy.join(', ')}`
        : `could not be removed: ${k.message}`;
    parts.push(`kept ${entryLabel(k.entry)} (${formatBytes(k.entry.bytes)}): ${why}`);
  }
  return { text: `Model cache: ${parts.join('; ')}.`, warn: r.kept.some((k) => k.reason === 'failed') };
}

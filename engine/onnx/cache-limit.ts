// How big the graph cache may grow: the default and the bounds a value is clamped to, shared by the extension's
// `switchyard.engine.graphCacheLimit` setting and the CLI's `--cache-limit` (both parse sizes with ../byte-size.ts).
// Free of Node and VS Code APIs, so both sides import it.

/**
 * 32 GiB by default: a 16B model's graphs (about 11 GB at int8) plus a float32 default model and one more precision
 * fit, so switching between a few models never rebuilds; yet a cache nobody manages cannot fill a laptop's disk. A
 * fixed number rather than a share of free space: two engines sharing the cache, or one on a disk that fills for
 * other reasons, would otherwise disagree on the limit from one load to the next and evict each other's models.
 */
export const DEFAULT_GRAPH_CACHE_LIMIT = 32 * 2 ** 30;

/** 0 keeps only the model just loaded; the top (1 PiB) keeps every number exact in a double. */
export const GRAPH_CACHE_LIMIT_BOUNDS = {
  min: 0,
  max: 2 ** 50,
  fallback: DEFAULT_GRAPH_CACHE_LIMIT,
  integer: true,
} as const;

/** `value` inside the cache limit's bounds. */
export function clampCacheLimit(bytes: number): number {
  const { min, max } = GRAPH_CACHE_LIMIT_BOUNDS;
  return Math.min(max, Math.max(min, Math.round(bytes)));
}

// How big the graph cache may grow: one parser for `20GB`, `512MiB` or a plain byte count, shared by the extension's
// `switchyard.engine.graphCacheLimit` setting and the CLI's `--cache-limit`, and the bounds a value is clamped to.
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

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  pb: 1e15,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
  // `20G` / `512M` as `du -h` and `df -h` print them: binary
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
  p: 2 ** 50,
};

/**
 * A byte count from a number or a string such as `20GB` (decimal), `512MiB` or `20G` (binary), `1.5 TB`, `4096`.
 * Throws an Error naming `what` and the accepted forms for anything else (negative, NaN, an unknown unit).
 */
export function parseByteSize(value: unknown, what: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
    throw new Error(`${what} must be a byte count of 0 or more, got ${value}`);
  }
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(value) : null;
  const unit = m ? UNITS[m[2].toLowerCase() || 'b'] : undefined;
  if (!m || unit === undefined) {
    throw new Error(`${what} must be a byte count or a size such as 20GB, 512MiB or 20G, got ${JSON.stringify(value)}`);
  }
  return Math.round(Number(m[1]) * unit);
}

/** `value` inside the cache limit's bounds. */
export function clampCacheLimit(bytes: number): number {
  const { min, max } = GRAPH_CACHE_LIMIT_BOUNDS;
  return Math.min(max, Math.max(min, Math.round(bytes)));
}

/** Bytes for people, in the binary units the limit is usually written in: `11.2 GiB`, `512 MiB`, `0 B`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

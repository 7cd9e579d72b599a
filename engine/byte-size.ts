// Sizes as people write and read them, for every size setting and flag (the graph cache limit, the memory budget):
// `20GB` (decimal), `512MiB` or `20G` (binary, as `du -h` prints), `1.5 TB`, or a plain byte count. One parser and one
// printer; free of Node and VS Code APIs, so the extension and the engine import the same rules.

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

// The graph cache as a whole: what it holds (entries with their size, last use and leases), trimming it to a limit
// least recently used first, and clearing it. Only folders the cache itself made are touched (a complete build's
// `NAME-KEY` with its manifest, a half-built `NAME-KEY.tmp-PID`, one being removed `NAME-KEY.evict-PID`): the root may
// be a folder the user chose and shares with other files.
import { readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheClearResult, CacheKept, GraphCacheEntry, GraphCacheInfo, WeightPrecision } from '../protocol';
import { isLeaseFile, LAST_USED_FILE, liveLeases, pidAlive } from './cache-lease';

const ENTRY = /-[0-9a-f]{16}$/;
const PARTIAL = /-[0-9a-f]{16}\.(tmp|evict)-(\d+)$/;

/** Bytes of the files under a folder, leases left out (0 when it is gone). */
function folderBytes(dir: string): number {
  let n = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (isLeaseFile(name)) continue;
    try {
      const st = statSync(join(dir, name));
      n += st.isDirectory() ? folderBytes(join(dir, name)) : st.size;
    } catch {
      // removed while we looked
    }
  }
  return n;
}

function readEntry(root: string, name: string): GraphCacheEntry | undefined {
  const dir = join(root, name);
  let manifest: { checkpoint?: string; precision?: WeightPrecision };
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as typeof manifest;
  } catch {
    return undefined; // not a complete build (or not ours)
  }
  let lastUsed: number;
  try {
    lastUsed = statSync(join(dir, LAST_USED_FILE)).mtimeMs;
  } catch {
    lastUsed = statSync(join(dir, 'manifest.json')).mtimeMs;
  }
  return {
    name,
    checkpoint: manifest.checkpoint ?? '',
    precision: manifest.precision,
    bytes: folderBytes(dir),
    lastUsed: new Date(lastUsed).toISOString(),
    inUseBy: liveLeases(dir),
  };
}

function names(root: string): string[] {
  try {
    return readdirSync(root);
  } catch {
    return [];
  }
}

/** The complete entries, most recently used first. */
export function listCache(root: string): GraphCacheEntry[] {
  const entries = names(root)
    .filter((n) => ENTRY.test(n))
    .map((n) => readEntry(root, n))
    .filter((e): e is GraphCacheEntry => e !== undefined);
  return entries.sort((a, b) => b.lastUsed.localeCompare(a.lastUsed) || a.name.localeCompare(b.name));
}

export function cacheInfo(root: string, limitBytes: number): GraphCacheInfo {
  const entries = listCache(root);
  return { root, totalBytes: entries.reduce((n, e) => n + e.bytes, 0), limitBytes, entries };
}

/** Removes half-built folders whose builder died (a crash or a kill mid-build); returns the bytes freed. */
export function removeStalePartials(root: string): number {
  let freed = 0;
  for (const name of names(root)) {
    const m = PARTIAL.exec(name);
    if (!m || pidAlive(Number(m[2]))) continue;
    const dir = join(root, name);
    const bytes = folderBytes(dir);
    try {
      rmSync(dir, { recursive: true, force: true });
      freed += bytes;
    } catch {
      // another engine removes it at the same time, or it is not ours to remove: leave it
    }
  }
  return freed;
}

/**
 * Removes one entry unless a live engine holds it. The folder is first renamed away (atomic), then its leases are
 * read again: an engine that took a lease in the meantime gets its folder back.
 */
function removeEntry(root: string, entry: GraphCacheEntry): CacheKept | undefined {
  if (entry.inUseBy.length > 0) return { entry, reason: 'in-use' };
  const dir = join(root, entry.name);
  const away = `${dir}.evict-${process.pid}`;
  try {
    renameSync(dir, away);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // another engine removed it first
    return { entry, reason: 'failed', message: (e as Error).message };
  }
  const late = liveLeases(away);
  if (late.length > 0) {
    try {
      renameSync(away, dir);
      return { entry: { ...entry, inUseBy: late }, reason: 'in-use' };
    } catch {
      // the engine that took the lease found the folder gone and built it again: this copy is nobody's
    }
  }
  try {
    rmSync(away, { recursive: true, force: true });
  } catch (e) {
    return { entry, reason: 'failed', message: (e as Error).message };
  }
  return undefined;
}

/** Removes every entry no live engine has loaded, and half-built folders of dead builders. */
export function clearCache(root: string): CacheClearResult {
  const result: CacheClearResult = { root, removed: [], kept: [], freedBytes: removeStalePartials(root) };
  for (const entry of listCache(root)) {
    const kept = removeEntry(root, entry);
    if (kept) result.kept.push(kept);
    else {
      result.removed.push(entry);
      result.freedBytes += entry.bytes;
    }
  }
  return result;
}

export interface Trimmed {
  removed: GraphCacheEntry[];
  /** bytes the cache holds afterwards */
  totalBytes: number;
  /** entries that keep the cache over the limit: in use, or the one `keep` names */
  overBy: GraphCacheEntry[];
}

/**
 * Trims the cache to `limitBytes`, least recently used first, never removing `keep` (the folder just loaded) nor one a
 * live engine holds. Half-built folders of dead builders go first.
 */
export function trimCache(root: string, limitBytes: number, keep: string): Trimmed {
  removeStalePartials(root);
  const entries = listCache(root);
  let total = entries.reduce((n, e) => n + e.bytes, 0);
  const removed: GraphCacheEntry[] = [];
  for (const entry of [...entries].reverse()) {
    if (total <= limitBytes) break;
    if (join(root, entry.name) === keep) continue;
    if (!removeEntry(root, entry)) {
      removed.push(entry);
      total -= entry.bytes;
    }
  }
  const overBy = total > limitBytes ? entries.filter((e) => !removed.includes(e)) : [];
  return { removed, totalBytes: total, overBy };
}

// Builds a checkpoint's graphs once and keeps them on disk, keyed by the checkpoint's content and the build options,
// so the second load only maps the files. A manifest written last marks a complete build. The cache holds the
// weights, so it is private to the user (folders 0700, files 0600); its key is the content (not name, size and mtime,
// which a swapped file can keep) so graphs are never reused for other weights.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';
import { type CacheLease, holdLease, writeLease } from './cache-lease';
import { formatBytes } from '../byte-size';
import { DEFAULT_GRAPH_CACHE_LIMIT } from './cache-limit';
import { trimCache } from './cache-store';

export type { CacheLease };

export function defaultCacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'switchyard', 'graphs');
}

/** Checkpoints up to this size are hashed whole (about 50 ms for the 24 MB default model); larger ones are sampled. */
export const WHOLE_HASH_BYTES = 1 << 30;
const SAMPLES = 64;
const SAMPLE_BYTES = 1 << 20;

/** Hashes a file's bytes: all of them, or its safetensors header plus evenly spaced 1 MiB samples and its tail. */
function hashContent(h: ReturnType<typeof createHash>, file: string, whole: boolean): void {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    h.update(`${basename(file)} ${size}\n`);
    const buf = Buffer.allocUnsafe(SAMPLE_BYTES);
    const hashRange = (start: number, length: number) => {
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, 0, Math.min(SAMPLE_BYTES, length - done), start + done);
        if (n <= 0) break;
        h.update(buf.subarray(0, n));
        done += n;
      }
    };
    if (whole || size <= SAMPLES * SAMPLE_BYTES) {
      hashRange(0, size);
      return;
    }
    // the header names every tensor, shape and offset (the checkpoint reader has already checked its length)
    const len = Buffer.alloc(8);
    readSync(fd, len, 0, 8, 0);
    // (a GGUF file has no such length: its header is in the first 100 MB, the most a safetensors header may take)
    hashRange(0, Math.min(size, 8 + Number(len.readBigUInt64LE(0)), 8 + 100_000_000));
    for (let i = 0; i < SAMPLES; i++) hashRange(Math.floor(((size - SAMPLE_BYTES) * i) / (SAMPLES - 1)), SAMPLE_BYTES);
  } finally {
    closeSync(fd);
  }
}

function cacheKey(ckptDir: string, files: string[], buildOptions: string): string {
  const h = createHash('sha256');
  h.update(buildOptions);
  // a folder's hyperparameters; a GGUF file (ckptDir is then the file) carries them in the bytes hashed below
  const config = join(ckptDir, 'config.json');
  if (existsSync(config)) h.update(readFileSync(config));
  const whole = files.reduce((n, f) => n + statSync(f).size, 0) <= WHOLE_HASH_BYTES;
  for (const f of files) hashContent(h, f, whole);
  return h.digest('hex').slice(0, 16);
}

/** Creates (or narrows) a cache folder so only this user can read it. */
function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** What to cache for one checkpoint: a name for its folder, the options it is built with (part of the key), and the build. */
export interface CachedBuild {
  /** the checkpoint whose config and weights key the cache */
  checkpoint: { dir: string; files: string[] };
  /** readable prefix of the folder name, e.g. the checkpoint folder's name and the precision */
  name: string;
  /** every option that changes what is built (a format version first), one per line */
  buildOptions: string;
  /** writes the files into `tmp` (a private folder that exists); the manifest is written after it returns */
  build(tmp: string): Promise<void>;
  /** extra fields for the manifest (it always records the checkpoint and when it was built) */
  manifest?: Record<string, unknown>;
}

/** How the cache is kept in bounds after a load. */
export interface CachePolicy {
  /** trim the cache to this many bytes, least recently used first (default DEFAULT_GRAPH_CACHE_LIMIT) */
  limitBytes?: number;
  /** warnings (a model bigger than the limit) and what was evicted; default stderr */
  log?: (line: string) => void;
}

/**
 * Returns a lease on the cache folder for a build, building it first when the cache has none, then trims the cache
 * to its limit. The build goes into a temporary folder that is renamed when complete, so a crash mid-build never
 * leaves a half cache that looks complete. The caller releases the lease when it no longer uses the files.
 */
export async function ensureCached(
  job: CachedBuild,
  cacheRoot: string = defaultCacheRoot(),
  policy: CachePolicy = {},
): Promise<CacheLease> {
  const key = cacheKey(job.checkpoint.dir, job.checkpoint.files, job.buildOptions);
  try {
    // a root that exists is left as it is (it may be a shared folder the user chose); each build folder is private
    mkdirSync(cacheRoot, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new EngineError(
      `cannot build the graphs in ${cacheRoot}: ${(e as Error).message}`,
      EngineErrorCodes.BadInput,
    );
  }
  const dir = join(cacheRoot, `${job.name}-${key}`);
  const lease = reuse(dir) ?? (await build(job, dir, cacheRoot));
  trim(cacheRoot, dir, policy);
  return lease;
}

/** A lease on a complete folder, or undefined when there is none (or another engine evicted it as we took it). */
function reuse(dir: string): CacheLease | undefined {
  if (!existsSync(join(dir, 'manifest.json'))) return undefined;
  let lease: CacheLease;
  try {
    lease = holdLease(dir);
  } catch {
    return undefined;
  }
  if (existsSync(join(dir, 'manifest.json'))) return lease;
  lease.release();
  return undefined;
}

async function build(job: CachedBuild, dir: string, cacheRoot: string): Promise<CacheLease> {
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    rmSync(tmp, { recursive: true, force: true });
    privateDir(tmp);
    await job.build(tmp);
    const manifest = { ...job.manifest, checkpoint: job.checkpoint.dir, builtAt: new Date().toISOString() };
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest), { mode: 0o600 });
    // held from the moment the folder appears under its name, so no other engine evicts it before we open it
    writeLease(tmp);
    // another process may have finished the same build meanwhile: keep theirs (it may be in use)
    if (existsSync(join(dir, 'manifest.json'))) rmSync(tmp, { recursive: true, force: true });
    else {
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
    }
    return holdLease(dir);
  } catch (e) {
    try {
      rmSync(tmp, { recursive: true, force: true });
    } catch {
      // the folder could not even be created
    }
    if (e instanceof EngineError) throw e;
    throw new EngineError(
      `cannot build the graphs in ${cacheRoot}: ${(e as Error).message}`,
      EngineErrorCodes.BadInput,
    );
  }
}

/** Trims the cache after a load; a full disk or a folder that cannot be removed never fails the load itself. */
function trim(cacheRoot: string, dir: string, policy: CachePolicy): void {
  const log = policy.log ?? ((line: string) => process.stderr.write(`switchyard engine: ${line}\n`));
  const limit = policy.limitBytes ?? DEFAULT_GRAPH_CACHE_LIMIT;
  try {
    const { removed, totalBytes, overBy } = trimCache(cacheRoot, limit, dir);
    for (const e of removed)
      log(
        `graph cache: removed ${e.name} (${formatBytes(e.bytes)}, last used ${e.lastUsed}) to stay under ${formatBytes(limit)}`,
      );
    if (overBy.length === 0) return;
    const self = overBy.find((e) => join(cacheRoot, e.name) === dir);
    if (self && self.bytes > limit) {
      log(
        `warning: graph cache: ${self.name} alone takes ${formatBytes(self.bytes)}, more than the cache limit of ${formatBytes(limit)}; ` +
          'kept, since the model runs from these files. Raise switchyard.engine.graphCacheLimit (--cache-limit), or load it at a lower precision',
      );
    } else {
      const held = overBy.filter((e) => e.inUseBy.length > 0).map((e) => `${e.name} (pid ${e.inUseBy.join(', ')})`);
      log(
        `graph cache: ${formatBytes(totalBytes)} stays over the limit of ${formatBytes(limit)}: in use by live engines: ${held.join('; ') || 'none'}`,
      );
    }
  } catch (e) {
    log(`warning: graph cache: could not trim ${cacheRoot}: ${(e as Error).message}`);
  }
}

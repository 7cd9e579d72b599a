// `cache [--clear] [--cache-dir DIR] [--cache-limit 32GiB] [--json]`: what the graph cache holds (each model's graphs at a precision, their
// size, last use and the engines that have them loaded), or `--clear` to remove every entry no live engine holds.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatBytes } from '../byte-size';
import { DEFAULT_GRAPH_CACHE_LIMIT } from '../onnx/cache-limit';
import { cacheInfo, clearCache } from '../onnx/cache-store';
import { defaultCacheRoot } from '../onnx/graph-cache';
import type { GraphCacheEntry } from '../protocol';
import { cacheLimit } from './model-options';

function row(e: GraphCacheEntry): string {
  const held = e.inUseBy.length ? `  in use by pid ${e.inUseBy.join(', ')}` : '';
  return `  ${formatBytes(e.bytes).padStart(9)}  ${e.lastUsed.slice(0, 16).replace('T', ' ')}  ${e.precision ?? '?'}  ${e.checkpoint}${held}`;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clear: { type: 'boolean' },
      'cache-dir': { type: 'string' },
      'cache-limit': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const root = resolve(values['cache-dir'] ?? defaultCacheRoot());
  if (values.clear) {
    const r = clearCache(root);
    if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      process.stdout.write(`${root}: freed ${formatBytes(r.freedBytes)}, ${r.removed.length} removed\n`);
      for (const k of r.kept) {
        process.stdout.write(`kept${row(k.entry)}${k.reason === 'failed' ? `  (${k.message})` : ''}\n`);
      }
    }
    return r.kept.some((k) => k.reason === 'failed') ? 1 : 0;
  }
  const info = cacheInfo(root, cacheLimit(values['cache-limit']) ?? DEFAULT_GRAPH_CACHE_LIMIT);
  if (values.json) process.stdout.write(`${JSON.stringify(info)}\n`);
  else {
    const limit = formatBytes(info.limitBytes);
    process.stdout.write(
      `${root}: ${formatBytes(info.totalBytes)} in ${info.entries.length} entries (limit ${limit})\n`,
    );
    for (const e of info.entries) process.stdout.write(`${row(e)}\n`);
  }
  return 0;
}

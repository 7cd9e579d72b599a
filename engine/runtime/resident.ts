// Resident memory of memory-mapped files, read from the OS (/proc/self/smaps): how much of the routed-expert weights
// has actually been paged in. Node cannot call mincore(); smaps gives the same answer for our own mappings.
import { existsSync, readFileSync } from 'node:fs';

/** Sum of the Rss of every mapping of the given files, in bytes (0 where /proc is unavailable). */
export function residentBytesOfFiles(paths: string[]): number {
  if (paths.length === 0 || !existsSync('/proc/self/smaps')) return 0;
  const wanted = new Set(paths);
  let total = 0;
  let inWanted = false;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    // mapping header: "start-end perms offset dev inode   path"
    const header = /^[0-9a-f]+-[0-9a-f]+\s+\S+\s+\S+\s+\S+\s+\d+\s*(.*)$/.exec(line);
    if (header) {
      inWanted = wanted.has(header[1].trim());
      continue;
    }
    if (inWanted && line.startsWith('Rss:')) total += Number(/(\d+)/.exec(line)?.[1] ?? 0) * 1024;
  }
  return total;
}

/** Resident set size of this process now, in bytes, from the OS (libuv reads /proc/self/stat). */
export const processRssBytes = (): number => process.memoryUsage.rss();

/** Peak resident set size of this process so far, in bytes. */
export function peakRssBytes(): number {
  if (existsSync('/proc/self/status')) {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  }
  return process.memoryUsage().rss;
}

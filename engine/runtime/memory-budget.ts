// The memory budget of a loaded model: how many bytes its weights may keep resident. The dense part (embedding,
// attention, dense MLPs, shared experts, head) runs on every token, so it is always resident; the rest of the budget
// is for routed-expert groups (./expert-pool.ts), which are opened when selected and closed least recently used first.
import { freemem } from 'node:os';
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';
import { formatBytes } from '../byte-size';

/**
 * Share of the memory available when the model loads that it may take by default: most of what is free, as the model
 * is why the engine runs, but a quarter stays for the editor, its language servers and the page cache that keeps the
 * closed experts' files quick to reopen. (os.freemem() is MemAvailable on Linux: free plus reclaimable cache.)
 */
export const DEFAULT_BUDGET_SHARE = 0.75;

/**
 * The environment an engine process starts with so that the budget holds: with MALLOC_MMAP_THRESHOLD_ set, glibc
 * gives every large block back to the OS when it is freed, so a closed expert group's prepacked weights leave RSS, and
 * the pool's RSS-measured group sizes are true. Without it, glibc keeps freed blocks for reuse: measured
 * (bench:skew, half the experts' bytes as budget), peak RSS went 0.6-0.7 GB over the budget on the 4-layer shape and
 * 2.3-4.4 GB on the full-depth one, against 0.21 GB with it; 128 KiB and 1 MiB measured the same. glibc reads it at
 * process start, so whoever spawns the engine sets it (src/engine/process.ts, the benchmarks); a user's own value wins.
 */
export const ENGINE_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

export function defaultMemoryBudget(availableBytes: number = freemem()): number {
  return Math.floor(availableBytes * DEFAULT_BUDGET_SHARE);
}

/**
 * The bytes left for routed experts under `budget`, or one clear error when the dense part and the largest group
 * (one group runs at a time, so that much must fit) do not.
 */
export function expertBudget(model: string, budget: number, denseBytes: number, largestGroupBytes: number): number {
  if (denseBytes + largestGroupBytes > budget) {
    throw new EngineError(
      `memory budget ${formatBytes(budget)} is too small for ${model}: its dense part (embedding, attention, shared ` +
        `experts, head) alone takes ${formatBytes(denseBytes)}, and one routed-expert group ${formatBytes(largestGroupBytes)} ` +
        `more; set switchyard.engine.memoryBudget (or --memory-budget) to at least ${Math.ceil((denseBytes + largestGroupBytes) / 2 ** 20)} MiB`,
      EngineErrorCodes.BadInput,
    );
  }
  return budget - denseBytes;
}

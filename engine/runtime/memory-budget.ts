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

// The routed-expert groups of every MoE layer, opened when routing first selects one of their experts and closed,
// least recently used first, to keep the resident ones within the memory budget. One pool for the whole model, so a
// budget is shared by all layers: a layer whose experts are hot keeps them at the expense of a cold one.
//
// What a group costs while open, read from the OS: at float32 its weights stay memory-mapped and only touched pages
// are resident (the Rss of its file's mapping in /proc/self/smaps); quantized weights are prepacked onto the heap when
// the session opens (MatMulNBits has no fast kernel without it), so a group costs what opening it added to the
// process's resident set (VmRSS before and after, ~1.4x the int4 file measured), and at least its file's bytes (what
// the budget is checked with before any group is open, and what a tiny group's noise would otherwise hide).
import { statSync } from 'node:fs';
import type * as ort from 'onnxruntime-node';
import type { MoeGraphFiles } from '../model/graphs';
import type { ExpertGroups } from '../model/moe';
import { createSession } from '../onnx/session';
import { processRssBytes, residentBytesOfFiles } from './resident';

interface OpenGroup {
  session: ort.InferenceSession;
  data: string;
  /** bytes this group holds in memory (quantized: measured when opened; float32: its file's size, the upper bound) */
  bytes: number;
}

export interface ExpertPoolOptions {
  threads: number;
  /** quantized experts: prepacked on the heap when opened */
  prepack: boolean;
  /** bytes the open groups may hold together; undefined = no limit */
  budgetBytes?: number;
}

/** The largest group's weight file: the least a budget must leave for experts, as one group runs at a time. */
export function largestGroupBytes(layers: (MoeGraphFiles | undefined)[]): number {
  let most = 0;
  for (const l of layers) for (const g of l?.groups ?? []) most = Math.max(most, statSync(g.data).size);
  return most;
}

export class ExpertPool implements ExpertGroups {
  /** open groups by key, in least-recently-used-first order (a Map keeps insertion order; a use re-inserts) */
  private readonly open = new Map<string, OpenGroup>();
  private heldBytes = 0;
  private evictions = 0;

  constructor(
    /** per layer (undefined for dense layers), its groups' files */
    private readonly layers: (MoeGraphFiles | undefined)[],
    readonly size: number,
    private readonly opts: ExpertPoolOptions,
  ) {}

  async run(layer: number, group: number, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> {
    const key = `${layer}/${group}`;
    let g = this.open.get(key);
    if (g) {
      this.open.delete(key); // re-inserted below: now the most recently used
    } else {
      g = await this.openGroup(layer, group);
      this.heldBytes += g.bytes;
    }
    this.open.set(key, g);
    await this.evictBeyondBudget(key);
    return g.session.run(feeds);
  }

  private async openGroup(layer: number, group: number): Promise<OpenGroup> {
    const files = this.layers[layer]?.groups[group];
    if (!files) throw new Error(`layer ${layer} has no routed-expert group ${group}`);
    const fileBytes = statSync(files.data).size;
    // room first where the group's size is known from its file, so the peak stays within budget + one group's noise
    await this.evictBeyondBudget(undefined, fileBytes);
    const before = processRssBytes();
    const session = await createSession(files.graph, this.opts.threads, this.opts.prepack);
    const bytes = this.opts.prepack ? Math.max(fileBytes, processRssBytes() - before) : fileBytes;
    return { session, data: files.data, bytes };
  }

  /** Closes least recently used groups (never `keep`) until the open ones and `incoming` fit the budget. */
  private async evictBeyondBudget(keep?: string, incoming = 0): Promise<void> {
    const budget = this.opts.budgetBytes;
    if (budget === undefined) return;
    for (const [key, g] of this.open) {
      if (this.heldBytes + incoming <= budget) return;
      if (key === keep) continue;
      this.open.delete(key);
      this.heldBytes -= g.bytes;
      this.evictions++;
      await g.session.release();
    }
  }

  /** Bytes of routed-expert weights resident now: mapped pages of open float32 groups, or the open quantized groups. */
  residentBytes(): number {
    if (this.opts.prepack) return this.heldBytes;
    return residentBytesOfFiles([...this.open.values()].map((g) => g.data));
  }

  /** The groups open now, least recently used first. */
  openGroups(): { layer: number; group: number }[] {
    return [...this.open.keys()].map((k) => {
      const [layer, group] = k.split('/').map(Number);
      return { layer, group };
    });
  }

  /** Bytes the open groups hold by the pool's count (what the budget is checked against). */
  heldBytesNow(): number {
    return this.heldBytes;
  }

  /** Groups closed so far to stay within the budget. */
  evictionCount(): number {
    return this.evictions;
  }

  /** The bytes the routed experts may hold (the model's budget less its dense part); undefined = no limit. */
  budgetBytes(): number | undefined {
    return this.opts.budgetBytes;
  }

  async release(): Promise<void> {
    for (const g of this.open.values()) await g.session.release();
    this.open.clear();
    this.heldBytes = 0;
  }
}

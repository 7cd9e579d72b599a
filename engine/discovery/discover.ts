// The models already on this machine, in the stores of Ollama, LM Studio, the Hugging Face hub cache and llama.cpp:
// each store root that exists is walked within its own time and entry budget, each model it names is described from
// its headers (describe.ts), a file reached twice (through a link) is listed once.
import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import type { DiscoveredModel, ModelsDiscoverResult, ModelStoreScan } from '../protocol';
import { describe } from './describe';
import { type Candidate, storeCandidates, storeRoots, WalkBudget } from './stores';

export interface DiscoverOptions {
  /** the variables the runtimes read (OLLAMA_MODELS, HF_HUB_CACHE, HF_HOME, LLAMA_CACHE, XDG_CACHE_HOME) */
  env?: NodeJS.ProcessEnv;
  home?: string;
  platform?: NodeJS.Platform;
  /** per store root, for the walk and the headers together; default 5 s */
  timePerRootMs?: number;
  /** directory entries read per root; default 20000 */
  maxEntriesPerRoot?: number;
  /** models described per root; default 200 */
  maxModelsPerRoot?: number;
}

export async function discoverModels(opts: DiscoverOptions = {}): Promise<ModelsDiscoverResult> {
  const roots = storeRoots(opts.env ?? process.env, opts.home ?? homedir(), opts.platform ?? process.platform);
  const models: DiscoveredModel[] = [];
  const stores: ModelStoreScan[] = [];
  const seen = new Set<string>();
  for (const store of roots) {
    const scan: ModelStoreScan = {
      source: store.source,
      root: store.root,
      exists: existsSync(store.root),
      skipped: [],
    };
    stores.push(scan);
    if (!scan.exists) continue;
    const deadline = Date.now() + (opts.timePerRootMs ?? 5000);
    const budget = new WalkBudget(deadline, opts.maxEntriesPerRoot ?? 20_000, scan);
    const candidates = storeCandidates(store, budget).filter((c) => once(c, seen));
    const cap = opts.maxModelsPerRoot ?? 200;
    for (const [i, c] of candidates.entries()) {
      if (i >= cap) {
        budget.stoppedEarly ??= `${cap} models described`;
        break;
      }
      if (Date.now() > deadline) {
        budget.stoppedEarly ??= 'the time limit for this store ran out';
        break;
      }
      models.push(await describe(c));
    }
    if (budget.stoppedEarly) scan.stoppedEarly = budget.stoppedEarly;
  }
  return { models: sortModels(models), stores };
}

/** The first of the candidates that reach one file or folder. */
function once(c: Candidate, seen: Set<string>): boolean {
  let real = c.path;
  try {
    real = realpathSync(c.path);
  } catch {
    // a missing blob: its path is its identity
  }
  if (seen.has(real)) return false;
  seen.add(real);
  return true;
}

const SOURCE_ORDER = ['ollama', 'lm-studio', 'huggingface', 'llama.cpp'];

function sortModels(models: DiscoveredModel[]): DiscoveredModel[] {
  return [...models].sort(
    (a, b) =>
      Number(a.notRunnable !== undefined) - Number(b.notRunnable !== undefined) ||
      SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source) ||
      a.name.localeCompare(b.name),
  );
}

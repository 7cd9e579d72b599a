// Where the other local runtimes keep the models they downloaded, and how each store's layout names its models:
// Ollama (manifests -> blobs), LM Studio (publisher/repo/*.gguf), the Hugging Face hub cache
// (models--org--name/snapshots/<rev>/) and llama.cpp's cache (*.gguf). Only listing happens here, bounded by a
// walk budget; nothing is read beyond directory entries and Ollama's small manifest files, and nothing is written.
import { type Dirent, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ModelSource, ModelStoreScan } from '../protocol';

export interface StoreRoot {
  source: ModelSource;
  root: string;
}

/** A model a store names, before anything of it is read. */
export interface Candidate {
  source: ModelSource;
  name: string;
  /** a GGUF file, or a folder with config.json */
  path: string;
  format: 'gguf' | 'safetensors';
  /** the size the store recorded for the file (Ollama's manifest): a shorter file is a download that stopped */
  expectedBytes?: number;
  /** the store itself shows the download unfinished (Ollama: the manifest's blob is missing) */
  incomplete?: string;
  /** files of its repo are still being downloaded (the hub cache's blobs/*.incomplete) */
  downloading?: boolean;
}

/** The roots of each store on this machine, from the variables each runtime itself reads, else its default. */
export function storeRoots(env: NodeJS.ProcessEnv, home: string, platform: NodeJS.Platform): StoreRoot[] {
  const cache = env.XDG_CACHE_HOME || join(home, '.cache');
  const hfHome = env.HF_HOME || join(cache, 'huggingface');
  const llamaCache =
    platform === 'darwin'
      ? join(home, 'Library', 'Caches', 'llama.cpp')
      : platform === 'win32'
        ? join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'llama.cpp')
        : join(cache, 'llama.cpp');
  return [
    { source: 'ollama', root: env.OLLAMA_MODELS || join(home, '.ollama', 'models') },
    { source: 'lm-studio', root: join(home, '.lmstudio', 'models') },
    { source: 'lm-studio', root: join(home, '.cache', 'lm-studio', 'models') },
    { source: 'huggingface', root: env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome, 'hub') },
    { source: 'llama.cpp', root: env.LLAMA_CACHE || llamaCache },
  ];
}

/** How far one root's walk may go: a deadline and a number of directory entries. */
export class WalkBudget {
  private entries = 0;
  stoppedEarly?: string;

  constructor(
    private readonly deadline: number,
    private readonly maxEntries: number,
    readonly scan: ModelStoreScan,
  ) {}

  get spent(): boolean {
    if (this.stoppedEarly) return true;
    if (Date.now() > this.deadline) this.stoppedEarly = 'the time limit for this store ran out';
    else if (this.entries >= this.maxEntries) this.stoppedEarly = `${this.maxEntries} entries read`;
    return this.stoppedEarly !== undefined;
  }

  /** A folder's entries (sorted), or none, with why, when it cannot be read. */
  list(dir: string): Dirent[] {
    if (this.spent) return [];
    try {
      const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
      this.entries += entries.length;
      return entries;
    } catch (e) {
      this.skip(dir, e);
      return [];
    }
  }

  skip(path: string, why: unknown): void {
    this.scan.skipped.push({ path, detail: why instanceof Error ? why.message : String(why) });
  }
}

/**
 * What an entry is, a symbolic link resolved once: the hub cache links every snapshot file to its blob. A linked
 * folder is never entered (a link back up would be a loop), and a broken link is skipped with why.
 */
function kindOf(dir: string, e: Dirent, budget: WalkBudget): 'file' | 'dir' | 'linked-dir' | undefined {
  if (e.isDirectory()) return 'dir';
  if (e.isFile()) return 'file';
  if (!e.isSymbolicLink()) return undefined;
  try {
    return statSync(join(dir, e.name)).isDirectory() ? 'linked-dir' : 'file';
  } catch (err) {
    budget.skip(join(dir, e.name), err);
    return undefined;
  }
}

const isGguf = (name: string) => name.toLowerCase().endsWith('.gguf');

/** Files named *.gguf and folders holding config.json, `depth` levels down, links to folders not followed. */
function walkModels(dir: string, depth: number, budget: WalkBudget, found: (path: string, isDir: boolean) => void) {
  const entries = budget.list(dir);
  if (entries.some((e) => e.name === 'config.json' && kindOf(dir, e, budget) === 'file')) found(dir, true);
  for (const e of entries) {
    if (budget.spent) return;
    if (e.name.startsWith('.')) continue;
    const kind = kindOf(dir, e, budget);
    if (kind === 'file' && isGguf(e.name)) found(join(dir, e.name), false);
    else if (kind === 'dir' && depth > 0) walkModels(join(dir, e.name), depth - 1, budget, found);
  }
}

/** The models of one store root; a root that does not exist has none. */
export function storeCandidates(store: StoreRoot, budget: WalkBudget): Candidate[] {
  switch (store.source) {
    case 'ollama':
      return ollama(store.root, budget);
    case 'huggingface':
      return huggingFace(store.root, budget);
    case 'lm-studio':
    case 'llama.cpp':
      return plainFolders(store, budget);
  }
}

/** publisher/repo/*.gguf (LM Studio), or *.gguf at the top (llama.cpp's cache): the path below the root names it. */
function plainFolders(store: StoreRoot, budget: WalkBudget): Candidate[] {
  const out: Candidate[] = [];
  walkModels(store.root, 3, budget, (path, isDir) => {
    const name = path.slice(store.root.length + 1).replaceAll('\\', '/') || basename(path);
    out.push({ source: store.source, name, path, format: isDir ? 'safetensors' : 'gguf' });
  });
  return out;
}

const OLLAMA_MODEL_LAYER = 'application/vnd.ollama.image.model';
const OLLAMA_REGISTRY = 'registry.ollama.ai';

/**
 * manifests/<host>/<namespace>/<model>/<tag>: a JSON manifest whose model layer is the blob
 * blobs/sha256-<hex>, a GGUF file. Named as `ollama list` names it: `model:tag`, `namespace/model:tag` outside
 * `library`, the host in front outside Ollama's registry.
 */
function ollama(root: string, budget: WalkBudget): Candidate[] {
  const out: Candidate[] = [];
  const manifests = join(root, 'manifests');
  for (const host of budget.list(manifests).filter((e) => e.isDirectory())) {
    for (const ns of budget.list(join(manifests, host.name)).filter((e) => e.isDirectory())) {
      for (const model of budget.list(join(manifests, host.name, ns.name)).filter((e) => e.isDirectory())) {
        for (const tag of budget.list(join(manifests, host.name, ns.name, model.name)).filter((e) => e.isFile())) {
          if (budget.spent) return out;
          const file = join(manifests, host.name, ns.name, model.name, tag.name);
          const repo = ns.name === 'library' ? model.name : `${ns.name}/${model.name}`;
          const name = `${host.name === OLLAMA_REGISTRY ? '' : `${host.name}/`}${repo}:${tag.name}`;
          const layer = ollamaModelLayer(file, budget);
          if (!layer) continue;
          const blob = join(root, 'blobs', layer.digest.replace(':', '-'));
          const present = (() => {
            try {
              return statSync(blob).isFile();
            } catch {
              return false;
            }
          })();
          out.push({
            source: 'ollama',
            name,
            path: blob,
            format: 'gguf',
            expectedBytes: layer.size,
            incomplete: present ? undefined : `incomplete download: the model blob ${basename(blob)} is missing`,
          });
        }
      }
    }
  }
  return out;
}

function ollamaModelLayer(file: string, budget: WalkBudget): { digest: string; size?: number } | undefined {
  try {
    if (statSync(file).size > 1_000_000) throw new Error('larger than a manifest (1 MB)');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { layers?: unknown };
    const layers = Array.isArray(manifest.layers) ? (manifest.layers as Record<string, unknown>[]) : [];
    const layer = layers.find((l) => l?.mediaType === OLLAMA_MODEL_LAYER);
    if (!layer) throw new Error(`no layer of type ${OLLAMA_MODEL_LAYER}`);
    if (typeof layer.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(layer.digest))
      throw new Error(`model layer digest ${JSON.stringify(layer.digest)?.slice(0, 80)} is not sha256:<hex>`);
    return { digest: layer.digest, size: typeof layer.size === 'number' ? layer.size : undefined };
  } catch (e) {
    budget.skip(file, `not an Ollama model manifest: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/**
 * models--org--name/snapshots/<rev>/: a folder with config.json and safetensors, and/or *.gguf files (some repos
 * keep them a folder down). A revision is named only when a repo has several. A download in flight leaves
 * blobs/*.incomplete and no snapshot link yet.
 */
function huggingFace(root: string, budget: WalkBudget): Candidate[] {
  const out: Candidate[] = [];
  for (const repo of budget.list(root)) {
    if (budget.spent) break;
    if (!repo.isDirectory() || !repo.name.startsWith('models--')) continue;
    const name = repo.name.slice('models--'.length).split('--').join('/');
    const repoDir = join(root, repo.name);
    const downloading = budget.list(join(repoDir, 'blobs')).some((e) => e.name.endsWith('.incomplete'));
    const revisions = budget.list(join(repoDir, 'snapshots')).filter((e) => e.isDirectory());
    for (const rev of revisions) {
      const snapshot = join(repoDir, 'snapshots', rev.name);
      const label = revisions.length > 1 ? `${name}@${rev.name.slice(0, 7)}` : name;
      walkModels(snapshot, 2, budget, (path, isDir) => {
        const below = path.slice(snapshot.length + 1).replaceAll('\\', '/');
        out.push({
          source: 'huggingface',
          name: below && !isDir ? `${label}/${below}` : label,
          path,
          format: isDir ? 'safetensors' : 'gguf',
          downloading,
        });
      });
    }
  }
  return out;
}

// The rows of Select Model's list, from the engine's models/discover result: the models it can run first, then the
// ones it found but cannot run (with why), then the two pickers. Plain data, no `vscode` import, so plain-Node tests
// check it; model.ts turns the rows into quick pick items.
import { formatBytes } from '../../engine/byte-size';
import type { DiscoveredModel, ModelSource, ModelsDiscoverResult } from '../../engine/protocol';

/** What choosing a row does. */
export type ModelPick =
  | { kind: 'model'; model: DiscoveredModel }
  | { kind: 'not-runnable'; model: DiscoveredModel }
  | { kind: 'browse'; what: 'folder' | 'gguf' }
  /** a heading between groups, not choosable */
  | { kind: 'heading' };

export interface ModelPickItem {
  label: string;
  description?: string;
  detail?: string;
  pick: ModelPick;
}

export const SOURCE_NAMES: Record<ModelSource, string> = {
  ollama: 'Ollama',
  'lm-studio': 'LM Studio',
  huggingface: 'Hugging Face cache',
  'llama.cpp': "llama.cpp's cache",
};

/** 236B, 15.7B, 2.9M, 6.4K */
export function formatCount(n: number): string {
  for (const [unit, size] of [
    ['T', 1e12],
    ['B', 1e9],
    ['M', 1e6],
    ['K', 1e3],
  ] as const) {
    if (n >= size) return `${(n / size).toFixed(n >= size * 100 ? 0 : 1)}${unit}`;
  }
  return String(n);
}

/** source · architecture · parameters · quantization · size, what is known of it */
function facts(m: DiscoveredModel): string {
  return [
    SOURCE_NAMES[m.source],
    m.architecture,
    m.parameters ? `${formatCount(m.parameters)} parameters` : undefined,
    m.quantization,
    m.sizeBytes ? formatBytes(m.sizeBytes) : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
}

export const BROWSE_ITEMS: readonly ModelPickItem[] = [
  {
    label: '$(folder-opened) Browse for a folder…',
    detail: 'Hugging Face layout: config.json, *.safetensors, tokenizer.json',
    pick: { kind: 'browse', what: 'folder' },
  },
  {
    label: '$(file) Browse for a GGUF file…',
    detail: "llama.cpp's deepseek2 layout, its byte-level BPE tokenizer and chat template from the metadata",
    pick: { kind: 'browse', what: 'gguf' },
  },
];

/**
 * The list: runnable models (the one in use marked), then the others, then the pickers. `result` undefined: the
 * search has not answered yet (`failure`: it could not run), so only the pickers are offered, under a heading
 * that says so.
 */
export function modelPickItems(
  result: ModelsDiscoverResult | undefined,
  opts: { currentPath?: string; failure?: string } = {},
): ModelPickItem[] {
  const heading = (label: string): ModelPickItem => ({ label, pick: { kind: 'heading' } });
  if (!result)
    return [
      heading(opts.failure ? `Could not look for models on this machine: ${opts.failure}` : 'Looking for models…'),
      ...BROWSE_ITEMS,
    ];
  const runnable = result.models.filter((m) => !m.notRunnable);
  const others = result.models.filter((m) => m.notRunnable);
  const items: ModelPickItem[] = [];
  if (result.models.length === 0) {
    const looked = [...new Set(result.stores.map((s) => SOURCE_NAMES[s.source]))].join(', ');
    items.push(heading(`No models found (looked in: ${looked})`));
  }
  if (runnable.length) items.push(heading('On this machine'));
  for (const m of runnable) {
    const current = opts.currentPath === m.path;
    items.push({
      label: `${current ? '$(check)' : '$(circuit-board)'} ${m.name}`,
      description: `${current ? 'in use · ' : ''}${facts(m)}`,
      detail: m.path,
      pick: { kind: 'model', model: m },
    });
  }
  if (others.length) items.push(heading('Found, but the engine cannot run them'));
  for (const m of others) {
    items.push({
      label: `$(circle-slash) ${m.name}`,
      description: facts(m),
      detail: m.notRunnable!.detail,
      pick: { kind: 'not-runnable', model: m },
    });
  }
  items.push(heading('Elsewhere'), ...BROWSE_ITEMS);
  return items;
}

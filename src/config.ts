// Reads the `switchyard.*` settings (declared in package.json's contributes.configuration) into typed values.
// Path settings are `restricted`: in an untrusted workspace VS Code hands back only user-level values, and the
// workspace's own values for them are ignored here too.
import * as vscode from 'vscode';
import type { CompletionSettings } from './completion/pipeline';
import { readByteSize, readNumber, type NumberSetting } from './util/setting-bounds';
import { parseAllowedOrigins } from './util/setting-origins';
import { parseByteSize } from '../engine/byte-size';

export const SECTION = 'switchyard';

export function settings(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

/** A number setting, clamped to its bounds (src/util/setting-bounds.ts) whoever set it. */
export function num(key: NumberSetting, cfg: vscode.WorkspaceConfiguration = settings()): number {
  return readNumber((k) => cfg.get<unknown>(k), key);
}

/** A restricted setting: the workspace's value only when the workspace is trusted. */
function restricted<T>(key: string, fallback: T): T {
  const cfg = settings();
  if (vscode.workspace.isTrusted) return cfg.get<T>(key, fallback);
  const i = cfg.inspect<T>(key);
  return i?.globalValue ?? i?.defaultValue ?? fallback;
}

/** The model folder: the setting, or the default model bundled with the extension. */
export function modelPath(extensionPath: string): string {
  const p = restricted<string>('modelPath', '').trim();
  return p || vscode.Uri.joinPath(vscode.Uri.file(extensionPath), 'engine', 'models', 'default').fsPath;
}

/** The weight precision the local model is loaded in ('auto': chosen by size, see engine/runtime/precision.ts). */
export function enginePrecision(): 'auto' | 'f32' | 'int8' | 'int4' {
  const p = settings().get<string>('engine.precision', 'auto');
  return p === 'f32' || p === 'int8' || p === 'int4' ? p : 'auto';
}

/** switchyard.engine.memoryBudget in bytes; undefined (empty): the engine's default, 3/4 of the memory available. */
export function engineMemoryBudget(): number | undefined {
  const v = String(settings().get<string | number>('engine.memoryBudget', '')).trim();
  if (v === '') return undefined;
  let n: number;
  try {
    n = parseByteSize(v.slice(0, 40), 'switchyard.engine.memoryBudget');
  } catch (e) {
    throw new Error(`${(e as Error).message}, or leave it empty for the engine's default`, { cause: e });
  }
  if (n <= 0)
    throw new Error(`switchyard.engine.memoryBudget must be more than 0 bytes, or empty for the engine's default`);
  return n;
}

export function engineThreads(): number {
  return num('engine.threads');
}

/** How big the graph cache may grow, in bytes; `error`: the setting could not be read (the default is used). */
export function graphCacheLimit(): { bytes: number; error?: string } {
  const cfg = settings();
  return readByteSize((k) => cfg.get<unknown>(k), 'engine.graphCacheLimit');
}

export function inlineEnabled(): boolean {
  return settings().get<boolean>('completion.enabled', true);
}

/** Per-language switch, Copilot-style: `{ "*": true, "plaintext": false }`; the language's key wins over "*". */
export function languageEnabled(languageId: string): boolean {
  const map = settings().get<Record<string, boolean>>('completion.languages', {});
  if (typeof map[languageId] === 'boolean') return map[languageId];
  return map['*'] ?? true;
}

export function completionSettings(): CompletionSettings {
  const cfg = settings();
  const min = num('completion.debounceMs', cfg);
  return {
    maxLines: num('completion.maxLines', cfg),
    maxTokens: num('completion.maxTokens', cfg),
    debounceMinMs: min,
    debounceMaxMs: Math.max(min, 400),
    window: {
      maxPrefixChars: num('completion.prefixChars', cfg),
      maxSuffixChars: num('completion.suffixChars', cfg),
    },
    routing: { domain: 'code', strength: routingStrength(cfg) },
    timeBudgetMs: num('completion.timeBudgetMs', cfg),
  };
}

/**
 * Globs of files that never lend context chunks. Every level's list counts (user, workspace, folder): a workspace can
 * add exclusions but not clear the user's.
 */
export function contextExclude(): string[] {
  const i = settings().inspect<unknown>('completion.contextExclude');
  const lists = [i?.defaultValue, i?.globalValue, i?.workspaceValue, i?.workspaceFolderValue];
  return [
    ...new Set(lists.flatMap((l) => (Array.isArray(l) ? l.filter((g): g is string => typeof g === 'string') : []))),
  ];
}

export function contextChunkLimits(): { maxChunks: number; maxCharsPerChunk: number } {
  return { maxChunks: num('completion.contextFiles'), maxCharsPerChunk: 1500 };
}

export function chatSettings(): { maxTokens: number; temperature: number; systemPrompt?: string } {
  const cfg = settings();
  return {
    // restricted: a workspace's system prompt would steer the model the user talks to
    systemPrompt: restricted<string>('chat.systemPrompt', '').trim() || undefined,
    maxTokens: num('chat.maxTokens', cfg),
    temperature: num('chat.temperature', cfg),
  };
}

/** The user's routing strength, or undefined for the strength calibrated for the model (the setting's default). */
export function routingStrength(
  cfg: vscode.WorkspaceConfiguration = vscode.workspace.getConfiguration('switchyard'),
): number | undefined {
  const s = cfg.get<number | null>('routing.strength', null);
  return typeof s === 'number' ? num('routing.strength', cfg) : undefined;
}

export type BackendKind = 'local' | 'openai-compatible';

/** Where requests go. Restricted: a workspace must not redirect the user's code to a server of its choosing. */
export function backendKind(): BackendKind {
  return restricted<string>('backend', 'local') === 'openai-compatible' ? 'openai-compatible' : 'local';
}

/** The OpenAI-compatible server's settings (the key is not a setting: see src/engine/api-keys.ts). */
export interface RemoteSettings {
  baseUrl: string;
  model: string;
  timeoutMs: number;
  fimMode: 'prompt' | 'suffix';
  fimFormat?: string;
}

export function remoteSettings(): RemoteSettings {
  const cfg = settings();
  return {
    baseUrl: restricted<string>('remote.baseUrl', '').trim().replace(/\/+$/, ''),
    model: cfg.get<string>('remote.model', '').trim(),
    timeoutMs: num('remote.timeoutMs', cfg),
    fimMode: cfg.get<string>('remote.fimMode', 'prompt') === 'suffix' ? 'suffix' : 'prompt',
    fimFormat: cfg.get<string>('remote.fimFormat', '').trim() || undefined,
  };
}

/** The engine's own OpenAI-compatible server for other tools; undefined when switched off. Restricted: an untrusted
 * workspace must not open a port on the user's machine, nor let a web page of its choosing use it.
 * `rejectedOrigins`: entries of `server.allowOrigins` that are not an origin, left out (the caller warns). */
export function serverSettings():
  { host: string; port: number; allowOrigins: string[]; rejectedOrigins: string[] } | undefined {
  if (restricted<boolean>('server.enabled', false) !== true) return undefined;
  const { origins, rejected } = parseAllowedOrigins(restricted<unknown>('server.allowOrigins', []));
  return {
    host: restricted<string>('server.host', '127.0.0.1').trim() || '127.0.0.1',
    port: readNumber((k) => restricted<unknown>(k, undefined), 'server.port'),
    allowOrigins: origins,
    rejectedOrigins: rejected,
  };
}

/** How long a prover may run on one file. */
export function proofTimeoutMs(): number {
  return num('proof.timeoutMs');
}

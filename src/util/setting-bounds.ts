// Every number the extension reads from settings, with its bounds beside it. VS Code does not enforce a setting's
// `minimum` / `maximum` on values typed into settings.json, and a workspace can set any of them: a timeout of 1e12
// overflows setTimeout (which then fires at once), a huge thread count or token budget hangs the engine. So each number
// is clamped when it is read (src/config.ts), and package.json declares the same bounds (a unit test holds them equal).
// Free of the VS Code API, so the rule is unit-tested in plain Node.
import { formatBytes, parseByteSize } from '../../engine/byte-size';
import { GRAPH_CACHE_LIMIT_BOUNDS } from '../../engine/onnx/cache-limit';

export interface NumberBounds {
  min: number;
  max: number;
  /** the value when the setting is missing or not a finite number */
  fallback: number;
  integer?: boolean;
}

/** keys below `switchyard.` */
export const NUMBER_SETTINGS = {
  'engine.threads': { min: 0, max: 256, fallback: 0, integer: true },
  /** bytes; also a string with a unit (readByteSize) */
  'engine.graphCacheLimit': GRAPH_CACHE_LIMIT_BOUNDS,
  'remote.timeoutMs': { min: 1000, max: 600_000, fallback: 60_000, integer: true },
  'server.port': { min: 0, max: 65535, fallback: 8012, integer: true },
  'completion.maxLines': { min: 1, max: 100, fallback: 8, integer: true },
  'completion.maxTokens': { min: 1, max: 2048, fallback: 96, integer: true },
  'completion.debounceMs': { min: 0, max: 2000, fallback: 0, integer: true },
  'completion.contextFiles': { min: 0, max: 10, fallback: 3, integer: true },
  'completion.timeBudgetMs': { min: 100, max: 60_000, fallback: 3000, integer: true },
  'completion.prefixChars': { min: 200, max: 100_000, fallback: 6000, integer: true },
  'completion.suffixChars': { min: 0, max: 100_000, fallback: 2000, integer: true },
  'routing.strength': { min: 0, max: 4, fallback: 0 },
  'chat.maxTokens': { min: 1, max: 32768, fallback: 1024, integer: true },
  'chat.temperature': { min: 0, max: 2, fallback: 0.7 },
  'proof.timeoutMs': { min: 1000, max: 600_000, fallback: 60_000, integer: true },
} as const satisfies Record<string, NumberBounds>;

export type NumberSetting = keyof typeof NUMBER_SETTINGS;

/** `value` inside `bounds`: not a finite number -> the fallback; integers rounded; then clamped. */
export function clampNumber(value: unknown, bounds: NumberBounds): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return bounds.fallback;
  const v = bounds.integer ? Math.round(value) : value;
  return Math.min(bounds.max, Math.max(bounds.min, v));
}

/** Reads one numeric setting through `get` (the configuration's getter) and clamps it. */
export function readNumber(get: (key: string) => unknown, key: NumberSetting): number {
  return clampNumber(get(key), NUMBER_SETTINGS[key]);
}

/**
 * A size setting: a byte count (clamped like any number) or a string with a unit (`20GB`, `512MiB`, `20G`, parsed as
 * the CLI's `--cache-limit` is). A string that is neither gives the fallback and the reason, for the log.
 */
export function readByteSize(
  get: (key: string) => unknown,
  key: 'engine.graphCacheLimit',
): { bytes: number; error?: string } {
  const value = get(key);
  const bounds = NUMBER_SETTINGS[key];
  if (typeof value !== 'string') return { bytes: clampNumber(value, bounds) };
  try {
    return { bytes: clampNumber(parseByteSize(value, `switchyard.${key}`), bounds) };
  } catch (e) {
    return {
      bytes: bounds.fallback,
      error: `${(e as Error).message}; using the default, ${formatBytes(bounds.fallback)}`,
    };
  }
}

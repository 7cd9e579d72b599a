// The small JSON files of a checkpoint folder: absent is undefined, unreadable is an error naming the file.
import { existsSync, readFileSync } from 'node:fs';
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';

export function readJsonFile(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new EngineError(`${path}: not valid JSON (${(e as Error).message})`, EngineErrorCodes.BadCheckpoint);
  }
}

// Text files named on the command line: comma-separated paths, folders walked recursively in name order (so the same
// arguments always give the same documents in the same order), `.jsonl` read as one document per line's "text".
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EngineError } from '../errors';
import { EngineErrorCodes } from '../protocol';

export interface TextDocument {
  file: string;
  text: string;
}

const SKIP = /(^|\/)(node_modules|\.git|licenses)(\/|$)|(^|\/)(README\.md|LICEN[CS]E[^/]*)$/i;

function walk(path: string, out: string[]): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new EngineError(`${path}: no such file or folder`, EngineErrorCodes.BadInput);
  }
  if (st.isFile()) {
    out.push(path);
    return;
  }
  for (const name of readdirSync(path).sort()) {
    const child = join(path, name);
    // a folder's README and licence files describe its texts; they are not texts of the domain
    if (SKIP.test(child)) continue;
    walk(child, out);
  }
}

/** Expands `a,b,folder` into files (folders recursively, without README / licence files). */
export function expandPaths(spec: string | string[]): string[] {
  const parts = (Array.isArray(spec) ? spec : [spec])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const files: string[] = [];
  for (const p of parts) walk(p, files);
  return files;
}

export function readDocuments(files: string[]): TextDocument[] {
  const docs: TextDocument[] = [];
  for (const file of files) {
    const raw = readFileSync(file, 'utf8');
    if (!file.endsWith('.jsonl')) {
      docs.push({ file, text: raw });
      continue;
    }
    raw.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let text: unknown;
      try {
        text = (JSON.parse(line) as { text?: unknown }).text;
      } catch {
        throw new EngineError(`${file}:${i + 1}: not valid JSON`, EngineErrorCodes.BadInput);
      }
      if (typeof text !== 'string')
        throw new EngineError(`${file}:${i + 1}: no "text" string`, EngineErrorCodes.BadInput);
      docs.push({ file, text });
    });
  }
  return docs;
}

/** A path as it is recorded in a profile: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

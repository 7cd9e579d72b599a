// Writes a typing session for bench/completion.ts: the given line range of a real source file is removed and then
// typed back key by key with a human rhythm (seeded, so the session is the same on every machine): bursts inside
// words, a little longer after spaces and punctuation, a pause at each line end. Usage:
//   npx tsx bench/make-session.ts FILE FIRST_LINE LAST_LINE OUT.json [seed]
import * as fs from 'node:fs';

export interface TypingSession {
  file: string;
  /** the whole file as it was when the session was made (the replay does not depend on later edits of it) */
  text: string;
  /** UTF-16 offset where the typed region starts in the original file */
  start: number;
  /** the text typed, key by key */
  typed: string;
  /** milliseconds after the previous key, one per character of `typed` */
  gapsMs: number[];
  languageId: string;
  note: string;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function main(): void {
  const [file, first, last, out, seed = '7'] = process.argv.slice(2);
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const a = Number(first) - 1;
  const b = Number(last);
  const start = lines.slice(0, a).join('\n').length + (a > 0 ? 1 : 0);
  const typed = lines.slice(a, b).join('\n') + '\n';
  const r = rng(Number(seed));
  const gapsMs: number[] = [];
  let prev = '';
  for (const ch of typed) {
    // editors auto-indent: the leading spaces of a line come with the Enter key, almost at once
    const base =
      prev === '\n'
        ? 700 + 600 * r()
        : ch === ' ' && prev === ' '
          ? 15
          : /[\s.,;:(){}[\]]/.test(prev)
            ? 140 + 120 * r()
            : 70 + 90 * r();
    gapsMs.push(Math.round(base));
    prev = ch;
  }
  const languageId = file.endsWith('.py') ? 'python' : file.endsWith('.ts') ? 'typescript' : 'plaintext';
  const session: TypingSession = {
    file,
    text,
    start,
    typed,
    gapsMs,
    languageId,
    note: `lines ${first}-${last} of ${file} typed back with a seeded human rhythm (seed ${seed})`,
  };
  fs.writeFileSync(out, JSON.stringify(session, null, 1) + '\n');
  console.log(`${typed.length} keys, ${(gapsMs.reduce((x, y) => x + y, 0) / 1000).toFixed(1)} s`);
}

if (require.main === module) main();

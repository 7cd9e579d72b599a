// A fake prover executable for tests of the prover boundary (Lean is not installed here): a Node script that records
// its argv and cwd, answers `#print axioms` lines as the test tells it, and can start a child that outlives it or
// print without end. Only the process boundary is fake; the code under test spawns it as it would spawn lean.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeProverOptions {
  /** axioms per theorem name, for the `#print axioms <name>` lines */
  axioms?: Record<string, string[]>;
  /** start a child (sleep 30 s, holding stdout) whose pid goes to `childPidFile`, then sleep this long */
  spawnChildThenSleepMs?: number;
  /** print this many bytes to stdout */
  floodBytes?: number;
}

export function makeFakeProver(opts: FakeProverOptions = {}): {
  path: string;
  recordFile: string;
  childPidFile: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-fake-prover-'));
  const recordFile = join(dir, 'record.json');
  const childPidFile = join(dir, 'child.pid');
  const script = `#!${process.execPath}
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const opts = ${JSON.stringify(opts)};
fs.writeFileSync(${JSON.stringify(recordFile)}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd() }));
if (opts.spawnChildThenSleepMs !== undefined) {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: ['ignore', 'inherit', 'inherit'] });
  fs.writeFileSync(${JSON.stringify(childPidFile)}, String(child.pid));
  setTimeout(() => process.exit(0), opts.spawnChildThenSleepMs);
} else if (opts.floodBytes) {
  const chunk = 'x'.repeat(65536);
  let left = opts.floodBytes;
  const write = () => { while (left > 0) { left -= chunk.length; if (!process.stdout.write(chunk)) return process.stdout.once('drain', write); } };
  write();
} else {
  const file = process.argv[process.argv.length - 1];
  const lines = fs.readFileSync(file, 'utf8').split('\\n');
  lines.forEach((line, i) => {
    const m = /^#print axioms (\\S+)/.exec(line);
    if (!m) return;
    const axioms = opts.axioms && opts.axioms[m[1]];
    const data = axioms === undefined ? "unknown constant '" + m[1] + "'" : axioms.length ? "'" + m[1] + "' depends on axioms: [" + axioms.join(', ') + ']' : "'" + m[1] + "' does not depend on any axioms";
    console.log(JSON.stringify({ severity: axioms === undefined ? 'error' : 'information', pos: { line: i + 1, column: 0 }, endPos: null, data }));
  });
}
`;
  const path = join(dir, 'lean');
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return { path, recordFile, childPidFile };
}

/** Running (a zombie that nobody reaped yet counts as gone: in a container PID 1 may never reap it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): signal 0 answered
  }
}

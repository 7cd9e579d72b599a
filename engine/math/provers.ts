// Formal provers: `.v` files through coqc, `.lean` files through `lake env lean --json` (or `lean --json`).
// Their positions become UTF-16 ranges; Admitted / admit / sorry count as "not proved" even though the prover
// exits 0. A missing prover is reported with how to install it; runs time out and stop on cancellation.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { ProofCheckParams, ProofCheckResult, ProofDiagnostic } from '../protocol';
import { SourceMap } from './source-map';

export type ProverName = 'coq' | 'lean';
const DEFAULT_TIMEOUT_MS = 60_000;

export function proverFor(params: ProofCheckParams): ProverName | undefined {
  const path = params.filePath ?? '';
  if (params.languageId === 'coq' || path.endsWith('.v')) return 'coq';
  if (params.languageId === 'lean' || params.languageId === 'lean4' || path.endsWith('.lean')) return 'lean';
  return undefined;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  missing?: boolean;
  timedOut?: boolean;
}

export function runProcess(cmd: string, args: string[], cwd: string, timeoutMs: number, signal?: AbortSignal): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    if (signal?.aborted) return reject(new DOMException('proof check cancelled', 'AbortError'));
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err.code === 'ENOENT') resolvePromise({ code: null, stdout, stderr, missing: true });
      else reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(new DOMException('proof check cancelled', 'AbortError'));
      resolvePromise({ code, stdout, stderr, timedOut });
    });
  });
}

/** Byte offset in the UTF-8 encoding of `text` -> UTF-16 offset. */
function utf16Offset(bytes: Buffer, byteOffset: number): number {
  return bytes.subarray(0, Math.max(0, Math.min(byteOffset, bytes.length))).toString('utf8').length;
}

/** `File "a.v", line 3, characters 6-10:\nError: …` -> diagnostics (characters are byte offsets from the line start). */
export function parseCoqMessages(output: string, text: string, map: SourceMap): ProofDiagnostic[] {
  const bytes = Buffer.from(text, 'utf8');
  const lines = text.split('\n');
  const lineStartBytes: number[] = [];
  let acc = 0;
  for (const l of lines) {
    lineStartBytes.push(acc);
    acc += Buffer.byteLength(l, 'utf8') + 1;
  }
  const out: ProofDiagnostic[] = [];
  const re = /File "[^"]*", line (\d+), characters (\d+)-(\d+):\n((?:(?!File ")[^\n]*\n?)*)/g;
  for (const m of output.matchAll(re)) {
    const line = Number(m[1]) - 1;
    const base = lineStartBytes[line] ?? 0;
    const start = utf16Offset(bytes, base + Number(m[2]));
    const end = utf16Offset(bytes, base + Number(m[3]));
    const message = m[4]!.trim();
    const severity = /^Warning/.test(message) ? 'warning' : 'error';
    out.push({ range: map.range(start, end), severity, message: message.replace(/^(Error|Warning):\s*/, '') });
  }
  return out;
}

/** Admitted / admit / Axiom outside comments: the file compiles, but the theorem is not proved. */
export function findCoqGaps(text: string, map: SourceMap): ProofDiagnostic[] {
  const masked = text.replace(/\(\*[\s\S]*?\*\)/g, (c) => c.replace(/[^\n]/g, ' '));
  const out: ProofDiagnostic[] = [];
  for (const m of masked.matchAll(/\b(Admitted|admit|give_up)\b/g)) {
    out.push({ range: map.range(m.index!, m.index! + m[0].length), severity: 'warning', message: `not proved: '${m[0]}' leaves a goal unproved` });
  }
  return out;
}

async function withSourceFile<T>(params: ProofCheckParams, ext: string, fn: (dir: string, file: string) => Promise<T>): Promise<T> {
  // Check the buffer as the user sees it (it may be unsaved): a copy in a temp folder keeps the module name.
  const name = params.filePath ? basename(params.filePath) : `Proof${ext}`;
  const safe = /^[A-Za-z_][A-Za-z0-9_]*\.(v|lean)$/.test(name) ? name : `Proof${ext}`;
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-proof-'));
  try {
    await writeFile(join(dir, safe), params.text, 'utf8');
    return await fn(dir, safe);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function checkCoq(params: ProofCheckParams, signal?: AbortSignal): Promise<ProofCheckResult> {
  const coqc = params.provers?.coqc || 'coqc';
  const map = new SourceMap(params.text, params.origin);
  return withSourceFile(params, '.v', async (dir, file) => {
    const r = await runProcess(coqc, ['-q', file], dir, params.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal);
    if (r.missing) {
      return { steps: [], prover: { name: 'coq', available: false, message: `coqc not found (${coqc}). Install Coq: 'sudo apt-get install coq' (Debian/Ubuntu), 'brew install coq' (macOS) or opam; or set switchyard.proof.coqcPath.` } };
    }
    if (r.timedOut) return { steps: [], prover: { name: 'coq', available: true, proved: false, message: `coqc did not finish within ${params.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` } };
    const diagnostics = [...parseCoqMessages(r.stderr + r.stdout, params.text, map), ...findCoqGaps(params.text, map)];
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const gaps = diagnostics.filter((d) => d.message.startsWith('not proved')).length;
    const proved = r.code === 0 && gaps === 0;
    const message = r.code !== 0 ? `coqc failed: ${errors || 1} error(s)` : gaps ? `compiles, but ${gaps} proof(s) admitted: not proved` : 'proved by coqc';
    return { steps: [], proverDiagnostics: diagnostics, prover: { name: 'coq', available: true, proved, message } };
  });
}

interface LeanMessage {
  severity: string;
  pos: { line: number; column: number };
  endPos?: { line: number; column: number } | null;
  data: string;
}

/** Lean columns count code points; VS Code counts UTF-16 units. */
function leanOffset(text: string, map: SourceMap, line: number, column: number): number {
  const lineText = text.split('\n')[line - 1] ?? '';
  const prefix = Array.from(lineText).slice(0, column).join('');
  return map.offsetOf(line - 1, prefix.length);
}

export function parseLeanMessages(output: string, text: string, map: SourceMap): ProofDiagnostic[] {
  const out: ProofDiagnostic[] = [];
  for (const line of output.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    let msg: LeanMessage;
    try {
      msg = JSON.parse(line) as LeanMessage;
    } catch {
      continue;
    }
    const start = leanOffset(text, map, msg.pos.line, msg.pos.column);
    const end = msg.endPos ? leanOffset(text, map, msg.endPos.line, msg.endPos.column) : start;
    const sorry = /declaration uses 'sorry'/.test(msg.data);
    const severity = msg.severity === 'error' ? 'error' : msg.severity === 'warning' ? 'warning' : 'information';
    out.push({ range: map.range(start, end), severity, message: sorry ? `not proved: ${msg.data}` : msg.data });
  }
  return out;
}

async function checkLean(params: ProofCheckParams, signal?: AbortSignal): Promise<ProofCheckResult> {
  const map = new SourceMap(params.text, params.origin);
  const timeout = params.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const lake = params.provers?.lake || 'lake';
  const lean = params.provers?.lean || 'lean';
  const cwd = params.filePath ? dirname(params.filePath) : process.cwd();
  return withSourceFile(params, '.lean', async (dir, file) => {
    const path = join(dir, file);
    let r = await runProcess(lake, ['env', lean, '--json', path], cwd, timeout, signal);
    if (r.missing || (r.code !== 0 && /no such file|unknown|lakefile/i.test(r.stderr) && !r.stdout.includes('{'))) r = await runProcess(lean, ['--json', path], dir, timeout, signal);
    if (r.missing) {
      return { steps: [], prover: { name: 'lean', available: false, message: `Lean 4 not found (${lean}). Install it with elan: 'curl https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh -sSf | sh', then open a Lake project; or set switchyard.proof.leanPath.` } };
    }
    if (r.timedOut) return { steps: [], prover: { name: 'lean', available: true, proved: false, message: `lean did not finish within ${timeout} ms` } };
    const diagnostics = parseLeanMessages(r.stdout, params.text, map);
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const gaps = diagnostics.filter((d) => d.message.startsWith('not proved')).length;
    const proved = r.code === 0 && errors === 0 && gaps === 0;
    return { steps: [], proverDiagnostics: diagnostics, prover: { name: 'lean', available: true, proved, message: proved ? 'proved by lean' : errors ? `lean: ${errors} error(s)` : `${gaps} declaration(s) use sorry: not proved` } };
  });
}

export function checkWithProver(name: ProverName, params: ProofCheckParams, signal?: AbortSignal): Promise<ProofCheckResult> {
  return name === 'coq' ? checkCoq(params, signal) : checkLean(params, signal);
}

// Formal provers: `.v` files through coqc, `.lean` files through `lean --json`. Both run on a copy of the buffer in
// a fresh private temp folder that is also their cwd, never through the workspace's build scripts (`lake env` would
// run the folder's lakefile). Their positions become UTF-16 ranges; Admitted / admit / sorry count as "not proved"
// even though the prover exits 0, and each theorem's axioms are asked of the prover (prover-assumptions.ts). A
// missing prover is reported with how to install it; runs time out and stop on cancellation (prover-process.ts).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { ProofCheckParams, ProofCheckResult, ProofDiagnostic, ProverOutcome, TheoremCheck } from '../protocol';
import { findOutsideFileAccess } from './coq-file-access';
import {
  coqAssumptionCommands,
  coqTheorems,
  LEAN_FOUNDATIONS,
  leanAxiomCommands,
  leanTheorems,
  parseCoqAssumptions,
  parseLeanAxioms,
  type Dependence,
  type TheoremDecl,
} from './prover-assumptions';
import type { ProverName } from './prover-kind';
import { runProcess } from './prover-process';
import { SourceMap } from './source-map';

export { runProcess } from './prover-process';
export { proverFor, type ProverName } from './prover-kind';

const DEFAULT_TIMEOUT_MS = 60_000;

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
    out.push({
      range: map.range(m.index!, m.index! + m[0].length),
      severity: 'warning',
      message: `not proved: '${m[0]}' leaves a goal unproved`,
    });
  }
  return out;
}

async function withSourceFile<T>(
  params: ProofCheckParams,
  ext: string,
  text: string,
  fn: (dir: string, file: string) => Promise<T>,
): Promise<T> {
  // Check the buffer as the user sees it (it may be unsaved): a copy in a fresh private (0700) temp folder keeps the
  // module name, and the prover's cwd is that folder, so whatever the file writes by a relative name lands there.
  const name = params.filePath ? basename(params.filePath) : `Proof${ext}`;
  const safe = /^[A-Za-z_][A-Za-z0-9_]*\.(v|lean)$/.test(name) ? name : `Proof${ext}`;
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-proof-'));
  try {
    await writeFile(join(dir, safe), text, { encoding: 'utf8', mode: 0o600 });
    return await fn(dir, safe);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Per-theorem results -> the outcome's `theorems`, `assuming` and the words after "proved". */
function summarise(
  map: SourceMap,
  decls: TheoremDecl[],
  deps: Array<Dependence | undefined>,
  foundations: Set<string>,
): { theorems: TheoremCheck[]; assuming: string[]; unproved: TheoremCheck[]; unknown: TheoremCheck[] } {
  const theorems = decls.map((d, i): TheoremCheck => {
    const dep = deps[i];
    return {
      name: d.name,
      range: map.range(d.start, d.end),
      axioms: dep?.axioms ?? [],
      unproved: dep?.unproved ?? false,
      ...(dep ? {} : { unknown: true }),
    };
  });
  const unprovedNames = new Set(theorems.filter((t) => t.unproved).map((t) => t.name));
  const assuming = [...new Set(theorems.flatMap((t) => t.axioms))].filter(
    (a) => !foundations.has(a) && !unprovedNames.has(a),
  );
  return {
    theorems,
    assuming,
    unproved: theorems.filter((t) => t.unproved),
    unknown: theorems.filter((t) => t.unknown),
  };
}

function provedWords(prover: string, assuming: string[]): string {
  return assuming.length ? `proved by ${prover}, assuming ${assuming.join(', ')}` : `proved by ${prover}`;
}

const refusedOutcome = (name: string, message: string): ProofCheckResult => ({
  steps: [],
  proverDiagnostics: [],
  prover: { name, available: true, proved: false, refused: 'file-access', message },
});

async function checkCoq(params: ProofCheckParams, signal?: AbortSignal): Promise<ProofCheckResult> {
  const coqc = params.provers?.coqc || 'coqc';
  const map = new SourceMap(params.text, params.origin);
  const outside = findOutsideFileAccess(params.text);
  if (outside) {
    const at = map.range(outside.offset, outside.offset + outside.command.length);
    const what = outside.path ? `'${outside.command} "${outside.path}"'` : `'${outside.command}'`;
    const message = `not run: ${what} on line ${at.start.line + 1} reaches outside the folder coqc runs in`;
    return { ...refusedOutcome('coq', message), proverDiagnostics: [{ range: at, severity: 'error', message }] };
  }
  const decls = coqTheorems(params.text);
  const appended = coqAssumptionCommands(decls);
  const userLines = params.text.split('\n').length;
  const full = params.text + appended.text + '\n';
  return withSourceFile(params, '.v', full, async (dir, file) => {
    const timeout = params.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const r = await runProcess(coqc, ['-q', file], dir, timeout, signal);
    if (r.missing) {
      return {
        steps: [],
        prover: {
          name: 'coq',
          available: false,
          message: `coqc not found (${coqc}). Install Coq: 'sudo apt-get install coq' (Debian/Ubuntu), 'brew install coq' (macOS) or opam; or set switchyard.proof.coqcPath.`,
        },
      };
    }
    if (r.timedOut)
      return {
        steps: [],
        prover: { name: 'coq', available: true, proved: false, message: `coqc did not finish within ${timeout} ms` },
      };
    const all = parseCoqMessages(r.stderr + r.stdout, full, new SourceMap(full, params.origin));
    // Messages past the user's text come from the appended Print Assumptions lines: not the user's errors.
    const ours = all.filter((d) => d.range.start.line - (params.origin?.line ?? 0) >= userLines);
    const gapDiagnostics = findCoqGaps(params.text, map);
    const diagnostics = [...all.filter((d) => !ours.includes(d)), ...gapDiagnostics];
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const gaps = gapDiagnostics.length;
    const admitted = new Set(decls.flatMap((d) => [d.name, d.name.split('.').pop()!]));
    const deps = await Promise.all(
      appended.files.map((f) =>
        readFile(join(dir, f), 'utf8').then(
          (out) => parseCoqAssumptions(out, admitted),
          () => undefined,
        ),
      ),
    );
    const s = summarise(map, decls, deps, new Set());
    for (const t of s.unproved)
      diagnostics.push({
        range: t.range,
        severity: 'warning',
        message: `not proved: '${t.name}' rests on ${t.axioms.join(', ')}`,
      });
    if (r.code === 0)
      for (const t of s.unknown)
        diagnostics.push({
          range: t.range,
          severity: 'warning',
          message: `not proved: coqc could not list the assumptions of '${t.name}'`,
        });
    const failed = r.code !== 0 && ours.length === 0;
    const proved = r.code === 0 && gaps === 0 && s.unproved.length === 0 && s.unknown.length === 0;
    const message = failed
      ? `coqc failed: ${errors || 1} error(s)`
      : gaps
        ? `compiles, but ${gaps} proof(s) admitted: not proved`
        : s.unproved.length
          ? `compiles, but ${s.unproved.map((t) => `'${t.name}'`).join(', ')} rest(s) on an escape hatch: not proved`
          : s.unknown.length
            ? `compiles, but the assumptions of ${s.unknown.map((t) => `'${t.name}'`).join(', ')} could not be listed: not proved`
            : provedWords('coqc', s.assuming);
    const prover: ProverOutcome = {
      name: 'coq',
      available: true,
      proved,
      assuming: s.assuming,
      theorems: s.theorems,
      message,
    };
    return { steps: [], proverDiagnostics: diagnostics, prover };
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

function leanJson(output: string): LeanMessage[] {
  const out: LeanMessage[] = [];
  for (const line of output.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      const msg = JSON.parse(line) as LeanMessage;
      if (msg && typeof msg.data === 'string' && msg.pos && typeof msg.pos.line === 'number') out.push(msg);
    } catch {
      /* not a message line */
    }
  }
  return out;
}

/** Lean's own words for a declaration with a gap (the one place its message text is read) */
const usesSorry = (msg: LeanMessage) => /declaration uses 'sorry'/.test(msg.data);

/** Lean's JSON messages on the user's lines (1-based lines <= `userLines`, all when undefined) -> diagnostics. */
export function parseLeanMessages(output: string, text: string, map: SourceMap, userLines?: number): ProofDiagnostic[] {
  const out: ProofDiagnostic[] = [];
  for (const msg of leanJson(output)) {
    if (userLines !== undefined && msg.pos.line > userLines) continue;
    const start = leanOffset(text, map, msg.pos.line, msg.pos.column);
    const end = msg.endPos ? leanOffset(text, map, msg.endPos.line, msg.endPos.column) : start;
    const sorry = usesSorry(msg);
    const severity = msg.severity === 'error' ? 'error' : msg.severity === 'warning' ? 'warning' : 'information';
    out.push({ range: map.range(start, end), severity, message: sorry ? `not proved: ${msg.data}` : msg.data });
  }
  return out;
}

/** The lean command line: the copy in the temp folder, JSON messages; no `lake env` (it would run the lakefile). */
export function leanCommand(params: ProofCheckParams, copy: string): { cmd: string; args: string[] } {
  return { cmd: params.provers?.lean || 'lean', args: ['--json', copy] };
}

async function checkLean(params: ProofCheckParams, signal?: AbortSignal): Promise<ProofCheckResult> {
  const map = new SourceMap(params.text, params.origin);
  const timeout = params.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const decls = leanTheorems(params.text);
  const userLines = params.text.split('\n').length;
  return withSourceFile(params, '.lean', params.text + leanAxiomCommands(decls) + '\n', async (dir, file) => {
    const { cmd, args } = leanCommand(params, join(dir, file));
    const r = await runProcess(cmd, args, dir, timeout, signal);
    if (r.missing) {
      return {
        steps: [],
        prover: {
          name: 'lean',
          available: false,
          message: `Lean 4 not found (${cmd}). Install it with elan: 'curl https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh -sSf | sh'; or set switchyard.proof.leanPath.`,
        },
      };
    }
    if (r.timedOut)
      return {
        steps: [],
        prover: { name: 'lean', available: true, proved: false, message: `lean did not finish within ${timeout} ms` },
      };
    const diagnostics = parseLeanMessages(r.stdout, params.text, map, userLines);
    // `#print axioms` answers come back on the appended lines, one per theorem, in order.
    const answers = new Map<number, Dependence>();
    for (const msg of leanJson(r.stdout)) {
      const dep = msg.pos.line > userLines ? parseLeanAxioms(msg.data) : undefined;
      if (dep) answers.set(msg.pos.line - userLines - 1, dep);
    }
    const s = summarise(
      map,
      decls,
      decls.map((_, i) => answers.get(i)),
      LEAN_FOUNDATIONS,
    );
    for (const t of s.unproved)
      diagnostics.push({
        range: t.range,
        severity: 'warning',
        message: `not proved: '${t.name}' depends on ${t.axioms.join(', ')}`,
      });
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    // counted from the messages themselves, never by reading back the words this file gave the diagnostics
    const sorries = leanJson(r.stdout).filter((m) => m.pos.line <= userLines && usesSorry(m)).length;
    const gaps = sorries + s.unproved.length;
    const proved = r.code === 0 && errors === 0 && gaps === 0 && s.unknown.length === 0;
    const message = proved
      ? provedWords('lean', s.assuming)
      : errors
        ? `lean: ${errors} error(s)`
        : gaps
          ? `${gaps} declaration(s) use sorry: not proved`
          : `the axioms of ${s.unknown.map((t) => `'${t.name}'`).join(', ')} could not be listed: not proved`;
    return {
      steps: [],
      proverDiagnostics: diagnostics,
      prover: { name: 'lean', available: true, proved, assuming: s.assuming, theorems: s.theorems, message },
    };
  });
}

export function checkWithProver(
  name: ProverName,
  params: ProofCheckParams,
  signal?: AbortSignal,
): Promise<ProofCheckResult> {
  return name === 'coq' ? checkCoq(params, signal) : checkLean(params, signal);
}

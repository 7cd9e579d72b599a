// What each theorem rests on. A file that compiles may still prove nothing: `Axiom cheat : forall P, P.` makes any
// statement go through, and so do Admitted lemmas, `sorry`, switched-off checkers or `native_decide` (which trusts the
// compiler). So after the user's text we ask the prover itself, per theorem: Coq's `Print Assumptions`, Lean's
// `#print axioms`, and classify what it names.

/** Lean's own foundations: every classical Lean proof may rest on these; they are not reported as assumptions. */
export const LEAN_FOUNDATIONS = new Set(['propext', 'Classical.choice', 'Quot.sound']);
/** Lean axioms that mean "not proved" */
const LEAN_UNPROVED = new Set(['sorryAx']);

export interface TheoremDecl {
  /** the name as the prover resolves it at the end of the file (modules / namespaces included) */
  name: string;
  /** UTF-16 offsets of the name in the user's text */
  start: number;
  end: number;
}

/** Blanks out comments (nested), keeping offsets and newlines. `open`/`close` are the comment brackets. */
function maskBlockComments(text: string, open: string, close: string, lineComment?: string): string {
  const out: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith(open, i)) {
      depth++;
      out.push(' '.repeat(open.length));
      i += open.length - 1;
    } else if (depth > 0 && text.startsWith(close, i)) {
      depth--;
      out.push(' '.repeat(close.length));
      i += close.length - 1;
    } else if (depth === 0 && lineComment && text.startsWith(lineComment, i)) {
      while (i < text.length && text[i] !== '\n') out.push(text[i++] === '\n' ? '\n' : ' ');
      if (i < text.length) out.push('\n');
    } else out.push(depth > 0 && text[i] !== '\n' ? ' ' : text[i]!);
  }
  return out.join('');
}

export const maskCoqComments = (text: string): string => maskBlockComments(text, '(*', '*)');
export const maskLeanComments = (text: string): string => maskBlockComments(text, '/-', '-/', '--');

const COQ_THEOREM =
  /\b(?:Theorem|Lemma|Fact|Remark|Corollary|Proposition|Property|Example)\s+([A-Za-z_][A-Za-z0-9_']*)/g;
const COQ_SCOPE = /\b(Module(?:\s+Type)?|Section|End)\s+(?:(?:Import|Export)\s+)?([A-Za-z_][A-Za-z0-9_']*)([^.]*)\./g;

/** Coq theorems with their names qualified by the modules around them (sections add nothing to a name). */
export function coqTheorems(text: string): TheoremDecl[] {
  const masked = maskCoqComments(text);
  type Scope = { kind: 'module' | 'type' | 'section'; name: string; at: number };
  const events: Array<{ at: number; apply: (stack: Scope[]) => void }> = [];
  for (const m of masked.matchAll(COQ_SCOPE)) {
    const [, kw, name, rest] = m;
    const at = m.index!;
    if (kw === 'End') events.push({ at, apply: (s) => void (s.length && s[s.length - 1]!.name === name && s.pop()) });
    else if (!rest!.includes(':='))
      events.push({
        at,
        apply: (s) =>
          void s.push({ kind: kw === 'Section' ? 'section' : kw === 'Module' ? 'module' : 'type', name: name!, at }),
      });
  }
  const out: TheoremDecl[] = [];
  const stack: Scope[] = [];
  let e = 0;
  for (const m of masked.matchAll(COQ_THEOREM)) {
    while (e < events.length && events[e]!.at < m.index!) events[e++]!.apply(stack);
    if (stack.some((s) => s.kind === 'type')) continue; // a module type's declarations are not constants
    const prefix = stack
      .filter((s) => s.kind === 'module')
      .map((s) => `${s.name}.`)
      .join('');
    const start = m.index! + m[0].length - m[1]!.length;
    out.push({ name: prefix + m[1]!, start, end: start + m[1]!.length });
  }
  return out;
}

/** `Redirect "<file>" Print Assumptions <name>.` per theorem: each answer lands in its own file in the temp folder. */
export function coqAssumptionCommands(theorems: TheoremDecl[]): { text: string; files: string[] } {
  const files = theorems.map((_, i) => `switchyard_assumptions_${i}`);
  return {
    text: theorems.map((t, i) => `\nRedirect "${files[i]}" Print Assumptions ${t.name}.`).join(''),
    files: files.map((f) => `${f}.out`),
  };
}

export interface Dependence {
  axioms: string[];
  /** rests on an escape hatch that proves anything (an Admitted lemma, a switched-off checker, sorry) */
  unproved: boolean;
}

/**
 * One `Print Assumptions` answer: "Closed under the global context", or headings ("Axioms:") followed by entries,
 * either `name : type` (types may wrap onto indented lines) or a sentence such as "loop is assumed to be guarded.".
 * `admitted` holds the names of the file's own theorems: when one of them shows up as an axiom, it was Admitted.
 */
export function parseCoqAssumptions(output: string, admitted: Set<string>): Dependence {
  const axioms: string[] = [];
  let unproved = false;
  for (const line of output.split('\n')) {
    if (
      !line.trim() ||
      /^\s/.test(line) ||
      /^[A-Z][A-Za-z ]*:$/.test(line.trim()) ||
      /^Closed under the global context/.test(line)
    )
      continue;
    const entry = /^(\S+) : /.exec(line);
    if (entry) {
      axioms.push(entry[1]!);
      const short = entry[1]!.split('.').pop()!;
      if (admitted.has(entry[1]!) || admitted.has(short)) unproved = true;
    } else {
      axioms.push(line.trim().replace(/\.$/, ''));
      unproved = true; // "… is assumed to be guarded / positive", type-in-type: a checker was switched off
    }
  }
  return { axioms, unproved };
}

const LEAN_THEOREM =
  /^[ \t]*(?:@\[[^\]]*\]\s*)?(?:(?:private|protected|noncomputable|nonrec)\s+)*(?:theorem|lemma)\s+([^\s:({[⦃]+)/gm;
const LEAN_SCOPE = /^[ \t]*(namespace|section|end)\b[ \t]*([^\s]*)/gm;

/** Lean theorems, named with the namespaces around them. */
export function leanTheorems(text: string): TheoremDecl[] {
  const masked = maskLeanComments(text);
  const events: Array<{ at: number; kw: string; name: string }> = [];
  for (const m of masked.matchAll(LEAN_SCOPE)) events.push({ at: m.index!, kw: m[1]!, name: m[2] ?? '' });
  const stack: Array<{ ns: boolean; name: string }> = [];
  const out: TheoremDecl[] = [];
  let e = 0;
  for (const m of masked.matchAll(LEAN_THEOREM)) {
    for (; e < events.length && events[e]!.at < m.index!; e++) {
      const ev = events[e]!;
      if (ev.kw === 'end') stack.pop();
      else stack.push({ ns: ev.kw === 'namespace', name: ev.name });
    }
    const raw = m[1]!;
    const name = raw.startsWith('_root_.')
      ? raw.slice('_root_.'.length)
      : [...stack.filter((s) => s.ns).map((s) => s.name), raw].join('.');
    const start = m.index! + m[0].length - raw.length;
    out.push({ name, start, end: start + raw.length });
  }
  return out;
}

/** One `#print axioms` line per theorem after the user's text; the answers are matched back by line. */
export function leanAxiomCommands(theorems: TheoremDecl[]): string {
  return theorems.map((t) => `\n#print axioms ${t.name}`).join('');
}

/** `'A.foo' depends on axioms: [propext, sorryAx]` / `'A.foo' does not depend on any axioms` */
export function parseLeanAxioms(data: string): Dependence | undefined {
  if (/does not depend on any axioms/.test(data)) return { axioms: [], unproved: false };
  const m = /depends on axioms: \[([^\]]*)\]/.exec(data);
  if (!m) return undefined;
  const axioms = m[1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { axioms, unproved: axioms.some((a) => LEAN_UNPROVED.has(a)) };
}

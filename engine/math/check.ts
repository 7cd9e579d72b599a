// Check Proof, engine side: text -> claims -> verdicts with exact ranges. `.v` / `.lean` go to the formal provers.
// The model's critique (optional `critic`) is asked only about steps algebra could not decide and is labelled as an
// opinion; it never changes a verdict.
import Fraction from 'fraction.js';
import type { ProofCheckParams, ProofCheckResult, ProofPremise, ProofPremiseCue, ProofStep } from '../protocol';
import { type Definitions, definitionHead, hasCalculus, resolve } from './calculus';
import { OP_SYMBOL, type Claim, type Extracted, type Link, type Syntax } from './claims';
import { checkArithmetic } from './arithmetic';
import { evaluate } from './evaluate';
import { freeSymbols, symbolName, UnsupportedExpression } from './mathjson';
import { extractLatex } from './latex-steps';
import { parseMath, ParseFailure } from './parse';
import { extractPlain } from './plain-steps';
import { checkWithProver, proverFor } from './provers';
import { freshBounds, type Bounds } from './sampling';
import { SourceMap } from './source-map';
import { isNotAClaim, parseLink, proveInequality, verifyImplication, verifyRelation, type CheckContext, type Verdict } from './verify';

export interface CheckOptions {
  signal?: AbortSignal;
  critic?: (step: ProofStep, context: string) => Promise<string | undefined>;
}

export const MODEL_OPINION_LABEL = 'model opinion (not verified)';
const DEFAULT_BUDGET_MS = 120_000;

export function extractClaims(text: string, languageId: string): Extracted {
  if (languageId === 'latex' || languageId === 'tex') return extractLatex(text, false);
  if (languageId === 'markdown') return extractLatex(text, true);
  return extractPlain(text);
}

function symbolOf(text: string, syntax: Syntax): string {
  if (syntax === 'ascii') return text.trim();
  try {
    const json = parseMath(text, syntax);
    return typeof json === 'string' ? json : text.trim();
  } catch {
    return text.trim();
  }
}

/** Stated assumptions -> per-variable bounds for sampling and SMT. */
function boundsFromAssumptions(assumptions: Extracted['assumptions']): Map<string, Bounds> {
  const out = new Map<string, Bounds>();
  for (const { link, syntax } of assumptions) {
    const name = symbolOf(link.lhs.text, syntax);
    const b = out.get(name) ?? freshBounds();
    out.set(name, b);
    const rhs = link.rhs.text;
    if (rhs.startsWith('\\in ')) {
      const set = rhs.slice(4).replace(/\s+/g, '');
      if (/\\mathbb\{?N\}?/.test(set)) Object.assign(b, { integer: true, explicit: true, lower: { value: new Fraction(/_\{?0\}?|\^\{?\+\}?|\\setminus/.test(set) ? 1 : 0), strict: false } });
      else if (/\\mathbb\{?Z\}?/.test(set)) Object.assign(b, { integer: true, explicit: true });
      if (/\\mathbb\{?[RQ]\}?(\^\{?\+\}?|_\{?>0\}?|_\{?\+\}?)/.test(set)) Object.assign(b, { explicit: true, lower: { value: new Fraction(0), strict: true } });
      continue;
    }
    let value: Fraction | undefined;
    try {
      const v = evaluate(parseMath(rhs, syntax), new Map());
      value = v?.exact;
    } catch {
      value = undefined;
    }
    if (!value) continue;
    b.explicit = true;
    if (link.op === 'Greater' || link.op === 'GreaterEqual') b.lower = { value, strict: link.op === 'Greater' };
    else if (link.op === 'Less' || link.op === 'LessEqual') b.upper = { value, strict: link.op === 'Less' };
    else if (link.op === 'NotEqual') b.excluded.push(value);
  }
  return out;
}

function stepFrom(claim: Claim, map: SourceMap, verdict: Verdict): ProofStep {
  const range = map.range(claim.start, claim.end);
  return {
    line: range.start.line + 1,
    range,
    text: map.text.slice(claim.start, claim.end),
    verdict: verdict.verdict,
    detail: verdict.detail,
    ...(claim.kind === 'link' ? { sides: { left: claim.link.lhs.text, relation: OP_SYMBOL[claim.link.op], right: claim.link.rhs.text } } : {}),
    ...(claim.kind === 'implication' ? { sides: { left: claim.premiseText, relation: claim.op === 'iff' ? '⟺' : '⟹', right: claim.conclusionText } } : {}),
    ...(verdict.counterexample ? { counterexample: verdict.counterexample } : {}),
    ...(verdict.values ? { values: verdict.values } : {}),
  };
}

/** An equation read as a premise, not a claim. */
interface Reading {
  kind: ProofPremise['kind'];
  cue: ProofPremiseCue;
}

/** Tags for the second pass: a lone equation that fails may still be an equation being solved, judged by its neighbours. */
type TaggedVerdict = Verdict & {
  /** a lone equation between two non-constant expressions that fails */
  lone?: boolean;
  /** the link's free variables */
  vars?: string[];
  identity?: boolean;
  skipped?: Reading;
  /** `x = <closed expression>`: the value of x, as a solution states it */
  solvedFor?: string;
  /** a pairing of rows that turned out not to be a solving step: nothing to report */
  internal?: boolean;
};

const cueOrShape = (cue: string | undefined, shape: Extract<ProofPremiseCue, { by: 'shape' }>['shape']): ProofPremiseCue => (cue ? { by: 'word', word: cue } : { by: 'shape', shape });

async function checkLink(claim: Extract<Claim, { kind: 'link' }>, ctx: CheckContext): Promise<TaggedVerdict | undefined> {
  const link: Link = claim.link;
  if (claim.syntax === 'ascii' && link.op === 'Equal' && !/[A-Za-z]/.test(`${link.lhs.text} = ${link.rhs.text}`.replace(/(\d)\s+x\s+(?=\$?\d)/g, '$1 * ')) && /\d/.test(link.rhs.text)) {
    // closed arithmetic (a lone x between numbers is a times sign): exact, with the writer's rounding allowed
    return checkArithmetic(link.lhs.text, link.rhs.text);
  }
  // `du = 2x\,dx`: a substitution between differentials, a definition rather than a claim
  const both = link.lhs.text + ' ' + link.rhs.text;
  if (claim.syntax === 'latex' && !/\\int|\\frac\s*\{\s*\\?(mathrm\{)?d/.test(both) && /(^|[^A-Za-z\\])d[a-z](?![A-Za-z])/.test(both)) {
    return { verdict: 'unknown', detail: 'definition', skipped: { kind: 'definition', cue: cueOrShape(claim.cue, 'differentials') } };
  }
  const parsed = parseLink(link, claim.syntax);
  const lone = link.chainLength === 1 && !link.continuation;
  const shape = isNotAClaim(link, parsed);
  if (shape === 'definition') {
    const head = definitionHead(parsed.lhs);
    if (head && link.chainLength === 1) ctx.defs.set(head.name, { params: head.params, body: parsed.rhs });
  }
  // The text's own word ("solve", "let", ":=", "\text{for}") makes a lone relation a premise whatever its shape.
  const reading: Reading | undefined = shape
    ? { kind: shape, cue: cueOrShape(claim.cue, shape === 'definition' ? 'named left side' : 'constant side') }
    : lone && claim.cue && !hasCalculusText(link)
      ? { kind: claim.cue === ':=' ? 'definition' : 'condition', cue: { by: 'word', word: claim.cue } }
      : undefined;
  if (reading?.kind === 'condition' && link.op !== 'Approx') {
    // `\sin^2 x + \cos^2 x = 1` and `x^2 - 2x + 1 \ge 0` are claims when they hold for every admissible x;
    // `2x + 3 = 7` and `2x + 1 > 5` are conditions
    const v = verifyRelation(link, parsed, ctx);
    if (v.verdict === 'verified') return v;
    const proved = link.op !== 'Equal' && v.verdict === 'unknown' && !/cannot check/.test(v.detail) ? await proveInequality(link, parsed, ctx) : undefined;
    if (proved?.verdict === 'verified') return proved;
  }
  const vars = [...new Set([...freeSymbols(parsed.lhs), ...freeSymbols(parsed.rhs)])];
  if (reading) {
    const solved = symbolName(parsed.lhs);
    return { verdict: 'unknown', detail: reading.kind, skipped: reading, vars, ...(solved && link.op === 'Equal' && freeSymbols(parsed.rhs).size === 0 ? { solvedFor: solved } : {}) };
  }
  if (link.op === 'Approx') return checkApprox(link, parsed.lhs, parsed.rhs, ctx);
  let verdict = verifyRelation(link, parsed, ctx);
  if (verdict.verdict === 'unknown' && link.op !== 'Equal' && !/domain/.test(verdict.detail)) {
    verdict = (await proveInequality(link, parsed, ctx)) ?? verdict;
  }
  // A lone equation between two expressions may be an equation to solve, not a claimed identity: it is wrong only
  // when it sits in a chain, continues a row, or states a derivative/integral/sum/limit.
  const claimed = !lone || /^outside the domain/.test(verdict.detail) || (verdict.counterexample !== undefined && Object.keys(verdict.counterexample).length === 0) || link.op !== 'Equal' || /differentiating/.test(verdict.detail) || hasCalculusText(link);
  if (verdict.verdict === 'wrong' && !claimed) return { ...verdict, lone: true, vars };
  if (verdict.verdict === 'verified' && /identity holds/.test(verdict.detail)) return { ...verdict, identity: true, vars };
  return { ...verdict, vars };
}

const hasCalculusText = (link: Link) => /\\(frac\{d|int|sum|prod|lim)|d\/d[a-z]|\\mathrm\{d\}|'/.test(link.lhs.text + link.rhs.text);

/** `a \approx b`: b is a rounded or truncated to the decimals it is written with. */
function checkApprox(link: Link, lhs: unknown, rhs: unknown, ctx: CheckContext): Verdict {
  const l = evaluate(resolve(lhs as never, ctx.defs), new Map());
  const r = evaluate(resolve(rhs as never, ctx.defs), new Map());
  if (!l || !r) return { verdict: 'unknown', detail: 'approximation with free variables or undefined values' };
  const decimals = link.rhs.text.match(/\.(\d+)/)?.[1]?.length ?? 0;
  const scale = Math.pow(10, decimals);
  const x = l.exact ? l.exact.valueOf() : l.approx!;
  const y = r.exact ? r.exact.valueOf() : r.approx!;
  const near = (a: number) => Math.abs(a / scale - y) < 1e-9 * Math.max(1, Math.abs(y));
  const shown = String(Number(x.toPrecision(12)));
  return near(Math.round(x * scale)) || near(Math.trunc(x * scale))
    ? { verdict: 'verified', detail: `left side = ${shown}, which rounds to ${link.rhs.text}` }
    : { verdict: 'wrong', detail: `left side = ${shown}, which does not round to ${link.rhs.text}`, counterexample: {}, values: { left: shown, right: link.rhs.text } };
}

async function verdictFor(claim: Claim, ctx: CheckContext): Promise<TaggedVerdict | undefined> {
  try {
    if (claim.kind === 'unparsed') return { verdict: 'unparsed', detail: claim.reason };
    if (claim.kind === 'implication') return claim.implicit ? await checkSolvingStep(claim, ctx) : await verifyImplication(claim, ctx);
    return await checkLink(claim, ctx);
  } catch (err) {
    // a pairing of rows that cannot be read as a solving step is no step at all (its rows are reported themselves)
    if (claim.kind === 'implication' && claim.implicit && (err as Error).name !== 'AbortError') return { verdict: 'unknown', detail: 'not a solving step', internal: true };
    if (err instanceof ParseFailure) return { verdict: 'unparsed', detail: err.message };
    if (err instanceof UnsupportedExpression) return { verdict: 'unknown', detail: `not checkable by algebra: ${err.message}` };
    if ((err as Error).name === 'AbortError') throw err;
    return { verdict: 'unknown', detail: `not checkable by algebra: ${(err as Error).message}` };
  }
}

/**
 * Row k+1 of an equation display with no arrow: a solving step (`2x + 3 = 11` then `2x = 8`) must follow from row k.
 * Only rows in one and the same unknown qualify, and a solved row (`x = 2`) never serves as a premise, so lists of
 * values, systems of equations and definitions are left alone.
 */
async function checkSolvingStep(claim: Extract<Claim, { kind: 'implication' }>, ctx: CheckContext): Promise<TaggedVerdict> {
  const skip: TaggedVerdict = { verdict: 'unknown', detail: 'not a solving step', internal: true };
  const [premise] = claim.premise[0] ?? [];
  const [conclusion] = claim.conclusion[0] ?? [];
  if (!premise || !conclusion || claim.premise.length !== 1 || claim.premise[0]!.length !== 1) return skip;
  const p = parseLink(premise, claim.syntax);
  const c = parseLink(conclusion, claim.syntax);
  if ([p.lhs, p.rhs, c.lhs, c.rhs].some((e) => hasCalculus(e))) return skip;
  const vars = (l: { lhs: unknown; rhs: unknown }) => new Set([...freeSymbols(l.lhs as never), ...freeSymbols(l.rhs as never)]);
  const pv = vars(p), cv = vars(c);
  if (pv.size !== 1 || cv.size !== 1 || [...pv][0] !== [...cv][0]) return skip;
  const solved = (l: { lhs: unknown; rhs: unknown }) => (symbolName(l.lhs as never) !== undefined && freeSymbols(l.rhs as never).size === 0) || (symbolName(l.rhs as never) !== undefined && freeSymbols(l.lhs as never).size === 0);
  if (solved(p)) return skip;
  // an identity row is not an equation being solved
  for (const [link, parsed] of [[premise, p], [conclusion, c]] as const) if (verifyRelation(link, parsed, ctx).verdict === 'verified') return skip;
  const v = await verifyImplication(claim, ctx);
  if (v.verdict === 'unknown') return skip;
  return v.verdict === 'verified' ? { ...v, detail: 'follows from the row above (checked by the SMT solver)' } : { ...v, detail: `${v.detail.replace('does not follow', 'does not follow from the row above')}` };
}

function contextAround(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n\n', start);
  const to = text.indexOf('\n\n', end);
  return text.slice(Math.max(0, from - 600, 0), to < 0 ? text.length : to).slice(-2000);
}

export async function checkProof(params: ProofCheckParams, opts: CheckOptions = {}): Promise<ProofCheckResult> {
  const prover = proverFor(params);
  if (prover) return checkWithProver(prover, params, opts.signal);
  const map = new SourceMap(params.text, params.origin);
  const { claims, assumptions } = extractClaims(params.text, params.languageId);
  const sorted = [...assumptions].sort((a, b) => a.at - b.at);
  const ctx: CheckContext = { defs: new Map() as Definitions, bounds: new Map(), integers: new Set(), signal: opts.signal };
  const results: Array<{ claim: Claim; verdict: TaggedVerdict }> = [];
  // A long document must not hold the engine forever: past the budget, the remaining steps are reported unchecked.
  const deadline = Date.now() + (params.timeoutMs ?? DEFAULT_BUDGET_MS);
  for (const claim of claims) {
    if (opts.signal?.aborted) throw new DOMException('proof check cancelled', 'AbortError');
    if (Date.now() > deadline) {
      if (claim.kind === 'implication' && claim.implicit) continue;
      results.push({ claim, verdict: { verdict: 'unknown', detail: `not checked: the time budget of ${params.timeoutMs ?? DEFAULT_BUDGET_MS} ms ran out` } });
      continue;
    }
    // Assumptions apply from where they are stated (and a whole document's, when stated before any math).
    ctx.bounds = boundsFromAssumptions(sorted.filter((a) => a.at <= claim.start || a.at < (claims[0]?.start ?? 0)));
    const verdict = await verdictFor(claim, ctx);
    if (verdict) results.push({ claim, verdict });
  }
  const steps: ProofStep[] = [];
  const premises: ProofPremise[] = [];
  for (const [i, { claim, verdict }] of results.entries()) {
    if (verdict.internal) continue;
    const reading = verdict.skipped ?? (verdict.lone ? solvingReading(results, i, params.text) : undefined);
    if (reading) {
      premises.push(premiseFrom(claim, map, reading));
      continue;
    }
    const final: Verdict = verdict;
    const step = stepFrom(claim, map, final);
    if (step.verdict === 'unknown' && opts.critic && params.withModelCritique !== false) {
      // The opinion is optional: a model that cannot be asked (prompt too long for its context, engine busy) costs
      // this step its opinion, never the whole check. Cancellation still ends the check.
      try {
        const opinion = await opts.critic(step, contextAround(params.text, claim.start, claim.end));
        if (opinion) step.modelOpinion = `${MODEL_OPINION_LABEL}: ${opinion.trim()}`;
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        step.detail += ` (the model could not be asked: ${err instanceof Error ? err.message : String(err)})`;
      }
    }
    steps.push(step);
  }
  return { steps, ...(premises.length ? { premises } : {}) };
}

type Result = { claim: Claim; verdict: TaggedVerdict };

/**
 * A lone equation that fails is a claim, unless the derivation goes on to solve it: a solving step starts from it,
 * it is one of a system of equations written row under row, or a solution `x = 4` of one of its variables follows in
 * the same paragraph.
 */
function solvingReading(results: Result[], i: number, text: string): Reading | undefined {
  const { claim, verdict } = results[i]!;
  if (claim.kind !== 'link' || !verdict.lone) return undefined;
  const vars = new Set(verdict.vars);
  const linkResult = (link: Link) => results.find((r) => r.claim.kind === 'link' && r.claim.link === link);
  for (const r of results) {
    if (r.claim.kind !== 'implication' || !r.claim.implicit) continue;
    const premise = r.claim.premise[0]?.[0], conclusion = r.claim.conclusion[0]?.[0];
    if (premise !== claim.link && conclusion !== claim.link) continue;
    if (!r.verdict.internal) return { kind: 'condition', cue: { by: 'shape', shape: 'solved below' } };
    const other = linkResult(premise === claim.link ? conclusion! : premise!)?.verdict;
    if (other && !other.identity && (other.vars ?? []).some((v) => vars.has(v))) return { kind: 'condition', cue: { by: 'shape', shape: 'system of equations' } };
  }
  const next = results.slice(i + 1).find((r) => r.claim.kind === 'link');
  if (next?.verdict.solvedFor && vars.has(next.verdict.solvedFor) && !/\n\s*\n/.test(text.slice(claim.end, next.claim.start))) {
    return { kind: 'condition', cue: { by: 'shape', shape: 'solved below' } };
  }
  return undefined;
}

function premiseFrom(claim: Claim, map: SourceMap, reading: Reading): ProofPremise {
  const range = map.range(claim.start, claim.end);
  return { kind: reading.kind, cue: reading.cue, line: range.start.line + 1, range, text: map.text.slice(claim.start, claim.end) };
}

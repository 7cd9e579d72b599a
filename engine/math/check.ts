// Check Proof, engine side: text -> claims -> verdicts with exact ranges. `.v` / `.lean` go to the formal provers.
// The model's critique (optional `critic`) is asked only about steps algebra could not decide and is labelled as an
// opinion; it never changes a verdict.
import Fraction from 'fraction.js';
import type { ProofCheckParams, ProofCheckResult, ProofPremise, ProofPremiseCue, ProofStep } from '../protocol';
import { type Definitions, definitionHead, hasCalculus, resolve } from './calculus';
import { OP_SYMBOL, type Claim, type Extracted, type Link, type Syntax } from './claims';
import { checkArithmetic } from './arithmetic';
import { evaluate } from './evaluate';
import { freeSymbols, symbolName } from './mathjson';
import { extractLatex } from './latex-steps';
import { parseMath } from './parse';
import { extractPlain } from './plain-steps';
import { checkWithProver, proverFor } from './provers';
import { freshBounds, type Bounds } from './sampling';
import { SourceMap } from './source-map';
import {
  errorVerdict,
  isNotAClaim,
  parseLink,
  proveInequality,
  verifyImplication,
  verifyRelation,
  type CheckContext,
  type Verdict,
} from './verify';

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
      if (/\\mathbb\{?N\}?/.test(set))
        Object.assign(b, {
          integer: true,
          explicit: true,
          lower: { value: new Fraction(/_\{?0\}?|\^\{?\+\}?|\\setminus/.test(set) ? 1 : 0), strict: false },
        });
      else if (/\\mathbb\{?Z\}?/.test(set)) Object.assign(b, { integer: true, explicit: true });
      if (/\\mathbb\{?[RQ]\}?(\^\{?\+\}?|_\{?>0\}?|_\{?\+\}?)/.test(set))
        Object.assign(b, { explicit: true, lower: { value: new Fraction(0), strict: true } });
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
    reason: verdict.reason,
    detail: verdict.detail,
    ...(claim.kind === 'link'
      ? { sides: { left: claim.link.lhs.text, relation: OP_SYMBOL[claim.link.op], right: claim.link.rhs.text } }
      : {}),
    ...(claim.kind === 'implication'
      ? { sides: { left: claim.premiseText, relation: claim.op === 'iff' ? '⟺' : '⟹', right: claim.conclusionText } }
      : {}),
    ...(verdict.counterexample ? { counterexample: verdict.counterexample } : {}),
    ...(verdict.values ? { values: verdict.values } : {}),
  };
}

/** An equation read as a premise, not a claim. */
interface Reading {
  kind: ProofPremise['kind'];
  cue: ProofPremiseCue;
}

/**
 * What one claim came to: a step with its verdict, an equation read as a premise, or a pairing of rows that turned
 * out not to be a solving step (nothing to report). The tags serve the second pass: a lone equation that fails may
 * still be an equation being solved, judged by its neighbours.
 */
type Outcome =
  | (Verdict & {
      kind: 'step';
      /** a lone equation between two non-constant expressions that fails */
      lone?: boolean;
      /** the link's free variables */
      vars?: string[];
    })
  | {
      kind: 'premise';
      reading: Reading;
      vars?: string[];
      /** `x = <closed expression>`: the value of x, as a solution states it */
      solvedFor?: string;
    }
  | { kind: 'no-step' };

const asStep = (verdict: Verdict, tags: { lone?: boolean; vars?: string[] } = {}): Outcome => ({
  kind: 'step',
  ...verdict,
  ...tags,
});

const cueOrShape = (
  cue: string | undefined,
  shape: Extract<ProofPremiseCue, { by: 'shape' }>['shape'],
): ProofPremiseCue => (cue ? { by: 'word', word: cue } : { by: 'shape', shape });

async function checkLink(claim: Extract<Claim, { kind: 'link' }>, ctx: CheckContext): Promise<Outcome> {
  const link: Link = claim.link;
  if (
    claim.syntax === 'ascii' &&
    link.op === 'Equal' &&
    !/[A-Za-z]/.test(`${link.lhs.text} = ${link.rhs.text}`.replace(/(\d)\s+x\s+(?=\$?\d)/g, '$1 * ')) &&
    /\d/.test(link.rhs.text)
  ) {
    // closed arithmetic (a lone x between numbers is a times sign): exact, with the writer's rounding allowed
    return asStep(checkArithmetic(link.lhs.text, link.rhs.text));
  }
  // `du = 2x\,dx`: a substitution between differentials, a definition rather than a claim
  const both = link.lhs.text + ' ' + link.rhs.text;
  if (
    claim.syntax === 'latex' &&
    !/\\int|\\frac\s*\{\s*\\?(mathrm\{)?d/.test(both) &&
    /(^|[^A-Za-z\\])d[a-z](?![A-Za-z])/.test(both)
  ) {
    return { kind: 'premise', reading: { kind: 'definition', cue: cueOrShape(claim.cue, 'differentials') } };
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
    if (v.verdict === 'verified') return asStep(v);
    const proved =
      link.op !== 'Equal' && v.verdict === 'unknown' && v.reason !== 'few-domain-points'
        ? await proveInequality(link, parsed, ctx)
        : undefined;
    if (proved?.verdict === 'verified') return asStep(proved);
  }
  const vars = [...new Set([...freeSymbols(parsed.lhs), ...freeSymbols(parsed.rhs)])];
  if (reading) {
    const solved = symbolName(parsed.lhs);
    return {
      kind: 'premise',
      reading,
      vars,
      ...(solved && link.op === 'Equal' && freeSymbols(parsed.rhs).size === 0 ? { solvedFor: solved } : {}),
    };
  }
  if (link.op === 'Approx') return asStep(checkApprox(link, parsed.lhs, parsed.rhs, ctx));
  let verdict = verifyRelation(link, parsed, ctx);
  if (verdict.verdict === 'unknown' && link.op !== 'Equal' && verdict.reason !== 'few-domain-points') {
    verdict = (await proveInequality(link, parsed, ctx)) ?? verdict;
  }
  // A lone equation between two expressions may be an equation to solve, not a claimed identity: it is wrong only
  // when it sits in a chain, continues a row, or states a derivative/integral/sum/limit.
  const claimed =
    !lone ||
    verdict.reason === 'outside-domain' ||
    (verdict.counterexample !== undefined && Object.keys(verdict.counterexample).length === 0) ||
    link.op !== 'Equal' ||
    verdict.differentiated !== undefined ||
    hasCalculusText(link);
  return asStep(verdict, { vars, ...(verdict.verdict === 'wrong' && !claimed ? { lone: true } : {}) });
}

const hasCalculusText = (link: Link) =>
  /\\(frac\{d|int|sum|prod|lim)|d\/d[a-z]|\\mathrm\{d\}|'/.test(link.lhs.text + link.rhs.text);

/** `a \approx b`: b is a rounded or truncated to the decimals it is written with. */
function checkApprox(link: Link, lhs: unknown, rhs: unknown, ctx: CheckContext): Verdict {
  const l = evaluate(resolve(lhs as never, ctx.defs), new Map());
  const r = evaluate(resolve(rhs as never, ctx.defs), new Map());
  if (!l || !r)
    return {
      verdict: 'unknown',
      reason: 'free-variables',
      detail: 'approximation with free variables or undefined values',
    };
  const decimals = link.rhs.text.match(/\.(\d+)/)?.[1]?.length ?? 0;
  const scale = Math.pow(10, decimals);
  const x = l.exact ? l.exact.valueOf() : l.approx!;
  const y = r.exact ? r.exact.valueOf() : r.approx!;
  const near = (a: number) => Math.abs(a / scale - y) < 1e-9 * Math.max(1, Math.abs(y));
  const shown = String(Number(x.toPrecision(12)));
  return near(Math.round(x * scale)) || near(Math.trunc(x * scale))
    ? { verdict: 'verified', reason: 'rounds', detail: `left side = ${shown}, which rounds to ${link.rhs.text}` }
    : {
        verdict: 'wrong',
        reason: 'does-not-round',
        detail: `left side = ${shown}, which does not round to ${link.rhs.text}`,
        counterexample: {},
        values: { left: shown, right: link.rhs.text },
      };
}

async function outcomeOf(claim: Claim, ctx: CheckContext): Promise<Outcome> {
  try {
    if (claim.kind === 'unparsed') return asStep({ verdict: 'unparsed', reason: 'unreadable', detail: claim.reason });
    if (claim.kind === 'implication')
      return claim.implicit ? await checkSolvingStep(claim, ctx) : asStep(await verifyImplication(claim, ctx));
    return await checkLink(claim, ctx);
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    // a pairing of rows that cannot be read as a solving step is no step at all (its rows are reported themselves)
    if (claim.kind === 'implication' && claim.implicit) return { kind: 'no-step' };
    return asStep(errorVerdict(err));
  }
}

/**
 * Row k+1 of an equation display with no arrow: a solving step (`2x + 3 = 11` then `2x = 8`) must follow from row k.
 * Only rows in one and the same unknown qualify, and a solved row (`x = 2`) never serves as a premise, so lists of
 * values, systems of equations and definitions are left alone.
 */
async function checkSolvingStep(claim: Extract<Claim, { kind: 'implication' }>, ctx: CheckContext): Promise<Outcome> {
  const skip: Outcome = { kind: 'no-step' };
  const [premise] = claim.premise[0] ?? [];
  const [conclusion] = claim.conclusion[0] ?? [];
  if (!premise || !conclusion || claim.premise.length !== 1 || claim.premise[0]!.length !== 1) return skip;
  const p = parseLink(premise, claim.syntax);
  const c = parseLink(conclusion, claim.syntax);
  if ([p.lhs, p.rhs, c.lhs, c.rhs].some((e) => hasCalculus(e))) return skip;
  const vars = (l: { lhs: unknown; rhs: unknown }) =>
    new Set([...freeSymbols(l.lhs as never), ...freeSymbols(l.rhs as never)]);
  const pv = vars(p),
    cv = vars(c);
  if (pv.size !== 1 || cv.size !== 1 || [...pv][0] !== [...cv][0]) return skip;
  const solved = (l: { lhs: unknown; rhs: unknown }) =>
    (symbolName(l.lhs as never) !== undefined && freeSymbols(l.rhs as never).size === 0) ||
    (symbolName(l.rhs as never) !== undefined && freeSymbols(l.lhs as never).size === 0);
  if (solved(p)) return skip;
  // an identity row is not an equation being solved
  for (const [link, parsed] of [
    [premise, p],
    [conclusion, c],
  ] as const)
    if (verifyRelation(link, parsed, ctx).verdict === 'verified') return skip;
  const v = await verifyImplication(claim, ctx, 'the row above');
  if (v.verdict === 'unknown') return skip;
  return asStep(
    v.verdict === 'verified' ? { ...v, detail: 'follows from the row above (checked by the SMT solver)' } : v,
  );
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
  // A long document must not hold the engine forever: past the budget, the remaining steps are reported unchecked.
  const deadline = Date.now() + (params.timeoutMs ?? DEFAULT_BUDGET_MS);
  const ctx: CheckContext = {
    defs: new Map() as Definitions,
    bounds: new Map(),
    integers: new Set(),
    signal: opts.signal,
    deadline,
  };
  const results: Result[] = [];
  for (const claim of claims) {
    if (opts.signal?.aborted) throw new DOMException('proof check cancelled', 'AbortError');
    if (Date.now() > deadline) {
      if (claim.kind === 'implication' && claim.implicit) continue;
      results.push({
        claim,
        outcome: asStep({
          verdict: 'unknown',
          reason: 'time-budget',
          detail: `not checked: the time budget of ${params.timeoutMs ?? DEFAULT_BUDGET_MS} ms ran out`,
        }),
      });
      continue;
    }
    // Assumptions apply from where they are stated (and a whole document's, when stated before any math).
    ctx.bounds = boundsFromAssumptions(sorted.filter((a) => a.at <= claim.start || a.at < (claims[0]?.start ?? 0)));
    results.push({ claim, outcome: await outcomeOf(claim, ctx) });
  }
  const steps: ProofStep[] = [];
  const premises: ProofPremise[] = [];
  for (const [i, { claim, outcome }] of results.entries()) {
    if (outcome.kind === 'no-step') continue;
    const reading =
      outcome.kind === 'premise' ? outcome.reading : outcome.lone ? solvingReading(results, i, params.text) : undefined;
    if (reading) {
      premises.push(premiseFrom(claim, map, reading));
      continue;
    }
    if (outcome.kind !== 'step') continue;
    const step = stepFrom(claim, map, outcome);
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

type Result = { claim: Claim; outcome: Outcome };

/**
 * A lone equation that fails is a claim, unless the derivation goes on to solve it: a solving step starts from it,
 * it is one of a system of equations written row under row, or a solution `x = 4` of one of its variables follows in
 * the same paragraph.
 */
function solvingReading(results: Result[], i: number, text: string): Reading | undefined {
  const { claim, outcome } = results[i]!;
  if (claim.kind !== 'link' || outcome.kind !== 'step' || !outcome.lone) return undefined;
  const vars = new Set(outcome.vars);
  const linkResult = (link: Link) => results.find((r) => r.claim.kind === 'link' && r.claim.link === link);
  const isIdentity = (o: Outcome) => o.kind === 'step' && o.reason === 'identity-sampled';
  const varsOf = (o: Outcome) => (o.kind === 'no-step' ? [] : (o.vars ?? []));
  for (const r of results) {
    if (r.claim.kind !== 'implication' || !r.claim.implicit) continue;
    const premise = r.claim.premise[0]?.[0],
      conclusion = r.claim.conclusion[0]?.[0];
    if (premise !== claim.link && conclusion !== claim.link) continue;
    if (r.outcome.kind !== 'no-step') return { kind: 'condition', cue: { by: 'shape', shape: 'solved below' } };
    const other = linkResult(premise === claim.link ? conclusion! : premise!)?.outcome;
    if (other && !isIdentity(other) && varsOf(other).some((v) => vars.has(v)))
      return { kind: 'condition', cue: { by: 'shape', shape: 'system of equations' } };
  }
  const next = results.slice(i + 1).find((r) => r.claim.kind === 'link');
  const solvedFor = next?.outcome.kind === 'premise' ? next.outcome.solvedFor : undefined;
  if (next && solvedFor && vars.has(solvedFor) && !/\n\s*\n/.test(text.slice(claim.end, next.claim.start))) {
    return { kind: 'condition', cue: { by: 'shape', shape: 'solved below' } };
  }
  return undefined;
}

function premiseFrom(claim: Claim, map: SourceMap, reading: Reading): ProofPremise {
  const range = map.range(claim.start, claim.end);
  return {
    kind: reading.kind,
    cue: reading.cue,
    line: range.start.line + 1,
    range,
    text: map.text.slice(claim.start, claim.end),
  };
}

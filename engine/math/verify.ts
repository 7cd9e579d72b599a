// Verdicts for one claim. Identities: exact evaluation at random rational points (integer points for sum indices),
// a counterexample is a point where both sides are defined and differ. Inequalities: sampling for a counterexample,
// then Z3 for a proof. Implications: Z3 searches premise ∧ ¬conclusion, and its model is re-evaluated here before
// it is reported. Every "wrong" comes with the point and both sides' values.
import type { StepReason, StepVerdict } from '../protocol';
import { OP_SYMBOL, type Claim, type Formula, type Link, type RelationOp, type Syntax } from './claims';
import { derivativeOfSide, hasCalculus, indefiniteIntegralVariable, resolve, type Definitions } from './calculus';
import { evaluate, EVALUATION_WORK, refuseBeyond, withEvaluationWork } from './evaluate';
import { freeSymbols, headOf, symbolName, UnsupportedExpression, WorkLimit, type MathJson } from './mathjson';
import { formatValue, toNumber, type Env, type Value } from './values';
import { computeEngine, parseMath, ParseFailure } from './parse';
import { samplePoints, type Bounds } from './sampling';
import { findCounterModel, type SmtAtom, type SmtFormula } from './smt';
import Fraction from 'fraction.js';

/** A verdict and its reason as kinds (every decision reads these); `detail` is the same in words, for display only. */
export interface Verdict {
  verdict: StepVerdict;
  reason: StepReason;
  detail: string;
  /** an antiderivative claim, checked by differentiating both sides with respect to this variable */
  differentiated?: string;
  counterexample?: Record<string, string>;
  /** both sides at the counterexample */
  values?: { left: string; right: string };
}

export interface CheckContext {
  defs: Definitions;
  bounds: Map<string, Bounds>;
  /** variables seen as sum/product bounds anywhere earlier: integers in the rest of the derivation too */
  integers?: Set<string>;
  signal?: AbortSignal;
  /** when the whole check's time budget runs out (ms since the epoch): the SMT solver gets no more than what is left */
  deadline?: number;
}

const SMT_TIMEOUT_MS = 4000;
const smtTimeout = (ctx: CheckContext) =>
  ctx.deadline === undefined ? SMT_TIMEOUT_MS : Math.max(100, Math.min(SMT_TIMEOUT_MS, ctx.deadline - Date.now()));

const IDENTITY_POINTS = 16;
/** evaluated nodes for all sample points of one relation together (see evaluate.ts's EVALUATION_WORK) */
const STEP_EVALUATION_WORK = 2 * EVALUATION_WORK;
const MIN_VALID_POINTS = 6;

type Comparison = 'equal' | 'different' | 'unclear';

export function compareValues(a: Value, b: Value): Comparison {
  if (a.exact && b.exact) return a.exact.equals(b.exact) ? 'equal' : 'different';
  const x = toNumber(a),
    y = toNumber(b);
  const diff = Math.abs(x - y);
  const scale = Math.max(1, Math.abs(x), Math.abs(y));
  const tol = Math.max(a.tol ?? 0, b.tol ?? 0, 1e-10 * scale);
  if (diff <= tol) return 'equal';
  if (diff > 1000 * tol && diff > 1e-7 * scale) return 'different';
  return 'unclear';
}

/** Whether `left op right` holds; undefined when too close to call in floating point. */
function holds(op: RelationOp, left: Value, right: Value): boolean | undefined {
  const c = compareValues(left, right);
  if (op === 'Equal') return c === 'unclear' ? undefined : c === 'equal';
  if (op === 'NotEqual') return c === 'unclear' ? undefined : c === 'different';
  if (c === 'unclear') return undefined;
  if (c === 'equal') return op === 'LessEqual' || op === 'GreaterEqual';
  const less =
    toNumber(left) < toNumber(right) ||
    (left.exact !== undefined && right.exact !== undefined && left.exact.compare(right.exact) < 0);
  return op === 'Less' || op === 'LessEqual' ? less : !less;
}

const pointRecord = (env: Env, vars: string[]): Record<string, string> =>
  Object.fromEntries(vars.map((v) => [v, formatValue(env.get(v))]));

const describePoint = (cx: Record<string, string>) =>
  Object.keys(cx).length
    ? `at ${Object.entries(cx)
        .map(([k, v]) => `${k} = ${v}`)
        .join(', ')}`
    : '';

export interface ParsedLink {
  lhs: MathJson;
  rhs: MathJson;
}

/** Parse both sides; ParseFailure -> unparsed. */
export function parseLink(link: Link, syntax: Syntax): ParsedLink {
  return { lhs: parseMath(link.lhs.text, syntax), rhs: parseMath(link.rhs.text, syntax) };
}

/** Variables that only take integer values: sum/product bounds, factorial and binomial arguments, stated ℕ/ℤ. */
export function integerVariables(e: MathJson, out = new Set<string>()): Set<string> {
  if (!Array.isArray(e)) return out;
  const head = e[0];
  if (head === 'Limits' && e.length >= 4) for (const b of e.slice(2)) for (const s of freeSymbols(b)) out.add(s);
  if (head === 'Factorial' || head === 'Binomial')
    for (const a of e.slice(1)) for (const s of freeSymbols(a)) out.add(s);
  if (head === 'Power' && typeof e[1] === 'number' && e[1] < 0) for (const s of freeSymbols(e[2]!)) out.add(s);
  for (const a of e.slice(1)) integerVariables(a, out);
  return out;
}

function boundsFor(vars: string[], ints: Set<string>, ctx: CheckContext): Map<string, Bounds> {
  const out = new Map<string, Bounds>();
  for (const v of vars) {
    const b = ctx.bounds.get(v);
    out.set(v, { excluded: [], explicit: false, ...b, integer: (b?.integer ?? false) || ints.has(v) });
  }
  return out;
}

/**
 * Is `lhs op rhs` true for all admissible values? Returns a verdict, or undefined when the link is not a claim
 * (a definition `f(x) = …`, a condition `2x + 3 = 7`).
 */
export function verifyRelation(link: Link, parsed: ParsedLink, ctx: CheckContext): Verdict {
  return withEvaluationWork(STEP_EVALUATION_WORK, () => sampleRelation(link, parsed, ctx));
}

function sampleRelation(link: Link, parsed: ParsedLink, ctx: CheckContext): Verdict {
  const { op } = link;
  let lhs = resolve(parsed.lhs, ctx.defs);
  let rhs = resolve(parsed.rhs, ctx.defs);
  let what = '';
  const integralVar = op === 'Equal' ? (indefiniteIntegralVariable(lhs) ?? indefiniteIntegralVariable(rhs)) : undefined;
  if (integralVar) {
    // ∫ f dx = F (+ C) holds iff F' = f: compare derivatives, so a dropped constant of integration is fine.
    lhs = derivativeOfSide(lhs, integralVar);
    rhs = derivativeOfSide(rhs, integralVar);
    what = ` (differentiating both sides with respect to ${integralVar})`;
  }
  const how = integralVar ? { differentiated: integralVar } : {};
  const vars = [...new Set([...freeSymbols(lhs), ...freeSymbols(rhs)])].sort();
  const ints = new Set([...integerVariables(lhs), ...integerVariables(rhs), ...(ctx.integers ?? [])]);
  for (const v of ints) ctx.integers?.add(v);
  const bounds = boundsFor(vars, ints, ctx);
  const explicit = vars.some((v) => bounds.get(v)?.explicit);
  const points = vars.length === 0 ? [new Map() as Env] : samplePoints(vars, bounds, IDENTITY_POINTS);
  refuseBeyond(STEP_EVALUATION_WORK, points.length, lhs, rhs);
  let valid = 0;
  let unclear = 0;
  for (const env of points) {
    if (ctx.signal?.aborted) throw new DOMException('proof check cancelled', 'AbortError');
    const l = evaluate(lhs, env);
    const r = evaluate(rhs, env);
    if (!l || !r) {
      if (explicit && (l || r) && vars.every((v) => bounds.get(v)?.explicit)) {
        const cx = pointRecord(env, vars);
        return {
          verdict: 'wrong',
          reason: 'outside-domain',
          // the point and both values are in their own fields (the editor's message is built from them)
          detail: `outside the domain: the ${l ? 'right' : 'left'} side is undefined there${what}`,
          counterexample: cx,
          values: { left: formatValue(l), right: formatValue(r) },
          ...how,
        };
      }
      continue;
    }
    const ok = holds(op, l, r);
    if (ok === undefined) {
      unclear++;
      continue;
    }
    valid++;
    if (!ok) {
      const cx = pointRecord(env, vars);
      return {
        verdict: 'wrong',
        reason: 'sides-differ',
        detail: `the two sides differ${what}`,
        counterexample: cx,
        values: { left: formatValue(l), right: formatValue(r) },
        ...how,
      };
    }
  }
  if (vars.length === 0) {
    if (valid === 1)
      return {
        verdict: 'verified',
        reason: 'evaluates-equal',
        detail: `both sides evaluate to ${describeClosed(lhs, rhs)}`,
        ...how,
      };
    return unclear
      ? {
          verdict: 'unknown',
          reason: 'float-precision',
          detail: 'the two sides agree only to floating-point precision',
          ...how,
        }
      : { verdict: 'unknown', reason: 'no-real-value', detail: 'a side has no real value', ...how };
  }
  if (valid < MIN_VALID_POINTS) {
    return {
      verdict: 'unknown',
      reason: 'few-domain-points',
      detail: `only ${valid} of ${points.length} sample points are in the domain of both sides: cannot check`,
      ...how,
    };
  }
  if (op === 'Equal') {
    const symbolic = simplifiesToZero(lhs, rhs) ? 'simplifies symbolically to a true identity; ' : '';
    return {
      verdict: 'verified',
      reason: 'identity-sampled',
      detail: `${symbolic}identity holds at ${valid} random ${ints.size ? 'integer/' : ''}rational points in ${vars.join(', ')}${what}`,
      ...how,
    };
  }
  return {
    verdict: 'unknown',
    reason: 'no-counterexample',
    detail: `no counterexample at ${valid} sample points (not proved)`,
    ...how,
  };
}

/** The CAS's own simplification of lhs - rhs (reported alongside sampling, never instead of it). */
function simplifiesToZero(lhs: MathJson, rhs: MathJson): boolean {
  try {
    return (
      computeEngine()
        .box(['Subtract', lhs, rhs] as never)
        .simplify()
        .is(0) === true
    );
  } catch {
    return false;
  }
}

function describeClosed(lhs: MathJson, rhs: MathJson): string {
  const l = evaluate(lhs, new Map());
  const r = evaluate(rhs, new Map());
  return l && r ? `${formatValue(l)}${l.exact && r.exact ? '' : ` ≈ ${formatValue(r)}`}` : 'the same value';
}

/** Free symbols of a formula's atoms. */
function formulaSymbols(f: SmtFormula): string[] {
  const out = new Set<string>();
  for (const conj of f)
    for (const a of conj) for (const e of [a.lhs, a.rhs]) for (const s of freeSymbols(e)) out.add(s);
  return [...out].sort();
}

function parseFormula(f: Formula, syntax: Syntax, ctx: CheckContext): SmtFormula {
  return f.map((conj) =>
    conj.map((link) => {
      const p = parseLink(link, syntax);
      return { op: link.op, lhs: resolve(p.lhs, ctx.defs), rhs: resolve(p.rhs, ctx.defs) } satisfies SmtAtom;
    }),
  );
}

function formulaHolds(f: SmtFormula, env: Env): boolean | undefined {
  let anyUnknown = false;
  for (const conj of f) {
    let all = true;
    for (const a of conj) {
      const l = evaluate(a.lhs, env),
        r = evaluate(a.rhs, env);
      const h = l && r ? holds(a.op, l, r) : undefined;
      if (h === undefined) anyUnknown = true;
      if (h !== true) all = false;
    }
    if (all) return true;
  }
  return anyUnknown ? undefined : false;
}

/** Bounds as SMT hypotheses. */
function boundAtoms(vars: string[], ctx: CheckContext): SmtFormula[] {
  const out: SmtFormula[] = [];
  for (const v of vars) {
    const b = ctx.bounds.get(v);
    if (!b) continue;
    if (b.lower)
      out.push([
        [
          {
            op: b.lower.strict ? 'Greater' : 'GreaterEqual',
            lhs: v,
            rhs: ['Rational', Number(b.lower.value.s * b.lower.value.n), Number(b.lower.value.d)],
          },
        ],
      ]);
    if (b.upper)
      out.push([
        [
          {
            op: b.upper.strict ? 'Less' : 'LessEqual',
            lhs: v,
            rhs: ['Rational', Number(b.upper.value.s * b.upper.value.n), Number(b.upper.value.d)],
          },
        ],
      ]);
    for (const e of b.excluded)
      out.push([[{ op: 'NotEqual', lhs: v, rhs: ['Rational', Number(e.s * e.n), Number(e.d)] }]]);
  }
  return out;
}

function envFromModel(model: Record<string, string>, vars: string[]): Env | undefined {
  const env = new Map<string, Value>();
  for (const v of vars) {
    const s = model[v] ?? '0';
    if (/^-?\d+(\/\d+)?$/.test(s)) env.set(v, { exact: new Fraction(s) });
    else if (Number.isFinite(Number(s))) env.set(v, { approx: Number(s) });
    else return undefined;
  }
  return env;
}

/** P ⇒ Q (and Q ⇒ P for ⟺) by Z3, each counter-model confirmed by evaluation; `premiseName` words a failure. */
export async function verifyImplication(
  claim: Extract<Claim, { kind: 'implication' }>,
  ctx: CheckContext,
  premiseName?: string,
): Promise<Verdict> {
  const premise = parseFormula(claim.premise, claim.syntax, ctx);
  const conclusion = parseFormula(claim.conclusion, claim.syntax, ctx);
  const directions: Array<[SmtFormula, SmtFormula, string]> = [[premise, conclusion, '']];
  if (claim.op === 'iff') directions.push([conclusion, premise, ' (converse direction)']);
  for (const [p, q, label] of directions) {
    const vars = [...new Set([...formulaSymbols(p), ...formulaSymbols(q)])].sort();
    const outcome = await findCounterModel([p, ...boundAtoms(vars, ctx)], q, new Set(), smtTimeout(ctx));
    if (outcome.status === 'unknown') return { verdict: 'unknown', reason: 'smt-undecided', detail: outcome.reason };
    if (outcome.status === 'sat') {
      const env = envFromModel(outcome.model, vars);
      const cx = Object.fromEntries(vars.map((v) => [v, outcome.model[v] ?? '0']));
      if (env && formulaHolds(p, env) === true && formulaHolds(q, env) === false) {
        return {
          verdict: 'wrong',
          reason: 'does-not-follow',
          detail: `does not follow${premiseName ? ` from ${premiseName}` : ''}${label}: the premise holds there but the conclusion fails`,
          counterexample: cx,
        };
      }
      return {
        verdict: 'unknown',
        reason: 'smt-undecided',
        detail: `the SMT solver found a candidate counterexample ${describePoint(cx)} that could not be confirmed by evaluation`,
      };
    }
  }
  return {
    verdict: 'verified',
    reason: 'smt-proved',
    detail:
      claim.op === 'iff'
        ? 'equivalence proved by the SMT solver (both directions)'
        : 'implication proved by the SMT solver',
  };
}

/** For inequalities without a sampled counterexample: try to prove them for all admissible values. */
export async function proveInequality(link: Link, parsed: ParsedLink, ctx: CheckContext): Promise<Verdict | undefined> {
  const lhs = resolve(parsed.lhs, ctx.defs);
  const rhs = resolve(parsed.rhs, ctx.defs);
  const vars = [...new Set([...freeSymbols(lhs), ...freeSymbols(rhs)])].sort();
  const outcome = await findCounterModel(
    boundAtoms(vars, ctx),
    [[{ op: link.op, lhs, rhs }]],
    new Set(),
    smtTimeout(ctx),
  );
  if (outcome.status === 'unsat')
    return {
      verdict: 'verified',
      reason: 'smt-proved',
      detail: `${OP_SYMBOL[link.op]} proved for all admissible ${vars.join(', ')} by the SMT solver`,
    };
  if (outcome.status === 'sat') {
    const env = envFromModel(outcome.model, vars);
    const l = env && evaluate(lhs, env),
      r = env && evaluate(rhs, env);
    if (l && r && holds(link.op, l, r) === false) {
      const cx = Object.fromEntries(vars.map((v) => [v, outcome.model[v]!]));
      return {
        verdict: 'wrong',
        reason: 'sides-differ',
        detail: `the two sides are not ${OP_SYMBOL[link.op]}-related there (found by the SMT solver)`,
        counterexample: cx,
        values: { left: formatValue(l), right: formatValue(r) },
      };
    }
  }
  return undefined;
}

/** A definition `f(x) = …` / `y = …` or a condition `2x + 3 = 7`: not a claim to check. */
export function isNotAClaim(link: Link, parsed: ParsedLink): 'definition' | 'condition' | undefined {
  if (hasCalculus(parsed.lhs) || hasCalculus(parsed.rhs)) return undefined;
  const l = freeSymbols(parsed.lhs),
    r = freeSymbols(parsed.rhs);
  if (l.size === 0 && r.size === 0) return undefined;
  const lhsName = symbolName(parsed.lhs);
  if (
    link.op === 'Equal' &&
    !link.continuation &&
    (lhsName !== undefined || headOf(parsed.lhs)?.match(/^[A-Za-z]$/)) &&
    !(lhsName && r.has(lhsName))
  ) {
    return 'definition';
  }
  if (l.size === 0 || r.size === 0) return 'condition';
  return undefined;
}

/** An error raised while checking one step, as that step's verdict: unreadable, too much work, or not algebra. */
export function errorVerdict(err: unknown): Verdict {
  if (err instanceof ParseFailure) return { verdict: 'unparsed', reason: 'unreadable', detail: err.message };
  if (err instanceof WorkLimit)
    return { verdict: 'unknown', reason: 'work-limit', detail: `not checkable: ${err.message}` };
  return {
    verdict: 'unknown',
    reason: 'not-algebra',
    detail: `not checkable by algebra: ${err instanceof Error ? err.message : String(err)}`,
  };
}

export { ParseFailure, UnsupportedExpression };

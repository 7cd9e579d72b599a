// The limiting processes the evaluator approximates in double precision, each with an error bound (`tol`): definite
// integrals, limits and infinite sums. They evaluate their body through the `evaluate` they are handed (evaluate.ts
// calls them), so the two modules do not import each other.
import Fraction from 'fraction.js';
import { headOf, symbolName, UnsupportedExpression, type MathJson } from './mathjson';
import { exact, isInteger, toNumber, type Env, type Value } from './values';

export type Evaluate = (e: MathJson, env: Env) => Value | undefined;

/** The body and bound variable of ["Function", ["Block", body], x] or a bare body with the variable in Limits. */
function boundBody(fn: MathJson, limits: MathJson | undefined): { body: MathJson; variable: string } {
  let body = fn;
  let variable: string | undefined;
  if (headOf(fn) === 'Function') {
    body = (fn as MathJson[])[1]!;
    variable = symbolName((fn as MathJson[])[2]!);
    if (headOf(body) === 'Block' && (body as MathJson[]).length === 2) body = (body as MathJson[])[1]!;
  }
  if (limits && headOf(limits) === 'Limits') variable ??= symbolName((limits as MathJson[])[1]!);
  if (!variable) throw new UnsupportedExpression('integral without a variable');
  return { body, variable };
}

const INTEGRATION_INTERVALS = 2048;
/** how many times one definite integral evaluates its body (two Simpson sums) */
export const INTEGRAND_EVALUATIONS = INTEGRATION_INTERVALS + 1 + INTEGRATION_INTERVALS / 2 + 1;

/** Definite integral by composite Simpson's rule with a Richardson error estimate; open limits are unsupported. */
export function integrateNumerically(args: MathJson[], env: Env, evaluate: Evaluate): Value | undefined {
  const limits = args[1];
  if (!limits || headOf(limits) !== 'Limits' || symbolName((limits as MathJson[])[2]!) === 'Nothing') {
    throw new UnsupportedExpression('indefinite integral');
  }
  const { body, variable } = boundBody(args[0]!, limits);
  const lo = evaluate((limits as MathJson[])[2]!, env),
    hi = evaluate((limits as MathJson[])[3]!, env);
  if (!lo || !hi) return undefined;
  const a = toNumber(lo),
    b = toNumber(hi);
  const f = (x: number): number | undefined => {
    const scope = new Map(env);
    scope.set(variable, { approx: x });
    const v = evaluate(body, scope);
    return v ? toNumber(v) : undefined;
  };
  const simpson = (n: number): number | undefined => {
    const h = (b - a) / n;
    let sum = 0;
    for (let i = 0; i <= n; i++) {
      const y = f(a + i * h);
      if (y === undefined || !Number.isFinite(y)) return undefined;
      sum += y * (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2);
    }
    return (sum * h) / 3;
  };
  const coarse = simpson(INTEGRATION_INTERVALS / 2),
    fine = simpson(INTEGRATION_INTERVALS);
  if (coarse === undefined || fine === undefined) return undefined;
  const value = fine + (fine - coarse) / 15;
  return { approx: value, tol: Math.abs(fine - coarse) + 1e-12 * Math.max(1, Math.abs(value)) };
}

/** Limit by evaluating ever closer to the point (from both sides); undefined when the values do not settle. */
export function limitNumerically(args: MathJson[], env: Env, evaluate: Evaluate): Value | undefined {
  const { body, variable } = boundBody(args[0]!, undefined);
  const target = args[1]!;
  const name = symbolName(target);
  const at = (x: number) => {
    const scope = new Map(env);
    scope.set(variable, { approx: x });
    const v = evaluate(body, scope);
    return v ? toNumber(v) : undefined;
  };
  let samples: Array<[number | undefined, number | undefined]>;
  if (name === 'PositiveInfinity' || name === 'NegativeInfinity') {
    const sign = name === 'PositiveInfinity' ? 1 : -1;
    samples = [[at(sign * 1e5), at(sign * 1e6)]];
  } else {
    const a = evaluate(target, env);
    if (!a) return undefined;
    const p = toNumber(a);
    samples = [
      [at(p + 1e-5), at(p + 1e-6)],
      [at(p - 1e-5), at(p - 1e-6)],
    ];
  }
  const finals: number[] = [];
  let tol = 0;
  for (const [far, near] of samples) {
    if (far === undefined || near === undefined) continue;
    tol = Math.max(tol, 20 * Math.abs(near - far));
    finals.push(near);
  }
  if (finals.length === 0) return undefined;
  const value = finals.reduce((x, y) => x + y, 0) / finals.length;
  const spread = Math.max(...finals) - Math.min(...finals);
  if (spread > Math.max(tol, 1e-6 * Math.max(1, Math.abs(value)))) return undefined; // one-sided limits differ
  return { approx: value, tol: Math.max(tol, spread, 1e-9 * Math.max(1, Math.abs(value))) };
}

const SERIES_TERMS = 4000;
/** how many terms an infinite sum evaluates */
export const SERIES_EVALUATIONS = 4 * SERIES_TERMS;

/**
 * Σ_{k=lo}^∞ numerically: partial sums at N, 2N, 4N terms and Aitken's extrapolation (exact for tails that shrink
 * geometrically in N, such as 1/N for Σ 1/k²). Divergent or erratic series have no value (`undefined`).
 */
export function infiniteSum(
  body: MathJson,
  index: string,
  lo: MathJson,
  env: Env,
  evaluate: Evaluate,
): Value | undefined {
  const from = evaluate(lo, env);
  if (!from || !isInteger(from)) return undefined;
  const start = toNumber(from);
  const partial: number[] = [];
  let acc = 0;
  const scope = new Map(env);
  for (let i = 0; i < SERIES_EVALUATIONS; i++) {
    scope.set(index, exact(new Fraction(start + i)));
    const v = evaluate(body, scope);
    if (!v) return undefined;
    acc += toNumber(v);
    if (i + 1 === SERIES_TERMS || i + 1 === 2 * SERIES_TERMS || i + 1 === 4 * SERIES_TERMS) partial.push(acc);
  }
  const [s1, s2, s4] = partial as [number, number, number];
  const d1 = s2 - s1,
    d2 = s4 - s2;
  const scale = Math.max(1, Math.abs(s4));
  if (
    !Number.isFinite(s4) ||
    Math.abs(d2) > 1e-3 * scale ||
    (Math.abs(d2) > 1e-12 * scale && Math.abs(d2) >= Math.abs(d1))
  )
    return undefined;
  const denominator = d2 - d1;
  const value = Math.abs(denominator) > 1e-300 && Math.abs(d2) > 1e-15 * scale ? s4 - (d2 * d2) / denominator : s4;
  return { approx: value, tol: Math.max(1e-3 * Math.abs(d2), 1e-12 * scale) };
}

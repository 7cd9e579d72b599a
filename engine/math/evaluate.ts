// Evaluates a MathJSON expression at a point, exactly wherever the operations allow (values.ts). `undefined` means
// the expression has no real value there (division by zero, ln of a non-positive number, sqrt of a negative, ...): the
// caller treats such points as outside the domain instead of guessing. Integrals, limits and infinite sums are
// approximated (approximations.ts); the one-argument functions and their domains are in real-functions.ts.
import Fraction from 'fraction.js';
import {
  INTEGRAND_EVALUATIONS,
  integrateNumerically,
  infiniteSum,
  limitNumerically,
  SERIES_EVALUATIONS,
} from './approximations';
import { headOf, symbolName, UnsupportedExpression, WorkLimit, type MathJson } from './mathjson';
import { UNARY } from './real-functions';
import {
  add,
  approx,
  CONSTANTS,
  div,
  exact,
  fromNumberLiteral,
  MAX_EXACT_DIGITS,
  isInteger,
  mul,
  power,
  sub,
  toNumber,
  type Env,
  type Value,
} from './values';

const MAX_LOOP = 20_000;

/**
 * The work one evaluation (or one step's sampling, see `withEvaluationWork`) may do, counted in evaluated nodes: an
 * integral evaluates its body ~3,000 times, a sum once per term, so nesting multiplies (∫∫ is ~10 million). A count,
 * not a clock, so a document gets the same verdict on any machine. The costliest step of the Check Proof corpus
 * uses ~100,000; this is about a tenth of a second.
 */
export const EVALUATION_WORK = 500_000;

let meter: { left: number; limit: number } | undefined;

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const tooMuchWork = (limit: number, estimate?: number) =>
  new WorkLimit(
    `evaluating it would take ${estimate ? `about ${count(estimate)}` : `more than ${count(limit)}`} steps${estimate ? `, more than the ${count(limit)} one step may use` : ''} (nested integrals, sums or series)`,
  );

/**
 * The nodes evaluating `e` once will visit, known before it starts: an integral's body ~3,000 times, a sum's once per
 * term (bounds written as numbers; others count once), an infinite sum's 16,000 times, so nesting multiplies.
 */
export function estimatedWork(e: MathJson): number {
  if (!Array.isArray(e)) return 1;
  const [head, ...args] = e;
  const each = (xs: MathJson[]) => xs.reduce<number>((n, a) => n + estimatedWork(a), 1);
  switch (head) {
    case 'Integrate':
      return each(args.slice(1)) + INTEGRAND_EVALUATIONS * estimatedWork(args[0] ?? 0);
    case 'Limit':
      return each(args.slice(1)) + 4 * estimatedWork(args[0] ?? 0);
    case 'Sum':
    case 'Product': {
      let n = estimatedWork(args[0] ?? 0);
      for (const limits of args.slice(1)) {
        const [, , lo, hi] = Array.isArray(limits) ? limits : [];
        const terms =
          symbolName(hi ?? 0) === 'PositiveInfinity'
            ? SERIES_EVALUATIONS
            : typeof lo === 'number' && typeof hi === 'number'
              ? Math.max(1, hi - lo + 1)
              : 1;
        n *= terms;
      }
      return 1 + n;
    }
  }
  return each(args);
}

/** Refuses, before any work, evaluations of `sides` at `points` points that would exceed `limit` nodes. */
export function refuseBeyond(limit: number, points: number, ...sides: MathJson[]): void {
  const estimate = points * sides.reduce<number>((n, e) => n + estimatedWork(e), 0);
  if (estimate > limit) throw tooMuchWork(limit, estimate);
}

/** Runs `fn` with one budget of `units` evaluated nodes shared by every evaluation inside it (nested: the outer one). */
export function withEvaluationWork<T>(units: number, fn: () => T): T {
  if (meter) return fn();
  meter = { left: units, limit: units };
  try {
    return fn();
  } finally {
    meter = undefined;
  }
}

/**
 * A number as written (or as the CAS folded it, `2^{999999}` into 301,030 digits): exact unless it has more digits
 * than exact arithmetic keeps; one too large even for a double is more work than a step may do.
 */
function fromDecimalString(s: string): Value | undefined {
  if (/^[+-]?\d+(\.\d+)?$/.test(s) && s.length <= MAX_EXACT_DIGITS) return exact(new Fraction(s));
  const x = Number(s);
  if (!Number.isFinite(x) && s.length > MAX_EXACT_DIGITS)
    throw new WorkLimit(`a number of ${s.length.toLocaleString('en-US')} digits is too large to evaluate`);
  return approx(x);
}

/** Evaluates `e`; `undefined` when it has no real value at this point. Throws WorkLimit past the work budget. */
export function evaluate(e: MathJson, env: Env): Value | undefined {
  if (meter) return evaluateNode(e, env);
  refuseBeyond(EVALUATION_WORK, 1, e);
  return withEvaluationWork(EVALUATION_WORK, () => evaluateNode(e, env));
}

function evaluateNode(e: MathJson, env: Env): Value | undefined {
  if (--meter!.left < 0) throw tooMuchWork(meter!.limit);
  if (typeof e === 'number') return fromNumberLiteral(e);
  if (!Array.isArray(e)) {
    if (typeof e === 'object' && 'num' in e) {
      return fromDecimalString(e.num.replace(/\(\d+\)$/, ''));
    }
    const name = symbolName(e);
    if (name === undefined) throw new UnsupportedExpression(JSON.stringify(e));
    const bound = env.get(name);
    if (bound) return bound;
    if (name === 'ComplexInfinity' || name === 'NaN' || name === 'Undefined') return undefined; // the CAS folded 1/0
    const constant = CONSTANTS[name];
    if (constant) return constant;
    if (/^-?\d+(\.\d+)?$/.test(name)) return exact(new Fraction(name));
    throw new UnsupportedExpression(`free symbol ${name}`);
  }
  const [head, ...args] = e;
  if (typeof head !== 'string') throw new UnsupportedExpression('function application');
  const arg = (i: number) => evaluate(args[i]!, env);
  switch (head) {
    case 'Add':
    case 'Multiply': {
      let acc: Value | undefined = exact(new Fraction(head === 'Add' ? 0 : 1));
      for (const a of args) {
        const v = evaluate(a, env);
        if (!v || !acc) return undefined;
        acc = head === 'Add' ? add(acc, v) : mul(acc, v);
      }
      return acc;
    }
    case 'Subtract': {
      const a = arg(0),
        b = arg(1);
      return a && b ? sub(a, b) : undefined;
    }
    case 'Divide':
    case 'Rational': {
      const a = arg(0),
        b = arg(1);
      return a && b ? div(a, b) : undefined;
    }
    case 'Power': {
      const a = arg(0),
        b = arg(1);
      if (!a || !b) return undefined;
      if (symbolName(args[0]!) === 'ExponentialE')
        return b.exact?.n === 0n ? exact(new Fraction(1)) : approx(Math.exp(toNumber(b)));
      return power(a, b);
    }
    case 'Root': {
      const a = arg(0),
        n = arg(1);
      if (!a || !n || !n.exact || n.exact.d !== 1n || n.exact.n <= 0n) return undefined;
      return power(a, exact(new Fraction(1n, n.exact.n)));
    }
    case 'Log': {
      const a = arg(0);
      const base = args.length > 1 ? arg(1) : exact(new Fraction(10));
      if (!a || !base) return undefined;
      const x = toNumber(a),
        b = toNumber(base);
      if (x <= 0 || b <= 0 || b === 1) return undefined;
      if (a.exact?.equals(1)) return exact(new Fraction(0));
      // Exact when the argument is an integer power of the base (log_2 8 = 3).
      if (a.exact && base.exact) {
        const guess = Math.round(Math.log(x) / Math.log(b));
        if (guess !== 0 && Math.abs(guess) < 4000 && base.exact.pow(guess).equals(a.exact))
          return exact(new Fraction(guess));
      }
      return approx(Math.log(x) / Math.log(b));
    }
    case 'Binomial': {
      const n = arg(0),
        k = arg(1);
      if (!n || !k || !isInteger(n) || !isInteger(k)) return undefined;
      const nn = toNumber(n),
        kk = toNumber(k);
      if (kk < 0 || nn < 0 || kk > nn) return nn >= 0 ? exact(new Fraction(0)) : undefined;
      const terms = Math.min(kk, nn - kk);
      if (terms > MAX_LOOP)
        throw new WorkLimit(
          `a binomial coefficient of ${terms.toLocaleString('en-US')} factors is too large to evaluate`,
        );
      let r = new Fraction(1);
      for (let i = 0; i < terms; i++) r = r.mul(nn - i).div(i + 1);
      return exact(r);
    }
    case 'Sum':
    case 'Product':
      return evaluateIterated(head, args, env);
    case 'Integrate':
      return integrateNumerically(args, env, evaluate);
    case 'Limit':
      return limitNumerically(args, env, evaluate);
    case 'Delimiter':
      if (args.length === 1) return arg(0);
      break;
    case 'Max':
    case 'Min': {
      const vs = args.map((a) => evaluate(a, env));
      if (vs.some((v) => !v)) return undefined;
      const pick = (a: Value, b: Value) => (toNumber(a) > toNumber(b) === (head === 'Max') ? a : b);
      return (vs as Value[]).reduce(pick);
    }
    case 'Mod': {
      const a = arg(0),
        b = arg(1);
      if (!a?.exact || !b?.exact || b.exact.n === 0n) return undefined;
      return exact(a.exact.mod(b.exact));
    }
    default: {
      const fn = UNARY[head];
      if (fn && args.length === 1) {
        const v = arg(0);
        return v ? fn(v) : undefined;
      }
    }
  }
  throw new UnsupportedExpression(head);
}

/** Sum / Product over integer ranges: ["Sum", body, ["Limits", k, lo, hi], ...]. */
function evaluateIterated(head: 'Sum' | 'Product', args: MathJson[], env: Env): Value | undefined {
  const [body, ...limits] = args;
  if (body === undefined || limits.length === 0) throw new UnsupportedExpression(`${head} without limits`);
  const [first, ...rest] = limits;
  if (headOf(first!) !== 'Limits') throw new UnsupportedExpression(head);
  const [, index, lo, hi] = first as MathJson[];
  const name = symbolName(index!);
  if (!name || lo === undefined || hi === undefined || symbolName(lo) === 'Nothing' || symbolName(hi) === 'Nothing') {
    throw new UnsupportedExpression(`${head} with open limits`);
  }
  if (symbolName(hi) === 'PositiveInfinity') {
    if (head !== 'Sum' || rest.length) throw new UnsupportedExpression(`infinite ${head}`);
    return infiniteSum(body, name, lo, env, evaluate);
  }
  const from = evaluate(lo, env),
    to = evaluate(hi, env);
  if (!from || !to || !isInteger(from) || !isInteger(to)) return undefined;
  const a = toNumber(from),
    b = toNumber(to);
  if (b - a > MAX_LOOP)
    throw new WorkLimit(
      `a ${head === 'Sum' ? 'sum' : 'product'} over ${(b - a + 1).toLocaleString('en-US')} terms is too long to evaluate`,
    );
  const inner: MathJson = rest.length ? [head, body, ...rest] : body;
  let acc: Value | undefined = exact(new Fraction(head === 'Sum' ? 0 : 1));
  for (let i = a; i <= b; i++) {
    const scope = new Map(env);
    scope.set(name, exact(new Fraction(i)));
    const v = evaluate(inner, scope);
    if (!v || !acc) return undefined;
    acc = head === 'Sum' ? add(acc, v) : mul(acc, v);
  }
  return acc;
}

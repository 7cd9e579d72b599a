// Evaluates a MathJSON expression at a point: exactly (fraction.js, BigInt rationals) wherever the operations allow,
// in double precision once a transcendental function or an irrational power is involved. `undefined` means the
// expression has no real value there (division by zero, ln of a non-positive number, sqrt of a negative, ...): the
// caller treats such points as outside the domain instead of guessing.
import Fraction from 'fraction.js';

export type MathJson = number | string | { num: string } | { sym: string } | { str: string } | MathJson[];

/** `tol`: absolute error bound of an approximation that is worse than rounding (quadrature, limits). */
export type Value = { exact: Fraction; approx?: undefined; tol?: undefined } | { exact?: undefined; approx: number; tol?: number };
export type Env = ReadonlyMap<string, Value>;

/** Raised for operators the evaluator does not know: the step is then "not checkable", never guessed. */
export class UnsupportedExpression extends Error {
  constructor(readonly head: string) {
    super(`cannot evaluate '${head}'`);
  }
}

const MAX_LOOP = 20_000;
const MAX_EXACT_DIGITS = 4_000;

export const exact = (f: Fraction): Value => ({ exact: f });
export const approx = (x: number): Value | undefined => (Number.isFinite(x) ? { approx: x } : undefined);
export const toNumber = (v: Value): number => (v.exact ? v.exact.valueOf() : v.approx!);

function fromNumberLiteral(n: number): Value | undefined {
  if (!Number.isFinite(n)) return undefined;
  // Decimal literals written in the source (0.5, 1.25) are exact rationals, not binary floats.
  return exact(new Fraction(String(n).includes('e') ? n : String(n)));
}

function isInteger(v: Value): boolean {
  return v.exact ? v.exact.d === 1n : Number.isInteger(v.approx);
}

function tooBig(f: Fraction): boolean {
  return f.n.toString().length + f.d.toString().length > MAX_EXACT_DIGITS;
}

/** Exact k-th root of a non-negative rational when it is rational. */
function exactRoot(f: Fraction, k: bigint): Fraction | undefined {
  const root = (x: bigint): bigint | undefined => {
    if (x < 0n) return undefined;
    if (x < 2n) return x;
    let r = BigInt(Math.round(Math.pow(Number(x), 1 / Number(k))));
    for (const c of [r - 1n, r, r + 1n]) if (c >= 0n && c ** k === x) return c;
    // Doubles lose precision on big numbers: fall back to Newton's iteration.
    r = x;
    let y = ((k - 1n) * r + x / r ** (k - 1n)) / k;
    while (y < r) {
      r = y;
      y = ((k - 1n) * r + x / r ** (k - 1n)) / k;
    }
    return r ** k === x ? r : undefined;
  };
  const n = root(f.n);
  const d = root(f.d);
  return n === undefined || d === undefined ? undefined : new Fraction(n, d);
}

function power(base: Value, exponent: Value): Value | undefined {
  if (base.exact && exponent.exact) {
    const b = base.exact;
    const e = exponent.exact;
    if (e.d === 1n) {
      if (b.n === 0n && e.s < 0n) return undefined;
      if (e.n > 4000n) return approx(Math.pow(b.valueOf(), e.valueOf()));
      const r = b.pow(e);
      return tooBig(r) ? approx(r.valueOf()) : exact(r);
    }
    // Rational exponent p/q: real only for b >= 0, or odd q.
    if (b.s < 0n && e.d % 2n === 0n) return undefined;
    if (b.n === 0n) return e.s < 0n ? undefined : exact(new Fraction(0));
    const root = exactRoot(b.abs(), e.d);
    if (root !== undefined) {
      const signed = b.s < 0n ? root.neg() : root;
      return power(exact(signed), exact(new Fraction(e.s * e.n)));
    }
    const mag = Math.pow(b.abs().valueOf(), e.valueOf());
    return approx(b.s < 0n && (e.n % 2n === 1n) ? -mag : mag);
  }
  const b = toNumber(base);
  const e = toNumber(exponent);
  if (b < 0 && !isInteger(exponent)) return undefined;
  if (b === 0 && e <= 0) return undefined;
  return approx(Math.pow(b, e));
}

function unary(f: (x: number) => number, domain: (x: number) => boolean, exactAt?: (x: Fraction) => Fraction | undefined) {
  return (v: Value): Value | undefined => {
    if (v.exact && exactAt) {
      const r = exactAt(v.exact);
      if (r !== undefined) return exact(r);
    }
    const x = toNumber(v);
    return domain(x) ? approx(f(x)) : undefined;
  };
}

const all = () => true;
const zeroAt = (value: number) => (x: Fraction) => (x.n === 0n ? new Fraction(value) : undefined);
const UNARY: Record<string, (v: Value) => Value | undefined> = {
  Sin: unary(Math.sin, all, zeroAt(0)),
  Cos: unary(Math.cos, all, zeroAt(1)),
  Tan: unary(Math.tan, (x) => Math.abs(Math.cos(x)) > 1e-12, zeroAt(0)),
  Cot: unary((x) => 1 / Math.tan(x), (x) => Math.abs(Math.sin(x)) > 1e-12),
  Sec: unary((x) => 1 / Math.cos(x), (x) => Math.abs(Math.cos(x)) > 1e-12, zeroAt(1)),
  Csc: unary((x) => 1 / Math.sin(x), (x) => Math.abs(Math.sin(x)) > 1e-12),
  Arcsin: unary(Math.asin, (x) => Math.abs(x) <= 1, zeroAt(0)),
  Arccos: unary(Math.acos, (x) => Math.abs(x) <= 1),
  Arctan: unary(Math.atan, all, zeroAt(0)),
  Sinh: unary(Math.sinh, all, zeroAt(0)),
  Cosh: unary(Math.cosh, all, zeroAt(1)),
  Tanh: unary(Math.tanh, all, zeroAt(0)),
  Exp: unary(Math.exp, all, zeroAt(1)),
  Ln: unary(Math.log, (x) => x > 0, (x) => (x.equals(1) ? new Fraction(0) : undefined)),
  Lb: unary(Math.log2, (x) => x > 0, (x) => (x.equals(1) ? new Fraction(0) : undefined)),
  Lg: unary(Math.log10, (x) => x > 0, (x) => (x.equals(1) ? new Fraction(0) : undefined)),
  Sqrt: (v) => power(v, exact(new Fraction(1, 2))),
  Abs: (v) => (v.exact ? exact(v.exact.abs()) : approx(Math.abs(v.approx!))),
  Negate: (v) => (v.exact ? exact(v.exact.neg()) : approx(-v.approx!)),
  Square: (v) => power(v, exact(new Fraction(2))),
  Floor: (v) => (v.exact ? exact(v.exact.floor()) : approx(Math.floor(v.approx!))),
  Ceil: (v) => (v.exact ? exact(v.exact.ceil()) : approx(Math.ceil(v.approx!))),
  Factorial: (v) => {
    if (!isInteger(v) || toNumber(v) < 0 || toNumber(v) > 500) return undefined;
    let r = 1n;
    for (let i = 2n; i <= BigInt(toNumber(v)); i++) r *= i;
    return exact(new Fraction(r));
  },
};

export function add(a: Value, b: Value): Value | undefined {
  return a.exact && b.exact ? exact(a.exact.add(b.exact)) : approx(toNumber(a) + toNumber(b));
}
export function sub(a: Value, b: Value): Value | undefined {
  return a.exact && b.exact ? exact(a.exact.sub(b.exact)) : approx(toNumber(a) - toNumber(b));
}
function mul(a: Value, b: Value): Value | undefined {
  if (a.exact && b.exact) {
    const r = a.exact.mul(b.exact);
    return tooBig(r) ? approx(r.valueOf()) : exact(r);
  }
  return approx(toNumber(a) * toNumber(b));
}
function div(a: Value, b: Value): Value | undefined {
  if (b.exact ? b.exact.n === 0n : b.approx === 0) return undefined;
  return a.exact && b.exact ? exact(a.exact.div(b.exact)) : approx(toNumber(a) / toNumber(b));
}

const CONSTANTS: Record<string, Value> = {
  Pi: { approx: Math.PI },
  ExponentialE: { approx: Math.E },
  Half: exact(new Fraction(1, 2)),
};

export function headOf(e: MathJson): string | undefined {
  return Array.isArray(e) && typeof e[0] === 'string' ? e[0] : undefined;
}

export function symbolName(e: MathJson): string | undefined {
  if (typeof e === 'string' && !/^'.*'$/.test(e) && Number.isNaN(Number(e))) return e;
  if (e && typeof e === 'object' && !Array.isArray(e) && 'sym' in e) return e.sym;
  return undefined;
}

/** Evaluates `e`; `undefined` when it has no real value at this point. */
export function evaluate(e: MathJson, env: Env): Value | undefined {
  if (typeof e === 'number') return fromNumberLiteral(e);
  if (!Array.isArray(e)) {
    if (typeof e === 'object' && 'num' in e) {
      const s = e.num.replace(/\(\d+\)$/, '');
      if (/^[+-]?\d+(\.\d+)?$/.test(s)) return exact(new Fraction(s));
      return approx(Number(s));
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
      const a = arg(0), b = arg(1);
      return a && b ? sub(a, b) : undefined;
    }
    case 'Divide':
    case 'Rational': {
      const a = arg(0), b = arg(1);
      return a && b ? div(a, b) : undefined;
    }
    case 'Power': {
      const a = arg(0), b = arg(1);
      if (!a || !b) return undefined;
      if (symbolName(args[0]!) === 'ExponentialE') return b.exact?.n === 0n ? exact(new Fraction(1)) : approx(Math.exp(toNumber(b)));
      return power(a, b);
    }
    case 'Root': {
      const a = arg(0), n = arg(1);
      if (!a || !n || !n.exact || n.exact.d !== 1n || n.exact.n <= 0n) return undefined;
      return power(a, exact(new Fraction(1n, n.exact.n)));
    }
    case 'Log': {
      const a = arg(0);
      const base = args.length > 1 ? arg(1) : exact(new Fraction(10));
      if (!a || !base) return undefined;
      const x = toNumber(a), b = toNumber(base);
      if (x <= 0 || b <= 0 || b === 1) return undefined;
      if (a.exact?.equals(1)) return exact(new Fraction(0));
      // Exact when the argument is an integer power of the base (log_2 8 = 3).
      if (a.exact && base.exact) {
        const guess = Math.round(Math.log(x) / Math.log(b));
        if (guess !== 0 && Math.abs(guess) < 4000 && base.exact.pow(guess).equals(a.exact)) return exact(new Fraction(guess));
      }
      return approx(Math.log(x) / Math.log(b));
    }
    case 'Binomial': {
      const n = arg(0), k = arg(1);
      if (!n || !k || !isInteger(n) || !isInteger(k)) return undefined;
      const nn = toNumber(n), kk = toNumber(k);
      if (kk < 0 || nn < 0 || kk > nn) return nn >= 0 ? exact(new Fraction(0)) : undefined;
      let r = new Fraction(1);
      for (let i = 0; i < kk; i++) r = r.mul(nn - i).div(i + 1);
      return exact(r);
    }
    case 'Sum':
    case 'Product':
      return evaluateIterated(head, args, env);
    case 'Integrate':
      return integrateNumerically(args, env);
    case 'Limit':
      return limitNumerically(args, env);
    case 'Delimiter':
      if (args.length === 1) return arg(0);
      break;
    case 'Max':
    case 'Min': {
      const vs = args.map((a) => evaluate(a, env));
      if (vs.some((v) => !v)) return undefined;
      const pick = (a: Value, b: Value) => ((toNumber(a) > toNumber(b)) === (head === 'Max') ? a : b);
      return (vs as Value[]).reduce(pick);
    }
    case 'Mod': {
      const a = arg(0), b = arg(1);
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
    return infiniteSum(body, name, lo, env);
  }
  const from = evaluate(lo, env), to = evaluate(hi, env);
  if (!from || !to || !isInteger(from) || !isInteger(to)) return undefined;
  const a = toNumber(from), b = toNumber(to);
  if (b - a > MAX_LOOP) throw new UnsupportedExpression(`${head} over ${b - a} terms`);
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

/** Free symbols of an expression (bound indices of sums, integrals and limits excluded). */
export function freeSymbols(e: MathJson, bound: ReadonlySet<string> = new Set(), out = new Set<string>()): Set<string> {
  const name = symbolName(e);
  if (name !== undefined) {
    if (!bound.has(name) && !(name in CONSTANTS) && !['Nothing', 'PositiveInfinity', 'NegativeInfinity', 'True', 'False', 'ComplexInfinity', 'NaN', 'Undefined'].includes(name)) {
      out.add(name);
    }
    return out;
  }
  if (!Array.isArray(e)) return out;
  const [head, ...args] = e;
  if (head === 'Sum' || head === 'Product' || head === 'Integrate' || head === 'Limit') {
    const inner = new Set(bound);
    for (const a of args) {
      if (headOf(a) === 'Limits') {
        const idx = symbolName((a as MathJson[])[1]!);
        if (idx) inner.add(idx);
        for (const b of (a as MathJson[]).slice(2)) freeSymbols(b, bound, out);
      }
      if (headOf(a) === 'Function') for (const p of (a as MathJson[]).slice(2)) if (symbolName(p)) inner.add(symbolName(p)!);
    }
    if (head === 'Limit' && args[0] && headOf(args[0]) === 'Function') {
      for (const a of args.slice(1)) freeSymbols(a, bound, out);
    }
    for (const a of args) if (headOf(a) !== 'Limits') freeSymbols(headOf(a) === 'Function' ? (a as MathJson[])[1]! : a, inner, out);
    return out;
  }
  if (head === 'D' && args.length >= 2) {
    freeSymbols(args[0]!, bound, out);
    return out;
  }
  for (const a of head === undefined || typeof head !== 'string' ? e : args) freeSymbols(a, bound, out);
  return out;
}

/** Exact values print as fractions (3/2), approximate ones with 12 significant digits. */
export function formatValue(v: Value | undefined): string {
  if (!v) return 'undefined';
  if (v.exact) return v.exact.d === 1n ? v.exact.n.toString().replace(/^/, v.exact.s < 0n ? '-' : '') : v.exact.toFraction();
  return String(Number(v.approx!.toPrecision(12)));
}

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

/** Definite integral by composite Simpson's rule with a Richardson error estimate; open limits are unsupported. */
function integrateNumerically(args: MathJson[], env: Env): Value | undefined {
  const limits = args[1];
  if (!limits || headOf(limits) !== 'Limits' || symbolName((limits as MathJson[])[2]!) === 'Nothing') {
    throw new UnsupportedExpression('indefinite integral');
  }
  const { body, variable } = boundBody(args[0]!, limits);
  const lo = evaluate((limits as MathJson[])[2]!, env), hi = evaluate((limits as MathJson[])[3]!, env);
  if (!lo || !hi) return undefined;
  const a = toNumber(lo), b = toNumber(hi);
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
  const coarse = simpson(INTEGRATION_INTERVALS / 2), fine = simpson(INTEGRATION_INTERVALS);
  if (coarse === undefined || fine === undefined) return undefined;
  const value = fine + (fine - coarse) / 15;
  return { approx: value, tol: Math.abs(fine - coarse) + 1e-12 * Math.max(1, Math.abs(value)) };
}

/** Limit by evaluating ever closer to the point (from both sides); undefined when the values do not settle. */
function limitNumerically(args: MathJson[], env: Env): Value | undefined {
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
    samples = [[at(p + 1e-5), at(p + 1e-6)], [at(p - 1e-5), at(p - 1e-6)]];
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

/**
 * Σ_{k=lo}^∞ numerically: partial sums at N, 2N, 4N terms and Aitken's extrapolation (exact for tails that shrink
 * geometrically in N, such as 1/N for Σ 1/k²). Divergent or erratic series have no value (`undefined`).
 */
function infiniteSum(body: MathJson, index: string, lo: MathJson, env: Env): Value | undefined {
  const from = evaluate(lo, env);
  if (!from || !isInteger(from)) return undefined;
  const start = toNumber(from);
  const partial: number[] = [];
  let acc = 0;
  const scope = new Map(env);
  for (let i = 0; i < 4 * SERIES_TERMS; i++) {
    scope.set(index, exact(new Fraction(start + i)));
    const v = evaluate(body, scope);
    if (!v) return undefined;
    acc += toNumber(v);
    if (i + 1 === SERIES_TERMS || i + 1 === 2 * SERIES_TERMS || i + 1 === 4 * SERIES_TERMS) partial.push(acc);
  }
  const [s1, s2, s4] = partial as [number, number, number];
  const d1 = s2 - s1, d2 = s4 - s2;
  const scale = Math.max(1, Math.abs(s4));
  if (!Number.isFinite(s4) || Math.abs(d2) > 1e-3 * scale || (Math.abs(d2) > 1e-12 * scale && Math.abs(d2) >= Math.abs(d1))) return undefined;
  const denominator = d2 - d1;
  const value = Math.abs(denominator) > 1e-300 && Math.abs(d2) > 1e-15 * scale ? s4 - (d2 * d2) / denominator : s4;
  return { approx: value, tol: Math.max(1e-3 * Math.abs(d2), 1e-12 * scale) };
}

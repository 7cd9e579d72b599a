// The numbers the evaluator computes with: exact rationals (fraction.js, BigInt) wherever the operations allow, a
// double (with an optional error bound) once a transcendental function or an irrational power is involved.
// `undefined` means "no real value here" (division by zero, an even root of a negative, ...).
import Fraction from 'fraction.js';

/** `tol`: absolute error bound of an approximation that is worse than rounding (quadrature, limits). */
export type Value =
  { exact: Fraction; approx?: undefined; tol?: undefined } | { exact?: undefined; approx: number; tol?: number };
export type Env = ReadonlyMap<string, Value>;

export const MAX_EXACT_DIGITS = 4_000;

export const exact = (f: Fraction): Value => ({ exact: f });
export const approx = (x: number): Value | undefined => (Number.isFinite(x) ? { approx: x } : undefined);
export const toNumber = (v: Value): number => (v.exact ? v.exact.valueOf() : v.approx!);

export function fromNumberLiteral(n: number): Value | undefined {
  if (!Number.isFinite(n)) return undefined;
  // Decimal literals written in the source (0.5, 1.25) are exact rationals, not binary floats.
  return exact(new Fraction(String(n).includes('e') ? n : String(n)));
}

export function isInteger(v: Value): boolean {
  return v.exact ? v.exact.d === 1n : Number.isInteger(v.approx);
}

/** Decimal digits of n and d together, estimated from hex (linear time: a decimal toString of a huge BigInt is not). */
const digitsOf = (f: Fraction): number =>
  (f.n.toString(16).length + f.d.toString(16).length) * Math.LOG10E * Math.log(16);

function tooBig(f: Fraction): boolean {
  return digitsOf(f) > MAX_EXACT_DIGITS;
}

/** Exact k-th root of a non-negative rational when it is rational. */
function exactRoot(f: Fraction, k: bigint): Fraction | undefined {
  const root = (x: bigint): bigint | undefined => {
    if (x < 0n) return undefined;
    if (x < 2n) return x;
    // x >= 2 has an integer k-th root only when k <= log2 x; `(10^{12})^{x/999999}` must not try a millionth root
    const bits = BigInt(x.toString(2).length);
    if (k >= bits) return undefined;
    let r = BigInt(Math.round(Math.pow(Number(x), 1 / Number(k))));
    for (const c of [r - 1n, r, r + 1n]) if (c >= 0n && c ** k === x) return c;
    // Doubles lose precision on big numbers: Newton's iteration from 2^ceil(bits/k), above the root, so it descends
    // to it in a few dozen steps (from x itself it took about x/k of them)
    r = 1n << ((bits + k - 1n) / k);
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

export function power(base: Value, exponent: Value): Value | undefined {
  if (base.exact && exponent.exact) {
    const b = base.exact;
    const e = exponent.exact;
    if (e.d === 1n) {
      if (b.n === 0n && e.s < 0n) return undefined;
      // the result's digits are about the base's times the exponent: a 4,000-digit base squared is too many already
      if (e.n > 4000n || digitsOf(b) * Number(e.n) > 4 * MAX_EXACT_DIGITS)
        return approx(Math.pow(b.valueOf(), e.valueOf()));
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
    return approx(b.s < 0n && e.n % 2n === 1n ? -mag : mag);
  }
  const b = toNumber(base);
  const e = toNumber(exponent);
  if (b < 0 && !isInteger(exponent)) return undefined;
  if (b === 0 && e <= 0) return undefined;
  return approx(Math.pow(b, e));
}

export function add(a: Value, b: Value): Value | undefined {
  return a.exact && b.exact ? exact(a.exact.add(b.exact)) : approx(toNumber(a) + toNumber(b));
}
export function sub(a: Value, b: Value): Value | undefined {
  return a.exact && b.exact ? exact(a.exact.sub(b.exact)) : approx(toNumber(a) - toNumber(b));
}
export function mul(a: Value, b: Value): Value | undefined {
  if (a.exact && b.exact) {
    const r = a.exact.mul(b.exact);
    return tooBig(r) ? approx(r.valueOf()) : exact(r);
  }
  return approx(toNumber(a) * toNumber(b));
}
export function div(a: Value, b: Value): Value | undefined {
  if (b.exact ? b.exact.n === 0n : b.approx === 0) return undefined;
  return a.exact && b.exact ? exact(a.exact.div(b.exact)) : approx(toNumber(a) / toNumber(b));
}

/** The named constants; mathjson.ts's freeSymbols does not count them as variables. */
export const CONSTANTS: Record<string, Value> = {
  Pi: { approx: Math.PI },
  ExponentialE: { approx: Math.E },
  Half: exact(new Fraction(1, 2)),
};

/** Exact values print as fractions (3/2), approximate ones with 12 significant digits. */
export function formatValue(v: Value | undefined): string {
  if (!v) return 'undefined';
  if (v.exact)
    return v.exact.d === 1n ? v.exact.n.toString().replace(/^/, v.exact.s < 0n ? '-' : '') : v.exact.toFraction();
  return String(Number(v.approx!.toPrecision(12)));
}

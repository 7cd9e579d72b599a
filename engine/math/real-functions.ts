// The one-argument functions the evaluator knows, each with its real domain: outside it the value is `undefined`
// (ln of a non-positive number, tan at an odd multiple of π/2), and where the result is rational at a rational point
// (sin 0, ln 1) it stays exact.
import Fraction from 'fraction.js';
import { approx, exact, isInteger, power, toNumber, type Value } from './values';

function unary(
  f: (x: number) => number,
  domain: (x: number) => boolean,
  exactAt?: (x: Fraction) => Fraction | undefined,
) {
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
export const UNARY: Record<string, (v: Value) => Value | undefined> = {
  Sin: unary(Math.sin, all, zeroAt(0)),
  Cos: unary(Math.cos, all, zeroAt(1)),
  Tan: unary(Math.tan, (x) => Math.abs(Math.cos(x)) > 1e-12, zeroAt(0)),
  Cot: unary(
    (x) => 1 / Math.tan(x),
    (x) => Math.abs(Math.sin(x)) > 1e-12,
  ),
  Sec: unary(
    (x) => 1 / Math.cos(x),
    (x) => Math.abs(Math.cos(x)) > 1e-12,
    zeroAt(1),
  ),
  Csc: unary(
    (x) => 1 / Math.sin(x),
    (x) => Math.abs(Math.sin(x)) > 1e-12,
  ),
  Arcsin: unary(Math.asin, (x) => Math.abs(x) <= 1, zeroAt(0)),
  Arccos: unary(Math.acos, (x) => Math.abs(x) <= 1),
  Arctan: unary(Math.atan, all, zeroAt(0)),
  Sinh: unary(Math.sinh, all, zeroAt(0)),
  Cosh: unary(Math.cosh, all, zeroAt(1)),
  Tanh: unary(Math.tanh, all, zeroAt(0)),
  Exp: unary(Math.exp, all, zeroAt(1)),
  Ln: unary(
    Math.log,
    (x) => x > 0,
    (x) => (x.equals(1) ? new Fraction(0) : undefined),
  ),
  Lb: unary(
    Math.log2,
    (x) => x > 0,
    (x) => (x.equals(1) ? new Fraction(0) : undefined),
  ),
  Lg: unary(
    Math.log10,
    (x) => x > 0,
    (x) => (x.equals(1) ? new Fraction(0) : undefined),
  ),
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

// The shape of a MathJSON expression, as parse.ts produces it and every checker walks it: heads, symbols, free
// variables, and the error for expressions the checks cannot handle.
import { CONSTANTS } from './values';

export type MathJson = number | string | { num: string } | { sym: string } | { str: string } | MathJson[];

/** Raised for operators the evaluator does not know: the step is then "not checkable", never guessed. */
export class UnsupportedExpression extends Error {
  constructor(readonly head: string) {
    super(`cannot evaluate '${head}'`);
  }
}

/**
 * Raised when evaluating would take more work than one step may use (nested integrals, long sums inside sums): the
 * step is "not checkable" with the cause named, instead of holding the engine.
 */
export class WorkLimit extends UnsupportedExpression {
  constructor(why: string) {
    super(why);
    this.message = why;
  }
}

export function headOf(e: MathJson): string | undefined {
  return Array.isArray(e) && typeof e[0] === 'string' ? e[0] : undefined;
}

export function symbolName(e: MathJson): string | undefined {
  if (typeof e === 'string' && !/^'.*'$/.test(e) && Number.isNaN(Number(e))) return e;
  if (e && typeof e === 'object' && !Array.isArray(e) && 'sym' in e) return e.sym;
  return undefined;
}

/** Free symbols of an expression (bound indices of sums, integrals and limits excluded). */
export function freeSymbols(e: MathJson, bound: ReadonlySet<string> = new Set(), out = new Set<string>()): Set<string> {
  const name = symbolName(e);
  if (name !== undefined) {
    if (
      !bound.has(name) &&
      !(name in CONSTANTS) &&
      ![
        'Nothing',
        'PositiveInfinity',
        'NegativeInfinity',
        'True',
        'False',
        'ComplexInfinity',
        'NaN',
        'Undefined',
      ].includes(name)
    ) {
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
      if (headOf(a) === 'Function')
        for (const p of (a as MathJson[]).slice(2)) if (symbolName(p)) inner.add(symbolName(p)!);
    }
    if (head === 'Limit' && args[0] && headOf(args[0]) === 'Function') {
      for (const a of args.slice(1)) freeSymbols(a, bound, out);
    }
    for (const a of args)
      if (headOf(a) !== 'Limits') freeSymbols(headOf(a) === 'Function' ? (a as MathJson[])[1]! : a, inner, out);
    return out;
  }
  if (head === 'D' && args.length >= 2) {
    freeSymbols(args[0]!, bound, out);
    return out;
  }
  for (const a of head === undefined || typeof head !== 'string' ? e : args) freeSymbols(a, bound, out);
  return out;
}

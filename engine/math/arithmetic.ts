// Plain arithmetic in prose and calculator annotations: `5 * 800 = 4000`, `$2400 + $4000 = $6400`, `<<48/2=24>>`.
// Evaluated exactly (rationals); a stated value with d decimals may be the exact value rounded, floored or ceiled
// to d decimals (people round money and head counts), anything else is an error with both numbers shown.
import Fraction from 'fraction.js';
import { evaluate } from './evaluate';
import { formatValue } from './values';
import { parseAscii } from './parse';
import { WorkLimit } from './mathjson';
import { errorVerdict, type Verdict } from './verify';

/** A claim the reader could not take in (the benchmark's prose is full of them); too much work is said as such. */
const unreadable = (err: unknown): Verdict =>
  err instanceof WorkLimit
    ? errorVerdict(err)
    : { verdict: 'unparsed', reason: 'unreadable', detail: (err as Error).message };

export interface ArithmeticClaim {
  start: number;
  end: number;
  expr: string;
  value: string;
}

const NUM = String.raw`\$?\d[\d,]*(?:\.\d+)?%?|\$?\.\d+%?`;
const OP = String.raw`\s*(?:[-+*/×÷x–−]|\bx\b)\s*`;
const TERM = String.raw`(?:\(\s*)*(?:${NUM})(?:\s*\))*`;
// An expression of numbers and operators (parentheses allowed), `=`, then a value or another expression. The left
// boundary excludes letters, digits and operators so `x*5 + 3 = 13` does not yield `5 + 3 = 13`; the right one
// refuses to stop in the middle of an expression.
const CLAIM = new RegExp(
  String.raw`(?<![\w.,*/+\-^($])(${TERM}(?:${OP}${TERM})+)\s*=\s*(-?${TERM}(?:${OP}${TERM})*)(?![\d.]*\d|\s*[-+*/^×]\s*[\d($.]|[A-Za-z_(%])`,
  'g',
);

function normalise(expr: string, unknown?: string): string {
  const text = expr
    .replace(/\$/g, '')
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .replace(/(\d*\.?\d+)%/g, '($1/100)')
    .replace(/×/g, '*')
    .replace(/÷/g, '/')
    .replace(/[–−]/g, '-');
  // a lone x is a times sign, unless x is the unknown
  return unknown === 'x' ? text : text.replace(/\bx\b/g, '*');
}

export function findArithmetic(text: string): ArithmeticClaim[] {
  const out: ArithmeticClaim[] = [];
  CLAIM.lastIndex = 0;
  for (let m = CLAIM.exec(text); m; m = CLAIM.exec(text)) {
    const expr = m[1]!;
    // `3375 gallons * 1/3 = …`, `2*X + 80*2 = …`: an operator before the match means it starts mid-expression
    if (
      /(?:[-+*/×÷^–−]|\bx)\s*$/.test(
        text.slice(Math.max(0, m.index - 12), m.index).replace(/\b[A-Za-z]+\s*$/, (w) => (w.trim() === 'x' ? w : '')),
      )
    ) {
      CLAIM.lastIndex = m.index + 1;
      continue;
    }
    // unbalanced parentheses mean the match cut an expression in half
    const parens = (t: string) => (t.match(/\(/g)?.length ?? 0) - (t.match(/\)/g)?.length ?? 0);
    if (parens(expr) !== 0 || parens(m[2]!) !== 0) {
      CLAIM.lastIndex = m.index + 1;
      continue;
    }
    out.push({ start: m.index, end: m.index + m[0].length, expr, value: m[2]! });
    // chains `2 + 3 = 5 + 1 = 6`: restart at the value so it can begin the next claim
    CLAIM.lastIndex = m.index + m[0].length - m[2]!.length;
  }
  return out;
}

/** Is `value` the exact value of `expr`, up to rounding to the decimals `value` was written with? */
export function checkArithmetic(expr: string, value: string): Verdict {
  // `100-60 = 40%`: a bare percentage on the right is the result's unit as often as it is a factor of 1/100
  const percent = value.trim().match(/^(\$?[\d.,]+)%$/);
  if (percent) {
    const asNumber = checkArithmetic(expr, percent[1]!);
    if (asNumber.verdict === 'verified') return asNumber;
  }
  let exact: Fraction | undefined;
  let stated: Fraction | undefined;
  try {
    const v = evaluate(parseAscii(normalise(expr)), new Map());
    const s = evaluate(parseAscii(normalise(value)), new Map());
    exact = v?.exact;
    stated = s?.exact;
    if (!v || !s)
      return { verdict: 'unknown', reason: 'no-real-value', detail: `${expr} has no value (division by zero?)` };
    if (!exact || !stated) return { verdict: 'unknown', reason: 'float-precision', detail: 'not exact arithmetic' };
  } catch (err) {
    return unreadable(err);
  }
  if (exact.equals(stated))
    return { verdict: 'verified', reason: 'evaluates-equal', detail: `${expr.trim()} = ${formatValue({ exact })}` };
  const decimals = normalise(value).match(/\.(\d+)/)?.[1]?.length ?? 0;
  const scale = new Fraction(10).pow(decimals);
  const scaled = exact.mul(scale);
  const candidates = [scaled.floor(), scaled.ceil(), scaled.round()].map((c) => c.div(scale));
  if (candidates.some((c) => c.equals(stated!))) {
    return {
      verdict: 'verified',
      reason: 'rounds',
      detail: `${expr.trim()} = ${formatValue({ exact })}, which rounds to ${value}`,
    };
  }
  // `2 + 3 = 5 + 1 = 6` is a running total in prose: the first term on the right is the value being claimed
  const firstTerm = value.trim().match(/^-?\$?[\d.,]+%?(?=\s*[-+*/×÷x–−])/)?.[0];
  if (firstTerm && checkArithmetic(expr, firstTerm).verdict === 'verified') {
    return {
      verdict: 'verified',
      reason: 'evaluates-equal',
      detail: `${expr.trim()} = ${formatValue({ exact })} (running total)`,
    };
  }
  return {
    verdict: 'wrong',
    reason: 'sides-differ',
    detail: `${expr.trim()} = ${formatValue({ exact })}, not ${value.trim()}`,
    counterexample: {},
    values: { left: formatValue({ exact }), right: formatValue({ exact: stated }) },
  };
}

/**
 * Simplifications in one unknown written in prose: `(16 + x) * 18 = 288 + 18x`, `14 + (8 - x) = 22 - x`. A link is
 * a claim only when its right side is a simplified linear form (`a + bx`) and its left side is not: then it reads as
 * "this simplifies to", not as an equation to solve (`5x + 20 = 300`, `x + 3 = 2(x/2)` are left alone).
 */
export function findSimplifications(text: string): Array<{ lhs: string; rhs: string; variable: string }> {
  const out: Array<{ lhs: string; rhs: string; variable: string }> = [];
  // runs of math tokens: numbers (with $ , . %), one-letter unknowns, operators, parentheses, '='
  for (const m of text.matchAll(/(?:\$?\d[\d,]*(?:\.\d+)?%?|(?<![A-Za-z])[a-z](?![A-Za-z])|[-+*/()=]|[ \t])+/g)) {
    const run = m[0].trim();
    if (!run.includes('=')) continue;
    const letters = new Set(run.match(/(?<![A-Za-z])[a-z](?![A-Za-z])/g) ?? []);
    if (letters.size !== 1) continue;
    const variable = [...letters][0]!;
    if (variable === 'a' || /\d\s+x\s+\$?\d/.test(run)) continue; // the article, or "5 x 4" as a product
    const sides = run.split('=').map((s) => s.trim());
    for (let i = 0; i + 1 < sides.length; i++) {
      const lhs = sides[i]!,
        rhs = sides[i + 1]!;
      const linear = new RegExp(
        String.raw`^-?\$?\d*(?:\.\d+)?\s*\*?\s*${variable}?(?:\s*[-+]\s*\$?\d*(?:\.\d+)?\s*\*?\s*${variable}?)?$`,
      );
      // `… = x` names the unknown (an equation); a simplified form carries a number too
      if (
        !lhs ||
        !rhs ||
        rhs === variable ||
        !rhs.includes(variable) ||
        !lhs.includes(variable) ||
        !linear.test(rhs) ||
        linear.test(lhs)
      )
        continue;
      if ((lhs.match(/\(/g)?.length ?? 0) !== (lhs.match(/\)/g)?.length ?? 0)) continue;
      out.push({ lhs, rhs, variable });
    }
  }
  return out;
}

/** Compares both sides at a few exact rational points; wrong with the first point where they differ. */
export function checkSimplification(lhs: string, rhs: string, variable: string): Verdict {
  try {
    const l = parseAscii(normalise(lhs, variable));
    const r = parseAscii(normalise(rhs, variable));
    for (const p of ['3/2', '7', '-5/3', '11']) {
      const env = new Map([[variable, { exact: new Fraction(p) }]]);
      const a = evaluate(l, env),
        b = evaluate(r, env);
      if (!a?.exact || !b?.exact) return { verdict: 'unknown', reason: 'float-precision', detail: 'not exact' };
      if (!a.exact.equals(b.exact)) {
        return {
          verdict: 'wrong',
          reason: 'sides-differ',
          detail: `${lhs} ≠ ${rhs}`,
          counterexample: { [variable]: p },
          values: { left: formatValue(a), right: formatValue(b) },
        };
      }
    }
    return { verdict: 'verified', reason: 'identity-sampled', detail: `${lhs} = ${rhs} for all ${variable}` };
  } catch (err) {
    return unreadable(err);
  }
}

// Independent re-evaluation of a counterexample for the tests: Compute Engine's own evaluator (complex-valued,
// arbitrary precision) for LaTeX, mathjs for ASCII math, never the checker's evaluator.
import { ComputeEngine } from '@cortex-js/compute-engine';
import { evaluate as mathjsEvaluate, parse as mathjsParse } from 'mathjs';
import type { ProofStep } from '../../../../engine/protocol';

const ce = new ComputeEngine();

export interface Sample {
  re: number;
  im: number;
}

function latexAt(latex: string, point: Record<string, string>): Sample {
  const subs = Object.fromEntries(Object.entries(point).map(([k, v]) => [k, ce.parse(v)]));
  const n = ce.parse(latex).evaluate().subs(subs).evaluate().N();
  return { re: n.re, im: n.im };
}

function derivativeAt(latex: string, variable: string, point: Record<string, string>): Sample {
  const subs = Object.fromEntries(Object.entries(point).map(([k, v]) => [k, ce.parse(v)]));
  const d = ce.box(['D', ce.parse(latex).json, variable] as never).evaluate();
  const n = d.subs(subs).N();
  return { re: n.re, im: n.im };
}

function asciiAt(expr: string, point: Record<string, string>): Sample {
  const scope = Object.fromEntries(Object.entries(point).map(([k, v]) => [k, mathjsEvaluate(v) as number]));
  const v = mathjsEvaluate(expr.replace(/(\d),(\d{3})/g, '$1$2'), scope) as number;
  return { re: v, im: 0 };
}

const differ = (a: Sample, b: Sample) =>
  Number.isNaN(a.re) ||
  Number.isNaN(b.re) ||
  Math.abs(a.re - b.re) + Math.abs(a.im - b.im) > 1e-6 * Math.max(1, Math.abs(a.re), Math.abs(b.re));

function relationHolds(relation: string, a: Sample, b: Sample): boolean {
  if (a.im !== 0 || b.im !== 0 || Number.isNaN(a.re) || Number.isNaN(b.re))
    return relation === '≠' ? differ(a, b) : false;
  const d = a.re - b.re;
  const eps = 1e-9 * Math.max(1, Math.abs(a.re), Math.abs(b.re));
  switch (relation) {
    case '=':
      return Math.abs(d) <= eps;
    case '≠':
      return Math.abs(d) > eps;
    case '<':
      return d < -eps;
    case '≤':
      return d <= eps;
    case '>':
      return d > eps;
    case '≥':
      return d >= -eps;
  }
  throw new Error(`relation ${relation}`);
}

function atomsHold(text: string, point: Record<string, string>, disjunction: boolean): boolean {
  const atoms = text.split(disjunction ? /\\text\{\s*or\s*\}|\\lor|,/ : /,|\\text\{\s*and\s*\}/);
  const results = atoms.map((atom) => {
    // a chained comparison `0 < x < 1` holds when each consecutive pair does
    const parts = atom.split(/(\\geq|\\leq|\\ge|\\le|\\neq|\\ne|=|<|>)(?![A-Za-z])/);
    const values = parts.filter((_, i) => i % 2 === 0).map((e) => latexAt(e.replace(/&/g, ''), point));
    return parts.every(
      (rel, i) =>
        i % 2 === 0 ||
        relationHolds(
          { '\\geq': '≥', '\\ge': '≥', '\\leq': '≤', '\\le': '≤', '\\neq': '≠', '\\ne': '≠' }[rel] ?? rel,
          values[(i - 1) / 2]!,
          values[(i + 1) / 2]!,
        ),
    );
  });
  return disjunction ? results.some(Boolean) : results.every(Boolean);
}

/**
 * True when the step's counterexample really refutes it: the relation fails at that point (indefinite integrals:
 * the derivative of the right side differs from the integrand), or one side leaves the reals there while the other
 * stays (domain errors), or the premise of an implication holds while its conclusion fails.
 */
export function refutes(step: ProofStep, syntax: 'latex' | 'ascii'): boolean {
  const cx = step.counterexample;
  const sides = step.sides;
  if (!cx || !sides) return false;
  if (sides.relation === '⟹' || sides.relation === '⟺') {
    const forward = atomsHold(sides.left, cx, false) && !atomsHold(sides.right, cx, true);
    const backward = sides.relation === '⟺' && atomsHold(sides.right, cx, true) && !atomsHold(sides.left, cx, false);
    return forward || backward;
  }
  if (syntax === 'ascii') return !relationHolds(sides.relation, asciiAt(sides.left, cx), asciiAt(sides.right, cx));
  const integral = sides.left.match(/^\\int(?![_^])\s*(.*?)\\?,?\s*d([a-z])\s*$/s);
  if (integral) {
    const integrand = latexAt(integral[1]!.replace(/\\,$/, ''), cx);
    return differ(integrand, derivativeAt(sides.right, integral[2]!, cx));
  }
  const left = latexAt(sides.left, cx);
  const right = latexAt(sides.right, cx);
  return !relationHolds(sides.relation, left, right) || (left.im === 0) !== (right.im === 0);
}

export { mathjsParse };

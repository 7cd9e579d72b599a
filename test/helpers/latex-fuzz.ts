// Random LaTeX for fuzzing Check Proof: a seeded PRNG (mulberry32) picks tokens that the reader treats specially
// (delimiters, environments, relations, commands, braces) mixed with plain and odd characters, so most strings are
// almost-math: balanced or not, nested or not.

/** the runtime's seeded generator (mulberry32), under the name the fuzzer's callers use */
export { seededRandom as mulberry32 } from '../../engine/runtime/sampling';

const TOKENS = [
  '$',
  '$$',
  '\\[',
  '\\]',
  '\\(',
  '\\)',
  '\\begin{align}',
  '\\end{align}',
  '\\begin{aligned}',
  '\\end{aligned}',
  '\\begin{equation}',
  '\\end{equation}',
  '\\begin{cases}',
  '\\end{cases}',
  '&',
  '&=',
  '\\\\',
  '\n',
  ' ',
  '=',
  '<',
  '>',
  '\\le',
  '\\ge',
  '\\ne',
  '\\neq',
  '\\implies',
  '\\iff',
  '\\Rightarrow',
  '\\approx',
  '\\equiv',
  '+',
  '-',
  '\\cdot',
  '\\times',
  '/',
  '^',
  '_',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  '|',
  '!',
  "'",
  ',',
  '.',
  'x',
  'y',
  'n',
  'a',
  'b',
  'k',
  '0',
  '1',
  '2',
  '3',
  '10',
  '0.5',
  '1e9',
  '99999999999999999999',
  '\\frac',
  '\\dfrac',
  '\\sqrt',
  '\\sqrt[3]',
  '\\sin',
  '\\cos',
  '\\log',
  '\\ln',
  '\\exp',
  '\\int',
  '\\int_0^1',
  '\\sum_{i=1}^{n}',
  '\\prod',
  '\\lim_{x\\to 0}',
  '\\infty',
  '\\pi',
  '\\Gamma',
  '\\binom',
  '\\mathbb{R}',
  '\\in',
  '\\forall',
  '\\exists',
  '\\text{for all }',
  '\\left(',
  '\\right)',
  '\\,',
  '\\quad',
  '%',
  '\\%',
  '\\',
  '\\unknowncommand',
  'd/dx',
  'dx',
  '\\mathrm{d}',
  "f'(x)",
  'f(x)',
  '\\{',
  '\\}',
  '\u00a0',
  'λ',
  '𝔸',
  '\u0000',
  '\uFFFD',
  '\\label{eq}',
  '\\tag{1}',
  '\\newcommand{\\x}{y}',
  'Let ',
  'Then ',
  'so ',
  'hence ',
  '#',
  '~',
  '\\\\[2pt]',
  '\\hline',
];

/** One random LaTeX string of up to `maxTokens` tokens. */
export function randomLatex(rand: () => number, maxTokens = 40): string {
  const n = 1 + Math.floor(rand() * maxTokens);
  let out = '';
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.04)
      out += String.fromCharCode(Math.floor(rand() * 0x3000)); // any character now and then
    else out += TOKENS[Math.floor(rand() * TOKENS.length)];
  }
  return out;
}

const ATOMS = ['x', 'y', 'n', '2', '3', '0', '1', '0.5', '\\pi', 'e', 'a', 'b', '10^{12}', '999999'];
const BIN = ['+', '-', '\\cdot', '', '/', '^'];
const RELS = ['=', '&=', '<', '\\le', '>', '\\ge', '\\ne', '\\approx', '\\implies'];

/** A random, mostly well-formed expression (depth-bounded), now and then broken. */
export function randomExpr(rand: () => number, depth = 3): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const r = rand();
  if (depth <= 0 || r < 0.3) return pick(ATOMS);
  if (r < 0.55) return `${randomExpr(rand, depth - 1)} ${pick(BIN)} ${randomExpr(rand, depth - 1)}`;
  if (r < 0.65) return `\\frac{${randomExpr(rand, depth - 1)}}{${randomExpr(rand, depth - 1)}}`;
  if (r < 0.72) return `\\sqrt{${randomExpr(rand, depth - 1)}}`;
  if (r < 0.8)
    return `${pick(['\\sin', '\\cos', '\\log', '\\ln', '\\exp', '\\Gamma', 'f'])}(${randomExpr(rand, depth - 1)})`;
  if (r < 0.86) return `(${randomExpr(rand, depth - 1)})^{${randomExpr(rand, depth - 1)}}`;
  if (r < 0.9) return `\\int_0^1 ${randomExpr(rand, depth - 1)} \\, dx`;
  if (r < 0.94) return `\\sum_{i=1}^{${pick(['n', '10', '3'])}} ${randomExpr(rand, depth - 1)}`;
  return randomLatex(rand, 6); // a broken piece
}

/** A document: a chain of relations in display math or an align environment, or token soup. */
export function randomDocument(rand: () => number): string {
  const r = rand();
  const chain = () => {
    const n = 1 + Math.floor(rand() * 4);
    let s = randomExpr(rand);
    for (let i = 0; i < n; i++) s += ` ${RELS[Math.floor(rand() * RELS.length)]} ${randomExpr(rand)}`;
    return s;
  };
  if (r < 0.35) return `Let $x > 0$. Then\n$$${chain()}$$\n`;
  if (r < 0.6) return `\\begin{align}\n${chain()} \\\\\n&= ${randomExpr(rand)}\n\\end{align}\n`;
  if (r < 0.75) return `${chain()}\n${chain()}\n`;
  return randomLatex(rand);
}

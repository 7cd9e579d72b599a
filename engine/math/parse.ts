// Source text -> MathJSON. LaTeX goes through the Compute Engine's parser (pinned at 0.140.0: older releases misread
// \frac{d}{dx}); ASCII math (plain text, code comments, calculator annotations) goes through mathjs' parser and a
// small converter, so both reach the verifier in one form.
import { ComputeEngine } from '@cortex-js/compute-engine';
import { parse as parseMathjs, type MathNode } from 'mathjs';
import { WorkLimit, type MathJson } from './mathjson';
import type { Syntax } from './claims';
import { readBareArguments } from './latex-reading';
import { cutEvaluationBrackets, evaluated, putBack } from './evaluation-brackets';

let engine: ComputeEngine | undefined;
export function computeEngine(): ComputeEngine {
  engine ??= new ComputeEngine();
  return engine;
}

export class ParseFailure extends Error {}

function findError(e: MathJson): string | undefined {
  if (!Array.isArray(e)) return undefined;
  if (e[0] === 'Error')
    return JSON.stringify(e[1] ?? 'syntax error')
      .replace(/"/g, '')
      .replace(/^'|'$/g, '');
  for (const a of e) {
    const found = findError(a);
    if (found) return found;
  }
  return undefined;
}

/** The value of an expression of numbers only, as a double (undefined when it has a symbol or another head). */
function numericValue(e: MathJson): number | undefined {
  if (typeof e === 'number') return e;
  if (!Array.isArray(e)) return e && typeof e === 'object' && 'num' in e ? Number(e.num) : undefined;
  const [head, ...args] = e;
  const vs = args.map(numericValue);
  if (vs.some((v) => v === undefined)) return undefined;
  const [a, b] = vs as number[];
  if (head === 'Delimiter' && vs.length === 1) return a;
  if (head === 'Negate') return -a!;
  if (head === 'Power') return Math.pow(a!, b!);
  if (head === 'Multiply') return (vs as number[]).reduce((x, y) => x * y, 1);
  return undefined;
}

/** log10 |e| for powers of numbers, where a double would overflow: `(10^{12})^{999999}` is 11,999,988 digits. */
function decimalDigits(e: MathJson): number | undefined {
  if (Array.isArray(e) && e[0] === 'Power') {
    const base = decimalDigits(e[1]!),
      exponent = numericValue(e[2]!);
    return base === undefined || exponent === undefined ? undefined : base * exponent;
  }
  if (Array.isArray(e) && (e[0] === 'Delimiter' || e[0] === 'Negate') && e.length === 2) return decimalDigits(e[1]!);
  const v = numericValue(e);
  return v === undefined || v === 0 ? undefined : Math.log10(Math.abs(v));
}

/** The CAS computes powers of numbers exactly when it reads them (a gcd on millions of digits never returns). */
const MAX_POWER_DIGITS = 20_000;

function refuseHugePowers(e: MathJson): void {
  if (!Array.isArray(e)) return;
  if (e[0] === 'Power') {
    const digits = decimalDigits(e);
    if (digits !== undefined && Math.abs(digits) > MAX_POWER_DIGITS) {
      throw new WorkLimit(
        `a power of about ${Math.round(Math.abs(digits)).toLocaleString('en-US')} digits is too large to evaluate`,
      );
    }
  }
  for (const a of e) refuseHugePowers(a);
}

/** The CAS reads `1e+999999` (`1 e + 999999` too) as a number, and a fraction of it expands to all its digits. */
function refuseHugeScientific(text: string): void {
  for (const m of text.matchAll(/\d\s*e\s*[+-]?\s*(\d+)/g)) {
    if (Number(m[1]) > MAX_POWER_DIGITS)
      throw new WorkLimit(
        `a number of about ${Number(m[1]).toLocaleString('en-US')} digits ('${m[0]}') is too large to evaluate`,
      );
  }
}

/**
 * A big operator with nothing after it (`\sum_{i=1}^{n}` alone, as when a chain is cut at `\le`) reads as a bare
 * `["Sum"]`, which the CAS's Sum canonicalizer trips over (it logs "error canonicalizing `Sum`: Cannot read properties
 * of undefined" and keeps the expression as it was): refused here as unreadable, before the CAS sees it.
 */
function refuseEmptyBigOperators(e: MathJson, text: string): void {
  if (!Array.isArray(e)) return;
  if ((e[0] === 'Sum' || e[0] === 'Product') && e.length === 1)
    throw new ParseFailure(`cannot parse '${text}': a ${e[0] === 'Sum' ? 'sum' : 'product'} with nothing after it`);
  for (const a of e) refuseEmptyBigOperators(a, text);
}

export function parseLatex(text: string): MathJson {
  if (text.trim() === '') throw new ParseFailure('empty expression');
  refuseHugeScientific(text);
  const cut = cutEvaluationBrackets(text);
  const raw = computeEngine().parse(readBareArguments(cut.text), { form: 'raw' }).json as MathJson;
  refuseHugePowers(raw);
  refuseEmptyBigOperators(raw, text);
  const boxed = computeEngine().parse(readBareArguments(cut.text));
  const json = boxed.json as MathJson;
  const error = findError(json);
  if (error) throw new ParseFailure(`cannot parse '${text}': ${error}`);
  if (cut.brackets.length === 0) return json;
  const values = new Map<string, MathJson>();
  for (const b of cut.brackets) {
    const value = evaluated(parseLatex(b.body), parseLatex(b.lower), parseLatex(b.upper));
    if (!value) throw new ParseFailure(`cannot read the evaluation bracket [${b.body}]: it needs one variable`);
    values.set(b.name, value);
  }
  return putBack(json, values);
}

const ASCII_FUNCTIONS: Record<string, string> = {
  sin: 'Sin',
  cos: 'Cos',
  tan: 'Tan',
  cot: 'Cot',
  sec: 'Sec',
  csc: 'Csc',
  asin: 'Arcsin',
  acos: 'Arccos',
  atan: 'Arctan',
  arcsin: 'Arcsin',
  arccos: 'Arccos',
  arctan: 'Arctan',
  sinh: 'Sinh',
  cosh: 'Cosh',
  tanh: 'Tanh',
  exp: 'Exp',
  ln: 'Ln',
  sqrt: 'Sqrt',
  abs: 'Abs',
  floor: 'Floor',
  ceil: 'Ceil',
  log: 'Log',
  log2: 'Lb',
  log10: 'Lg',
  factorial: 'Factorial',
  max: 'Max',
  min: 'Min',
  mod: 'Mod',
  cbrt: 'Cbrt',
  nthRoot: 'Root',
  binom: 'Binomial',
  combinations: 'Binomial',
};

function fromMathjs(node: MathNode): MathJson {
  const n = node as MathNode & Record<string, unknown>;
  switch (node.type) {
    case 'ConstantNode': {
      const v = n.value;
      if (typeof v === 'number') return v;
      throw new ParseFailure(`unsupported constant ${String(v)}`);
    }
    case 'SymbolNode': {
      const name = n.name as string;
      if (name === 'pi') return 'Pi';
      if (name === 'e') return 'ExponentialE';
      return name;
    }
    case 'ParenthesisNode':
      return fromMathjs(n.content as MathNode);
    case 'OperatorNode': {
      const args = (n.args as MathNode[]).map(fromMathjs);
      switch (n.fn as string) {
        case 'add':
          return ['Add', ...args];
        case 'subtract':
          return ['Subtract', args[0]!, args[1]!];
        case 'multiply':
          return ['Multiply', ...args];
        case 'divide':
          return ['Divide', args[0]!, args[1]!];
        case 'pow':
          return ['Power', args[0]!, args[1]!];
        case 'unaryMinus':
          return ['Negate', args[0]!];
        case 'unaryPlus':
          return args[0]!;
        case 'factorial':
          return ['Factorial', args[0]!];
        case 'mod':
          return ['Mod', args[0]!, args[1]!];
      }
      throw new ParseFailure(`unsupported operator ${String(n.op)}`);
    }
    case 'FunctionNode': {
      const name = (n.fn as { name?: string }).name ?? '';
      const args = (n.args as MathNode[]).map(fromMathjs);
      if (name === 'cbrt') return ['Root', args[0]!, 3];
      if (name === 'log' && args.length === 2) return ['Log', args[0]!, args[1]!];
      if (name === 'log' && args.length === 1) return ['Ln', args[0]!]; // mathjs' log is natural
      const head = ASCII_FUNCTIONS[name];
      if (head) return [head, ...args];
      if (/^[a-zA-Z]$/.test(name)) return [name, ...args];
      throw new ParseFailure(`unknown function ${name}`);
    }
    default:
      throw new ParseFailure(`unsupported ${node.type}`);
  }
}

/** ASCII math: `2*x + 3`, `x^2`, `sqrt(x)`, `3 x` (implicit product), `12,000` thousands separators. */
export function parseAscii(text: string): MathJson {
  const cleaned = text
    .replace(/(\d),(\d{3})(?!\d)/g, '$1$2')
    .replace(/[×✕]/g, '*')
    .replace(/÷/g, '/')
    .replace(/−/g, '-')
    .replace(/\*\*/g, '^');
  if (cleaned.trim() === '') throw new ParseFailure('empty expression');
  let node: MathNode;
  try {
    node = parseMathjs(cleaned);
  } catch (err) {
    throw new ParseFailure(`cannot parse '${text}': ${(err as Error).message}`);
  }
  return fromMathjs(node);
}

export function parseMath(text: string, syntax: Syntax): MathJson {
  return syntax === 'latex' ? parseLatex(text) : parseAscii(text);
}

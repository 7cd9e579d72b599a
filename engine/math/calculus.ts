// Derivatives are evaluated symbolically (Compute Engine) *before* any point is substituted: substituting first would
// differentiate a constant. User functions defined earlier (`f(x) = x^2 \sin x`) are expanded, f'(x) included.
import { headOf, symbolName, UnsupportedExpression, type MathJson } from './mathjson';
import { computeEngine } from './parse';

export interface FunctionDef {
  params: string[];
  body: MathJson;
}
export type Definitions = Map<string, FunctionDef>;

/** Letters that read as function names when applied (`f(x)`); any other letter before `(` multiplies (`a(b+c)`). */
const FUNCTION_LETTERS = new Set(['f', 'g', 'h', 'F', 'G', 'H', 'P', 'Q', 'phi', 'psi']);
export const isFunctionName = (name: string) => FUNCTION_LETTERS.has(name);

function substitute(e: MathJson, bindings: ReadonlyMap<string, MathJson>): MathJson {
  const name = symbolName(e);
  if (name !== undefined) return bindings.get(name) ?? e;
  if (!Array.isArray(e)) return e;
  return e.map((a, i) => (i === 0 && typeof a === 'string' ? a : substitute(a, bindings)));
}

function containsHead(e: MathJson, head: string): boolean {
  return Array.isArray(e) && (e[0] === head || e.some((a) => containsHead(a, head)));
}

export function differentiate(e: MathJson, variable: string, times = 1): MathJson {
  let out = e;
  for (let i = 0; i < times; i++) {
    const ce = computeEngine();
    out = ce.box(['D', out, variable] as never).evaluate().json as MathJson;
    if (containsHead(out, 'D') || containsHead(out, 'Derivative'))
      throw new UnsupportedExpression('derivative the CAS cannot take');
  }
  return out;
}

/** Antiderivative by the CAS (used only for integrals nested inside a larger side). */
export function antiderivative(integral: MathJson): MathJson {
  const out = computeEngine()
    .box(integral as never)
    .evaluate().json as MathJson;
  if (containsHead(out, 'Integrate')) throw new UnsupportedExpression('integral the CAS cannot take');
  return out;
}

/** Expands definitions and evaluates D / f'(x); integrals, sums and limits stay for the evaluator. */
export function resolve(e: MathJson, defs: Definitions): MathJson {
  if (!Array.isArray(e)) return e;
  const head = e[0];
  if (head === 'Apply' && headOf(e[1]!) === 'Derivative') {
    const [, fn, order] = e[1] as MathJson[];
    const name = symbolName(fn!);
    const def = name ? defs.get(name) : undefined;
    if (!def || def.params.length !== 1)
      throw new UnsupportedExpression(`derivative of an undefined function ${name ?? ''}`);
    const d = differentiate(resolve(def.body, defs), def.params[0]!, typeof order === 'number' ? order : 1);
    return substitute(d, new Map([[def.params[0]!, resolve(e[2]!, defs)]]));
  }
  if (head === 'D') {
    const variable = symbolName(e[2]!);
    if (!variable) throw new UnsupportedExpression('derivative without a variable');
    return differentiate(resolve(e[1]!, defs), variable);
  }
  if (typeof head === 'string' && /^[A-Za-z]$|^phi$|^psi$/.test(head)) {
    const def = defs.get(head);
    const args = e.slice(1).map((a) => resolve(a, defs));
    if (def && def.params.length === args.length) {
      return resolve(substitute(def.body, new Map(def.params.map((p, i) => [p, args[i]!]))), defs);
    }
    if (isFunctionName(head)) throw new UnsupportedExpression(`undefined function ${head}`);
    return ['Multiply', head, ...args];
  }
  return e.map((a, i) => (i === 0 ? a : resolve(a, defs)));
}

/** `f(x)` with symbol arguments: the left side of a definition. */
export function definitionHead(e: MathJson): { name: string; params: string[] } | undefined {
  if (!Array.isArray(e) || typeof e[0] !== 'string' || !isFunctionName(e[0])) return undefined;
  const params = e.slice(1).map((a) => symbolName(a));
  if (params.length === 0 || params.some((p) => p === undefined)) return undefined;
  return { name: e[0], params: params as string[] };
}

/** Indefinite integrals in `e` with respect to which variable (["Limits", x, "Nothing", "Nothing"]). */
export function indefiniteIntegralVariable(e: MathJson): string | undefined {
  if (!Array.isArray(e)) return undefined;
  if (e[0] === 'Integrate') {
    const limits = e[2];
    if (headOf(limits!) === 'Limits' && symbolName((limits as MathJson[])[2]!) === 'Nothing')
      return symbolName((limits as MathJson[])[1]!);
  }
  for (const a of e.slice(1)) {
    const v = indefiniteIntegralVariable(a);
    if (v) return v;
  }
  return undefined;
}

/** The integrand of a top-level indefinite integral, or undefined. */
export function integrandOf(e: MathJson): MathJson | undefined {
  if (headOf(e) !== 'Integrate' || indefiniteIntegralVariable(e) === undefined) return undefined;
  const fn = (e as MathJson[])[1]!;
  if (headOf(fn) === 'Function') {
    const body = (fn as MathJson[])[1]!;
    return headOf(body) === 'Block' ? (body as MathJson[])[1]! : body;
  }
  return fn;
}

/** d/dx of one side of an antiderivative claim: ∫f dx -> f, anything else by the CAS (nested integrals first). */
export function derivativeOfSide(e: MathJson, variable: string): MathJson {
  const integrand = integrandOf(e);
  if (integrand !== undefined) return integrand;
  const replaced = replaceIntegrals(e);
  return differentiate(replaced, variable);
}

function replaceIntegrals(e: MathJson): MathJson {
  if (!Array.isArray(e)) return e;
  if (e[0] === 'Integrate' && indefiniteIntegralVariable(e)) return antiderivative(e);
  return e.map((a, i) => (i === 0 ? a : replaceIntegrals(a)));
}

export function hasCalculus(e: MathJson): boolean {
  return ['D', 'Integrate', 'Limit', 'Sum', 'Product', 'Derivative'].some((h) => containsHead(e, h));
}

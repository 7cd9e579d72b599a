// `\left[x^3 + x\right]_0^2`, `\Big[F\Big]_a^b`, `[F]_a^b` and `\left. F \right|_a^b`: the evaluation bracket of a
// definite integral, F(b) - F(a). Compute Engine reads them as a list indexed and raised to a power, so they are cut
// out of the text before parsing and put back as the difference; F must have one variable, or the bracket is unread.
import type { MathJson } from './mathjson';
import { freeSymbols, symbolName } from './mathjson';

export interface EvaluationBracket {
  /** the placeholder symbol left in the text */
  name: string;
  body: string;
  lower: string;
  upper: string;
}

const OPENERS: Array<{ open: RegExp; close: string[] }> = [
  { open: /^\\left\s*\[/, close: ['\\right]'] },
  { open: /^\\left\s*\./, close: ['\\right|', '\\right\\vert'] },
  {
    open: /^\\(?:Big|big|bigg|Bigg)l?\s*\[/,
    close: ['\\Big]', '\\big]', '\\bigg]', '\\Bigg]', '\\Bigr]', '\\bigr]', '\\biggr]', '\\Biggr]'],
  },
  { open: /^\[/, close: [']'] },
];

/** A script after the bracket: `_0`, `_{\pi/2}`, `^2`, `^{b}`; returns its text and where it ends. */
function script(text: string, i: number, mark: '_' | '^'): { value: string; end: number } | undefined {
  let k = i;
  while (text[k] === ' ') k++;
  if (text[k] !== mark) return undefined;
  k++;
  while (text[k] === ' ') k++;
  if (text[k] === '{') {
    let depth = 0;
    for (let j = k; j < text.length; j++) {
      if (text[j] === '\\') j++;
      else if (text[j] === '{') depth++;
      else if (text[j] === '}' && --depth === 0) return { value: text.slice(k + 1, j), end: j + 1 };
    }
    return undefined;
  }
  const m = text.slice(k).match(/^(?:\\[A-Za-z]+|[A-Za-z0-9])/);
  return m ? { value: m[0], end: k + m[0].length } : undefined;
}

/** The closer matching an opener at `from`, skipping nested braces, brackets and \left…\right pairs. */
function closing(text: string, from: number, close: string[]): { at: number; length: number } | undefined {
  let depth = 0;
  for (let j = from; j < text.length; j++) {
    if (depth === 0) for (const c of close) if (text.startsWith(c, j)) return { at: j, length: c.length };
    if (text.startsWith('\\left', j)) {
      depth++;
      j += 4;
    } else if (text.startsWith('\\right', j)) {
      depth--;
      j += 5;
    } else if (text[j] === '\\') j++;
    else if (text[j] === '{' || text[j] === '[') depth++;
    else if (text[j] === '}' || text[j] === ']') depth--;
    if (depth < 0) return undefined;
  }
  return undefined;
}

export function cutEvaluationBrackets(text: string): { text: string; brackets: EvaluationBracket[] } {
  const brackets: EvaluationBracket[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    let done = false;
    for (const { open, close } of OPENERS) {
      const m = text.slice(i).match(open);
      if (!m) continue;
      const c = closing(text, i + m[0].length, close);
      if (!c) continue;
      const after = c.at + c.length;
      const lower = script(text, after, '_');
      const upper = lower ? script(text, lower.end, '^') : script(text, after, '^');
      const lower2 = lower ?? (upper ? script(text, upper.end, '_') : undefined);
      if (!lower2 || !upper) continue;
      const name = `EvalBracket${brackets.length}`;
      brackets.push({ name, body: text.slice(i + m[0].length, c.at), lower: lower2.value, upper: upper.value });
      out += `\\mathrm{${name}}`;
      i = Math.max(lower2.end, upper.end);
      done = true;
      break;
    }
    if (done) continue;
    // a command is copied whole, so `\left[` inside it is not cut in half
    const cmd = text.slice(i).match(/^\\[A-Za-z]+|^\\./);
    out += cmd ? cmd[0] : text[i];
    i += cmd ? cmd[0].length : 1;
  }
  return { text: out, brackets };
}

function substitute(e: MathJson, name: string, value: MathJson): MathJson {
  if (symbolName(e) === name) return value;
  return Array.isArray(e) ? e.map((a, k) => (k === 0 ? a : substitute(a, name, value))) : e;
}

/** F(b) - F(a) for the bracket, or undefined when F has no single variable to evaluate. */
export function evaluated(body: MathJson, lower: MathJson, upper: MathJson): MathJson | undefined {
  const vars = [...freeSymbols(body)];
  if (vars.length !== 1) return undefined;
  return ['Add', substitute(body, vars[0]!, upper), ['Negate', substitute(body, vars[0]!, lower)]];
}

/** Puts each bracket's value back where its placeholder symbol is. */
export function putBack(e: MathJson, values: ReadonlyMap<string, MathJson>): MathJson {
  const name = symbolName(e);
  if (name !== undefined && values.has(name)) return values.get(name)!;
  return Array.isArray(e) ? e.map((a, k) => (k === 0 ? a : putBack(a, values))) : e;
}

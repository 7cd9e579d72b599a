// How a reader takes a function written without parentheses: `\ln a \cdot \ln b` is ln(a)·ln(b), `\sin^2 x` is
// (sin x)², `\sin 2x` is sin(2x), `\sin x \cos x` is a product of two functions. The Compute Engine's parser lets a
// bare argument run on over `\cdot` (`\ln a \cdot \ln b` -> ln(a·ln b)), so the argument is closed in parentheses
// first: it is one factor (letters, digits, powers, braces, Greek letters, \frac, \sqrt) and ends at an operator,
// a space, another function or anything else.

const FUNCTIONS = new Set([
  'sin',
  'cos',
  'tan',
  'cot',
  'sec',
  'csc',
  'arcsin',
  'arccos',
  'arctan',
  'sinh',
  'cosh',
  'tanh',
  'coth',
  'ln',
  'log',
  'lg',
  'exp',
]);
/** commands that are values, so they may be (part of) a bare argument */
const VALUE_COMMANDS =
  /^\\(?:alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|iota|kappa|lambda|mu|nu|xi|pi|rho|sigma|tau|phi|varphi|chi|psi|omega|infty)$/;

/** A `{…}` group (or one character) starting at `i`; returns its end. */
function groupEnd(text: string, i: number): number {
  if (text[i] !== '{') return text[i] === '\\' ? commandEnd(text, i) : i + 1;
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    if (text[j] === '\\') {
      j++;
      continue;
    }
    if (text[j] === '{') depth++;
    else if (text[j] === '}' && --depth === 0) return j + 1;
  }
  return text.length;
}

function commandEnd(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length && /[A-Za-z]/.test(text[j]!)) j++;
  return j === i + 1 ? i + 2 : j;
}

/** End of the bare argument that starts at `i` (=== i when there is none). */
function bareArgumentEnd(text: string, i: number): number {
  let j = i;
  while (j < text.length) {
    const c = text[j]!;
    if (/[A-Za-z0-9.]/.test(c)) j++;
    else if (c === '^' || c === '_') j = groupEnd(text, j + 1);
    else if (c === '{') j = groupEnd(text, j);
    else if (c === '\\') {
      const end = commandEnd(text, j);
      const cmd = text.slice(j, end);
      if (VALUE_COMMANDS.test(cmd)) {
        j = end;
        // `\pi x`: a command's name needs the space after it, which does not end the argument
        while (text[j] === ' ' && /[A-Za-z0-9]/.test(text[j + 1] ?? '')) j++;
      } else if (cmd === '\\frac') j = groupEnd(text, groupEnd(text, end));
      else if (cmd === '\\sqrt') j = groupEnd(text, end);
      else break;
    } else break;
  }
  return j;
}

/** `\ln a \cdot \ln b` -> `\ln(a) \cdot \ln(b)`; parenthesized arguments are left as written. */
export function readBareArguments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const m = text.slice(i).match(/^\\([A-Za-z]+)/);
    if (!m || !FUNCTIONS.has(m[1]!)) {
      const step = m ? m[0].length : 1;
      out += text.slice(i, i + step);
      i += step;
      continue;
    }
    let j = i + m[0].length;
    // `\sin^2`, `\log_2`, `\log_{10}`
    while (text[j] === '^' || text[j] === '_') j = groupEnd(text, j + 1);
    let k = j;
    while (text[k] === ' ') k++;
    const end = /^(\(|\[|\{|\\left|\\bigl?|\\Bigl?)/.test(text.slice(k)) ? k : bareArgumentEnd(text, k);
    if (end === k) {
      out += text.slice(i, k);
      i = k;
      continue;
    }
    out += `${text.slice(i, j)}(${readBareArguments(text.slice(k, end))})`;
    i = end;
  }
  return out;
}

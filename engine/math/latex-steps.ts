// Steps from LaTeX and Markdown: math regions ($…$, $$…$$, \[…\], \(…\), align/equation/gather environments),
// split into rows at `\\`, annotations (\text{…}, \label, \quad, &) blanked with spaces so offsets stay exact.
import { rowsToClaims, chainLinks, trimmed, type ChainState } from './chains';
import { cueBefore, cueWithin } from './reading-cues';
import {
  IMPLICATION_OPS,
  RELATION_OPS,
  type Claim,
  type Extracted,
  type Link,
  type RelationOp,
  type Segment,
} from './claims';

export interface MathRegion {
  /** content offsets (delimiters excluded) */
  start: number;
  /** where the opening delimiter starts */
  open: number;
  end: number;
  display: boolean;
}

const ENVIRONMENTS = [
  'align',
  'align*',
  'aligned',
  'equation',
  'equation*',
  'gather',
  'gather*',
  'gathered',
  'multline',
  'multline*',
  'eqnarray',
  'eqnarray*',
  'split',
  'displaymath',
  'math',
];

/** Blank `[start, end)` of `chars` (keeps newlines so line numbers do not move). */
function blank(chars: string[], start: number, end: number): void {
  for (let i = start; i < end; i++) if (chars[i] !== '\n') chars[i] = ' ';
}

/** Text with everything that is not checkable math turned to spaces: comments, code, prose stays as is. */
export function findMathRegions(text: string, markdown: boolean): MathRegion[] {
  const regions: MathRegion[] = [];
  const n = text.length;
  let i = 0;
  let lineStart = true;
  while (i < n) {
    const c = text[i]!;
    if (markdown && lineStart && /^ {0,3}(```|~~~)/.test(text.slice(i, i + 6))) {
      // fenced code: skip to the closing fence
      const fence = text.slice(i).match(/^ {0,3}(```|~~~)/)![1]!;
      const close = text.indexOf(`\n${fence}`, i + 3);
      i =
        close < 0
          ? n
          : text.indexOf('\n', close + 1 + fence.length) < 0
            ? n
            : text.indexOf('\n', close + 1 + fence.length);
      continue;
    }
    lineStart = c === '\n';
    if (markdown && c === '`') {
      const run = text.slice(i).match(/^`+/)![0];
      const close = text.indexOf(run, i + run.length);
      i = close < 0 ? i + run.length : close + run.length;
      continue;
    }
    if (!markdown && c === '%' && text[i - 1] !== '\\') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === '\\' && text[i + 1] === '$') {
      i += 2;
      continue;
    }
    if (text.startsWith('$$', i)) {
      const close = text.indexOf('$$', i + 2);
      if (close < 0) break;
      regions.push({ start: i + 2, open: i, end: close, display: true });
      i = close + 2;
      continue;
    }
    if (c === '$') {
      // Pandoc's rule keeps prices ("$5 and $10") out: no space after the opening $, none before the closing one,
      // and no digit right after the closing one.
      let j = i + 1;
      if (j < n && !/\s/.test(text[j]!)) {
        while (j < n && text[j] !== '$' && !(text[j] === '\n' && text[j + 1] === '\n')) j += text[j] === '\\' ? 2 : 1;
        if (j < n && text[j] === '$' && !/\s/.test(text[j - 1]!) && !/\d/.test(text[j + 1] ?? '')) {
          regions.push({ start: i + 1, open: i, end: j, display: false });
          i = j + 1;
          continue;
        }
      }
      i++;
      continue;
    }
    if (text.startsWith('\\[', i) || text.startsWith('\\(', i)) {
      const closer = text[i + 1] === '[' ? '\\]' : '\\)';
      const close = text.indexOf(closer, i + 2);
      if (close < 0) break;
      regions.push({ start: i + 2, open: i, end: close, display: closer === '\\]' });
      i = close + 2;
      continue;
    }
    const env = text.slice(i).match(/^\\begin\{([a-z]+\*?)\}/);
    if (env && ENVIRONMENTS.includes(env[1]!)) {
      const closer = `\\end{${env[1]}}`;
      const close = text.indexOf(closer, i);
      if (close < 0) break;
      regions.push({ start: i + env[0].length, open: i, end: close, display: true });
      i = close + closer.length;
      continue;
    }
    i++;
  }
  return regions;
}

// Annotations that carry no math: blanked before parsing.
const BLANK_PATTERNS: RegExp[] = [
  /\\(?:label|tag|ref|eqref|hspace|vspace)\*?\{[^{}]*\}/g,
  /\\(?:nonumber|notag|displaystyle|textstyle|qquad|quad|left\.|right\.|medskip|smallskip|bigskip|hfill)(?![A-Za-z])/g,
  /\\begin\{(?:aligned|split|gathered|array\}\{[^{}]*)\}|\\end\{(?:aligned|split|gathered|array)\}/g,
  /\\[,;:! ]/g,
  /&/g,
  /~/g,
];

/** `\text{…}` that says "or"/"and" stays (it is logic); any other \text{…}, \mbox{…} is commentary. */
const TEXT_PATTERN = /\\(?:text|mbox|textrm|textit|textbf|mathrm|operatorname)\{([^{}]*)\}/g;

export function maskMath(text: string): string {
  const chars =
    [...text].length === text.length ? text.split('') : Array.from({ length: text.length }, (_, k) => text[k]!);
  // `f(x) := …` and `\coloneqq` define: read as `=` (the definition cue is taken from the source, reading-cues.ts)
  for (const m of text.matchAll(/:=|\\coloneqq(?![A-Za-z])/g)) {
    blank(chars, m.index!, m.index! + m[0].length);
    chars[m.index! + m[0].length - 1] = '=';
  }
  for (const re of BLANK_PATTERNS) for (const m of text.matchAll(re)) blank(chars, m.index!, m.index! + m[0].length);
  for (const m of text.matchAll(TEXT_PATTERN)) {
    const inner = m[1]!.trim();
    const command = m[0].slice(1, m[0].indexOf('{'));
    if (/^(or|and)$/i.test(inner)) continue;
    // \mathrm{d}x, \operatorname{sgn}: part of the math
    if ((command === 'mathrm' || command === 'operatorname') && /^[A-Za-z]+$/.test(inner)) continue;
    blank(chars, m.index!, m.index! + m[0].length);
  }
  return chars.join('');
}

/** Rows of one region: split at `\\` (the row separator of align-like environments). */
function regionRows(masked: string, region: MathRegion): Segment[] {
  const body = masked.slice(region.start, region.end);
  const rows: Segment[] = [];
  let from = 0;
  for (const m of body.matchAll(/\\\\(\[[^\]]*\])?|\\newline/g)) {
    rows.push(trimmed(body, region.start, from, m.index!));
    from = m.index! + m[0].length;
  }
  rows.push(trimmed(body, region.start, from, body.length));
  // Trailing punctuation closes a sentence, it is not math.
  return rows.map((r) => {
    const m = r.text.match(/[\s.,;:]+$/);
    return m ? { text: r.text.slice(0, -m[0].length), start: r.start, end: r.end - m[0].length } : r;
  });
}

const ASSUMPTION_WORDS =
  /\b(let|for|assume|assuming|suppose|where|with|given|if|when|take|since|fix|all|any|every)\b[^.$]{0,40}$/i;
const SIMPLE_CONDITION =
  /^\s*[A-Za-z](?:_\{?\d+\}?)?(?:\s*,\s*[A-Za-z](?:_\{?\d+\}?)?)*\s*(?:<|>|\\le|\\leq|\\ge|\\geq|\\ne|\\neq|\\lt|\\gt|\\in)(?![A-Za-z])/;

export function extractLatex(text: string, markdown: boolean): Extracted {
  const masked = maskMath(text);
  const claims: Claim[] = [];
  const assumptions: Extracted['assumptions'] = [];
  // One derivation may run over many displays; a display that does not start with a relation starts afresh.
  const state: ChainState = {};
  let previousEnd = 0;
  let mention: Segment | undefined;
  for (const region of findMathRegions(text, markdown)) {
    // Displays on consecutive lines, nothing but space between, are rows of one derivation (solving steps too);
    // a blank line or prose ends that.
    const gap = text.slice(previousEnd, region.open).replace(/^\s*(\$\$?|\\\]|\\\)|\\end\{[a-z]+\*?\})/, '');
    if (/\S|\n\s*\n/.test(gap)) state.previousSingle = false;
    previousEnd = region.end;
    const rows = regionRows(masked, region).map((row) => conditionTail(text, row, assumptions));
    const before = text.slice(Math.max(0, region.start - 60), region.start - 1);
    if (
      !region.display &&
      rows.length === 1 &&
      SIMPLE_CONDITION.test(rows[0]!.text) &&
      (ASSUMPTION_WORDS.test(before) || /\\in(?![A-Za-z])/.test(rows[0]!.text))
    ) {
      for (const link of conditionLinks(rows[0]!)) assumptions.push({ link, syntax: 'latex', at: region.start });
      continue;
    }
    // (the previous relation stays: it is the premise of a solving step in the display right below)
    if (startsAfresh(rows)) state.carried = undefined;
    // "Start from $E$. Expanding gives $= …$": with no chain to continue, `= …` continues the expression just named.
    // Not when the prose says the expression was transformed first ("differentiating $E$ gives $= …$").
    if (
      !state.carried &&
      mention &&
      startsWithRelation(rows) &&
      !TRANSFORMED.test(text.slice(Math.max(0, mention.start - 80), region.open))
    ) {
      state.carried = mention;
    }
    mention = namedExpression(rows);
    const regionClaims = rowsToClaims(rows, 'latex', state);
    // LaTeX commands before it (`\end{equation}`) are not prose
    const sentenceCue = cueBefore(
      text.slice(Math.max(0, region.open - 200), region.open).replace(/\\[A-Za-z]+\*?(\{[^{}]*\})?/g, ' '),
    );
    for (const claim of regionClaims) {
      if (claim.kind !== 'link') continue;
      const k = rows.findIndex(
        (r, j) => claim.start >= r.start && (j + 1 === rows.length || claim.start < rows[j + 1]!.start),
      );
      const rawRow = text.slice(rows[k]?.start ?? claim.start, k + 1 < rows.length ? rows[k + 1]!.start : region.end);
      const cue = cueWithin(rawRow) ?? sentenceCue;
      if (cue) claim.cue = cue;
    }
    claims.push(...regionClaims);
  }
  return { claims, assumptions };
}

const RELATION_SOURCE = `(?:${[...Object.keys(RELATION_OPS), ...Object.keys(IMPLICATION_OPS)]
  .sort((a, b) => b.length - a.length)
  .map((t) => t.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'))
  .join('|')})(?![A-Za-z])`;
const LEADING_RELATION = new RegExp(`^${RELATION_SOURCE}`);
const ANY_RELATION = new RegExp(RELATION_SOURCE);

/** Words that say an expression named in prose was changed before the `= …` that follows it. */
const TRANSFORMED =
  /\b(?:deriv\w*|differentiat\w*|integra\w*|antideriv\w*|limits?|solv\w*|roots?|zeros?|both sides|taking|take the)\b/i;

function startsWithRelation(rows: Segment[]): boolean {
  const first = rows.find((r) => r.text !== '');
  return first !== undefined && LEADING_RELATION.test(first.text);
}

/**
 * The expression a relation-free piece of math names, when it is more than a symbol: `$(2y+3)^2 - (2y-3)^2$`, not
 * `$x$` or `$f$` (a `= …` after "let $f$ be …" does not continue $f$).
 */
function namedExpression(rows: Segment[]): Segment | undefined {
  const filled = rows.filter((r) => r.text !== '');
  if (filled.length !== 1 || ANY_RELATION.test(filled[0]!.text)) return undefined;
  const t = filled[0]!.text;
  return /[-+*/^()]|\\(?:frac|sqrt|cdot|times|sum|int|ln|log|sin|cos|tan|exp)(?![A-Za-z])/.test(t)
    ? filled[0]
    : undefined;
}

/** A display with a relation that does not start with one begins a new chain; `$x$` in prose changes nothing. */
function startsAfresh(rows: Segment[]): boolean {
  const first = rows.find((r) => r.text !== '');
  return first !== undefined && !LEADING_RELATION.test(first.text) && rows.some((r) => ANY_RELATION.test(r.text));
}

const TEXT_CONDITION = /\\(?:text|mbox|textrm)\{\s*(?:for|if|when|whenever|where|provided|with)\b[^{}]*\}/;

/**
 * `\ln(ab) = \ln a + \ln b \quad \text{for } a, b > 0`: the row's claim ends where the condition starts; a simple
 * condition (`a, b > 0`) becomes an assumption for it.
 */
function conditionTail(text: string, row: Segment, assumptions: Extracted['assumptions']): Segment {
  const m = text.slice(row.start, row.end).match(TEXT_CONDITION);
  if (!m) return row;
  const tailStart = m.index! + m[0].length;
  const tail = trimmed(row.text, row.start, tailStart, row.text.length);
  if (SIMPLE_CONDITION.test(tail.text))
    for (const link of conditionLinks(tail)) assumptions.push({ link, syntax: 'latex', at: row.start });
  return trimmed(row.text, row.start, 0, m.index!);
}

/** `a, b < 0` -> a < 0, b < 0; `x \in \mathbb{N}` is kept as a link with op Equal to a marker set name. */
function conditionLinks(row: Segment): ReturnType<typeof chainLinks>['links'] {
  const m = row.text.match(/^(.*?)(<|>|\\le|\\leq|\\ge|\\geq|\\ne|\\neq|\\lt|\\gt|\\in)(?![A-Za-z])(.*)$/s);
  if (!m) return [];
  const names = m[1]!.split(',').map((s) => s.trim());
  const rhsText = m[3]!;
  const rhsStart = row.start + m[1]!.length + m[2]!.length;
  const rhs = trimmed(rhsText, rhsStart, 0, rhsText.length);
  const links: Link[] = [];
  let offset = row.start;
  for (const name of names) {
    const at = row.text.indexOf(name, offset - row.start) + row.start;
    offset = at + name.length;
    const lhs: Segment = { text: name, start: at, end: at + name.length };
    const op: RelationOp =
      m[2] === '\\in'
        ? 'Equal'
        : (
            {
              '<': 'Less',
              '\\lt': 'Less',
              '>': 'Greater',
              '\\gt': 'Greater',
              '\\le': 'LessEqual',
              '\\leq': 'LessEqual',
              '\\ge': 'GreaterEqual',
              '\\geq': 'GreaterEqual',
              '\\ne': 'NotEqual',
              '\\neq': 'NotEqual',
            } as const
          )[m[2]!]!;
    links.push({
      op,
      lhs,
      rhs: m[2] === '\\in' ? { ...rhs, text: `\\in ${rhs.text}` } : rhs,
      chainLength: 1,
      continuation: false,
    });
  }
  return links;
}

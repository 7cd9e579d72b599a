// Rows of math -> claims. A row `a = b \le c` is a chain checked link by link; a row that starts with a relation
// (`&= …`) continues the previous row's last expression; `P \implies Q` is an implication whose parts are premises,
// not identities. Works on text where annotations were blanked out with spaces, so offsets stay the source's.
import {
  IMPLICATION_OPS,
  RELATION_OPS,
  type Claim,
  type Formula,
  type Link,
  type Segment,
  type Syntax,
} from './claims';

interface Piece {
  seg: Segment;
  /** the separator token before this piece ('' for the first) */
  sep: string;
}

const isLetter = (c: string | undefined) => c !== undefined && /[A-Za-z]/.test(c);

/** Splits at `tokens` outside braces and brackets. Tokens starting with `\` must end at a word boundary. */
export function splitTopLevel(text: string, base: number, tokens: readonly string[]): Piece[] {
  const sorted = [...tokens].sort((a, b) => b.length - a.length);
  const pieces: Piece[] = [];
  let depth = 0;
  let pieceStart = 0;
  let sep = '';
  const push = (end: number) => pieces.push({ seg: trimmed(text, base, pieceStart, end), sep });
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && (text[i + 1] === '{' || text[i + 1] === '}')) {
      i++;
      continue;
    }
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') depth = Math.max(0, depth - 1);
    if (depth > 0) continue;
    const tok = sorted.find((t) => text.startsWith(t, i) && !(t.startsWith('\\') && isLetter(text[i + t.length])));
    if (tok === undefined) {
      if (c === '\\') while (isLetter(text[i + 1])) i++;
      continue;
    }
    push(i);
    sep = tok;
    pieceStart = i + tok.length;
    i += tok.length - 1;
  }
  push(text.length);
  return pieces;
}

export function trimmed(text: string, base: number, start: number, end: number): Segment {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return { text: text.slice(start, end), start: base + start, end: base + end };
}

const RELATION_TOKENS = Object.keys(RELATION_OPS);
const ASCII_RELATION_TOKENS = ['=', '==', '!=', '<', '<=', '>', '>=', '≤', '≥', '≠'];
const ASCII_RELATION: Record<string, keyof typeof RELATION_OPS> = { '==': '=', '≤': '<=', '≥': '>=', '≠': '!=' };

/** The links of one chain `e0 r1 e1 r2 e2 …`; `carried` is the previous row's last expression for `&= …` rows. */
export function chainLinks(seg: Segment, syntax: Syntax, carried?: Segment): { links: Link[]; last?: Segment } {
  const pieces = splitTopLevel(seg.text, seg.start, syntax === 'latex' ? RELATION_TOKENS : ASCII_RELATION_TOKENS);
  if (pieces.length < 2) return { links: [], last: pieces[0]?.seg };
  let first = pieces[0]!.seg;
  let continuation = false;
  if (first.text === '' && carried) {
    first = carried;
    continuation = true;
  }
  const links: Link[] = [];
  let prev = first;
  for (const [k, p] of pieces.slice(1).entries()) {
    const op = RELATION_OPS[ASCII_RELATION[p.sep] ?? p.sep]!;
    const opStart = k === 0 && continuation ? pieces[0]!.seg.start : undefined;
    links.push({
      op,
      lhs: prev,
      rhs: p.seg,
      chainLength: pieces.length - 1 + (continuation ? 1 : 0),
      continuation: continuation && k === 0,
      opStart,
    });
    prev = p.seg;
  }
  return { links, last: prev };
}

const CONNECTIVES = [
  '\\text{or}',
  '\\text{ or }',
  '\\lor',
  '\\vee',
  '\\text{and}',
  '\\text{ and }',
  '\\land',
  '\\wedge',
  ',',
  ' or ',
  ' and ',
];

/** `x = 2 \text{ or } x = -2` -> [[x = 2], [x = -2]]; commas and `and` conjoin, unless every piece is `var = value`. */
export function formula(seg: Segment, syntax: Syntax): Formula | undefined {
  const pieces = splitTopLevel(seg.text, seg.start, CONNECTIVES);
  const out: Formula = [[]];
  const parts = pieces.map((p) => ({ sep: p.sep.trim(), ...chainLinks(p.seg, syntax) }));
  if (parts.some((p) => p.links.length === 0)) return undefined;
  const allRootForm =
    parts.length > 1 &&
    parts.every((p) => p.links.length === 1 && p.links[0]!.op === 'Equal' && /^[A-Za-z]$/.test(p.links[0]!.lhs.text));
  for (const p of parts) {
    const disjoin = /or|vee/.test(p.sep) || (p.sep === ',' && allRootForm);
    if (disjoin) out.push([...p.links]);
    else out[out.length - 1]!.push(...p.links);
  }
  return out;
}

const IMPLICATION_TOKENS = Object.keys(IMPLICATION_OPS);

/**
 * What a chain hands to the next display: people continue a derivation in a new `$$…$$`, `\[…\]` or `equation`
 * (or after prose, `which gives $= …$`), starting it with the relation.
 */
export interface ChainState {
  /** the last expression of the last row that had a relation */
  carried?: Segment;
  /** that row's relation, the premise of an `\implies …` that starts the next display */
  previous?: { seg: Segment; formula?: Formula };
  /** that row was one equation: with the next display right below it, the pair may be a solving step */
  previousSingle?: boolean;
}

/**
 * Claims of consecutive rows. Rows of one display belong together: `&= …` continues the last expression of the
 * previous row and `\implies …` starts from the previous row's relation. `state` carries this across displays: a
 * display without any relation (`$x$` in prose) leaves it as it was.
 */
export function rowsToClaims(rows: Segment[], syntax: Syntax, state: ChainState = {}): Claim[] {
  const claims: Claim[] = [];
  let carried: Segment | undefined = state.carried;
  let previous: { seg: Segment; formula?: Formula } | undefined = state.previous;
  let previousSingle = state.previousSingle ?? false;
  let related = false;
  for (const row of rows) {
    if (row.text === '') continue;
    if (syntax === 'latex' && !balanced(row.text)) {
      claims.push({
        kind: 'unparsed',
        syntax,
        start: row.start,
        end: row.end,
        reason: 'unbalanced braces or delimiters',
      });
      carried = undefined;
      previous = undefined;
      continue;
    }
    const parts = splitTopLevel(row.text, row.start, syntax === 'latex' ? IMPLICATION_TOKENS : ['=>', '==>', '<=>']);
    for (const [i, part] of parts.entries()) {
      if (i === 0 && part.seg.text === '') continue; // the row starts with \implies: its premise is the previous row
      const connected = splitTopLevel(part.seg.text, part.seg.start, CONNECTIVES).length > 1;
      const f = formula(part.seg, syntax);
      if (i > 0) {
        const op = IMPLICATION_OPS[part.sep]!;
        if (!previous?.formula || !f) {
          const start = previous?.seg.start ?? part.seg.start;
          claims.push({
            kind: 'unparsed',
            syntax,
            start,
            end: part.seg.end,
            reason: 'an implication needs a relation on both sides',
          });
        } else {
          // `\implies x = 4` on its own row: the step is that row (its premise is the row above)
          const start = i === 1 && parts[0]!.seg.text === '' ? parts[0]!.seg.start : previous.seg.start;
          claims.push({
            kind: 'implication',
            syntax,
            op,
            premise: previous.formula,
            conclusion: f,
            premiseText: previous.seg.text,
            conclusionText: part.seg.text,
            start,
            end: part.seg.end,
          });
        }
      }
      if (parts.length === 1 && !connected) {
        const { links, last } = chainLinks(part.seg, syntax, carried);
        if (links.length === 0 && parts.length === 1 && rows.length === 1) continue; // a mention, not a relation
        const single = links.length === 1 && !links[0]!.continuation && links[0]!.op === 'Equal';
        if (single && previousSingle && previous?.formula) {
          claims.push({
            kind: 'implication',
            syntax,
            op: 'implies',
            premise: previous.formula,
            conclusion: [links],
            premiseText: previous.seg.text,
            conclusionText: part.seg.text,
            start: part.seg.start,
            end: part.seg.end,
            implicit: true,
          });
        }
        previousSingle = single;
        for (const link of links)
          claims.push({ kind: 'link', syntax, link, start: link.opStart ?? link.lhs.start, end: link.rhs.end });
        carried = last;
        const ownLinks = links.filter((l) => !l.continuation);
        previous = { seg: part.seg, formula: ownLinks.length ? [ownLinks] : undefined };
      } else {
        carried = undefined;
        previousSingle = false;
        previous = { seg: part.seg, formula: f };
      }
      related = true;
    }
  }
  if (related) {
    state.carried = carried;
    state.previous = previous;
    state.previousSingle = previousSingle;
  }
  return claims;
}

function balanced(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth < 0) return false;
  }
  return depth === 0;
}

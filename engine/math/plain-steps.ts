// Steps from plain text and code comments: ASCII math lines (`(x+1)^2 = x^2 + 2*x + 1`, a following `= …` line
// continues the chain), an optional prose label before a colon, and calculator annotations `<<48/2=24>>`.
import { rowsToClaims } from './chains';
import type { Claim, Extracted, Segment } from './claims';
import { findArithmetic } from './arithmetic';
import { parseAscii } from './parse';
import { cueBefore } from './reading-cues';

const COMMENT_PREFIX = /^(\s*(?:\/\/+|#+|--|;+|\*|\/\*+|%+|>)?\s*)/;

/** Does this look like a formula rather than prose? Every side must parse and words are only function names. */
function looksLikeMath(text: string): boolean {
  if (!/(^|[^<>=!])(=|<|>|<=|>=|!=)([^=]|$)/.test(text)) return false;
  const words = text.match(/[A-Za-z]{2,}/g) ?? [];
  if (
    words.some(
      (w) =>
        !/^(sin|cos|tan|cot|sec|csc|asin|acos|atan|arcsin|arccos|arctan|sinh|cosh|tanh|exp|ln|log|log2|log10|sqrt|abs|floor|ceil|pi|max|min|mod|cbrt)$/.test(
          w,
        ),
    )
  )
    return false;
  const sides = text.split(/<=>|==>|=>|<=|>=|!=|==|=|<|>/);
  return sides.every((s) => {
    try {
      parseAscii(s);
      return true;
    } catch {
      return false;
    }
  });
}

export function extractPlain(text: string): Extracted {
  const claims: Claim[] = [];
  const assumptions: Extracted['assumptions'] = [];
  let block: Segment[] = [];
  // prose of the paragraph so far ("Solve the equation:"), for the cue that makes a lone equation a condition
  let prose = '';
  let blockCue: string | undefined;
  const flush = () => {
    for (const claim of rowsToClaims(block, 'ascii')) {
      if (claim.kind === 'link' && blockCue) claim.cue = blockCue;
      claims.push(claim);
    }
    block = [];
  };
  let offset = 0;
  for (const line of text.split('\n')) {
    const start = offset;
    offset += line.length + 1;
    const body = line.replace(/\r$/, '');
    claims.push(...annotations(body, start));
    const prefix = body.match(COMMENT_PREFIX)![1]!.length;
    let content = body.slice(prefix).replace(/<<[^<>]*>>/g, (m) => ' '.repeat(m.length));
    let contentStart = start + prefix;
    if (content.trim() === '') prose = '';
    // "Step 2: 3*x = 6" -> the math after the label
    const label = content.match(/^[^=<>:]*:\s*/);
    let labelText = '';
    if (label && /[A-Za-z]{2,}/.test(label[0])) {
      labelText = label[0].replace(/:\s*$/, ' ');
      contentStart += label[0].length;
      content = content.slice(label[0].length);
    }
    const condition = content.match(
      /^\s*(?:for|assume|let|where|if)\s+([A-Za-z](?:\s*,\s*[A-Za-z])*\s*(?:<=|>=|<|>|!=)\s*-?[\d./]+)\s*[.,;]?\s*$/i,
    );
    if (condition) {
      flush();
      const m = condition[1]!.match(/^(.*?)(<=|>=|<|>|!=)(.*)$/)!;
      const op = ({ '<': 'Less', '>': 'Greater', '<=': 'LessEqual', '>=': 'GreaterEqual', '!=': 'NotEqual' } as const)[
        m[2] as '<'
      ];
      const at = start + body.indexOf(condition[1]!);
      for (const name of m[1]!.split(',').map((s) => s.trim())) {
        const lhs = { text: name, start: at, end: at + name.length };
        const rhs = { text: m[3]!.trim(), start: at, end: at + condition[1]!.length };
        assumptions.push({ link: { op, lhs, rhs, chainLength: 1, continuation: false }, syntax: 'ascii', at });
      }
      continue;
    }
    const trimmedContent = content.replace(/[\s.,;]+$/, '');
    const lead = trimmedContent.length - trimmedContent.trimStart().length;
    const seg: Segment = {
      text: trimmedContent.trim(),
      start: contentStart + lead,
      end: contentStart + trimmedContent.length,
    };
    const continues = /^(=|<=|>=|<|>|=>)/.test(seg.text) && block.length > 0;
    if (seg.text && (continues || looksLikeMath(seg.text.replace(/^(=|<=|>=|<|>|=>)/, '0 $1')))) {
      if (!continues) {
        flush();
        blockCue = cueBefore(prose + ' ' + labelText);
      }
      block.push(seg);
    } else {
      flush();
      prose += ` ${body.slice(prefix)}`;
      // prose with arithmetic in it: "she pays 3 * $4 = $12 in total" (a line with calculator annotations says it
      // twice; the annotations are checked instead)
      for (const c of /<<[^<>]*>>/.test(body) ? [] : findArithmetic(body)) {
        const lhs: Segment = { text: c.expr.trim(), start: start + c.start + c.expr.indexOf(c.expr.trim()), end: 0 };
        lhs.end = lhs.start + lhs.text.length;
        const valueAt = start + c.end - c.value.length;
        const rhs: Segment = { text: c.value, start: valueAt, end: valueAt + c.value.length };
        claims.push({
          kind: 'link',
          syntax: 'ascii',
          link: { op: 'Equal', lhs, rhs, chainLength: 1, continuation: false },
          start: lhs.start,
          end: rhs.end,
        });
      }
    }
  }
  flush();
  return { claims, assumptions };
}

/** `<<expr=value>>` calculator annotations (GSM8K style): each is a closed arithmetic claim. */
export function annotations(line: string, base: number): Claim[] {
  const out: Claim[] = [];
  for (const m of line.matchAll(/<<([^<>=]+)=([^<>=]+)>>/g)) {
    const exprStart = base + m.index! + 2;
    const lhs: Segment = { text: m[1]!, start: exprStart, end: exprStart + m[1]!.length };
    const rhs: Segment = { text: m[2]!, start: lhs.end + 1, end: lhs.end + 1 + m[2]!.length };
    out.push({
      kind: 'link',
      syntax: 'ascii',
      link: { op: 'Equal', lhs, rhs, chainLength: 1, continuation: false },
      start: lhs.start,
      end: rhs.end,
    });
  }
  return out;
}

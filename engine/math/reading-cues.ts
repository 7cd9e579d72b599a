// Words that make an equation a condition or a definition rather than a claim: "solve $x^2 = 5x - 6$",
// "let $y = …$", "if $a^2 = b^2$", "setting $f'(x)$ equal to zero: $2x - 6 = x$", `f(x) := …`, `… \quad \text{for } x > 0`. One place for the rule, used by
// every extractor; check.ts decides between condition and definition from the equation's shape.

/** The cue words, longest first so "such that" wins over "such". */
const CUE =
  /\b(solve[sd]?|solving|find|if|when|whenever|let|where|suppose|assume|assuming|given|such that|setting|equating|satisf(?:y|ies|ying)|define|defin(?:es|ing)|denote|equations?|unless|provided)\b/gi;
/** Words after which what follows is claimed again: "if P then Q", "solve …, so we get …". */
const SCOPE_END =
  /\b(then|hence|thus|therefore|so|gives?|giving|get|obtain|yields?|implies|shows?|which is|we have|holds?|check|verify|prove|show)\b/gi;

/** The cue in the prose before a piece of math (from its sentence's start), unless a later word ends its scope. */
export function cueBefore(prose: string): string | undefined {
  // A paragraph that ends in a colon leads into the display after it ("Setting f' equal to zero:\n\n$$…$$").
  const lead = prose.replace(/:\s*$/, ':');
  const sentence = lead.split(/[.!?](?:\s|$)|\n\s*\n/).pop() ?? '';
  let cue: { word: string; at: number } | undefined;
  for (const m of sentence.matchAll(CUE)) cue = { word: m[0].toLowerCase(), at: m.index! };
  if (!cue) return undefined;
  for (const m of sentence.matchAll(SCOPE_END)) if (m.index! > cue.at) return undefined;
  return cue.word;
}

const DOMAIN =
  /^\s*(?:all|every|any|each)\b|^\s*\}?\s*\$?\s*[A-Za-z](?:_\{?\d+\}?)?(?:\s*,\s*[A-Za-z](?:_\{?\d+\}?)?)*\s*(?:<|>|\\le|\\leq|\\ge|\\geq|\\ne|\\neq|\\lt|\\gt|\\in)(?![A-Za-z])/;

/** A cue inside the math itself: `:=`, `\coloneqq`, `\stackrel{def}{=}`, or a `\text{for …}` condition after it. */
export function cueWithin(rawRow: string): string | undefined {
  if (/:=|\\coloneqq|\\stackrel\{\s*(?:\\text\{)?def/.test(rawRow)) return ':=';
  const m = rawRow.match(/\\(?:text|mbox|textrm)\{\s*(for|if|when|whenever|where|provided|with)\b/);
  if (!m) return undefined;
  // `\text{for } x \ge 0`, `\text{for all } x`: the domain the claim holds on (checked there), not a condition;
  // `\text{for } x = 1` picks a point, and the equation is a condition at that point.
  return DOMAIN.test(rawRow.slice(m.index! + m[0].length)) ? undefined : `\\text{${m[1]}}`;
}

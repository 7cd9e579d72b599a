// The chat-domain classifier for `domain: auto`: a weighted count of lexical cues (code syntax and programming
// vocabulary; LaTeX, formulas and mathematical vocabulary), argmax with a threshold, `general` when neither is
// convincing. It costs microseconds and needs no model. Accuracy (test/unit/engine/routing/classifier.test.ts):
// 32/36 on engine/routing/data/chat-domains.holdout.jsonl, which it was never tuned on; the dev and test sets there
// were used to choose the cues. A wrong guess only costs a little quality: the
// bias steers selection, the model still runs every layer.
import type { CalibrationDomain } from './stats';

interface Cue {
  pattern: RegExp;
  weight: number;
}

const CODE_CUES: Cue[] = [
  { pattern: /```/g, weight: 3 },
  { pattern: /`[^`\n]+`/g, weight: 1 },
  { pattern: /[;{}]\s*$/gm, weight: 1 },
  {
    pattern:
      /\b(def|class|import|return|const|let|var|fn|func|struct|enum|public|private|static|async|await|lambda|elif|println|printf|console\.log)\b/g,
    weight: 1.5,
  },
  { pattern: /=>|::|->|\+\+|!==|===|&&|\|\|/g, weight: 1 },
  { pattern: /\b[a-z]+[A-Z][A-Za-z]*\b|\b[a-z]+_[a-z_]+\b/g, weight: 0.5 },
  { pattern: /\b\w+\([^()\n]*\)/g, weight: 0.5 },
  {
    pattern:
      /\b(python|javascript|typescript|java|rust|golang|go|c\+\+|c#|ruby|php|kotlin|swift|bash|shell|sql|html|css|react|node(\.js)?|npm|pip|git|docker|flask|django|pandas|numpy|regex|json|api|http|compiler?|debug\w*|bug|stack ?trace|exception|segmentation fault|runtime|syntax|variable|function|method|callback|promise|array|hash ?map|dict(ionary)?|linked list|pointer|keyword|loop|refactor|unit test|type hints?|script|repository|commit|library|framework|class(es)?|object|string|integer|boolean|null|undefined|TypeError|iteratively|recursion|recursive|container|endpoint|query|database|pattern|tree|memory usage|process|implement\w*|closures?|kubernetes|pods?|containers?|lookups?|sets?|lists?|mock\w*|jest|pytest|big-o|complexity|quicksort|sort(ing)?|algorithms?|race condition|threads?|pthreads?|mutex|deadlock|compile|build|deploy\w*|server|client|latex|markdown|table|column|csv|parse|parser|languages?|interface|abstract|eslint|lint\w*|monorepo|snippet|code|program\w*|print|evaluate|crash\w*|error|warning|install|package|module|file|files|line|lines)\b/gi,
    weight: 1.5,
  },
];

const MATH_CUES: Cue[] = [
  {
    pattern:
      /\\(frac|int|sum|prod|sqrt|lim|infty|alpha|beta|gamma|delta|epsilon|theta|lambda|pi|sigma|cdot|times|leq|geq|neq|mathbb|mathrm|begin|end|partial|nabla|binom|log|ln|sin|cos)\b/g,
    weight: 2,
  },
  { pattern: /\$[^$\n]+\$/g, weight: 2 },
  { pattern: /[\w)]\s*\^\s*[\d{(a-z]/gi, weight: 1.5 },
  { pattern: /\b[fgh]\([a-z]\)/g, weight: 1.5 },
  { pattern: /\d\.\d*\.\.\.|\b\d+\s*(mod|modulo)\s*\d+/gi, weight: 1.5 },
  { pattern: /\b\d+\s*\/\s*\d+\b/g, weight: 1 },
  { pattern: /\b\d*[a-z]\s*[+\-*/]\s*\d+\s*=|=\s*0\b/gi, weight: 1.5 },
  {
    pattern:
      /\b(prove|proof|theorem|lemma|corollary|induction|integral|integrate|derivative|differentiate|antiderivative|equation|solve|solutions?|factor|factori[sz]e|prime|primes|gcd|lcm|matrix|determinant|eigen\w*|polynomial|limit|series|converge\w*|diverge\w*|probability|expected value|random variables?|sum of|simplify|fraction|irrational|rational|real numbers?|integers?|group|abelian|cyclic|continuous|continuity|convex|epsilon|delta|taylor|logarithm|log_\d|exponential|angles?|triangle|geometry|algebra\w*|calculus|arithmetic|combinatori\w*|ways can|how many ways|sin|cos|tan|modulo|divisible|dx|infinity|order|expand|compute|calculate|evaluate|inverse|volume|area|radius|sphere|circle|square|cube|roots?|equal|sum|product|numbers?|mod|vectors?|rank|countable|theorem)\b/gi,
    weight: 1.5,
  },
];

/** score needed before a message counts as code or math rather than general conversation */
const THRESHOLD = 1.5;

export interface DomainScores {
  code: number;
  math: number;
}

function score(text: string, cues: Cue[]): number {
  let s = 0;
  for (const { pattern, weight } of cues) s += (text.match(pattern)?.length ?? 0) * weight;
  return s;
}

export function domainScores(text: string): DomainScores {
  return { code: score(text, CODE_CUES), math: score(text, MATH_CUES) };
}

/** `code`, `math` or `general` for a chat message (or the concatenated recent turns of a conversation). */
export function classifyDomain(text: string): CalibrationDomain {
  const { code, math } = domainScores(text);
  if (Math.max(code, math) < THRESHOLD) return 'general';
  // A programming question that mentions mathematics ("a Python function for the n-th Fibonacci number") is code.
  return code >= math ? 'code' : 'math';
}

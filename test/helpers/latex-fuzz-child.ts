// The fuzz loop for Check Proof, run in a child process so that a call that never returns (a synchronous hang) can be
// killed and reported: it sends the parent each input before checking it, then the result's shape. Documents before
// `from` are generated (the sequence stays the seed's) but not checked.
import type { StepReason, StepVerdict } from '../../engine/protocol';
import { checkProof } from '../../engine/math/check';
import { mulberry32, randomDocument } from './latex-fuzz';

/** the reasons each verdict may give (one clear result: the kind agrees with the verdict) */
const REASONS: Record<StepVerdict, ReadonlySet<StepReason>> = {
  verified: new Set(['evaluates-equal', 'identity-sampled', 'smt-proved', 'rounds']),
  wrong: new Set(['sides-differ', 'outside-domain', 'does-not-follow', 'does-not-round']),
  unknown: new Set([
    'few-domain-points',
    'no-real-value',
    'float-precision',
    'no-counterexample',
    'smt-undecided',
    'not-algebra',
    'work-limit',
    'time-budget',
    'free-variables',
  ]),
  unparsed: new Set(['unreadable']),
};

async function main(): Promise<void> {
  const [seed, count, budgetMs, from = 0] = process.argv.slice(2).map(Number) as [number, number, number, number?];
  const rand = mulberry32(seed);
  const send = (m: unknown) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  for (let i = 0; i < count; i++) {
    const text = randomDocument(rand);
    const languageId = ['latex', 'markdown', 'plaintext'][i % 3]!;
    if (i < from) continue;
    await send({ kind: 'start', i, text, languageId });
    let problem: string | undefined;
    try {
      const r = await checkProof({ text, languageId, timeoutMs: budgetMs });
      if (!r || !Array.isArray(r.steps)) problem = `no result: ${JSON.stringify(r)}`;
      else {
        const lines = text.split('\n').length;
        const bad = r.steps.find(
          (s) =>
            !REASONS[s.verdict]?.has(s.reason) ||
            s.range.start.line < 0 ||
            s.range.end.line >= lines ||
            typeof s.detail !== 'string' ||
            !s.detail,
        );
        if (bad) problem = `malformed step: ${JSON.stringify(bad)}`;
      }
    } catch (err) {
      problem = `threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    }
    await send({ kind: 'done', i, problem });
  }
  await send({ kind: 'end' });
  process.exit(0);
}

void main();

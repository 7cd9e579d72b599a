import assert from 'node:assert/strict';
import type { ProofCheckResult, ProofStep, ProverOutcome } from '../../../../engine/protocol';
import { checkProof } from '../../../../engine/math/check';
import { shutdownSmt } from '../../../../engine/math/smt';
import {
  askAboutStep,
  counterexampleReport,
  premiseMessage,
  stepMessage,
  summaryLine,
} from '../../../../src/proof/format';

const range = { start: { line: 4, character: 2 }, end: { line: 4, character: 20 } };
const wrong: ProofStep = {
  line: 5,
  range,
  text: 'x^2 + 2x + 1 = x^2 + 1',
  verdict: 'wrong',
  reason: 'sides-differ',
  counterexample: { x: '3/2' },
  values: { left: '25/4', right: '13/4' },
  sides: { left: 'x^2 + 2x + 1', relation: '=', right: 'x^2 + 1' },
  detail: 'the two sides differ',
};
const REASON = {
  verified: 'identity-sampled',
  wrong: 'sides-differ',
  unknown: 'not-algebra',
  unparsed: 'unreadable',
} as const;
const step = (verdict: ProofStep['verdict'], extra: Partial<ProofStep> = {}): ProofStep => ({
  line: 1,
  range,
  text: 'a = b',
  verdict,
  reason: REASON[verdict],
  detail: 'd',
  ...extra,
});

describe('Check Proof messages', function () {
  this.timeout(60_000);
  after(shutdownSmt);
  it("puts the counterexample and both values into a wrong step's error message", () => {
    assert.equal(
      stepMessage(wrong),
      'Wrong step: fails at x = 3/2 (left side = 25/4, right side = 13/4): the two sides differ',
    );
  });

  it('says the point and the values once, with a real wrong step from the engine', async () => {
    const { steps } = await checkProof({
      text: '$$(a+b)^3 = (a+b)(a+b)^2 = a^3 + 3a^2b + 3ab^2 + b^3 + ab$$',
      languageId: 'markdown',
    });
    const message = stepMessage(steps.find((s) => s.verdict === 'wrong')!);
    assert.match(
      message,
      /^Wrong step: fails at a = [-\d/]+, b = [-\d/]+ \(left side = [-\d/]+, right side = [-\d/]+\): the two sides differ$/,
    );
    assert.equal(message.split('fails at').length, 2);
    assert.equal(message.split('left side').length, 2);
  });

  it("counts the equations read as conditions or definitions in the summary and in each premise's message", async () => {
    const result = await checkProof({
      text: 'Let $f(x) = x^2$ and solve $x^2 = 3x - 2$.\n\n$$\\ln(ab) = \\ln a \\cdot \\ln b$$',
      languageId: 'markdown',
    });
    assert.equal(
      summaryLine(result),
      '1 step: 0 verified, 1 wrong, 0 not checkable; 2 equations read as conditions or definitions, not checked',
    );
    assert.deepEqual(
      result.premises!.map((p) => premiseMessage(p, result)),
      [
        'Read as a definition (marked by “let”), not checked (2 equations in this check read as conditions or definitions).',
        'Read as a condition (marked by “solve”), not checked (2 equations in this check read as conditions or definitions).',
      ],
    );
    const only = await checkProof({ text: 'Solve $x^2 = 3x - 2$.', languageId: 'markdown' });
    assert.equal(summaryLine(only), 'No claims to check: 1 equation read as condition or definition, not checked.');
  });

  it("labels the model's critique as an opinion under a not-checkable step", () => {
    const m = stepMessage(
      step('unknown', {
        detail: 'not checkable by algebra: Gamma',
        modelOpinion: 'model opinion (not verified): plausible',
      }),
    );
    assert.match(m, /^Not checkable by algebra: .*\nmodel opinion \(not verified\): plausible$/);
  });

  it('summarises a check as "N steps: v verified, w wrong, u not checkable"', () => {
    const result: ProofCheckResult = {
      steps: [...Array(10)].map(() => step('verified')).concat([wrong, step('unknown')]),
    };
    assert.equal(summaryLine(result), '12 steps: 10 verified, 1 wrong, 1 not checkable');
    assert.match(summaryLine({ steps: [] }), /^No checkable steps found/);
  });

  it('summarises prover runs, including a missing prover and its install hint', () => {
    assert.equal(
      summaryLine({
        steps: [],
        prover: { name: 'coq', available: false, message: 'coqc not found. Install Coq: apt-get install coq' },
      }),
      'coqc not found. Install Coq: apt-get install coq',
    );
    assert.equal(
      summaryLine({
        steps: [],
        prover: { name: 'coq', available: true, proved: false, message: 'coqc failed' },
        proverDiagnostics: [{ range, severity: 'error', message: 'x' }],
      }),
      'coq: not proved (1 error) — coqc failed',
    );
  });

  it('says what a prover\'s "proved" rests on, and why a file that compiles is not proved, from the typed outcome', () => {
    const theorem = (name: string, axioms: string[], unproved = false) => ({ name, range, axioms, unproved });
    const lean = (prover: Partial<ProverOutcome>): ProofCheckResult => ({
      steps: [],
      prover: { name: 'lean', available: true, ...prover },
    });
    assert.equal(
      summaryLine(
        lean({ proved: true, assuming: [], theorems: [theorem('t', ['propext'])], message: 'proved by lean' }),
      ),
      'lean: proved',
    );
    assert.equal(
      summaryLine(
        lean({
          proved: true,
          assuming: ['classic'],
          theorems: [theorem('t', ['classic'])],
          message: 'proved by lean, assuming classic',
        }),
      ),
      'lean: proved, assuming classic',
    );
    assert.equal(
      summaryLine(
        lean({
          proved: false,
          assuming: [],
          theorems: [theorem('A.t', ['propext', 'sorryAx'], true), theorem('A.u', ['sorryAx'], true)],
          message: '2 declaration(s) use sorry: not proved',
        }),
      ),
      'lean: not proved: uses sorry',
    );
    const coq = (prover: Partial<ProverOutcome>): ProofCheckResult => ({
      steps: [],
      prover: { name: 'coq', available: true, proved: false, ...prover },
    });
    assert.equal(
      summaryLine(
        coq({
          theorems: [theorem('M.lemma1', ['lemma1'], true)],
          message: 'compiles, but 1 proof(s) admitted: not proved',
        }),
      ),
      "coq: not proved: 'M.lemma1' is admitted",
    );
    assert.equal(
      summaryLine(coq({ theorems: [theorem('main', ['lemma1'], true)] })),
      "coq: not proved: 'main' rests on lemma1",
    );
    assert.equal(
      summaryLine(coq({ theorems: [{ ...theorem('t', []), unknown: true }] })),
      "coq: not proved: the axioms of 't' could not be listed",
    );
    // the words come from the kinds: a reworded engine message changes nothing
    assert.equal(
      summaryLine(lean({ proved: true, assuming: ['classic'], message: 'anything at all' })),
      'lean: proved, assuming classic',
    );
    assert.equal(
      summaryLine(coq({ refused: 'untrusted-workspace', message: 'not run: …' })),
      'coq: not run: this workspace is not trusted',
    );
    assert.equal(
      summaryLine(coq({ refused: 'file-access', message: 'not run: …' })),
      'coq: not run: the file reaches outside the folder the prover runs in',
    );
    assert.equal(
      summaryLine(coq({ message: 'coqc did not finish within 100 ms' })),
      'coq: not proved — coqc did not finish within 100 ms',
    );
  });

  it('reports a counterexample with the point and both sides', () => {
    const r = counterexampleReport(wrong);
    assert.match(r, /At \*\*x = 3\/2\*\*/);
    assert.match(r, /left side = 25\/4/);
    assert.match(r, /right side = 13\/4/);
  });

  it('asks the chat about a step with its verdict and context', () => {
    const q = askAboutStep(wrong, 'We expand the square.');
    assert.match(q, /line 5/);
    assert.match(q, /\$\$x\^2 \+ 2x \+ 1 = x\^2 \+ 1\$\$/);
    assert.match(q, /We expand the square\./);
  });
});

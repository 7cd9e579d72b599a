import assert from 'node:assert/strict';
import type { ProofCheckResult, ProofStep } from '../../../../engine/protocol';
import { checkProof } from '../../../../engine/math/check';
import { shutdownSmt } from '../../../../engine/math/smt';
import { askAboutStep, counterexampleReport, premiseMessage, stepMessage, summaryLine } from '../../../../src/proof/format';

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
const REASON = { verified: 'identity-sampled', wrong: 'sides-differ', unknown: 'not-algebra', unparsed: 'unreadable' } as const;
const step = (verdict: ProofStep['verdict'], extra: Partial<ProofStep> = {}): ProofStep => ({ line: 1, range, text: 'a = b', verdict, reason: REASON[verdict], detail: 'd', ...extra });

describe('Check Proof messages', function () {
  this.timeout(60_000);
  after(shutdownSmt);
  it('puts the counterexample and both values into a wrong step\'s error message', () => {
    assert.equal(stepMessage(wrong), 'Wrong step: fails at x = 3/2 (left side = 25/4, right side = 13/4): the two sides differ');
  });

  it('says the point and the values once, with a real wrong step from the engine', async () => {
    const { steps } = await checkProof({ text: '$$(a+b)^3 = (a+b)(a+b)^2 = a^3 + 3a^2b + 3ab^2 + b^3 + ab$$', languageId: 'markdown' });
    const message = stepMessage(steps.find((s) => s.verdict === 'wrong')!);
    assert.match(message, /^Wrong step: fails at a = [-\d/]+, b = [-\d/]+ \(left side = [-\d/]+, right side = [-\d/]+\): the two sides differ$/);
    assert.equal(message.split('fails at').length, 2);
    assert.equal(message.split('left side').length, 2);
  });

  it('counts the equations read as conditions or definitions in the summary and in each premise\'s message', async () => {
    const result = await checkProof({ text: 'Let $f(x) = x^2$ and solve $x^2 = 3x - 2$.\n\n$$\\ln(ab) = \\ln a \\cdot \\ln b$$', languageId: 'markdown' });
    assert.equal(summaryLine(result), '1 step: 0 verified, 1 wrong, 0 not checkable; 2 equations read as conditions or definitions, not checked');
    assert.deepEqual(result.premises!.map((p) => premiseMessage(p, result)), [
      'Read as a definition (marked by “let”), not checked (2 equations in this check read as conditions or definitions).',
      'Read as a condition (marked by “solve”), not checked (2 equations in this check read as conditions or definitions).',
    ]);
    const only = await checkProof({ text: 'Solve $x^2 = 3x - 2$.', languageId: 'markdown' });
    assert.equal(summaryLine(only), 'No claims to check: 1 equation read as condition or definition, not checked.');
  });

  it('labels the model\'s critique as an opinion under a not-checkable step', () => {
    const m = stepMessage(step('unknown', { detail: 'not checkable by algebra: Gamma', modelOpinion: 'model opinion (not verified): plausible' }));
    assert.match(m, /^Not checkable by algebra: .*\nmodel opinion \(not verified\): plausible$/);
  });

  it('summarises a check as "N steps: v verified, w wrong, u not checkable"', () => {
    const result: ProofCheckResult = { steps: [...Array(10)].map(() => step('verified')).concat([wrong, step('unknown')]) };
    assert.equal(summaryLine(result), '12 steps: 10 verified, 1 wrong, 1 not checkable');
    assert.match(summaryLine({ steps: [] }), /^No checkable steps found/);
  });

  it('summarises prover runs, including a missing prover and its install hint', () => {
    assert.equal(summaryLine({ steps: [], prover: { name: 'coq', available: false, message: 'coqc not found. Install Coq: apt-get install coq' } }), 'coqc not found. Install Coq: apt-get install coq');
    assert.equal(
      summaryLine({ steps: [], prover: { name: 'coq', available: true, proved: false, message: 'coqc failed' }, proverDiagnostics: [{ range, severity: 'error', message: 'x' }] }),
      'coq: not proved (1 error) — coqc failed',
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

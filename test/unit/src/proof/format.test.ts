import assert from 'node:assert/strict';
import type { ProofCheckResult, ProofStep } from '../../../../engine/protocol';
import { askAboutStep, counterexampleReport, stepMessage, summaryLine } from '../../../../src/proof/format';

const range = { start: { line: 4, character: 2 }, end: { line: 4, character: 20 } };
const wrong: ProofStep = {
  line: 5,
  range,
  text: 'x^2 + 2x + 1 = x^2 + 1',
  verdict: 'wrong',
  counterexample: { x: '3/2' },
  values: { left: '25/4', right: '13/4' },
  sides: { left: 'x^2 + 2x + 1', relation: '=', right: 'x^2 + 1' },
  detail: 'fails at x = 3/2',
};
const step = (verdict: ProofStep['verdict'], extra: Partial<ProofStep> = {}): ProofStep => ({ line: 1, range, text: 'a = b', verdict, detail: 'd', ...extra });

describe('Check Proof messages', () => {
  it('puts the counterexample and both values into a wrong step\'s error message', () => {
    assert.equal(stepMessage(wrong), 'Wrong step: fails at x = 3/2 (left side = 25/4, right side = 13/4). fails at x = 3/2');
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

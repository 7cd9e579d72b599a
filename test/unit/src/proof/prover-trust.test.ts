import assert from 'node:assert/strict';
import { refuseUntrusted } from '../../../../src/proof/prover-trust';

describe('Check Proof workspace trust', () => {
  it('refuses a .v / .lean file in an untrusted workspace, saying why, as a typed refusal', () => {
    for (const [languageId, filePath, program] of [
      ['coq', '/w/A.v', 'coqc'],
      ['plaintext', '/w/B.lean', 'lean'],
      ['lean4', undefined, 'lean'],
    ] as const) {
      const r = refuseUntrusted({ languageId, filePath }, false)!;
      assert.equal(r.prover?.refused, 'untrusted-workspace');
      assert.equal(r.prover?.proved, false);
      assert.match(
        r.prover!.message!,
        new RegExp(`not trusted, and ${program} would run code from this file.*Manage Workspace Trust`),
      );
    }
  });

  it('lets provers run in a trusted workspace, and LaTeX / Markdown everywhere', () => {
    assert.equal(refuseUntrusted({ languageId: 'coq', filePath: '/w/A.v' }, true), undefined);
    assert.equal(refuseUntrusted({ languageId: 'latex', filePath: '/w/p.tex' }, false), undefined);
    assert.equal(refuseUntrusted({ languageId: 'markdown' }, false), undefined);
  });
});

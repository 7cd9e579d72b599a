import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkProof } from '../../../../engine/math/check';
import { shutdownSmt } from '../../../../engine/math/smt';
import type { ProofStep } from '../../../../engine/protocol';
import { refutes } from './reevaluate';

interface Entry {
  file: string;
  language: string;
  plantedError: { line: number; kind: string } | null;
}

const dir = join(__dirname, '../../../fixtures/proofs');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Entry[];

describe('Check Proof on the derivation corpus (test/fixtures/proofs)', function () {
  this.timeout(120_000);
  after(shutdownSmt);

  it('has at least 80 derivations, half of them with one planted error of varied kinds', () => {
    assert.ok(manifest.length >= 80);
    const planted = manifest.filter((m) => m.plantedError);
    assert.equal(planted.length * 2, manifest.length);
    assert.ok(new Set(planted.map((m) => m.plantedError!.kind)).size >= 10);
    assert.deepEqual(new Set(manifest.map((m) => m.language)), new Set(['latex', 'markdown', 'plaintext']));
  });

  for (const entry of manifest) {
    const title = entry.plantedError
      ? `finds the planted ${entry.plantedError.kind} error on line ${entry.plantedError.line} of ${entry.file}, with a counterexample that re-evaluates as a refutation`
      : `raises no false alarm on ${entry.file}`;
    it(title, async () => {
      const text = readFileSync(join(dir, entry.file), 'utf8');
      const { steps } = await checkProof({ text, languageId: entry.language });
      const wrong = steps.filter((s) => s.verdict === 'wrong');
      assert.ok(steps.length > 0, 'no steps extracted');
      if (!entry.plantedError) {
        assert.deepEqual(wrong, [], 'false alarm');
        return;
      }
      assert.ok(wrong.length > 0, `missed: ${JSON.stringify(steps.map((s: ProofStep) => [s.line, s.verdict, s.detail]))}`);
      for (const step of wrong) {
        assert.equal(step.line, entry.plantedError.line);
        assert.equal(step.range.start.line + 1, step.line);
        assert.ok(step.counterexample, 'a wrong verdict carries a counterexample');
        assert.ok(refutes(step, entry.language === 'plaintext' ? 'ascii' : 'latex'), `counterexample does not re-evaluate: ${JSON.stringify(step)}`);
      }
    });
  }
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkProof } from '../../../../engine/math/check';
import { parseLeanMessages } from '../../../../engine/math/provers';
import { SourceMap, byteOffsetToUtf16 } from '../../../../engine/math/source-map';

const fixtures = join(__dirname, '../../../fixtures/provers');
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');

function hasCoqc(): boolean {
  try {
    execFileSync('coqc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('formal provers', function () {
  this.timeout(120_000);

  describe('coqc (Debian coq, installed by test/setup/install-coq.sh)', () => {
    before(function () {
      // The test runner installs coq first; without it these tests would prove nothing, so they fail loudly.
      assert.ok(hasCoqc(), 'coqc is not installed: run bash test/setup/install-coq.sh');
    });

    it('reports a correct file as proved, with no diagnostics', async () => {
      const r = await checkProof({ text: read('Good.v'), languageId: 'coq', filePath: join(fixtures, 'Good.v') });
      assert.equal(r.prover?.available, true);
      assert.equal(r.prover?.proved, true);
      assert.deepEqual(r.proverDiagnostics, []);
    });

    it('places the error of a broken file on its exact UTF-16 range (byte offsets after a multi-byte λ)', async () => {
      const text = read('Bad.v');
      const r = await checkProof({ text, languageId: 'coq', filePath: join(fixtures, 'Bad.v') });
      assert.equal(r.prover?.proved, false);
      const errors = r.proverDiagnostics!.filter((d) => d.severity === 'error');
      assert.equal(errors.length, 1);
      const { range, message } = errors[0]!;
      assert.deepEqual(range, { start: { line: 3, character: 20 }, end: { line: 3, character: 31 } });
      assert.equal(text.split('\n')[3]!.slice(range.start.character, range.end.character), 'reflexivity');
      assert.match(message, /Unable to unify/);
    });

    it('counts Admitted as not proved even though coqc exits 0', async () => {
      const r = await checkProof({
        text: read('Admitted.v'),
        languageId: 'coq',
        filePath: join(fixtures, 'Admitted.v'),
      });
      assert.equal(r.prover?.proved, false);
      assert.match(r.prover!.message!, /admitted/);
      const gap = r.proverDiagnostics!.find((d) => /not proved/.test(d.message))!;
      assert.deepEqual(gap.range, { start: { line: 2, character: 0 }, end: { line: 2, character: 8 } });
    });

    it('checks the unsaved buffer, not the file on disk', async () => {
      const r = await checkProof({ text: read('Bad.v'), languageId: 'coq', filePath: join(fixtures, 'Good.v') });
      assert.equal(r.prover?.proved, false);
    });

    it('stops a run that exceeds its timeout and one that is cancelled', async () => {
      const slow =
        'Goal True. Proof. Timeout 100 repeat (idtac). exact I. Qed.\nFixpoint f (n : nat) : nat := match n with 0 => 0 | S m => f m end.\nEval vm_compute in (f (Nat.pow 2 60)).\n';
      const timed = await checkProof({ text: slow, languageId: 'coq', timeoutMs: 300 });
      assert.equal(timed.prover?.proved, false);
      assert.match(timed.prover!.message!, /did not finish within 300 ms/);
      const controller = new AbortController();
      const run = checkProof({ text: slow, languageId: 'coq', timeoutMs: 60_000 }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 200);
      await assert.rejects(run, { name: 'AbortError' });
    });
  });

  it('says when a prover is not installed and how to install it', async () => {
    const coq = await checkProof({
      text: 'Goal True. exact I. Qed.',
      languageId: 'coq',
      provers: { coqc: '/nonexistent/coqc' },
    });
    assert.equal(coq.prover?.available, false);
    assert.match(coq.prover!.message!, /not found.*apt-get install coq/);
    const lean = await checkProof({
      text: 'theorem t : 1 + 1 = 2 := rfl',
      languageId: 'lean',
      provers: { lean: '/nonexistent/lean' },
    });
    assert.equal(lean.prover?.available, false);
    assert.match(lean.prover!.message!, /Lean 4 not found.*elan/);
  });

  it('reads lean --json messages (fake boundary: recorded output), code-point columns -> UTF-16, sorry = not proved', () => {
    const text = 'theorem 𝔸 : True := by\n  sorry\n';
    const output = [
      JSON.stringify({
        severity: 'warning',
        pos: { line: 1, column: 8 },
        endPos: { line: 1, column: 9 },
        data: "declaration uses 'sorry'",
      }),
    ].join('\n');
    const [d] = parseLeanMessages(output, text, new SourceMap(text));
    assert.equal(d!.severity, 'warning');
    assert.match(d!.message, /^not proved/);
    assert.deepEqual(d!.range, { start: { line: 0, character: 8 }, end: { line: 0, character: 10 } });
  });

  it('converts UTF-8 byte offsets to UTF-16 columns', () => {
    assert.equal(byteOffsetToUtf16('aλb', 3), 2);
    assert.equal(byteOffsetToUtf16('𝔸x', 4), 2);
  });
});

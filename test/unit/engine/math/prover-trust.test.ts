// The prover boundary (issue 15): what a .v / .lean file may make the prover do, what the result says a proof rests
// on, and that a timeout or cancel ends everything the prover started. coqc is the real one; lean is a fake boundary.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkProof } from '../../../../engine/math/check';
import { findOutsideFileAccess } from '../../../../engine/math/coq-file-access';
import { coqTheorems, leanTheorems, parseCoqAssumptions } from '../../../../engine/math/prover-assumptions';
import { OUTPUT_CAP_BYTES, runProcess } from '../../../../engine/math/prover-process';
import { isAlive, makeFakeProver } from '../../../helpers/fake-prover';

const scratch = () => mkdtempSync(join(tmpdir(), 'switchyard-trust-test-'));

describe('prover trust boundary', function () {
  this.timeout(60_000);

  describe('coqc (real) on a file that reaches outside its folder', () => {
    it('refuses Redirect / Extraction to an absolute path before coqc runs, naming the command and line; nothing is written', async () => {
      const out = scratch();
      for (const [command, target] of [
        ['Redirect', join(out, 'pwned')],
        ['Extraction', join(out, 'pwned.ml')],
      ] as const) {
        const text = `Definition x := 1.\n(* a comment *)\n${command} "${target}" ${command === 'Redirect' ? 'Print x' : 'x'}.\n`;
        const r = await checkProof({ text, languageId: 'coq', filePath: join(out, 'A.v') });
        assert.equal(r.prover?.proved, false);
        assert.equal(r.prover?.refused, 'file-access');
        assert.match(r.prover!.message!, new RegExp(`'${command} ".*"' on line 3`));
        assert.deepEqual(r.proverDiagnostics![0]!.range.start, { line: 2, character: 0 });
      }
      assert.deepEqual(readdirSync(out), []);
    });

    it('refuses Cd, Drop, Load / Add LoadPath with .. or absolute paths; ignores them inside comments', () => {
      assert.equal(findOutsideFileAccess('Cd "/tmp".')?.command, 'Cd');
      assert.equal(findOutsideFileAccess('Goal True.\nDrop.')?.line, 2);
      assert.equal(findOutsideFileAccess('Load "../secret".')?.command, 'Load');
      assert.equal(findOutsideFileAccess('Add Rec LoadPath "/home/u/lib" as L.')?.command, 'Add Rec LoadPath');
      assert.equal(
        findOutsideFileAccess('Set Extraction Output Directory "~/x".')?.command,
        'Set Extraction Output Directory',
      );
      assert.equal(findOutsideFileAccess('(* Redirect "/etc/x" Print nat. *) Definition Cdx := 1.'), undefined);
      assert.equal(findOutsideFileAccess('Load Helper. Extraction "out.ml" nat.'), undefined);
    });

    it('runs coqc on a copy in a private temp folder: a relative Extraction lands there, not beside the file', async () => {
      const folder = scratch();
      const text =
        'Require Extraction.\nDefinition two := 2.\nExtraction "two.ml" two.\nTheorem t : two = 2.\nProof. reflexivity. Qed.\n';
      const r = await checkProof({ text, languageId: 'coq', filePath: join(folder, 'T.v') });
      assert.equal(r.prover?.proved, true, r.prover?.message);
      assert.deepEqual(readdirSync(folder), []);
      assert.ok(!existsSync(join(process.cwd(), 'two.ml')));
    });
  });

  describe('axioms and escape hatches (real coqc)', () => {
    it("reports 'proved, assuming cheat' for 1 = 2 proved from Axiom cheat, per theorem, in a typed field", async () => {
      const text =
        'Axiom cheat : forall P, P.\nModule M.\nTheorem bad : 1 = 2.\nProof. apply cheat. Qed.\nEnd M.\nExample ok : 1 = 1.\nProof. reflexivity. Qed.\n';
      const r = await checkProof({ text, languageId: 'coq' });
      assert.deepEqual(r.prover?.assuming, ['cheat']);
      assert.match(r.prover!.message!, /assuming cheat/);
      const [bad, ok] = r.prover!.theorems!;
      assert.deepEqual(
        { name: bad!.name, axioms: bad!.axioms, unproved: bad!.unproved },
        { name: 'M.bad', axioms: ['cheat'], unproved: false },
      );
      assert.deepEqual(bad!.range, { start: { line: 2, character: 8 }, end: { line: 2, character: 11 } });
      assert.deepEqual(ok!.axioms, []);
    });

    it('a theorem resting on an Admitted lemma or on a switched-off guard checker is not proved', async () => {
      const admitted = await checkProof({
        text: 'Lemma adm : 2 = 3.\nProof. Admitted.\nLemma uses : 2 = 3.\nProof. exact adm. Qed.\n',
        languageId: 'coq',
      });
      assert.equal(admitted.prover?.proved, false);
      assert.equal(admitted.prover!.theorems!.find((t) => t.name === 'uses')!.unproved, true);
      const guard =
        'Unset Guard Checking.\nFixpoint loop (n : nat) : False := loop n.\nSet Guard Checking.\nTheorem f : False.\nProof. exact (loop 0). Qed.\n';
      const g = await checkProof({ text: guard, languageId: 'coq' });
      assert.equal(g.prover?.proved, false);
      assert.match(g.prover!.theorems![0]!.axioms[0]!, /assumed to be guarded/);
    });

    it('a plain proof stays proved with nothing assumed', async () => {
      const r = await checkProof({ text: 'Theorem t : 1 + 1 = 2.\nProof. reflexivity. Qed.\n', languageId: 'coq' });
      assert.equal(r.prover?.proved, true);
      assert.deepEqual(r.prover?.assuming, []);
      assert.equal(r.prover?.message, 'proved by coqc');
    });

    it('names theorems as the prover does (modules, namespaces) and reads Print Assumptions answers', () => {
      assert.deepEqual(
        coqTheorems(
          'Module A.\nSection S.\nLemma l : True. Qed.\nEnd S.\nEnd A.\nModule B := A.\nTheorem u : True.',
        ).map((t) => t.name),
        ['A.l', 'u'],
      );
      assert.deepEqual(
        leanTheorems(
          'namespace A\n-- theorem fake : True\ntheorem x : True := trivial\nend A\n@[simp] private theorem y : True := trivial',
        ).map((t) => t.name),
        ['A.x', 'y'],
      );
      assert.deepEqual(parseCoqAssumptions('Axioms:\nclassic : forall P : Prop,\n          P \\/ ~ P\n', new Set()), {
        axioms: ['classic'],
        unproved: false,
      });
    });
  });

  describe('lean (fake boundary: a fake lean executable)', () => {
    it('runs lean directly (no lake env, no lakefile) on a copy, with a fresh temp folder as cwd', async () => {
      const project = scratch();
      writeFileSync(join(project, 'lakefile.lean'), 'import Lake\n-- would run arbitrary IO under lake env\n');
      const fake = makeFakeProver({ axioms: { t: [] } });
      // a `lake` first on PATH that would record being run (lake env runs the lakefile)
      const lake = makeFakeProver();
      const lakeDir = scratch();
      symlinkSync(lake.path, join(lakeDir, 'lake'));
      const path = process.env.PATH;
      process.env.PATH = `${lakeDir}:${path}`;
      let r: Awaited<ReturnType<typeof checkProof>>;
      try {
        r = await checkProof({
          text: 'theorem t : True := trivial\n',
          languageId: 'lean',
          filePath: join(project, 'T.lean'),
          provers: { lean: fake.path },
        });
      } finally {
        process.env.PATH = path;
      }
      assert.ok(!existsSync(lake.recordFile), 'lake was run');
      const { argv, cwd } = JSON.parse(readFileSync(fake.recordFile, 'utf8')) as { argv: string[]; cwd: string };
      assert.equal(argv[0], '--json');
      assert.equal(argv.length, 2);
      assert.ok(!argv.includes('env'));
      assert.equal(dirname(argv[1]!), cwd);
      assert.notEqual(cwd, project);
      assert.match(cwd, /switchyard-proof-/);
      assert.equal(r.prover?.proved, true, r.prover?.message);
    });

    it('sorry through any macro is not proved; native_decide is proved, assuming Lean.ofReduceBool; foundations are not listed', async () => {
      const text =
        'theorem a : 1 = 2 := by my_tactic\ntheorem b : 2 + 2 = 4 := by native_decide\ntheorem c : True := by simp\n';
      const fake = makeFakeProver({ axioms: { a: ['sorryAx'], b: ['propext', 'Lean.ofReduceBool'], c: ['propext'] } });
      const r = await checkProof({ text, languageId: 'lean', provers: { lean: fake.path } });
      assert.equal(r.prover?.proved, false);
      assert.equal(r.prover!.theorems![0]!.unproved, true);
      const only = makeFakeProver({ axioms: { b: ['propext', 'Lean.ofReduceBool'], c: ['propext'] } });
      const r2 = await checkProof({
        text: text.split('\n').slice(1).join('\n'),
        languageId: 'lean',
        provers: { lean: only.path },
      });
      assert.equal(r2.prover?.proved, true);
      assert.deepEqual(r2.prover?.assuming, ['Lean.ofReduceBool']);
      assert.deepEqual(r2.proverDiagnostics, []);
    });

    it('a timeout kills the prover and the child it started (process group), without waiting for the child', async () => {
      const fake = makeFakeProver({ spawnChildThenSleepMs: 20_000 });
      const t0 = Date.now();
      const r = await checkProof({
        text: 'theorem t : True := trivial\n',
        languageId: 'lean',
        provers: { lean: fake.path },
        timeoutMs: 500,
      });
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
      assert.match(r.prover!.message!, /did not finish within 500 ms/);
      const child = Number(readFileSync(fake.childPidFile, 'utf8'));
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(isAlive(child), false);
    });

    it('a prover that exits but leaves a child holding its output does not keep the check waiting', async () => {
      const fake = makeFakeProver({ spawnChildThenSleepMs: 50 });
      const t0 = Date.now();
      await runProcess(fake.path, [], tmpdir(), 20_000);
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(isAlive(Number(readFileSync(fake.childPidFile, 'utf8'))), false);
    });

    it('cancel kills the group too', async () => {
      const fake = makeFakeProver({ spawnChildThenSleepMs: 20_000 });
      const controller = new AbortController();
      const run = runProcess(fake.path, [], tmpdir(), 60_000, controller.signal);
      await new Promise((res) => setTimeout(res, 500));
      controller.abort();
      const t0 = Date.now();
      await assert.rejects(run, { name: 'AbortError' });
      assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(isAlive(Number(readFileSync(fake.childPidFile, 'utf8'))), false);
    });

    it('caps the output at 1 MiB', async () => {
      const fake = makeFakeProver({ floodBytes: 8 * OUTPUT_CAP_BYTES });
      const r = await runProcess(fake.path, [], tmpdir(), 20_000);
      assert.equal(r.truncated, true);
      assert.ok(r.stdout.length <= OUTPUT_CAP_BYTES);
    });
  });
});

// Check Proof in a real VS Code with the real engine and Debian's coqc (installed by test/setup/install-coq.sh).
// Register with `require('./proof.test')` in test/suite/index.ts.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ProofCheckResult } from '../../engine/protocol';
import { CheckProofController } from '../../src/proof/check-proof';
import { api, until } from './helpers';

const GOOD_V = `(* Addition with zero — by induction. *)
Theorem add_0_r : forall n : nat, n + 0 = n.
Proof.
  intros n. induction n as [| n' IH].
  - reflexivity.
  - simpl. rewrite IH. reflexivity.
Qed.
`;
// "λ" is two bytes in UTF-8: coqc's byte offsets must become UTF-16 columns.
const BAD_V = `(* «Unicode» comment: λ → ∀ *)
Theorem wrong : forall n : nat, n + 1 = n.
Proof.
  intros n. (* λ *) reflexivity.
Qed.
`;
const DERIVATION_MD = `# Expanding a square

$$
\\begin{aligned}
(x+1)^2 &= x^2 + 2x + 1 \\\\
        &= x^2 + 1
\\end{aligned}
$$

$$\\Gamma(x + 1) = x\\,\\Gamma(x)$$
`;

function folder(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('the suite needs a workspace folder');
  return f.uri.fsPath;
}

async function checkFile(
  name: string,
  text: string,
): Promise<{ uri: vscode.Uri; result: ProofCheckResult; editor: vscode.TextEditor }> {
  const file = path.join(folder(), name);
  fs.writeFileSync(file, text);
  const doc = await vscode.workspace.openTextDocument(file);
  const editor = await vscode.window.showTextDocument(doc);
  const result = await vscode.commands.executeCommand<ProofCheckResult>('switchyard.checkProof');
  assert.ok(result, 'Check Proof returned no result');
  return { uri: doc.uri, result, editor };
}

const proofDiagnostics = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri);
const created: string[] = [];

describe('Check Proof', function () {
  this.timeout(120_000);

  before(async () => {
    const ext = vscode.extensions.getExtension('switchyard.switchyard');
    assert.ok(ext, 'the extension is installed');
    await ext.activate();
    assert.ok(
      (await vscode.commands.getCommands(true)).includes('switchyard.checkProof'),
      'switchyard.checkProof is registered',
    );
    execFileSync('coqc', ['--version']); // the test runner installs Debian's coq; fail loudly otherwise
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of created) fs.rmSync(f, { force: true });
  });

  it('marks a broken Coq proof with an Error on the exact characters coqc names', async () => {
    created.push(path.join(folder(), 'ProofBad.v'));
    const { uri, result } = await checkFile('ProofBad.v', BAD_V);
    assert.equal(result.prover?.proved, false);
    const errors = await until('the coqc error', () => {
      const e = proofDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
      return e.length ? e : undefined;
    });
    assert.equal(errors.length, 1);
    assert.deepEqual(
      [
        errors[0]!.range.start.line,
        errors[0]!.range.start.character,
        errors[0]!.range.end.line,
        errors[0]!.range.end.character,
      ],
      [3, 20, 3, 31],
    );
    assert.match(errors[0]!.message, /Unable to unify/);
  });

  it('shows no diagnostics for a correct Coq proof, and a re-check after a fix clears the stale error', async () => {
    created.push(path.join(folder(), 'ProofGood.v'));
    const good = await checkFile('ProofGood.v', GOOD_V);
    assert.equal(good.result.prover?.proved, true);
    assert.deepEqual(proofDiagnostics(good.uri), []);

    const bad = await checkFile('ProofBad.v', BAD_V);
    await until('the error', () => (proofDiagnostics(bad.uri).length ? true : undefined));
    await bad.editor.edit((e) =>
      e.replace(new vscode.Range(1, 0, 4, 0), GOOD_V.split('\n').slice(1, 6).join('\n') + '\n'),
    );
    const fixed = await vscode.commands.executeCommand<ProofCheckResult>('switchyard.checkProof');
    assert.equal(fixed?.prover?.proved, true);
    assert.deepEqual(proofDiagnostics(bad.uri), []);
  });

  it('reports a wrong derivation step as an Error with its counterexample, offering both code actions', async function () {
    created.push(path.join(folder(), 'proof-derivation.md'));
    const { uri, result } = await checkFile('proof-derivation.md', DERIVATION_MD);
    assert.deepEqual(
      result.steps.map((s) => s.verdict),
      ['verified', 'wrong', 'unknown'],
    );
    const diags = proofDiagnostics(uri);
    const error = diags.find((d) => d.severity === vscode.DiagnosticSeverity.Error)!;
    assert.equal(error.range.start.line, 5);
    assert.match(error.message, /fails at x = /);
    const info = diags.find((d) => d.severity === vscode.DiagnosticSeverity.Information)!;
    assert.equal(info.range.start.line, 9);
    // Now and then the first request comes back empty. The provider's log shows why it is not ours: it was asked
    // for this range (trigger Invoke) and answered both actions, while the lightbulb's automatic requests for the
    // cursor ran at the same moment; the workbench dropped the answer, for a reason the extension cannot see. The
    // lightbulb asks again by itself; so does this test, logging each empty answer with the provider's calls, and
    // failing if the actions never come.
    let empty = 0;
    const calls = (await api()).proof.codeActionCalls;
    const titles = await until(
      'both code actions',
      async () => {
        const before = calls.count;
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
          'vscode.executeCodeActionProvider',
          uri,
          error.range,
        );
        // other providers (VS Code's Markdown editing actions) may answer for the same range: wait for ours
        const titles = actions.map((a) => a.title);
        if (titles.includes('Show counterexample')) return titles;
        empty++;
        const asked = calls.recent
          .slice(calls.recent.length - Math.min(calls.recent.length, calls.count - before))
          .map(
            (c) =>
              `${c.range.start.line}:${c.range.start.character}-${c.range.end.line}:${c.range.end.character} ${c.trigger === vscode.CodeActionTriggerKind.Invoke ? 'invoked' : 'automatic'}: ${c.actions} actions`,
          );
        console.log(
          `[proof.test] code actions came back without ours (${empty}: ${actions.map((a) => a.title).join(', ') || 'none'}); the provider answered ${asked.join(' | ') || 'nothing'}; diagnostics: ${proofDiagnostics(uri).length}`,
        );
        return undefined;
      },
      10_000,
    );
    assert.ok(titles.includes('Show counterexample'), titles.join(', '));
    assert.ok(titles.includes('Ask the model about this step'), titles.join(', '));
  });

  it('reads a chain continued across $$ blocks, checks a lone false identity, and shows conditions as Information', async () => {
    created.push(path.join(folder(), 'ProofStyles.md'));
    const text = [
      'Solve $2x + 3 = x + 7$.',
      '',
      '$$(a-b)^2 = (a-b)(a-b)$$',
      '$$= a^2 - 2ab + b^2$$',
      '$$= a^2 + b^2$$',
      '',
      '$$\\ln(ab) = \\ln a \\cdot \\ln b$$',
      '',
    ].join('\n');
    const { uri, result } = await checkFile('ProofStyles.md', text);
    assert.deepEqual(
      result.steps.map((s) => [s.line, s.verdict]),
      [
        [3, 'verified'],
        [4, 'verified'],
        [5, 'wrong'],
        [7, 'wrong'],
      ],
    );
    assert.deepEqual(
      result.premises?.map((p) => [p.line, p.kind]),
      [[1, 'condition']],
    );
    const diagnostics = await until('the diagnostics', () => {
      const d = proofDiagnostics(uri);
      return d.length >= 3 ? d : undefined;
    });
    assert.deepEqual(
      diagnostics
        .filter((d) => d.severity === vscode.DiagnosticSeverity.Error)
        .map((d) => d.range.start.line)
        .sort(),
      [4, 6],
    );
    const info = diagnostics.filter((d) => d.severity === vscode.DiagnosticSeverity.Information);
    assert.deepEqual(
      info.map((d) => [d.range.start.line, d.code]),
      [[0, 'condition']],
    );
  });

  it('in an untrusted workspace sends no .v file to the engine and says why (the controller asked with isTrusted false)', async () => {
    const sent: unknown[] = [];
    const engine = {
      sendRequest: async <P, R>(_t: unknown, p: P): Promise<R> => (sent.push(p), { steps: [] } as unknown as R),
    };
    const controller = new CheckProofController(engine, undefined, () => false);
    try {
      const file = path.join(folder(), 'untrusted.v');
      created.push(file);
      fs.writeFileSync(file, GOOD_V);
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
      const result = await controller.check(editor);
      assert.equal(sent.length, 0);
      assert.equal(result.prover?.refused, 'untrusted-workspace');
      assert.equal(result.prover?.proved, false);
      assert.match(result.prover!.message!, /not trusted.*Manage Workspace Trust/);
      // a Markdown derivation runs no workspace code: it still goes to the engine
      const md = path.join(folder(), 'untrusted.md');
      created.push(md);
      fs.writeFileSync(md, DERIVATION_MD);
      await controller.check(await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(md)));
      assert.equal(sent.length, 1);
    } finally {
      controller.dispose();
    }
  });
});

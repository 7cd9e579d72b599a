import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, commitSuggestion, engineBundled, until, workspaceFile } from './helpers';

describe('inline completion (real engine)', function () {
  before(function () {
    if (!engineBundled()) this.skip();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("commits the engine's suggestion into a real file", async () => {
    const a = await api();
    await a.engine.start();
    const requests = a.completion.pipeline.counters.requests;
    const { before, text } = await commitSuggestion(a);
    assert.ok(a.completion.pipeline.counters.requests > requests, 'the engine was asked');
    assert.ok(text.startsWith(before) && text.length > before.length + 1, JSON.stringify(text));
  });

  it('asks nothing when the language is switched off', async () => {
    const a = await api();
    const cfg = vscode.workspace.getConfiguration('switchyard');
    await cfg.update('completion.languages', { '*': true, python: false }, vscode.ConfigurationTarget.Global);
    try {
      const uri = workspaceFile('off.py');
      await vscode.workspace.fs.writeFile(uri, Buffer.from('x = \n'));
      const editor = await vscode.window.showTextDocument(uri);
      editor.selection = new vscode.Selection(0, 4, 0, 4);
      const triggers = a.completion.pipeline.counters.triggers;
      const off = a.observed.completionCalls.switchedOff;
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await until(
        'VS Code to ask the provider',
        () => a.observed.completionCalls.switchedOff > off || undefined,
        10_000,
      );
      assert.equal(a.completion.pipeline.counters.triggers, triggers, 'switched off: nothing reached the pipeline');
    } finally {
      await cfg.update('completion.languages', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});

describe('context chunks: git-ignored files', () => {
  it('the provider learns which open files git ignores, without a completion waiting for it', async () => {
    const a = await api();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-suite-git-'));
    try {
      execFileSync('git', ['init', '-q'], { cwd: root });
      fs.writeFileSync(path.join(root, '.gitignore'), 'generated.ts\n');
      for (const f of ['kept.ts', 'generated.ts'])
        fs.writeFileSync(path.join(root, f), `export const ${f.split('.')[0]} = 1;\n`);
      const [kept, generated] = ['kept.ts', 'generated.ts'].map((f) => path.join(root, f));
      for (const f of [kept, generated]) await vscode.workspace.openTextDocument(f);
      // opening a document starts its check; until it answers, the file counts as ignored
      await until('the check of the kept file', () => !a.completion.ignored.isIgnored(kept!) || undefined, 10_000);
      a.completion.ignored.isIgnored(generated!);
      await a.completion.ignored.settled();
      assert.equal(a.completion.ignored.isIgnored(generated!), true, 'answered, and ignored');
      assert.equal(a.completion.ignored.isIgnored(kept!), false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

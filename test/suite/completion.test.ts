import * as assert from 'node:assert/strict';
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
      await until('VS Code to ask the provider', () => a.observed.completionCalls.switchedOff > off || undefined, 10_000);
      assert.equal(a.completion.pipeline.counters.triggers, triggers, 'switched off: nothing reached the pipeline');
    } finally {
      await cfg.update('completion.languages', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});

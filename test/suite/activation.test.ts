import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, EXTENSION_ID } from './helpers';

describe('activation', () => {
  it('activates and returns its API', async () => {
    const a = await api();
    assert.ok(a.engine && a.completion && a.chat && a.statusBar);
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)!.isActive, true);
  });

  it('registers every command of the manifest', async () => {
    await api();
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { commands: { command: string }[] };
    };
    const declared = manifest.contributes.commands.map((c) => c.command);
    for (const id of [
      'switchyard.checkProof',
      'switchyard.explainSelection',
      'switchyard.askAboutSelection',
      'switchyard.toggleInlineCompletions',
      'switchyard.restartEngine',
      'switchyard.showEngineLog',
      'switchyard.selectModel',
    ]) {
      assert.ok(declared.includes(id), `${id} is in the manifest`);
    }
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((id) => !registered.has(id));
    assert.deepEqual(missing, []);
  });

  it('toggles inline completions from the command and shows it in the status bar', async () => {
    const a = await api();
    const cfg = () => vscode.workspace.getConfiguration('switchyard').get<boolean>('completion.enabled');
    const before = cfg();
    await vscode.commands.executeCommand('switchyard.toggleInlineCompletions');
    assert.equal(cfg(), !before);
    a.statusBar.render();
    await vscode.commands.executeCommand('switchyard.toggleInlineCompletions');
    assert.equal(cfg(), before);
  });

  it('declares path settings as restricted under Workspace Trust', () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { configuration: { properties: Record<string, { restricted?: boolean }> } };
      capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
    };
    assert.equal(manifest.contributes.configuration.properties['switchyard.modelPath'].restricted, true);
    assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('switchyard.modelPath'));
  });
});

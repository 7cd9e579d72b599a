import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, assertStreamedReply, chatOnce, engineBundled, workspaceFile } from './helpers';

describe('chat view', () => {
  it('resolves in its own activity-bar container and loads its script', async () => {
    const a = await api();
    await vscode.commands.executeCommand('switchyard.chat.focus');
    await Promise.race([
      a.chat.whenReady(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('chat webview never said ready')), 30_000)),
    ]);
  });

  it('streams a reply from the engine and keeps it in the history', async function () {
    if (!engineBundled()) this.skip();
    const a = await api();
    await a.engine.start();
    assertStreamedReply(await chatOnce(a, 'Write a Python function that adds two numbers.'));
  });

  it('Explain Selection sends the selected code to the chat as an attachment', async function () {
    if (!engineBundled()) this.skip();
    const a = await api();
    const uri = workspaceFile('explain-me.py');
    await vscode.workspace.fs.writeFile(uri, Buffer.from('def double(x):\n    return 2 * x\n'));
    const editor = await vscode.window.showTextDocument(uri);
    editor.selection = new vscode.Selection(0, 0, 1, 16);
    const replies = a.observed.chatReplies.length;
    await vscode.commands.executeCommand('switchyard.explainSelection');
    assert.equal(a.observed.chatReplies.length, replies + 1);
    const question = a.chat.turns[a.chat.turns.length - 2];
    assert.equal(question.role, 'user');
    assert.match(question.content, /^Explain this code/);
    assert.deepEqual(
      { file: question.attachment?.fileName, line: question.attachment?.line, text: question.attachment?.text },
      { file: 'explain-me.py', line: 1, text: 'def double(x):\n    return 2 * x' },
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});

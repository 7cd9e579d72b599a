import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SwitchyardApi } from '../../src/extension';

export const EXTENSION_ID = 'switchyard.switchyard';

export async function api(): Promise<SwitchyardApi> {
  const ext = vscode.extensions.getExtension<SwitchyardApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} not found`);
  return ext.activate();
}

/** The engine bundle exists once engine/main.ts is part of the branch; the engine tests need it. */
export function engineBundled(): boolean {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  return fs.existsSync(path.join(ext.extensionPath, 'dist/engine.js'));
}

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the suite needs a workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

export async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens a Python file, asks VS Code for an inline suggestion at the cursor and commits it, until the file changed.
 * Shared by the local-engine and the remote-backend tests, so both prove the same user-visible thing.
 */
export async function commitSuggestion(
  a: SwitchyardApi,
  name = 'complete-me.py',
): Promise<{ before: string; text: string }> {
  const uri = workspaceFile(name);
  const before = 'def add(a, b):\n    return ';
  await vscode.workspace.fs.writeFile(uri, Buffer.from(`${before}\n`));
  const doc = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(doc);
  const end = doc.positionAt(before.length);
  editor.selection = new vscode.Selection(end, end);
  let text = doc.getText();
  // Each trigger supersedes (cancels) the request before it, so the wait before committing grows: a loaded machine or a
  // model behind a remote server may need seconds for one suggestion, and retrying every 400 ms would never let it land.
  let waitMs = 400;
  await until(
    'a suggestion to be committed',
    async () => {
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await new Promise((r) => setTimeout(r, waitMs));
      waitMs = Math.min(waitMs * 2, 8000);
      await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
      text = doc.getText();
      return text !== `${before}\n` || undefined;
    },
    60_000,
  );
  await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  return { before, text };
}

export interface ChatOutcome {
  /** the generation/delta texts, in arrival order */
  deltas: string[];
  /** how many deltas arrived before the chat request itself was answered (streamed, not sent at the end) */
  deltasBeforeDone: number;
  reply: { text: string; error?: string };
  /** the assistant turn the view keeps in its history */
  kept: string;
}

/** Sends one chat message through the chat view; returns what streamed and what the view kept. */
export async function chatOnce(a: SwitchyardApi, message: string): Promise<ChatOutcome> {
  await vscode.commands.executeCommand('switchyard.chat.newChat');
  const deltas: string[] = [];
  let done = false;
  let deltasBeforeDone = 0;
  const sub = a.engine.onDelta((d) => {
    deltas.push(d.text);
    if (!done) deltasBeforeDone++;
  });
  try {
    await a.chat.send(message);
  } finally {
    done = true;
    sub.dispose();
  }
  const reply = a.observed.chatReplies[a.observed.chatReplies.length - 1];
  return { deltas, deltasBeforeDone, reply, kept: a.chat.turns[a.chat.turns.length - 1].content };
}

/**
 * What a streamed reply must satisfy whatever its length (the random-weight fixture's greedy reply may be a single
 * token): it arrived in deltas before the request finished, the deltas add up to the reply, the history keeps it.
 */
export function assertStreamedReply(o: ChatOutcome): void {
  if (o.reply.error) throw new Error(`the reply failed: ${o.reply.error}`);
  if (o.reply.text.length === 0) throw new Error('empty reply');
  if (o.deltasBeforeDone === 0)
    throw new Error(`no delta arrived before the reply was done (${o.deltas.length} in all)`);
  if (o.deltas.join('') !== o.reply.text)
    throw new Error(`deltas ${JSON.stringify(o.deltas.join(''))} != reply ${JSON.stringify(o.reply.text)}`);
  if (o.kept !== o.reply.text) throw new Error('the history keeps another text than the reply');
}

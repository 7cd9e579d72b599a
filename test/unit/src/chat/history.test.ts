// ChatHistory over a Map standing in for VS Code's workspaceState Memento.
import * as assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { ChatHistory } from '../../../../src/chat/history';

function memento(): vscode.Memento {
  const m = new Map<string, unknown>();
  return {
    keys: () => [...m.keys()],
    get: <T>(k: string, d?: T) => (m.has(k) ? (m.get(k) as T) : d),
    update: async (k: string, v: unknown) => void m.set(k, structuredClone(v)),
  } as vscode.Memento;
}

describe('chat/history (Map as the Memento)', () => {
  it('restores the conversation of the workspace after a reload', async () => {
    const store = memento();
    const h = new ChatHistory(store);
    h.current.push({ role: 'user', content: 'what is 2+2?' });
    await h.save();
    assert.equal(new ChatHistory(store).current[0].content, 'what is 2+2?');
  });

  it('starts a new chat but keeps the earlier one, and never piles up empty chats', async () => {
    const h = new ChatHistory(memento());
    h.current.push({ role: 'user', content: 'one' });
    h.newSession();
    h.newSession();
    assert.equal(h.current.length, 0);
    assert.equal(h.earlier.length, 1);
  });
});

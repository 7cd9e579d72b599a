// The chat view's host side with a fake webview and a fake engine (fake boundary: the engine's hang is simulated by a
// request that settles only after its cancellation, as the supervisor's grace does). Register with
// `require('./chat-input.test')` in test/suite/index.ts. A second resolve of the view is tested in plain Node
// (test/unit/src/chat/view.test.ts).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EngineSupervisor } from '../../src/engine/supervisor';
import { ChatViewProvider, type FinishedReply } from '../../src/chat/view';
import type { HostMessage, WebviewMessage } from '../../src/chat/messages';

/** The replies `chat` finishes from now on. */
function repliesOf(chat: ChatViewProvider): FinishedReply[] {
  const replies: FinishedReply[] = [];
  chat.onDidFinishReply((r) => replies.push(r));
  return replies;
}

function fakeView() {
  const posted: HostMessage[] = [];
  const listeners = new Set<(m: WebviewMessage) => void>();
  const disposeListeners = new Set<() => void>();
  const view = {
    webview: {
      options: {},
      html: '',
      cspSource: 'vscode-resource:',
      asWebviewUri: (u: vscode.Uri) => u,
      postMessage: async (m: HostMessage) => (posted.push(m), true),
      onDidReceiveMessage: (fn: (m: WebviewMessage) => void) => (
        listeners.add(fn),
        { dispose: () => listeners.delete(fn) }
      ),
    },
    onDidDispose: (fn: () => void) => (disposeListeners.add(fn), { dispose: () => disposeListeners.delete(fn) }),
    description: undefined as string | undefined,
  };
  return {
    view: view as unknown as vscode.WebviewView,
    posted,
    listeners,
    send: (m: WebviewMessage) => listeners.forEach((l) => l(m)),
  };
}

function fakeEngine(contextLength?: number): EngineSupervisor {
  const never = { dispose: () => undefined };
  return {
    model: contextLength ? { contextLength } : undefined,
    onDidChangeState: () => never,
    onDelta: () => never,
    request: (_t: unknown, _p: unknown, token: vscode.CancellationToken) =>
      new Promise((resolve, reject) => {
        if (/second/.test(JSON.stringify(_p)))
          return resolve({ text: 'ok', stopReason: 'stop', stats: { decodeTokensPerS: 0 } });
        token.onCancellationRequested(() => setTimeout(() => reject(new Error('cancelled')), 200));
      }),
  } as unknown as EngineSupervisor;
}

const memento = (): vscode.Memento => {
  const data = new Map<string, unknown>();
  return {
    keys: () => [...data.keys()],
    get: (k: string, d?: unknown) => (data.has(k) ? data.get(k) : d),
    update: async (k: string, v: unknown) => void data.set(k, v),
  } as vscode.Memento;
};

const until = async (what: string, probe: () => boolean, ms = 5000) => {
  const t0 = Date.now();
  while (!probe()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('chat input: Stop and New Chat never drop what the user typed', function () {
  this.timeout(30_000);

  it('a message sent right after New Chat is taken (accepted) once the stopped reply settles, and answered', async () => {
    const chat = new ChatViewProvider(vscode.Uri.file(__dirname), memento(), fakeEngine(), () => undefined);
    const replies = repliesOf(chat);
    const v = fakeView();
    chat.resolveWebviewView(v.view);
    v.send({ type: 'send', id: 1, text: 'first' });
    await until('first accepted', () => v.posted.some((m) => m.type === 'accepted' && m.id === 1));
    v.send({ type: 'send', id: 2, text: 'while running' });
    await until('refusal', () => v.posted.some((m) => m.type === 'refused' && m.id === 2));
    v.send({ type: 'newChat' });
    v.send({ type: 'send', id: 3, text: 'second' });
    await until('second accepted', () => v.posted.some((m) => m.type === 'accepted' && m.id === 3));
    await until('second answered', () => replies.some((r) => r.text === 'ok'));
    assert.deepEqual(
      chat.turns.map((t) => t.content),
      ['second', 'ok'],
    );
    chat.dispose();
  });

  // The first message alone outgrows the 1024-token context whatever the reply budget: the suite's user settings
  // (test/e2e/test-model.ts: chat.maxTokens 48, a short system prompt) leave 976 tokens for the prompt, not the 512 of
  // the defaults, and a 2,000-character message fitted in them.
  it('says in the view when the oldest turns no longer fit the context and were left out', async () => {
    const chat = new ChatViewProvider(vscode.Uri.file(__dirname), memento(), fakeEngine(1024), () => undefined);
    const replies = repliesOf(chat);
    const v = fakeView();
    chat.resolveWebviewView(v.view);
    for (const [i, text] of ['second ' + 'x'.repeat(4000), 'second again', 'second third'].entries()) {
      v.send({ type: 'send', id: i + 1, text });
      await until(`reply ${i + 1}`, () => replies.length === i + 1);
    }
    const trimmed = replies[replies.length - 1].trimmed;
    assert.ok(trimmed >= 2, String(trimmed));
    assert.ok(v.posted.some((m) => m.type === 'trimmed' && m.dropped === trimmed));
    chat.dispose();
  });
});

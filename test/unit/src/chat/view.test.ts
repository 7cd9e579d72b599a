// The chat view's host side resolved twice, against a fake `vscode` module, a fake webview and a fake engine (fake
// boundary: only the events and calls resolveWebviewView touches). A view that VS Code resolves again (moved to
// another container, re-shown) must leave no listener of the first resolve behind.
import * as assert from 'node:assert/strict';
import { FakeEventEmitter, FakeUri, installFakeVscode } from '../../../helpers/fake-vscode';

installFakeVscode();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- after the fake module is in place
const { ChatViewProvider } = require('../../../../src/chat/view') as typeof import('../../../../src/chat/view');

function fakeView() {
  const messages = new FakeEventEmitter<unknown>();
  const disposed = new FakeEventEmitter<void>();
  const view = {
    webview: {
      options: {},
      html: '',
      cspSource: 'vscode-resource:',
      asWebviewUri: (u: FakeUri) => u,
      postMessage: async () => true,
      onDidReceiveMessage: messages.event,
    },
    onDidDispose: disposed.event,
    description: undefined as string | undefined,
  };
  return { view: view as never, messages, disposed };
}

function fakeEngine() {
  const state = new FakeEventEmitter<string>();
  return {
    state,
    engine: { model: undefined, onDidChangeState: state.event, onDelta: new FakeEventEmitter().event } as never,
  };
}

const memento = () => ({ keys: () => [], get: (_k: string, d?: unknown) => d, update: async () => undefined }) as never;

describe('chat/ChatViewProvider with a fake webview', () => {
  it('a fake view resolved twice is listened to once: the first view and its engine listener are let go', () => {
    const { engine, state } = fakeEngine();
    const chat = new ChatViewProvider(FakeUri.file(__dirname) as never, memento(), engine, () => undefined);
    const first = fakeView();
    chat.resolveWebviewView(first.view);
    assert.deepEqual([first.messages.listenerCount, first.disposed.listenerCount, state.listenerCount], [1, 1, 1]);
    const second = fakeView();
    chat.resolveWebviewView(second.view);
    assert.deepEqual(
      [first.messages.listenerCount, first.disposed.listenerCount],
      [0, 0],
      'the first view is no longer listened to',
    );
    assert.deepEqual([second.messages.listenerCount, second.disposed.listenerCount, state.listenerCount], [1, 1, 1]);
    chat.dispose();
    assert.deepEqual([second.messages.listenerCount, second.disposed.listenerCount, state.listenerCount], [0, 0, 0]);
  });

  it('a fake view disposed by VS Code drops its listeners, and a later resolve adds one set again', () => {
    const { engine, state } = fakeEngine();
    const chat = new ChatViewProvider(FakeUri.file(__dirname) as never, memento(), engine, () => undefined);
    const first = fakeView();
    chat.resolveWebviewView(first.view);
    first.disposed.fire();
    assert.deepEqual([first.messages.listenerCount, state.listenerCount], [0, 0]);
    const again = fakeView();
    chat.resolveWebviewView(again.view);
    assert.deepEqual([again.messages.listenerCount, again.disposed.listenerCount, state.listenerCount], [1, 1, 1]);
    chat.dispose();
    chat.dispose(); // idempotent
    assert.equal(state.listenerCount, 0);
  });
});

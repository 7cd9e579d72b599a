// observe(): what the extension-host tests read about the features' past, recorded from their events (fake boundary:
// the two events only, as plain emitters).
import * as assert from 'node:assert/strict';
import { Emitter } from 'vscode-jsonrpc';
import { observe } from '../../../src/api';
import type { FinishedReply } from '../../../src/chat/view';
import type { ProvideCall } from '../../../src/completion/provider';

describe('api/observe with fake feature events', () => {
  it('records every finished reply and counts provider calls, until its subscription is disposed', () => {
    const replies = new Emitter<FinishedReply>();
    const calls = new Emitter<ProvideCall>();
    const { observed, subscription } = observe(
      { onDidProvide: calls.event } as never,
      { onDidFinishReply: replies.event } as never,
    );
    replies.fire({ text: 'a', trimmed: 0 });
    calls.fire({ switchedOff: true });
    calls.fire({ switchedOff: false });
    replies.fire({ text: 'b', stopReason: 'cancelled', trimmed: 2 });
    subscription.dispose();
    replies.fire({ text: 'after', trimmed: 0 });
    calls.fire({ switchedOff: true });
    assert.deepEqual(
      observed.chatReplies.map((r) => r.text),
      ['a', 'b'],
    );
    assert.deepEqual(observed.completionCalls, { total: 2, switchedOff: 1 });
  });
});

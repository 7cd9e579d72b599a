import * as assert from 'node:assert/strict';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { cancelOnce } from '../../../../src/engine/engine-errors';

describe('engine/cancelOnce', () => {
  it('survives a second cancel of a source whose token was never read (a plain double cancel() throws)', () => {
    const plain = new CancellationTokenSource();
    plain.cancel();
    assert.throws(() => plain.cancel());
    const safe = new CancellationTokenSource();
    cancelOnce(safe);
    cancelOnce(safe);
    assert.equal(safe.token.isCancellationRequested, true);
  });
});

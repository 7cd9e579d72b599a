import * as assert from 'node:assert/strict';
import * as protocol from '../../../engine/protocol';

describe('protocol', () => {
  it('declares every request of the design once, each with a distinct method name', () => {
    const methods = (Object.values(protocol) as unknown[])
      .filter((v): v is { method: string } => typeof v === 'object' && v !== null && 'method' in v)
      .map((v) => v.method);
    assert.equal(new Set(methods).size, methods.length);
    for (const m of [
      'initialize',
      'model/load',
      'complete',
      'chat',
      'proof/check',
      'stats',
      'routing/profile',
      'calibrate',
      'shutdown',
      'ping',
    ]) {
      assert.ok(methods.includes(m), `missing ${m}`);
    }
  });
});

import * as assert from 'node:assert/strict';
import { RestartBackoff } from '../../../../src/engine/backoff';

describe('engine/backoff', () => {
  const policy = { initialMs: 100, maxMs: 1000, healthyAfterMs: 10_000, maxQuickCrashes: 5 };

  it('doubles the delay after each quick crash, up to the cap, then gives up', () => {
    const b = new RestartBackoff(policy);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map(() => b.nextDelay(50)),
      [100, 200, 400, 800, 1000],
    );
    assert.equal(b.nextDelay(50), undefined);
  });

  it('starts again from the quickest delay after an engine that ran healthily', () => {
    const b = new RestartBackoff(policy);
    b.nextDelay(10);
    b.nextDelay(10);
    assert.equal(b.nextDelay(60_000), 100);
  });

  it('reset() forgets earlier crashes (a restart the user asked for)', () => {
    const b = new RestartBackoff(policy);
    for (let i = 0; i < 5; i++) b.nextDelay(1);
    b.reset();
    assert.equal(b.nextDelay(1), 100);
  });
});

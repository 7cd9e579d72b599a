import * as assert from 'node:assert/strict';
import { noWorse, pairedDelta } from '../../../bench/paired';

describe('paired routing comparison', () => {
  it('measures the per-byte difference and its standard error from per-token bits', () => {
    const a = Float64Array.of(1, 2, 3, 4);
    const same = pairedDelta(a, a, 8);
    assert.deepEqual(same, { delta: 0, stderr: 0 });
    const shifted = pairedDelta(a, Float64Array.of(1.5, 2.5, 3.5, 4.5), 8);
    assert.equal(shifted.delta, 0.25);
    assert.equal(shifted.stderr, 0);
    assert.equal(noWorse(shifted), false);
  });

  it('calls a small loss that noisy per-token differences cannot distinguish from zero no worse', () => {
    const a = Float64Array.of(2, 2, 2, 2, 2, 2);
    const b = Float64Array.of(3, 1, 3, 1, 3, 1.3);
    const d = pairedDelta(a, b, 6);
    assert.ok(d.delta > 0 && d.stderr > d.delta);
    assert.equal(noWorse(d), true);
    assert.throws(() => pairedDelta(a, Float64Array.of(1), 1), /differ in length/);
  });
});

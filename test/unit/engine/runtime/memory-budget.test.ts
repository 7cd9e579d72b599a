// The memory budget: its default and what it leaves to the routed experts (sizes are parsed by engine/byte-size.ts).
import * as assert from 'node:assert/strict';
import { defaultMemoryBudget, expertBudget } from '../../../../engine/runtime/memory-budget';

describe('the memory budget', () => {
  it('defaults to three quarters of the available memory', () => {
    assert.equal(defaultMemoryBudget(8 * 2 ** 30), 6 * 2 ** 30);
  });

  it('leaves the budget less the dense part to the experts, or says which sizes do not fit', () => {
    assert.equal(expertBudget('m', 10 * 2 ** 20, 4 * 2 ** 20, 2 ** 20), 6 * 2 ** 20);
    assert.throws(
      () => expertBudget('m', 2 * 2 ** 30, 2 * 2 ** 30, 2 ** 20),
      /^EngineError: memory budget 2\.0 GiB is too small for m: its dense part .* alone takes 2\.0 GiB, and one routed-expert group 1\.0 MiB more; .* at least 2049 MiB$/,
    );
  });
});

// Memory budgets as people write them: a byte count, binary or decimal units, any case, spaces allowed.
import * as assert from 'node:assert/strict';
import { formatBytes, parseByteSize } from '../../../../engine/runtime/byte-size';
import { defaultMemoryBudget, expertBudget } from '../../../../engine/runtime/memory-budget';

describe('byte sizes and the memory budget', () => {
  it('reads byte counts and units, and nothing else', () => {
    assert.equal(parseByteSize('1000000'), 1_000_000);
    assert.equal(parseByteSize('256MiB'), 256 * 2 ** 20);
    assert.equal(parseByteSize('4GB'), 4e9);
    assert.equal(parseByteSize(' 1.5 gib '), 1.5 * 2 ** 30);
    assert.equal(parseByteSize('64kB'), 64_000);
    for (const bad of ['', 'lots', '4 GiBs', '-1GB', '0', '1e9', '4 XB'])
      assert.equal(parseByteSize(bad), undefined, bad);
  });

  it('defaults to three quarters of the available memory', () => {
    assert.equal(defaultMemoryBudget(8 * 2 ** 30), 6 * 2 ** 30);
  });

  it('leaves the budget less the dense part to the experts, or says which sizes do not fit', () => {
    assert.equal(expertBudget('m', 10 * 2 ** 20, 4 * 2 ** 20, 2 ** 20), 6 * 2 ** 20);
    assert.throws(
      () => expertBudget('m', 2 * 2 ** 30, 2 * 2 ** 30, 2 ** 20),
      /^EngineError: memory budget 2\.00 GiB is too small for m: its dense part .* alone takes 2\.00 GiB, and one routed-expert group 1\.0 MiB more; .* at least 2049 MiB$/,
    );
    assert.equal(formatBytes(3 * 2 ** 20), '3.0 MiB');
  });
});

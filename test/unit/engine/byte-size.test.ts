// Sizes as people write them, for every size setting and flag: byte counts, binary or decimal units, any case, spaces.
import * as assert from 'node:assert/strict';
import { formatBytes, parseByteSize } from '../../../engine/byte-size';

describe('byte sizes', () => {
  it('reads byte counts and units', () => {
    assert.equal(parseByteSize('1000000', 'size'), 1_000_000);
    assert.equal(parseByteSize('256MiB', 'size'), 256 * 2 ** 20);
    assert.equal(parseByteSize('4GB', 'size'), 4e9);
    assert.equal(parseByteSize(' 1.5 gib ', 'size'), 1.5 * 2 ** 30);
    assert.equal(parseByteSize('64kB', 'size'), 64_000);
    assert.equal(parseByteSize('20G', 'size'), 20 * 2 ** 30);
    assert.equal(parseByteSize('0', 'size'), 0);
  });

  it('refuses anything else, naming the setting or flag', () => {
    for (const bad of ['', 'lots', '4 GiBs', '-1GB', '1e9', '4 XB'])
      assert.throws(() => parseByteSize(bad, '--memory-budget'), /^Error: --memory-budget must be a byte count/, bad);
  });

  it('prints sizes in binary units', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(3 * 2 ** 20), '3.0 MiB');
    assert.equal(formatBytes(2 * 2 ** 30), '2.0 GiB');
  });
});

import * as assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tempDir } from '../../../helpers/fixture-models';
import { join } from 'node:path';
import { SafetensorsCheckpoint, readHeader } from '../../../../engine/checkpoint/safetensors';
import { toBf16Bits, writeSafetensors } from '../../../../engine/checkpoint/safetensors-writer';

const tmp = () => tempDir('st');
const values = Float32Array.from({ length: 24 }, (_, i) => (i - 12) / 8); // exact in F16 and BF16

describe('safetensors reader', () => {
  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    it(`reads ${dtype} tensors as float32`, () => {
      const dir = tmp();
      writeSafetensors(join(dir, 'model.safetensors'), [{ name: 'w', shape: [4, 6], data: () => values }], dtype);
      const ckpt = new SafetensorsCheckpoint(dir);
      assert.deepEqual(ckpt.info('w').shape, [4, 6]);
      assert.deepEqual(ckpt.readF32('w'), values);
    });
  }

  it('rounds float32 to bfloat16 to nearest even, as torch does', () => {
    const x = new Float32Array([1 + 2 ** -8, 1 + 3 * 2 ** -8, -2.5]);
    assert.deepEqual(Array.from(toBf16Bits(x)), [0x3f80, 0x3f82, 0xc020]);
  });

  it('reads shards through model.safetensors.index.json', () => {
    const dir = tmp();
    writeSafetensors(join(dir, 'a.safetensors'), [{ name: 'x', shape: [24], data: () => values }]);
    writeSafetensors(join(dir, 'b.safetensors'), [{ name: 'y', shape: [2, 12], data: () => values }], 'BF16');
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { x: 'a.safetensors', y: 'b.safetensors' } }),
    );
    const ckpt = new SafetensorsCheckpoint(dir);
    assert.deepEqual(ckpt.readF32('y'), values);
    assert.equal(ckpt.files.length, 2);
  });

  it('names the shard the index lists but the folder lacks', () => {
    const dir = tmp();
    writeSafetensors(join(dir, 'a.safetensors'), [{ name: 'x', shape: [24], data: () => values }]);
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { x: 'a.safetensors', y: 'gone.safetensors' } }),
    );
    assert.throws(
      () => new SafetensorsCheckpoint(dir),
      /gone\.safetensors: listed in model\.safetensors\.index\.json but missing/,
    );
  });

  it('names the file and tensor of a truncated file', () => {
    const dir = tmp();
    const f = join(dir, 'model.safetensors');
    writeSafetensors(f, [
      { name: 'first', shape: [24], data: () => values },
      { name: 'second', shape: [24], data: () => values },
    ]);
    truncateSync(f, statSync(f).size - 10);
    assert.throws(() => readHeader(f), /model\.safetensors: truncated: tensor 'second' ends at byte/);
  });

  it('rejects an unsupported dtype and a corrupt header', () => {
    const dir = tmp();
    const f = join(dir, 'model.safetensors');
    writeSafetensors(f, [{ name: 'w', shape: [24], data: () => values }]);
    const text = readFileSync(f).toString('latin1').replace('"F32"', '"I64"');
    writeFileSync(f, Buffer.from(text, 'latin1'));
    assert.throws(() => readHeader(f), /tensor 'w' has unsupported dtype "I64"/);
    writeFileSync(f, Buffer.from([1, 2, 3]));
    assert.throws(() => readHeader(f), /truncated safetensors file \(3 bytes\)/);
    const bad = Buffer.alloc(16);
    bad.writeBigUInt64LE(8n);
    bad.write('not json', 8);
    writeFileSync(f, bad);
    assert.throws(() => readHeader(f), /corrupt safetensors header/);
  });

  it('says so when the folder has no safetensors file', () => {
    assert.throws(() => new SafetensorsCheckpoint(tmp()), /no \*\.safetensors file in the model folder/);
  });
});

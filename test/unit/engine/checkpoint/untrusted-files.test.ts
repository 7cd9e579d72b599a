// Crafted checkpoint files: safetensors headers whose offsets point outside the data or overlap, an index whose
// weight_map leaves the model folder, and config.json sizes that would make the engine allocate without bound. Each is
// one EngineError naming the file and the cause, before anything large is allocated. Real files in a temp folder.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfig } from '../../../../engine/checkpoint/config';
import { readHeader, SafetensorsCheckpoint } from '../../../../engine/checkpoint/safetensors';
import { writeSafetensors } from '../../../../engine/checkpoint/safetensors-writer';
import { EngineError } from '../../../../engine/errors';
import { FIXTURES, tempDir } from '../../../helpers/fixture-models';
import { CheckpointTokenizer } from '../../../../engine/checkpoint/tokenizer';
import { fixtureWithMadeUpTokenizer } from '../../../helpers/made-up-tokenizer';

/** A safetensors file with exactly this header and `data` bytes of data. */
function craft(file: string, header: unknown, data = 0): void {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([len, json, Buffer.alloc(data)]));
}

const engineError = (pattern: RegExp) => (e: unknown) => e instanceof EngineError && pattern.test(e.message);

describe('untrusted checkpoint files: safetensors offsets, index paths, config sizes', () => {
  it('a small file claiming a 1 GiB tensor at a negative offset is refused at the header, not read', () => {
    const dir = tempDir('st-trust');
    const f = join(dir, 'model.safetensors');
    craft(f, { w: { dtype: 'F32', shape: [268435456], data_offsets: [-1073741824, 0] } });
    const before = process.memoryUsage().arrayBuffers;
    assert.throws(
      () => new SafetensorsCheckpoint(dir).readF32('w'),
      engineError(/model\.safetensors: tensor 'w' has data_offsets/),
    );
    assert.ok(process.memoryUsage().arrayBuffers - before < 100e6, 'nothing large was allocated');
    for (const offsets of [[0.5, 4.5], ['0', '4'], [4], null]) {
      craft(f, { w: { dtype: 'F32', shape: [1], data_offsets: offsets } }, 8);
      assert.throws(() => readHeader(f), engineError(/tensor 'w' has data_offsets/), JSON.stringify(offsets));
    }
    craft(f, { w: { dtype: 'F32', shape: [-1, -4], data_offsets: [0, 16] } }, 16);
    assert.throws(() => readHeader(f), engineError(/tensor 'w' has shape/));
    craft(f, [1, 2]);
    assert.throws(() => readHeader(f), engineError(/not a JSON object/));
  });

  it('tensors that share bytes are refused', () => {
    const f = join(tempDir('st-trust'), 'model.safetensors');
    craft(
      f,
      {
        a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
        b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] },
      },
      24,
    );
    assert.throws(() => readHeader(f), engineError(/tensors 'a' and 'b' overlap/));
  });

  it("an index's weight_map may name only .safetensors files of the model folder", () => {
    const root = tempDir('st-trust');
    const dir = join(root, 'model');
    mkdirSync(dir);
    const values = new Float32Array(4);
    writeSafetensors(join(root, 'outside.safetensors'), [{ name: 'x', shape: [4], data: () => values }]);
    for (const path of [
      '../outside.safetensors',
      join(root, 'outside.safetensors'),
      'sub/../../outside.safetensors',
      '.hidden.safetensors',
      7,
    ]) {
      writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { x: path } }));
      assert.throws(
        () => new SafetensorsCheckpoint(dir),
        engineError(/index\.json: weight_map\['x'\] is .* not a \.safetensors file in the model folder/),
        String(path),
      );
    }
  });

  it('config.json sizes are bounded: 5e7 experts is one clear error naming the file and field, not out of memory', () => {
    const base = JSON.parse(readFileSync(join(FIXTURES, 'v3-tiny', 'config.json'), 'utf8')) as Record<string, unknown>;
    const dir = tempDir('cfg-trust');
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ n_routed_experts: 5e7 }, /field 'n_routed_experts' is 50000000, over the supported maximum/],
      [{ vocab_size: 1e9 }, /field 'vocab_size' is 1000000000, over/],
      [
        { num_hidden_layers: 1024, first_k_dense_replace: 0, n_routed_experts: 4096, n_group: 1, topk_group: 1 },
        /tensors, over the supported/,
      ],
      [{ hidden_size: 65536, vocab_size: 4_000_000 }, /always-resident parameters .* more than this machine's/],
      [{ eos_token_id: ['x'] }, /field 'eos_token_id' must be a token id/],
    ];
    for (const [change, pattern] of cases) {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...base, ...change }));
      assert.throws(
        () => readConfig(dir),
        (e: unknown) =>
          e instanceof EngineError && e.message.startsWith(join(dir, 'config.json')) && pattern.test(e.message),
        JSON.stringify(change),
      );
    }
  });

  it('a tokenizer.json id of 2^31 is refused at once (the library would size its tables by it and stall for a minute)', () => {
    const dir = fixtureWithMadeUpTokenizer({ family: 'deepseek' });
    const file = join(dir, 'tokenizer.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { added_tokens: { id: number }[] };
    json.added_tokens[0].id = 2 ** 31;
    writeFileSync(file, JSON.stringify(json));
    const t0 = performance.now();
    assert.throws(
      () => CheckpointTokenizer.load(dir, readConfig(dir)),
      engineError(/tokenizer\.json: an added token has id 2147483648, not a token id below/),
    );
    assert.ok(performance.now() - t0 < 1000);
  });
});

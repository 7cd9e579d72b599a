// Fuzzing the checkpoint loaders with damaged and crafted files: 1,000 each of mutated safetensors files, config.json
// and tokenizer.json, through the real readers. Each must load or fail with one EngineError naming the file, never a
// TypeError / RangeError from inside, a hang or a crash. Seeded: a failure prints SWITCHYARD_FUZZ_SEED to replay it.
// GGUF headers are fuzzed in gguf-fuzz.test.ts.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parameterCounts, readConfig } from '../../../../engine/checkpoint/config';
import { SafetensorsCheckpoint } from '../../../../engine/checkpoint/safetensors';
import { writeSafetensors } from '../../../../engine/checkpoint/safetensors-writer';
import { CheckpointTokenizer } from '../../../../engine/checkpoint/tokenizer';
import { EngineError } from '../../../../engine/errors';
import { fuzzSeed, mutateBytes, mutateJson, Rng } from '../../../helpers/fuzz';
import { FIXTURES, tempDir } from '../../../helpers/fixture-models';
import { fixtureWithMadeUpTokenizer } from '../../../helpers/made-up-tokenizer';

const RUNS = 1000;

/** Runs `attempt` RUNS times; every throw must be an EngineError whose message names `file`. */
function fuzz(name: string, file: string, attempt: (rng: Rng, i: number) => void): void {
  const seed = fuzzSeed();
  const rng = new Rng(seed);
  const bad: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    try {
      attempt(rng, i);
    } catch (e) {
      const clear = e instanceof EngineError && e.message.includes(file) && e.message.length < 2000;
      if (!clear && bad.length < 5)
        bad.push(`#${i}: ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 300)}` : String(e)}`);
    }
    // a loader that takes seconds on a small file is the start of a hang (a crafted id once stalled one for a minute)
    const took = performance.now() - t0;
    if (took > 1000 && bad.length < 5) bad.push(`#${i}: took ${took.toFixed(0)} ms`);
  }
  assert.deepEqual(bad, [], `${name}: unclear errors (replay with SWITCHYARD_FUZZ_SEED=${seed})`);
}

function safetensorsBytes(header: unknown, data: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

describe('fuzzing the checkpoint loaders (seeded, 1,000 files each)', function () {
  this.timeout(20_000);

  it('mutated safetensors headers and bytes: a checkpoint or one EngineError naming the file', () => {
    const dir = tempDir('fuzz-st');
    const file = join(dir, 'model.safetensors');
    const values = Float32Array.from({ length: 48 }, (_, i) => i / 7);
    writeSafetensors(
      file,
      [
        { name: 'a', shape: [4, 6], data: () => values.subarray(0, 24) },
        { name: 'b', shape: [2, 3, 4], data: () => values.subarray(24) },
        { name: 'c', shape: [8], data: () => values.subarray(0, 8) },
      ],
      'BF16',
    );
    const original = readFileSync(file);
    const headerLen = Number(original.readBigUInt64LE(0));
    const header = JSON.parse(original.subarray(8, 8 + headerLen).toString('utf8')) as unknown;
    const data = original.subarray(8 + headerLen);
    fuzz('safetensors', file, (rng) => {
      writeFileSync(
        file,
        rng.next() < 0.7 ? safetensorsBytes(mutateJson(header, rng), data) : mutateBytes(original, rng),
      );
      const ckpt = new SafetensorsCheckpoint(dir);
      for (const name of ckpt.tensors.keys()) ckpt.readF32(name);
    });
  });

  it('mutated config.json: a ModelConfig or one EngineError naming the file and field', () => {
    const dir = tempDir('fuzz-cfg');
    const file = join(dir, 'config.json');
    const text = readFileSync(join(FIXTURES, 'v3-tiny', 'config.json'), 'utf8');
    const base = JSON.parse(text) as unknown;
    fuzz('config.json', file, (rng) => {
      writeFileSync(
        file,
        rng.next() < 0.8 ? JSON.stringify(mutateJson(base, rng)) : mutateBytes(Buffer.from(text), rng),
      );
      parameterCounts(readConfig(dir));
    });
  });

  it('mutated tokenizer.json: a tokenizer that encodes and decodes, or one EngineError naming the file', () => {
    const dir = fixtureWithMadeUpTokenizer({ family: 'deepseek' });
    const file = join(dir, 'tokenizer.json');
    const text = readFileSync(file, 'utf8');
    const base = JSON.parse(text) as unknown;
    const cfg = readConfig(dir);
    fuzz('tokenizer.json', file, (rng) => {
      writeFileSync(
        file,
        rng.next() < 0.8 ? JSON.stringify(mutateJson(base, rng)) : mutateBytes(Buffer.from(text), rng),
      );
      const tok = CheckpointTokenizer.load(dir, cfg);
      if (tok) tok.decode(tok.encode('def x(): return 1'));
    });
  });
});

// Fuzzing the GGUF reader (engine/checkpoint/gguf.ts through validateModel) with 1,000 damaged headers of a converted
// fixture: random bytes, cuts and insertions, and extreme 32/64-bit values written over the tensor infos (counts,
// dimensions, types, offsets). Each must load or fail with one EngineError naming the file, never a TypeError /
// RangeError from inside, a hang or a crash. Seeded: a failure prints SWITCHYARD_FUZZ_SEED to replay it.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gguf } from '@huggingface/gguf';
import { writeDeepseek2Gguf } from '../../../../bench/gguf/deepseek2';
import { EngineError } from '../../../../engine/errors';
import { validateModel } from '../../../../engine/runtime/load-model';
import { fuzzSeed, mutateBytes, Rng } from '../../../helpers/fuzz';
import { FIXTURES, tempDir } from '../../../helpers/fixture-models';

const RUNS = 1000;
const EXTREMES = [0n, 1n, 31n, 0xffffffffn, 0x7fffffffffffffffn, 0xffffffffffffffffn, 1n << 40n];

describe('fuzzing the GGUF reader (seeded, 1,000 headers)', function () {
  this.timeout(60_000);

  it('mutated GGUF headers: a checkpoint or one EngineError naming the file', async () => {
    const dir = tempDir('fuzz-gguf');
    const source = join(dir, 'v3-tiny.gguf');
    writeDeepseek2Gguf(join(FIXTURES, 'v3-tiny'), source, 'F32');
    const original = readFileSync(source);
    const parsed = await gguf(source, { allowLocalFile: true });
    const dataStart = Number(parsed.tensorDataOffset);
    const [infoStart, infoEnd] = parsed.tensorInfoByteRange;
    const seed = fuzzSeed();
    const rng = new Rng(seed);
    const bad: string[] = [];
    const file = join(dir, 'mutated.gguf');
    for (let i = 0; i < RUNS; i++) {
      let bytes: Buffer;
      if (rng.next() < 0.5) {
        bytes = Buffer.concat([mutateBytes(original.subarray(0, dataStart), rng), original.subarray(dataStart)]);
      } else {
        // an extreme value over a field of the tensor infos (or the counts at bytes 8..24)
        bytes = Buffer.from(original);
        const at = rng.next() < 0.2 ? 8 + 8 * rng.int(2) : infoStart + rng.int(infoEnd - infoStart - 8);
        const v = EXTREMES[rng.int(EXTREMES.length)];
        if (rng.next() < 0.5) bytes.writeBigUInt64LE(v, at);
        else bytes.writeUInt32LE(Number(v & 0xffffffffn), at);
      }
      writeFileSync(file, bytes);
      const t0 = performance.now();
      try {
        await validateModel(file);
      } catch (e) {
        const clear = e instanceof EngineError && e.message.includes(file) && e.message.length < 2000;
        if (!clear && bad.length < 5)
          bad.push(`#${i}: ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 300)}` : String(e)}`);
      }
      const took = performance.now() - t0;
      if (took > 2000 && bad.length < 5) bad.push(`#${i}: took ${took.toFixed(0)} ms`);
    }
    assert.deepEqual(bad, [], `unclear errors (replay with SWITCHYARD_FUZZ_SEED=${seed})`);
  });
});

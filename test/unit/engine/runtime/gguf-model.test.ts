// The engine running GGUF files (loadModel on a .gguf): each fixture converted at F32 by the benchmark's deepseek2
// writer reproduces the official reference (prefill logits within 1e-4, the same greedy tokens); at Q8_0 the engine
// (which dequantizes the blocks to float32) and llama.cpp (node-llama-cpp's CPU build, in a child process, on the very
// same file) give the same logits within 1e-4 when llama.cpp runs the dequantized weights, and pick the same next
// token at >= 95% of positions when it runs the Q8_0 blocks.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDeepseek2Gguf, writeDeepseek2GgufDequantized } from '../../../../bench/gguf/deepseek2';
import { writeRandomCheckpoint } from '../../../../bench/synthetic-checkpoint';
import type { LoadedModel } from '../../../../engine/runtime/api';
import { loadModel } from '../../../../engine/runtime/load-model';
import {
  FIXTURE_NAMES,
  FIXTURES,
  argmax,
  goldenTensor,
  maxAbsDiff,
  readGolden,
  tempDir,
  testCacheDir,
} from '../../../helpers/fixture-models';

const ROOT = join(__dirname, '..', '..', '..', '..');

function llamaLogits(file: string, tokens: number[]): number[][] {
  const out = execFileSync(
    join(ROOT, 'node_modules/.bin/tsx'),
    [join(ROOT, 'bench/gguf/llama-peer.ts'), 'logits', '--model', file, '--tokens', tokens.join(','), '--threads', '1'],
    {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    },
  );
  return (JSON.parse(out) as { logits: number[][] }).logits;
}

async function withModel<T>(file: string, run: (m: LoadedModel) => Promise<T>): Promise<T> {
  const model = await loadModel(file, { threads: 1, cacheDir: testCacheDir() });
  try {
    return await run(model);
  } finally {
    await model.dispose();
  }
}

describe('GGUF models through the engine', function () {
  this.timeout(300_000);
  const dir = tempDir('gguf-model');

  for (const name of FIXTURE_NAMES) {
    it(`${name} at F32: the reference's prefill logits within 1e-4 and its 16 greedy tokens`, async () => {
      const file = join(dir, `${name}-f32.gguf`);
      writeDeepseek2Gguf(join(FIXTURES, name), file, 'F32');
      await withModel(file, async (model) => {
        assert.equal(model.info.path, file);
        const V = model.info.vocabSize;
        for (const [pi, p] of readGolden(name).prompts.entries()) {
          const ref = goldenTensor(name, `p${pi}.prefill_logits`);
          const r = await model.forward(p.tokens);
          r.logits.forEach((row, t) =>
            assert.ok(maxAbsDiff(row, ref.subarray(t * V, (t + 1) * V)) <= 1e-4, `p${pi} position ${t}`),
          );
          const g = await model.generate(p.tokens, {
            maxTokens: 16,
            temperature: 0,
            usePrefixCache: false,
            ignoreEos: true,
          });
          assert.deepEqual(g.tokens, p.greedy.new_tokens, `p${pi}`);
        }
      });
    });
  }

  describe('at Q8_0, against llama.cpp on the same file', () => {
    before(() => execFileSync('bash', [join(ROOT, 'test/setup/install-llama-cpp.sh')], { stdio: 'inherit' }));

    // llama.cpp reads a DeepSeek-V2 without q LoRA only at 27 layers (it tells V2-Lite by its depth), so v2lite-tiny's
    // 3 layers are compared at that depth: its dimensions, random weights
    const v2lite27 = (): string => {
      const config = JSON.parse(readFileSync(join(FIXTURES, 'v2lite-tiny', 'config.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      return writeRandomCheckpoint(join(dir, 'v2lite-27'), { ...config, num_hidden_layers: 27 }, 'F32').dir;
    };
    const cases: [string, () => string, number[]][] = [
      ['v3-tiny', () => join(FIXTURES, 'v3-tiny'), readGolden('v3-tiny').prompts[1].tokens],
      ['v3-tiny-yarn', () => join(FIXTURES, 'v3-tiny-yarn'), readGolden('v3-tiny-yarn').prompts[2].tokens],
      ['v2lite-tiny at 27 layers', v2lite27, readGolden('v2lite-tiny').prompts[1].tokens],
    ];
    for (const [name, source, tokens] of cases) {
      it(`${name}: llama.cpp's logits on the dequantized weights within 1e-4; its Q8_0 argmax at >= 95% of positions (or as often as llama.cpp agrees with itself)`, async () => {
        const file = join(dir, `${name.replace(/ /g, '-')}-q8_0.gguf`);
        const dequantized = join(dir, `${name.replace(/ /g, '-')}-q8_0-as-f32.gguf`);
        writeDeepseek2Gguf(source(), file, 'Q8_0');
        // the same blocks dequantized into an F32 file: what the engine computes with, for llama.cpp to run exactly
        writeDeepseek2GgufDequantized(source(), dequantized, 'Q8_0');
        const engine = await withModel(file, async (model) => (await model.forward(tokens)).logits);
        const exact = llamaLogits(dequantized, tokens);
        const llama = llamaLogits(file, tokens);
        assert.equal(llama.length, engine.length);
        engine.forEach((row, t) =>
          assert.ok(maxAbsDiff(row, exact[t]) <= 1e-4, `position ${t}: ${maxAbsDiff(row, exact[t])}`),
        );
        const agreement = (a: ArrayLike<number>[], b: ArrayLike<number>[]) =>
          a.filter((row, t) => argmax(row) === argmax(b[t])).length / a.length;
        const agree = agreement(engine, llama);
        const llamaSelf = agreement(llama, exact);
        const worst = Math.max(...engine.map((row, t) => maxAbsDiff(row, llama[t])));
        console.log(
          `      ${name}: engine vs llama.cpp Q8_0 argmax ${(100 * agree).toFixed(1)}% of ${engine.length}, max |logit diff| ${worst.toExponential(2)} ` +
            `(llama.cpp Q8_0 vs its own F32 run of the same weights: ${(100 * llamaSelf).toFixed(1)}%)`,
        );
        // llama.cpp multiplies Q8_0 weights by 8-bit-quantized activations, the engine by float32 ones: where that
        // alone moves llama.cpp's own argmax more often (near-ties of a random-weight model), that is the bound
        assert.ok(
          agree >= Math.min(0.95, llamaSelf),
          `argmax agreement ${agree} (llama.cpp with itself: ${llamaSelf})`,
        );
      });
    }
  });
});

// The benchmark's GGUF writer (bench/gguf/), checked three ways: the block formats against ggml's definitions on
// random and hand-made blocks; the file read back by a maintained GGUF parser (@huggingface/gguf); and the real
// llama.cpp (node-llama-cpp's CPU build, in a child process) running the fixtures from it, against the official
// DeepSeek-V3 code's logits. The quantized files are checked against an F32 file of the same dequantized weights, so
// a block laid out wrongly shows as noise.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gguf as parseGguf } from '@huggingface/gguf';
import { writeDeepseek2Gguf, writeDeepseek2GgufDequantized, type GgufPrecision } from '../../../bench/gguf/deepseek2';
import { decode, encode, fromF16, toF16 } from '../../../bench/gguf/ggml-blocks';
import { writeRandomCheckpoint } from '../../../bench/synthetic-checkpoint';
import { loadModel } from '../../../engine/runtime/load-model';
import { seededRandom } from '../../../engine/runtime/sampling';
import { FIXTURES, goldenTensor, readGolden, testCacheDir } from '../../helpers/fixture-models';

const ROOT = join(__dirname, '..', '..', '..');

function random(n: number, seed: number, scale = 1): Float32Array {
  const next = seededRandom(seed);
  return Float32Array.from({ length: n }, () => (next() - 0.5) * 2 * scale);
}

describe('ggml block formats (bench/gguf/ggml-blocks.ts)', () => {
  it('float16: exact for representable values, round to nearest even, overflow to infinity', () => {
    for (const x of [0, 1, -2, 0.5, 65504, 2 ** -24, 3.140625]) assert.equal(fromF16(toF16(x)), x);
    assert.equal(toF16(1 + 2 ** -11), toF16(1)); // a tie rounds to the even mantissa
    assert.equal(fromF16(toF16(1 + 3 * 2 ** -11)), 1 + 2 ** -9);
    assert.equal(fromF16(toF16(1e6)), Infinity);
  });

  it('Q8_0 of a hand-made block: d = max|x| / 127, q = round(x / d)', () => {
    const x = new Float32Array(32).map((_, i) => (i - 16) / 16); // -1 .. 0.9375
    const b = encode('Q8_0', x);
    assert.equal(b.length, 34);
    assert.equal(fromF16(b.readUInt16LE(0)), fromF16(toF16(1 / 127)));
    assert.equal(b.readInt8(2), -127);
    assert.equal(b.readInt8(2 + 16), 0);
    assert.equal(b.readInt8(2 + 24), Math.round(0.5 * 127));
  });

  it('Q4_0 of a hand-made block: d = (largest-magnitude value) / -8, nibbles j and j + 16 share byte j', () => {
    const x = new Float32Array(32).map((_, i) => (i < 16 ? -8 + i : 0)); // -8 .. 7, then zeros
    const b = encode('Q4_0', x);
    assert.equal(b.length, 18);
    assert.equal(fromF16(b.readUInt16LE(0)), 1); // max = -8, d = -8 / -8
    // x / d + 8.5 truncated: -8 -> 0 ... 7 -> 15 in the low nibbles; 0 -> 8 in the high ones
    for (let j = 0; j < 16; j++) assert.equal(b[2 + j], j | (8 << 4), `byte ${j}`);
    assert.deepEqual(Array.from(decode('Q4_0', b, 32)), Array.from(x));
  });

  // half a step, plus the float16 rounding of the scale over the largest code (127, or 8); Q4_0's top code is 7, so
  // values on the side opposite the largest magnitude may be clipped by up to a whole step
  for (const [type, bound] of [
    ['Q8_0', (0.5 + 127 * 2 ** -11) / 127],
    ['Q4_0', (1 + 8 * 2 ** -11) / 8],
  ] as const) {
    it(`${type} on random blocks: every value within its bound of the block's largest magnitude`, () => {
      for (let seed = 1; seed <= 50; seed++) {
        const x = random(32 * 8, seed, seed / 7);
        const y = decode(type, encode(type, x), x.length);
        for (let b = 0; b < 8; b++) {
          const block = x.subarray(b * 32, (b + 1) * 32);
          const amax = Math.max(...Array.from(block, Math.abs));
          for (let j = 0; j < 32; j++)
            assert.ok(Math.abs(y[b * 32 + j] - block[j]) <= amax * bound + 1e-7, `seed ${seed} block ${b} value ${j}`);
        }
      }
    });
  }
});

describe('GGUF files of the fixtures (bench/gguf/)', function () {
  this.timeout(300_000);
  let dir: string;
  const llamaLogits = (file: string, tokens: number[]): number[][] =>
    (
      JSON.parse(
        execFileSync(
          join(ROOT, 'node_modules/.bin/tsx'),
          [
            join(ROOT, 'bench/gguf/llama-peer.ts'),
            'logits',
            '--model',
            file,
            '--tokens',
            tokens.join(','),
            '--threads',
            '1',
          ],
          {
            encoding: 'utf8',
            maxBuffer: 256 << 20,
          },
        ),
      ) as { logits: number[][] }
    ).logits;
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  };
  const argmax = (row: number[]) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);

  before(() => {
    execFileSync('bash', [join(ROOT, 'test/setup/install-llama-cpp.sh')], { stdio: 'inherit' });
    dir = mkdtempSync(join(tmpdir(), 'switchyard-gguf-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('reads back with @huggingface/gguf: version 3, the deepseek2 keys, every tensor with its ggml shape and type', async () => {
    const file = join(dir, 'v3-tiny-q8.gguf');
    writeDeepseek2Gguf(join(FIXTURES, 'v3-tiny'), file, 'Q8_0');
    const parsed = await parseGguf(file, { allowLocalFile: true });
    const { tensorInfos } = parsed;
    const metadata = parsed.metadata as unknown as Record<string, unknown>;
    assert.equal(metadata.version, 3);
    assert.equal(metadata['general.architecture'], 'deepseek2');
    assert.equal(metadata['deepseek2.attention.kv_lora_rank'], 32);
    assert.equal(metadata['deepseek2.expert_group_count'], 4);
    const byName = new Map(tensorInfos.map((t) => [t.name, t]));
    // attn_k_b is [H, kv_lora, nope] in PyTorch order: ne = [nope, kv_lora, H]
    assert.deepEqual(byName.get('blk.0.attn_k_b.weight')?.shape.map(Number), [16, 32, 4]);
    assert.deepEqual(byName.get('blk.1.ffn_up_exps.weight')?.shape.map(Number), [64, 16, 16]);
    assert.equal(byName.get('blk.0.attn_output.weight')?.dtype, 8); // Q8_0: rows of 4 x 24 = 96 values
    assert.equal(byName.get('blk.1.ffn_down_exps.weight')?.dtype, 0); // rows of 16: not a whole block, F32
    assert.equal(byName.get('blk.1.ffn_gate_inp.weight')?.dtype, 0); // the router stays F32
    assert.equal(tensorInfos.length, new Set(tensorInfos.map((t) => t.name)).size);
  });

  for (const name of ['v3-tiny', 'v3-tiny-yarn'] as const) {
    it(`${name} at F32 in llama.cpp gives the reference logits within 1e-4 at every position`, () => {
      const file = join(dir, `${name}-f32.gguf`);
      writeDeepseek2Gguf(join(FIXTURES, name), file, 'F32');
      readGolden(name).prompts.forEach((p, i) => {
        const logits = llamaLogits(file, p.tokens);
        assert.equal(logits.length, p.tokens.length);
        assert.ok(maxDiff(logits.flat(), goldenTensor(name, `p${i}.prefill_logits`)) <= 1e-4, `prompt ${i}`);
      });
    });
  }

  it('a V2-Lite layout (q_proj, no q LoRA; greedy softmax routing) at 27 layers: llama.cpp agrees with the engine within 1e-4', async () => {
    // llama.cpp tells V2-Lite (no q LoRA) from the other DeepSeek-V2 models by its 27 layers alone, and refuses a
    // shallower one; the fixture's dimensions at that depth, random weights
    const config = JSON.parse(readFileSync(join(FIXTURES, 'v2lite-tiny', 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const ckpt = join(dir, 'v2lite-27');
    writeRandomCheckpoint(ckpt, { ...config, num_hidden_layers: 27 }, 'F32');
    const file = join(dir, 'v2lite-27.gguf');
    writeDeepseek2Gguf(ckpt, file, 'F32');
    const tokens = readGolden('v2lite-tiny').prompts[0].tokens;
    const model = await loadModel(ckpt, { cacheDir: testCacheDir(), threads: 1 });
    try {
      const engine = (await model.forward(tokens)).logits;
      const llama = llamaLogits(file, tokens);
      engine.forEach((row, t) => assert.ok(maxDiff(llama[t], row) <= 1e-4, `position ${t}: ${maxDiff(llama[t], row)}`));
    } finally {
      await model.dispose();
    }
  });

  for (const precision of ['Q8_0', 'Q4_0'] as const satisfies readonly GgufPrecision[]) {
    it(`v3-tiny at ${precision}: llama.cpp reads the blocks as written (same argmax as an F32 file of the dequantized weights)`, () => {
      const quantized = join(dir, `v3-tiny-${precision}.gguf`);
      const dequantized = join(dir, `v3-tiny-${precision}-as-f32.gguf`);
      writeDeepseek2Gguf(join(FIXTURES, 'v3-tiny'), quantized, precision);
      writeDeepseek2GgufDequantized(join(FIXTURES, 'v3-tiny'), dequantized, precision);
      const tokens = readGolden('v3-tiny').prompts[1].tokens;
      const q = llamaLogits(quantized, tokens);
      const f = llamaLogits(dequantized, tokens);
      const agree = q.filter((row, i) => argmax(row) === argmax(f[i])).length / q.length;
      // llama.cpp multiplies quantized weights by 8-bit-quantized activations, so only the argmax is compared tightly
      assert.ok(agree >= 0.95, `argmax agreement with the dequantized F32 file: ${agree}`);
    });
  }
});

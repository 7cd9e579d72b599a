// A Q4_K_M-style GGUF (Q4_K matrices, Q6_K down projections and output, bench/gguf/deepseek2.ts) of a small random
// DeepSeek-V2 checkpoint whose rows are whole 256-value super-blocks: loaded at int4, every K-quant matrix goes to
// MatMulNBits as its own blocks (GgufCheckpoint.readBlocks: Q4_K at 4 bits with mins, Q6_K at 8 bits in blocks of
// 16), decoding to ggml's values (Q6_K bit for bit, Q4_K to float32 rounding); and its logits are closer to the float32 run of the file's
// values (the same file dequantized, at f32) than the old path's, which quantized those values again at 4 bits.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDeepseek2Gguf, writeDeepseek2GgufDequantized } from '../../../../bench/gguf/deepseek2';
import { writeRandomCheckpoint } from '../../../../bench/synthetic-checkpoint';
import { readConfig } from '../../../../engine/checkpoint/config';
import { GgufCheckpoint } from '../../../../engine/checkpoint/gguf';
import { expectedTensors } from '../../../../engine/checkpoint/tensors';
import { dequantize } from '../../../../engine/onnx/quantize';
import type { WeightPrecision } from '../../../../engine/protocol';
import { loadModel } from '../../../../engine/runtime/load-model';
import { argmax, FIXTURES, maxAbsDiff, tempDir, testCacheDir } from '../../../helpers/fixture-models';

/** v2lite-tiny widened so that q, kv_a, o, the MLPs, the experts and the head have rows of 256 */
function wideConfig(): Record<string, unknown> {
  const cfg = JSON.parse(readFileSync(join(FIXTURES, 'v2lite-tiny', 'config.json'), 'utf8'));
  return { ...cfg, hidden_size: 256, intermediate_size: 256, moe_intermediate_size: 256, v_head_dim: 64 };
}

describe('GGUF K-quants kept as MatMulNBits blocks (Q4_K_M-style file)', function () {
  this.timeout(300_000);
  const dir = tempDir('gguf-kquants');
  const source = join(dir, 'wide-f32');
  const file = join(dir, 'wide-Q4_K_M.gguf');
  const decoded = join(dir, 'wide-Q4_K_M-as-f32.gguf');
  before(() => {
    writeRandomCheckpoint(source, wideConfig(), 'F32');
    writeDeepseek2Gguf(source, file, 'Q4_K_M');
    writeDeepseek2GgufDequantized(source, decoded, 'Q4_K_M');
  });

  it("readBlocks at int4: Q4_K at 4 bits with mins, Q6_K at 8 bits in blocks of 16, ggml's values", async () => {
    const ckpt = await GgufCheckpoint.open(file);
    const seen = { Q4_K: 0, Q6_K: 0 };
    for (const { name, shape } of expectedTensors(readConfig(source))) {
      if (shape.length !== 2) continue;
      const type = ckpt.tensors.get(ckpt.fileName(name).replace(/\[\d+\]$/, ''))?.type;
      const blocks = ckpt.readBlocks(name, 4);
      if (type !== 'Q4_K' && type !== 'Q6_K') {
        // F32 (the router, rows of no whole block) has none; the Q8_0 fallback of rows of no whole super-block has its own
        assert.equal(blocks?.bits, type === 'Q8_0' ? 8 : undefined, `${name} (${type})`);
        continue;
      }
      assert.ok(blocks, `${name} (${type}): no blocks`);
      seen[type]++;
      if (type === 'Q4_K') {
        assert.deepEqual([blocks.bits, blocks.blockSize, !!blocks.mins], [4, 32, true], name);
      } else {
        assert.deepEqual([blocks.bits, blocks.blockSize, !!blocks.mins], [8, 16, false], name);
      }
      const [N, K] = shape;
      // Q6_K bit for bit; Q4_K to float32 rounding (its min takes 8 * scale, the codes centred on 8)
      const values = ckpt.readF32(name);
      const tolerance = type === 'Q4_K' ? 1e-6 * maxAbsDiff(values, new Float32Array(values.length)) : 0;
      assert.ok(maxAbsDiff(dequantize(blocks, N, K), values) <= tolerance, name);
    }
    assert.ok(seen.Q4_K >= 10 && seen.Q6_K >= 5, JSON.stringify(seen));
  });

  it('loaded at int4: logits closer to the f32 run of the same values than the values quantized again', async () => {
    const tokens = Array.from({ length: 24 }, (_, i) => (i * 37 + 5) % 512);
    const run = async (f: string, p: WeightPrecision) => {
      const model = await loadModel(f, { threads: 1, cacheDir: testCacheDir(), precision: p });
      try {
        return await model.forward(tokens);
      } finally {
        await model.dispose();
      }
    };
    const ref = await run(decoded, 'f32');
    const scale = Math.max(...ref.logits.map((r) => maxAbsDiff(r, new Float32Array(r.length))));
    // the random router has near ties: a token routed elsewhere jumps, so the deviation is taken where every layer
    // picked ref's experts (as quantize.test.ts does)
    const measure = (r: typeof ref) => {
      const same = tokens
        .map((_, t) => t)
        .filter((t) => r.experts.every((layer, l) => layer[t].every((e) => ref.experts[l][t].includes(e))));
      return {
        deviation: Math.max(...same.map((t) => maxAbsDiff(r.logits[t], ref.logits[t]))),
        routed: same.length,
        argmax: r.logits.filter((row, t) => argmax(row) === argmax(ref.logits[t])).length / tokens.length,
      };
    };
    const direct = measure(await run(file, 'int4'));
    const again = measure(await run(decoded, 'int4'));
    const say = (m: ReturnType<typeof measure>) =>
      `max |diff| ${m.deviation.toFixed(3)} on ${m.routed}/${tokens.length} tokens routed alike, argmax ${(100 * m.argmax).toFixed(0)}%`;
    console.log(
      `      Q4_K_M at int4 vs its values at f32 (max |logit| ${scale.toFixed(1)}): file's blocks ${say(direct)}; quantized again ${say(again)}`,
    );
    // what is left with the file's blocks: int8 activations (accuracy_level 4), and kv_b quantized again at 4 bits
    // (rebuilt across its blocks). Measured: 0.78 of a largest logit of 10.3 (the embedding quantized again too: 1.49)
    assert.ok(direct.routed >= tokens.length / 2, `routing agrees on ${direct.routed} tokens only`);
    assert.ok(direct.deviation < 0.1 * scale, `${direct.deviation} of ${scale}`);
    assert.ok(direct.deviation < again.deviation, `${direct.deviation} >= ${again.deviation}`);
    assert.ok(direct.argmax >= again.argmax, `argmax agreement ${direct.argmax} < ${again.argmax}`);
  });
});

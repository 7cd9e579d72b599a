// Loading checkpoint variants: dtypes and shards give the same model, MTP layers are skipped, and every kind of bad
// checkpoint fails with one clear error naming the file, tensor or field.
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../../../engine/errors';
import { toBf16Bits } from '../../../../engine/checkpoint/safetensors-writer';
import { loadModel, validateModelDir } from '../../../../engine/runtime/load-model';
import { maxAbsDiff, readGolden, testCacheDir } from '../../../helpers/fixture-models';
import { copyFixture, writeVariant } from '../../../helpers/checkpoint-variants';

const bf16Round = (x: Float32Array) => new Float32Array(Uint32Array.from(toBf16Bits(x), (b) => b << 16).buffer);

describe('checkpoint loading', () => {
  const prompt = readGolden('v3-tiny').prompts[0].tokens;
  const opts = { threads: 1, cacheDir: testCacheDir() };

  it('a BF16 checkpoint in 3 shards with an index equals the F32 checkpoint of the same (rounded) weights', async () => {
    const sharded = writeVariant('v3-tiny', { dtype: 'BF16', shards: 3 });
    const rounded = writeVariant('v3-tiny', {
      tensors: (ts) => ts.map((t) => ({ ...t, data: () => bf16Round(t.data()) })),
    });
    const a = await loadModel(sharded, opts);
    const b = await loadModel(rounded, opts);
    const ra = await a.forward(prompt);
    const rb = await b.forward(prompt);
    assert.deepEqual(ra.experts, rb.experts);
    ra.logits.forEach((row, t) => assert.equal(maxAbsDiff(row, rb.logits[t]), 0));
    await a.dispose();
    await b.dispose();
  });

  it('skips MTP layers stored after num_hidden_layers', async () => {
    const mtp = writeVariant('v3-tiny', {
      config: { num_nextn_predict_layers: 1 },
      tensors: (ts) => [
        ...ts,
        ...ts
          .filter((t) => t.name.startsWith('model.layers.2.'))
          .map((t) => ({ ...t, name: t.name.replace('layers.2.', 'layers.3.') })),
        { name: 'model.layers.3.eh_proj.weight', shape: [64, 128], data: () => new Float32Array(64 * 128) },
      ],
    });
    const m = await loadModel(mtp, opts);
    const plain = await loadModel(copyFixture('v3-tiny'), opts);
    assert.equal(m.info.layers, 3);
    const [r1, r2] = [await m.forward(prompt), await plain.forward(prompt)];
    r1.logits.forEach((row, t) => assert.equal(maxAbsDiff(row, r2.logits[t]), 0));
    await m.dispose();
    await plain.dispose();
  });

  const broken: [string, () => string, RegExp][] = [
    [
      'a missing tensor',
      () =>
        writeVariant('v3-tiny', {
          tensors: (ts) => ts.filter((t) => t.name !== 'model.layers.1.mlp.experts.3.up_proj.weight'),
        }),
      /checkpoint has no tensor 'model\.layers\.1\.mlp\.experts\.3\.up_proj\.weight'/,
    ],
    [
      'a tensor of the wrong shape',
      () =>
        writeVariant('v3-tiny', {
          tensors: (ts) =>
            ts.map((t) => (t.name === 'model.layers.0.self_attn.o_proj.weight' ? { ...t, shape: [96, 64] } : t)),
        }),
      /model\.safetensors: tensor 'model\.layers\.0\.self_attn\.o_proj\.weight' has shape \[96,64\] but config\.json implies \[64,96\]/,
    ],
    [
      'a noaux_tc checkpoint without its correction bias',
      () => writeVariant('v3-tiny', { tensors: (ts) => ts.filter((t) => !t.name.endsWith('e_score_correction_bias')) }),
      /no tensor 'model\.layers\.1\.mlp\.gate\.e_score_correction_bias'/,
    ],
    [
      'an unknown model_type',
      () => writeVariant('v3-tiny', { config: { model_type: 'mixtral' } }),
      /config\.json: field 'model_type'/,
    ],
    [
      'a missing safetensors file',
      () => {
        const d = copyFixture('v3-tiny');
        rmSync(join(d, 'model.safetensors'));
        return d;
      },
      /no \*\.safetensors file/,
    ],
    [
      'a corrupt tokenizer.json',
      () => {
        const d = copyFixture('v3-tiny');
        writeFileSync(join(d, 'tokenizer.json'), '{"model": {"type": "BPE", "vocab": ');
        return d;
      },
      /tokenizer\.json: not valid JSON/,
    ],
    [
      'a corrupt config.json',
      () => {
        const d = copyFixture('v3-tiny');
        writeFileSync(join(d, 'config.json'), '{"model_type": ');
        return d;
      },
      /config\.json: not valid JSON/,
    ],
  ];
  for (const [what, make, msg] of broken) {
    it(`rejects ${what} with an EngineError naming it`, async () => {
      const dir = make();
      assert.throws(
        () => validateModelDir(dir),
        (e: unknown) => e instanceof EngineError && msg.test(e.message),
      );
      await assert.rejects(loadModel(dir, opts), (e: unknown) => e instanceof EngineError && msg.test(e.message));
    });
  }

  it('rejects a precision it cannot run', () => {
    const precision = 'fp8' as unknown as 'int4';
    assert.throws(
      () => validateModelDir(copyFixture('v3-tiny'), { precision }),
      /precision 'fp8' is not supported \(auto, f32, int8, int4 are\)/,
    );
  });
});

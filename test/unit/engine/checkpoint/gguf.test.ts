// GGUF files as checkpoints (engine/checkpoint/gguf.ts, gguf-config.ts): the fixtures converted by the benchmark's
// deepseek2 writer (bench/gguf/deepseek2.ts, llama.cpp's layout) read back as the folder they came from (the same
// ModelConfig, every tensor bit for bit at F32), the older attn_kv_b layout, and bad files as one EngineError each
// naming the file and the key or tensor.
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deepseek2Gguf } from '../../../../bench/gguf/deepseek2';
import { writeGguf, type GgufTensor, type MetaValue } from '../../../../bench/gguf/writer';
import { readConfig } from '../../../../engine/checkpoint/config';
import { GgufCheckpoint } from '../../../../engine/checkpoint/gguf';
import { ggufConfig } from '../../../../engine/checkpoint/gguf-config';
import { SafetensorsCheckpoint } from '../../../../engine/checkpoint/safetensors';
import { expectedTensors } from '../../../../engine/checkpoint/tensors';
import { EngineError } from '../../../../engine/errors';
import { validateModel } from '../../../../engine/runtime/load-model';
import { FIXTURE_NAMES, FIXTURES, tempDir } from '../../../helpers/fixture-models';
import { splitFixtureGguf } from '../../../helpers/model-stores';

/** The fixture as GGUF, with changes to its metadata and tensors before it is written. */
function writeFixture(
  file: string,
  name: string,
  change: { metadata?: Record<string, MetaValue>; tensors?: (t: GgufTensor[]) => GgufTensor[] } = {},
): string {
  const { metadata, tensors } = deepseek2Gguf(join(FIXTURES, name), 'F32');
  writeGguf(file, { ...metadata, ...change.metadata }, change.tensors ? change.tensors(tensors) : tensors);
  return file;
}

/** Rewrites one tensor info field in place: the ggml type (`type`) or the data offset (`offset`, in bytes). */
function patchTensorInfo(file: string, tensor: string, field: 'type' | 'offset', f: (v: number) => number): void {
  const bytes = readFileSync(file);
  const nameBytes = Buffer.from(tensor, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(nameBytes.length));
  const at = bytes.indexOf(Buffer.concat([len, nameBytes]));
  assert.ok(at > 0, `no tensor info for ${tensor}`);
  const dims = bytes.readUInt32LE(at + 8 + nameBytes.length);
  const typeAt = at + 8 + nameBytes.length + 4 + 8 * dims;
  if (field === 'type') bytes.writeUInt32LE(f(bytes.readUInt32LE(typeAt)), typeAt);
  else bytes.writeBigUInt64LE(BigInt(f(Number(bytes.readBigUInt64LE(typeAt + 4)))), typeAt + 4);
  writeFileSync(file, bytes);
}

async function rejects(file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(validateModel(file), (e: unknown) => {
    assert.ok(e instanceof EngineError, String(e));
    assert.ok(e.message.startsWith(file), e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('GGUF checkpoints (engine/checkpoint/gguf.ts)', () => {
  const dir = tempDir('gguf');

  for (const name of FIXTURE_NAMES) {
    it(`${name} as an F32 GGUF: the folder's ModelConfig, and every tensor bit for bit under its HF name`, async () => {
      const file = writeFixture(join(dir, `${name}.gguf`), name);
      const gguf = await GgufCheckpoint.open(file);
      const cfg = ggufConfig(file, gguf.metadata, new Set(gguf.tensors.keys()));
      assert.deepEqual(cfg, readConfig(join(FIXTURES, name)));
      const folder = new SafetensorsCheckpoint(join(FIXTURES, name));
      for (const t of expectedTensors(cfg)) {
        assert.deepEqual(gguf.shape(t.name), t.shape, t.name);
        assert.deepEqual(gguf.readF32(t.name), folder.readF32(t.name), t.name);
      }
      const { info } = await validateModel(file);
      assert.equal(info.path, file);
      assert.equal(info.hasTokenizer, false);
    });
  }

  it('the layout before absorbed MLA (attn_kv_b, key_length = qk_nope + qk_rope) gives the same model', async () => {
    const ckpt = new SafetensorsCheckpoint(join(FIXTURES, 'v3-tiny'));
    const cfg = readConfig(join(FIXTURES, 'v3-tiny'));
    const { metadata, tensors } = deepseek2Gguf(join(FIXTURES, 'v3-tiny'), 'F32');
    delete metadata['deepseek2.attention.key_length_mla'];
    delete metadata['deepseek2.attention.value_length_mla'];
    const kvB = (l: number): GgufTensor => {
      const hf = `model.layers.${l}.self_attn.kv_b_proj.weight`;
      return { name: `blk.${l}.attn_kv_b.weight`, shape: ckpt.shape(hf), type: 'F32', data: () => ckpt.readF32(hf) };
    };
    const file = join(dir, 'kv-b.gguf');
    writeGguf(
      file,
      {
        ...metadata,
        'deepseek2.attention.head_count_kv': { u32: cfg.num_attention_heads },
        'deepseek2.attention.key_length': { u32: cfg.qk_nope_head_dim + cfg.qk_rope_head_dim },
        'deepseek2.attention.value_length': { u32: cfg.v_head_dim },
      },
      [
        ...tensors.filter((t) => !/attn_(k|v)_b/.test(t.name)),
        ...Array.from({ length: cfg.num_hidden_layers }, (_, l) => kvB(l)),
      ],
    );
    const gguf = await GgufCheckpoint.open(file);
    assert.deepEqual(ggufConfig(file, gguf.metadata, new Set(gguf.tensors.keys())), cfg);
    assert.ok(gguf.tensors.has('blk.0.attn_kv_b.weight') && !gguf.tensors.has('blk.0.attn_k_b.weight'));
    for (let l = 0; l < cfg.num_hidden_layers; l++) {
      const hf = `model.layers.${l}.self_attn.kv_b_proj.weight`;
      assert.deepEqual(gguf.readF32(hf), ckpt.readF32(hf));
    }
  });

  it('a model split by llama-gguf-split (any shard named) reads as one; a missing shard is named', async () => {
    const shards = splitFixtureGguf(join(dir, 'split'), 'v3-tiny');
    const folder = new SafetensorsCheckpoint(join(FIXTURES, 'v3-tiny'));
    const cfg = readConfig(join(FIXTURES, 'v3-tiny'));
    const gguf = await GgufCheckpoint.open(shards[1]);
    assert.deepEqual(gguf.files, shards);
    assert.deepEqual(ggufConfig(shards[1], gguf.metadata, new Set(gguf.tensors.keys())), cfg);
    for (const t of expectedTensors(cfg)) assert.deepEqual(gguf.readF32(t.name), folder.readF32(t.name), t.name);
    assert.equal(gguf.locate('lm_head.weight'), `${shards[1]}: tensor 'output.weight'`);
    await validateModel(shards[0]);
    rmSync(shards[1]);
    await assert.rejects(
      GgufCheckpoint.open(shards[0]),
      (e: unknown) =>
        e instanceof EngineError && e.message.startsWith(`${shards[1]}: missing: shard of the split model`),
    );
  });

  describe('bad files: one EngineError naming the file and the key or tensor', () => {
    it('an architecture other than deepseek2 is named', async () => {
      await rejects(
        writeFixture(join(dir, 'llama.gguf'), 'v3-tiny', { metadata: { 'general.architecture': { str: 'llama' } } }),
        /metadata 'general\.architecture' is "llama"/,
      );
    });

    it('a tensor type the engine does not read (Q2_K) is named with the tensor', async () => {
      const file = writeFixture(join(dir, 'q2k.gguf'), 'v3-tiny');
      patchTensorInfo(file, 'blk.0.attn_q_a.weight', 'type', () => 10);
      await rejects(file, /tensor 'blk\.0\.attn_q_a\.weight' has ggml type 10, which the engine does not read/);
    });

    it('data off the alignment', async () => {
      const file = writeFixture(join(dir, 'misaligned.gguf'), 'v3-tiny');
      patchTensorInfo(file, 'output.weight', 'offset', (o) => o + 4);
      await rejects(
        file,
        /tensor 'output\.weight' data is misaligned: offset \d+ is not a multiple of general\.alignment 32/,
      );
    });

    it('two tensors over the same bytes', async () => {
      const file = writeFixture(join(dir, 'overlap.gguf'), 'v3-tiny');
      patchTensorInfo(file, 'output.weight', 'offset', () => 0);
      await rejects(file, /tensors '[^']+' and '[^']+' overlap in the file/);
    });

    it('a truncated file: in the data, and in the header', async () => {
      const file = writeFixture(join(dir, 'truncated.gguf'), 'v3-tiny');
      const size = readFileSync(file).length;
      truncateSync(file, size - 100);
      await rejects(file, /truncated: tensor 'output\.weight' ends at byte \d+ but the file has \d+ bytes/);
      truncateSync(file, 200);
      await rejects(
        file,
        /truncated: the GGUF header ends at byte \d+ but the file has 200 bytes|not a readable GGUF file/,
      );
    });

    it('metadata that contradicts the tensors: the tensor, its shape and what the metadata implies', async () => {
      const file = writeFixture(join(dir, 'hidden.gguf'), 'v3-tiny', {
        metadata: { 'deepseek2.embedding_length': { u32: 48 } },
      });
      await rejects(file, /tensor 'token_embd\.weight' has shape \[512,64\] but the GGUF metadata implies \[512,48\]/);
    });

    it('a bad value is named by its GGUF key; a missing tensor by its GGUF name', async () => {
      await rejects(
        writeFixture(join(dir, 'used.gguf'), 'v3-tiny', { metadata: { 'deepseek2.expert_used_count': { u32: 99 } } }),
        /metadata 'deepseek2\.expert_used_count' exceeds n_routed_experts/,
      );
      await rejects(
        writeFixture(join(dir, 'gating.gguf'), 'v3-tiny', { metadata: { 'deepseek2.expert_gating_func': { u32: 7 } } }),
        /metadata 'deepseek2\.expert_gating_func' is 7/,
      );
      const noHead = writeFixture(join(dir, 'no-q.gguf'), 'v3-tiny', {
        tensors: (ts) => ts.filter((t) => t.name !== 'blk.1.attn_q_b.weight'),
      });
      await rejects(noHead, /no tensor 'blk\.1\.attn_q_b\.weight' \(required by the GGUF metadata\)/);
    });
  });
});

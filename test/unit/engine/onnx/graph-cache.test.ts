// Graphs are built once per checkpoint and reused from disk; routed experts live in their own memory-mapped files, so
// only the experts a request selected become resident.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { EngineError } from '../../../../engine/errors';
import { tempDir } from '../../../helpers/fixture-models';
import { join } from 'node:path';
import { loadModel } from '../../../../engine/runtime/load-model';
import { copyFixture } from '../../../helpers/checkpoint-variants';

describe('graph cache', () => {
  it('builds the graphs once and reuses them on the next load, also after the file is touched', async () => {
    const cacheDir = tempDir('cache');
    const ckpt = copyFixture('v2lite-tiny');
    const a = await loadModel(ckpt, { threads: 1, cacheDir });
    const logitsA = (await a.forward([0, 5, 9])).logits;
    await a.dispose();
    const [built] = readdirSync(cacheDir);
    const manifest = join(cacheDir, built, 'manifest.json');
    const stamp = statSync(manifest).mtimeMs;
    const b = await loadModel(ckpt, { threads: 1, cacheDir });
    assert.deepEqual((await b.forward([0, 5, 9])).logits, logitsA);
    await b.dispose();
    assert.deepEqual(readdirSync(cacheDir), [built]);
    assert.equal(statSync(manifest).mtimeMs, stamp);
    // a touched file with the same bytes is the same checkpoint
    const later = new Date(Date.now() + 5000);
    utimesSync(join(ckpt, 'model.safetensors'), later, later);
    const c = await loadModel(ckpt, { threads: 1, cacheDir });
    await c.dispose();
    assert.deepEqual(readdirSync(cacheDir), [built]);
  });

  it('is keyed on content: other weights with the same name, size and mtime get their own graphs', async () => {
    const cacheDir = tempDir('cache');
    const ckpt = copyFixture('v2lite-tiny');
    const file = join(ckpt, 'model.safetensors');
    const stamp = 1_700_000_000; // whole seconds, so the restored mtime is exactly the same
    utimesSync(file, stamp, stamp);
    const a = await loadModel(ckpt, { threads: 1, cacheDir });
    const before = (await a.forward([0, 5, 9])).logits;
    await a.dispose();
    const { mtimeMs, size } = statSync(file);
    const bytes = readFileSync(file);
    // flip one weight's sign bit in the last bytes of data (little-endian: the high byte of the last float32/bf16)
    bytes[bytes.length - 1] ^= 0x80;
    writeFileSync(file, bytes);
    utimesSync(file, stamp, stamp);
    assert.equal(statSync(file).size, size);
    assert.equal(statSync(file).mtimeMs, mtimeMs);
    const b = await loadModel(ckpt, { threads: 1, cacheDir });
    const after = (await b.forward([0, 5, 9])).logits;
    await b.dispose();
    assert.equal(readdirSync(cacheDir).length, 2, 'a second build for the changed weights');
    assert.notDeepEqual(after, before);
  });

  it('is private to the user: folders 0700, files 0600', async () => {
    const cacheDir = join(tempDir('cache'), 'graphs');
    const m = await loadModel(copyFixture('v3-tiny'), { threads: 1, cacheDir });
    await m.dispose();
    assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
    const [built] = readdirSync(cacheDir);
    assert.equal(statSync(join(cacheDir, built)).mode & 0o777, 0o700);
    for (const f of readdirSync(join(cacheDir, built)))
      assert.equal(statSync(join(cacheDir, built, f)).mode & 0o777, 0o600, f);
  });

  it('keeps routed experts in their own files: nothing resident before a request, part of them after one token', async () => {
    const cacheDir = tempDir('cache');
    const m = await loadModel(copyFixture('v3-tiny'), { threads: 1, cacheDir });
    const [built] = readdirSync(cacheDir);
    const routedFiles = readdirSync(join(cacheDir, built)).filter((f) => /\.routed-experts-g\d+\.bin$/.test(f));
    assert.equal(routedFiles.length, 2 * 16, 'one file per expert');
    const total = routedFiles.reduce((n, f) => n + statSync(join(cacheDir, built, f)).size, 0);
    assert.equal(m.residentExpertBytes(), 0);
    await m.forward([7]);
    const resident = m.residentExpertBytes();
    // one token selects 4 of 16 experts in each of the 2 MoE layers
    assert.ok(resident > 0, 'selected experts are paged in');
    assert.ok(resident < total / 2, `resident ${resident} of ${total}`);
    await m.dispose();
  });

  it('rebuilds a damaged cache, and names the folder it cannot write', async () => {
    const cacheDir = tempDir('cache');
    const ckpt = copyFixture('v2lite-tiny');
    const a = await loadModel(ckpt, { threads: 1, cacheDir });
    const want = (await a.forward([0, 5, 9])).logits;
    await a.dispose();
    const [built] = readdirSync(cacheDir);
    rmSync(join(cacheDir, built, 'layer1.routed-experts-g3.bin'));
    const b = await loadModel(ckpt, { threads: 1, cacheDir });
    assert.deepEqual((await b.forward([0, 5, 9])).logits, want);
    await b.dispose();
    const notADir = join(ckpt, 'config.json', 'graphs');
    await assert.rejects(
      loadModel(ckpt, { threads: 1, cacheDir: notADir }),
      (e: unknown) => e instanceof EngineError && /cannot build the graphs in .*config\.json\/graphs/.test(e.message),
    );
  });
});

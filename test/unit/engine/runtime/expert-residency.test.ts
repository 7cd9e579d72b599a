// Only selected experts become resident, at every precision: routed-expert groups are opened when routing first
// selects one of their experts (with the real onnxruntime, resident bytes read from the OS), a memory budget closes
// the least recently used, and neither changes a logit.
import * as assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../../../engine/errors';
import type { WeightPrecision } from '../../../../engine/protocol';
import { loadModel } from '../../../../engine/runtime/load-model';
import { copyFixture } from '../../../helpers/checkpoint-variants';
import { tempDir } from '../../../helpers/fixture-models';

const PROMPT = [7, 3, 11, 5, 2, 9, 13, 1];
const routedFiles = (cacheDir: string) => {
  const [built] = readdirSync(cacheDir);
  return readdirSync(join(cacheDir, built))
    .filter((f) => /\.routed-experts-g\d+\.bin$/.test(f))
    .map((f) => join(cacheDir, built, f));
};
const bytesOf = (files: string[]) => files.reduce((n, f) => n + statSync(f).size, 0);

/** Per MoE layer, the experts any token of a forward selected. */
function selected(experts: number[][][]): Set<number>[] {
  return experts.map((layer) => new Set(layer.flat()));
}

describe('routed-expert residency', () => {
  for (const precision of ['int8', 'int4'] as WeightPrecision[]) {
    it(`${precision}: nothing resident after load, then only the groups of the experts routing selected`, async () => {
      const cacheDir = tempDir('cache');
      const m = await loadModel(copyFixture('v3-tiny'), { threads: 1, cacheDir, precision });
      const total = bytesOf(routedFiles(cacheDir));
      assert.equal(m.residentExpertBytes(), 0);
      assert.deepEqual(m.experts.openGroups(), []);

      const one = await m.forward([7]);
      const afterOne = m.residentExpertBytes();
      // one token picks 4 of 16 experts in each of the 2 MoE layers: 8 of 32 one-expert groups
      const want = selected(one.experts);
      assert.deepEqual(
        m.experts
          .openGroups()
          .map((g) => `${g.layer}/${g.group}`)
          .sort(),
        want
          .flatMap((s, i) => [...s].map((e) => `${i + 1}/${e}`)) // MoE layer i is model layer i + 1
          .sort(),
      );
      assert.ok(afterOne > 0, 'the selected experts are resident');
      assert.ok(afterOne < total / 2, `resident ${afterOne} of ${total} after one token`);

      // more tokens: resident grows by exactly the newly selected experts, nothing else
      const more = await m.forward(PROMPT);
      const union = selected(one.experts).map((s, i) => new Set([...s, ...selected(more.experts)[i]]));
      const openCount = union.reduce((n, s) => n + s.size, 0);
      assert.equal(m.experts.openGroups().length, openCount);
      assert.ok(m.residentExpertBytes() >= afterOne);
      const perExpert = total / 32;
      // quantized groups count what opening them added to RSS, at least their file's bytes
      assert.ok(m.residentExpertBytes() >= openCount * perExpert);
      await m.dispose();
    });

    it(`${precision}: logits are bit-identical to one session over all of a layer's experts`, async () => {
      const ckpt = copyFixture('v3-tiny');
      const eager = await loadModel(ckpt, { threads: 1, cacheDir: tempDir('cache'), precision, expertsPerGroup: 16 });
      const want = await eager.forward(PROMPT);
      const wantDecode = await eager.forward(PROMPT.slice(0, 4), { decode: true });
      assert.equal(eager.experts.openGroups().length, 2, 'one group per layer: all experts at once');
      await eager.dispose();
      const lazy = await loadModel(ckpt, { threads: 1, cacheDir: tempDir('cache'), precision });
      assert.deepEqual((await lazy.forward(PROMPT)).logits, want.logits);
      assert.deepEqual((await lazy.forward(PROMPT.slice(0, 4), { decode: true })).logits, wantDecode.logits);
      await lazy.dispose();
    });
  }

  it('f32: the open groups are mapped and paged in on touch, read from /proc/self/smaps', async () => {
    const cacheDir = tempDir('cache');
    const m = await loadModel(copyFixture('v3-tiny'), { threads: 1, cacheDir });
    const total = bytesOf(routedFiles(cacheDir));
    assert.equal(m.residentExpertBytes(), 0);
    await m.forward([7]);
    assert.equal(m.experts.openGroups().length, 8);
    const resident = m.residentExpertBytes();
    assert.ok(resident > 0 && resident <= (total * 8) / 32, `resident ${resident} of ${total}`);
    await m.dispose();
  });

  it('a budget closes the least recently used groups, keeps the held bytes within it, and changes no logit', async () => {
    const ckpt = copyFixture('v3-tiny');
    const free = await loadModel(ckpt, { threads: 1, cacheDir: tempDir('cache'), precision: 'int4' });
    const want = await free.forward(PROMPT, { decode: true });
    const opened = free.experts.openGroups().length;
    await free.dispose();

    const cacheDir = tempDir('cache');
    const probe = await loadModel(ckpt, { threads: 1, cacheDir, precision: 'int4' });
    await probe.dispose();
    const [built] = readdirSync(cacheDir);
    const dir = join(cacheDir, built);
    const all = readdirSync(dir).filter((f) => f.endsWith('.bin'));
    const routed = routedFiles(cacheDir);
    const dense = bytesOf(all.map((f) => join(dir, f))) - bytesOf(routed);
    const group = statSync(routed[0]).size;
    // room for 3 of the 32 groups: each token's 8 cannot all stay
    const m = await loadModel(ckpt, { threads: 1, cacheDir, precision: 'int4', memoryBudgetBytes: dense + 3 * group });
    assert.equal(m.memoryBudgetBytes(), dense + 3 * group);
    assert.equal(m.experts.budgetBytes(), 3 * group);
    const got = await m.forward(PROMPT, { decode: true });
    assert.deepEqual(got.logits, want.logits);
    assert.deepEqual(got.experts, want.experts);
    assert.ok(m.experts.openGroups().length <= 3);
    assert.ok(m.experts.heldBytesNow() <= 3 * group * 2, 'within the budget but for the measured prepack overhead');
    assert.ok(m.experts.evictionCount() >= opened - 3, `${m.experts.evictionCount()} evictions`);
    await m.dispose();
  });

  it('a budget smaller than the dense part and one group is one clear error naming the sizes', async () => {
    await assert.rejects(
      loadModel(copyFixture('v3-tiny'), { threads: 1, cacheDir: tempDir('cache'), memoryBudgetBytes: 100_000 }),
      (e: unknown) =>
        e instanceof EngineError &&
        /^memory budget 97\.7 KiB is too small for \S+: its dense part .* alone takes [\d.]+ [KMG]iB, and one routed-expert group [\d.]+ [KMG]iB more; set switchyard\.engine\.memoryBudget \(or --memory-budget\) to at least \d+ MiB$/.test(
          e.message,
        ),
    );
  });
});

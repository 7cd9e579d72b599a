// The worker threads that quantize checkpoint matrices ahead of the graph build (engine/onnx/quantize-pool.ts): the
// graphs they help build are byte for byte the ones the main thread builds alone, a job that fails leaves the pool
// working, and a closed pool refuses jobs instead of leaving them pending.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readConfig } from '../../../../engine/checkpoint/config';
import { SafetensorsCheckpoint } from '../../../../engine/checkpoint/safetensors';
import { writeSafetensors } from '../../../../engine/checkpoint/safetensors-writer';
import { ensureGraphs } from '../../../../engine/model/graphs';
import { softmaxScale } from '../../../../engine/model/rope';
import { QuantizePool } from '../../../../engine/onnx/quantize-pool';
import { quantizeRows } from '../../../../engine/onnx/quantize-rows';
import { FIXTURES, tempDir } from '../../../helpers/fixture-models';

/** Every file of a graph folder but the manifest (which records when it was built) and the lease files. */
function graphBytes(dir: string): Map<string, Buffer> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.onnx') || f.endsWith('.bin'));
  return new Map(files.sort().map((f) => [f, readFileSync(join(dir, f))]));
}

describe('quantize pool (worker threads for the first load)', () => {
  it('builds the same int4 and int8 graphs with 2 workers as with none', async () => {
    const dir = join(FIXTURES, 'v2lite-tiny');
    const cfg = readConfig(dir);
    const ckpt = new SafetensorsCheckpoint(dir);
    for (const precision of ['int4', 'int8'] as const) {
      const built: Map<string, Buffer>[] = [];
      for (const workers of [0, 2]) {
        const jobs = QuantizePool.completedJobs;
        const g = await ensureGraphs(
          cfg,
          ckpt,
          softmaxScale(cfg),
          tempDir('pool'),
          precision,
          undefined,
          {},
          1,
          workers,
        );
        built.push(graphBytes(g.dir));
        g.release();
        const ran = QuantizePool.completedJobs - jobs;
        // every routed expert's gate, up and down (2 MoE layers of 8) and more went through the workers, or none did
        assert.ok(workers === 0 ? ran === 0 : ran >= 2 * 8 * 3, `${precision}, ${workers} workers: ${ran} jobs`);
      }
      assert.deepEqual([...built[1].keys()], [...built[0].keys()]);
      assert.ok(built[0].size > 10, `${built[0].size} files`);
      for (const [f, bytes] of built[0]) assert.ok(bytes.equals(built[1].get(f) as Buffer), `${precision}: ${f}`);
    }
  });

  it('answers each job with quantizeRows’s blocks, survives a failed job, and refuses jobs once closed', async () => {
    const file = join(tempDir('pool'), 'm.safetensors');
    const w = Float32Array.from({ length: 8 * 64 }, (_, i) => Math.sin(i * 0.37));
    writeSafetensors(file, [{ name: 'w', shape: [8, 64], data: () => w }], 'BF16');
    const t = new SafetensorsCheckpoint(join(file, '..')).info('w');
    const opened = QuantizePool.open(2);
    assert.ok(opened, 'the worker file is there');
    const pool: QuantizePool = opened;
    try {
      const job = {
        file: t.file,
        offset: t.offset,
        byteLength: t.byteLength,
        dtype: t.dtype,
        N: 8,
        K: 64,
        bits: 4 as const,
      };
      await assert.rejects(pool.run({ ...job, file: join(file, '..', 'missing.safetensors') }), /ENOENT/);
      const want = quantizeRows(new SafetensorsCheckpoint(join(file, '..')).readStored('w'), 8, 64, 4);
      for (let i = 0; i < 3; i++) {
        const got = await pool.run(job);
        assert.deepEqual(Buffer.from(got.packed), Buffer.from(want.packed));
        assert.deepEqual(got.scales, want.scales);
      }
      await pool.close();
      await assert.rejects(pool.run(job), /closed/);
    } finally {
      await pool.close();
    }
  });

  it('opens no pool for fewer than 2 workers (the build quantizes on its own thread)', () => {
    assert.equal(QuantizePool.open(1), undefined);
    assert.equal(QuantizePool.open(0), undefined);
  });
});

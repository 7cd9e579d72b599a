// The graph cache as the extension sees it: two real engine processes sharing one cache (the running one's model is
// kept by the other's clear, and goes once that engine has stopped), the limit from the launch config reaching the
// engine, and the texts of Clear Model Cache and Select Model.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  CacheClearRequest,
  CacheInfoRequest,
  type GraphCacheEntry,
  type GraphCacheInfo,
} from '../../../../engine/protocol';
import { cacheSummary, clearQuestion, clearReport } from '../../../../src/engine/graph-cache-text';
import { EngineLaunchConfig, EngineSupervisor } from '../../../../src/engine/supervisor';
import { tempDir } from '../../../helpers/fixture-models';
import { fixtureWithMadeUpTokenizer } from '../../../helpers/made-up-tokenizer';

const ROOT = join(__dirname, '../../../..');
const GiB = 2 ** 30;

describe('graph cache from the extension (real engine subprocesses sharing a cache)', function () {
  this.timeout(120_000);
  const supervisors: EngineSupervisor[] = [];
  after(() => Promise.all(supervisors.map((s) => s.dispose())));
  const cacheHome = tempDir('shared-cache');
  const supervisor = (extra: Partial<EngineLaunchConfig> = {}) => {
    const s = new EngineSupervisor(() => ({
      spawn: {
        enginePath: join(ROOT, 'engine/main.ts'),
        env: { NODE_OPTIONS: '--import tsx', XDG_CACHE_HOME: cacheHome },
        cwd: ROOT,
        onStderrLine: () => undefined,
      },
      modelPath: fixtureWithMadeUpTokenizer(),
      threads: 1,
      ...extra,
    }));
    supervisors.push(s);
    return s;
  };

  it('keeps the model another engine has loaded, and removes it once that engine stopped; the limit reaches the engine', async () => {
    const running = supervisor();
    await running.start();
    const idle = supervisor({ graphCacheLimitBytes: 3 * GiB });
    const info = await idle.requestWithoutModel(CacheInfoRequest);
    assert.equal(info.root, join(cacheHome, 'switchyard', 'graphs'));
    assert.equal(info.limitBytes, 3 * GiB, 'sent with initialize');
    assert.equal(info.entries.length, 1);
    assert.deepEqual(info.entries[0].inUseBy, [running.pid]);
    assert.equal(idle.state, 'stopped', 'a short-lived engine answered: no model was loaded for it');

    const kept = await idle.requestWithoutModel(CacheClearRequest);
    assert.deepEqual(kept.removed, []);
    assert.deepEqual(
      kept.kept.map((k) => k.reason),
      ['in-use'],
    );
    assert.equal(
      (await running.requestWithoutModel(CacheInfoRequest)).entries.length,
      1,
      'the running engine answers too',
    );

    await running.dispose();
    const cleared = await idle.requestWithoutModel(CacheClearRequest);
    assert.equal(cleared.removed.length, 1);
    assert.equal(cleared.freedBytes, info.entries[0].bytes);
    assert.deepEqual((await idle.requestWithoutModel(CacheInfoRequest)).entries, []);
  });
});

describe('graph cache texts', () => {
  const entry = (name: string, bytes: number, inUseBy: number[] = []): GraphCacheEntry => ({
    name: `${name}-f32-0123456789abcdef`,
    checkpoint: `/models/${name}`,
    precision: 'int8',
    bytes,
    lastUsed: '2026-12-01T00:00:00.000Z',
    inUseBy,
  });
  const info = (entries: GraphCacheEntry[]): GraphCacheInfo => ({
    root: '/home/u/.cache/switchyard/graphs',
    totalBytes: entries.reduce((n, e) => n + e.bytes, 0),
    limitBytes: 32 * GiB,
    entries,
  });

  it('shows the size where a model is chosen', () => {
    assert.equal(cacheSummary(info([])), 'empty, limit 32.0 GiB');
    assert.equal(
      cacheSummary(info([entry('coder', 11 * GiB), entry('small', GiB / 2)])),
      '11.5 GiB in 2 models, limit 32.0 GiB',
    );
  });

  it('asks with the size to be freed, naming what stays because it is in use', () => {
    const q = clearQuestion(info([entry('coder', 11 * GiB), entry('small', GiB / 2, [4242])]));
    assert.ok(!('nothing' in q));
    assert.equal(q.message, 'Clear the model cache? This frees 11.0 GiB (1 model).');
    assert.equal(q.freeBytes, 11 * GiB);
    assert.match(q.detail, /Removed from \/home\/u\/\.cache\/switchyard\/graphs: coder \(int8\), 11\.0 GiB\./);
    assert.match(q.detail, /512 MiB in use by a running engine is kept: small \(int8\)\./);
    assert.deepEqual(clearQuestion(info([])), {
      nothing: 'The model cache (/home/u/.cache/switchyard/graphs) is empty.',
    });
    assert.deepEqual(clearQuestion(info([entry('small', GiB, [1])])), {
      nothing: 'Nothing to clear: 1.0 GiB in use by a running engine is kept: small (int8).',
    });
  });

  it('reports what was freed and what was kept and why', () => {
    const r = clearReport({
      root: '/c',
      removed: [entry('coder', 11 * GiB)],
      kept: [
        { entry: entry('small', GiB, [77]), reason: 'in-use' },
        { entry: entry('odd', 10), reason: 'failed', message: 'EACCES: permission denied' },
      ],
      freedBytes: 11 * GiB,
    });
    assert.equal(
      r.text,
      'Model cache: freed 11.0 GiB (1 model removed); kept small (int8) (1.0 GiB): in use by engine pid 77; kept odd (int8) (10 B): could not be removed: EACCES: permission denied.',
    );
    assert.equal(r.warn, true);
  });
});

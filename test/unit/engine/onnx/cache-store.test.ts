// The graph cache stays under its limit: least recently used folders go first, never one a live engine has loaded or
// the one just built; leases and half-built folders of dead processes do not count; a limit is written with units.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { liveLeases, touchLastUsed } from '../../../../engine/onnx/cache-lease';
import { formatBytes, parseByteSize } from '../../../../engine/byte-size';
import { clampCacheLimit, DEFAULT_GRAPH_CACHE_LIMIT } from '../../../../engine/onnx/cache-limit';
import { cacheInfo, clearCache, listCache, trimCache } from '../../../../engine/onnx/cache-store';
import { ensureCached } from '../../../../engine/onnx/graph-cache';
import { tempDir } from '../../../helpers/fixture-models';

const KEY = '0123456789abcdef';
const MB = 1_000_000;

/** A complete cache folder holding `bytes` of data, last used `minutesAgo`. */
function entry(root: string, name: string, bytes: number, minutesAgo: number): string {
  const dir = join(root, `${name}-${KEY}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ checkpoint: `/models/${name}`, precision: 'int8' }));
  writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(bytes));
  touchLastUsed(dir, new Date(Date.now() - minutesAgo * 60_000));
  return dir;
}

function lease(dir: string, pid: number, host = hostname(), since = new Date()): void {
  writeFileSync(join(dir, `lease-${pid}`), JSON.stringify({ pid, host, since: since.toISOString() }));
}

/** A pid that ran and has exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid;
  assert.ok(pid);
  return pid;
}

let sleeper: ChildProcess | undefined;
/** Another live process on this machine (a second engine sharing the cache). */
function otherEnginePid(): number {
  sleeper ??= spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
  assert.ok(sleeper.pid);
  return sleeper.pid;
}
after(() => sleeper?.kill());

describe('graph cache limit and eviction', () => {
  it('lists entries most recently used first, with checkpoint, precision, size and last use', () => {
    const root = tempDir('lru');
    entry(root, 'old', 1 * MB, 30);
    entry(root, 'new', 2 * MB, 1);
    entry(root, 'mid', 3 * MB, 10);
    const info = cacheInfo(root, 10 * MB);
    assert.deepEqual(
      info.entries.map((e) => e.name),
      [`new-${KEY}`, `mid-${KEY}`, `old-${KEY}`],
    );
    assert.equal(
      info.totalBytes,
      info.entries.reduce((n, e) => n + e.bytes, 0),
    );
    assert.ok(info.totalBytes >= 6 * MB);
    const newest = info.entries[0];
    assert.equal(newest.checkpoint, '/models/new');
    assert.equal(newest.precision, 'int8');
    assert.deepEqual(newest.inUseBy, []);
    assert.ok(Math.abs(Date.parse(newest.lastUsed) - (Date.now() - 60_000)) < 5000);
  });

  it('evicts the least recently used folders until the total is under the limit, never the one just loaded', () => {
    const root = tempDir('lru');
    entry(root, 'a', 4 * MB, 40);
    entry(root, 'b', 4 * MB, 30);
    entry(root, 'c', 4 * MB, 20);
    const justBuilt = entry(root, 'oldest-but-loaded', 4 * MB, 50);
    const r = trimCache(root, 9 * MB, justBuilt);
    assert.deepEqual(
      r.removed.map((e) => e.name),
      [`a-${KEY}`, `b-${KEY}`],
    );
    assert.deepEqual(readdirSync(root).sort(), [`c-${KEY}`, `oldest-but-loaded-${KEY}`]);
    assert.ok(r.totalBytes <= 9 * MB);
    assert.deepEqual(r.overBy, []);
    // under the limit: nothing more goes
    assert.deepEqual(trimCache(root, 9 * MB, justBuilt).removed, []);
  });

  it('keeps folders a live engine has loaded, and ignores leases of dead processes', () => {
    const root = tempDir('lease');
    const held = entry(root, 'held', 4 * MB, 40);
    const stale = entry(root, 'stale', 4 * MB, 30);
    const remote = entry(root, 'remote', 4 * MB, 35);
    const current = entry(root, 'current', 4 * MB, 1);
    const other = otherEnginePid();
    lease(held, other);
    lease(stale, deadPid());
    lease(remote, deadPid(), 'another-machine');
    assert.deepEqual(liveLeases(held), [other]);
    assert.deepEqual(liveLeases(stale), []);
    if (process.platform === 'linux') {
      // a dead engine's pid taken by a newer process: the lease is older than the process, so it is stale too
      const reused = entry(root, 'reused', 10, 45);
      lease(reused, other, hostname(), new Date(Date.now() - 3600_000));
      assert.deepEqual(liveLeases(reused), []);
      lease(reused, process.pid, hostname(), new Date(Date.now() - 3600_000 * 24 * 365 * 30));
      assert.deepEqual(liveLeases(reused), []);
      rmSync(reused, { recursive: true });
    }
    assert.equal(liveLeases(remote).length, 1, 'a lease from another machine cannot be checked: it counts');
    const r = trimCache(root, 0, current);
    assert.deepEqual(
      r.removed.map((e) => e.name),
      [`stale-${KEY}`],
    );
    assert.deepEqual(r.overBy.map((e) => e.name).sort(), [`current-${KEY}`, `held-${KEY}`, `remote-${KEY}`]);
  });

  it('removes half-built folders of dead processes, keeps those of live ones and folders that are not its own', () => {
    const root = tempDir('tmp');
    const dead = join(root, `m-f32-${KEY}.tmp-${deadPid()}`);
    const evicting = join(root, `m-f32-${KEY}.evict-${deadPid()}`);
    const building = join(root, `m-f32-${KEY}.tmp-${otherEnginePid()}`);
    const foreign = join(root, 'my-notes');
    for (const d of [dead, evicting, building, foreign]) {
      mkdirSync(d);
      writeFileSync(join(d, 'x.bin'), Buffer.alloc(1000));
    }
    const keep = entry(root, 'kept', 10, 0);
    trimCache(root, 1 * MB, keep);
    assert.ok(!existsSync(dead) && !existsSync(evicting));
    assert.ok(existsSync(building) && existsSync(foreign) && existsSync(keep));
    assert.deepEqual(
      listCache(root).map((e) => e.name),
      [`kept-${KEY}`],
      'half-built and foreign folders are not entries',
    );
  });

  it('clear removes every entry no live engine holds and says what it kept and why', () => {
    const root = tempDir('clear');
    entry(root, 'a', 2 * MB, 10);
    const held = entry(root, 'b', 3 * MB, 5);
    lease(held, otherEnginePid());
    const dead = join(root, `c-f32-${KEY}.tmp-${deadPid()}`);
    mkdirSync(dead);
    writeFileSync(join(dead, 'x.bin'), Buffer.alloc(1000));
    const r = clearCache(root);
    assert.deepEqual(
      r.removed.map((e) => e.name),
      [`a-${KEY}`],
    );
    assert.equal(r.kept.length, 1);
    assert.equal(r.kept[0].reason, 'in-use');
    assert.deepEqual(r.kept[0].entry.inUseBy, [otherEnginePid()]);
    assert.ok(r.freedBytes >= 2 * MB + 1000 && r.freedBytes < 3 * MB);
    assert.deepEqual(readdirSync(root), [`b-${KEY}`]);
    const empty = tempDir('empty');
    assert.deepEqual(clearCache(empty), { root: empty, removed: [], kept: [], freedBytes: 0 });
  });

  it('a build holds a lease until released, marks its use, and keeps a model bigger than the limit with a warning', async () => {
    const root = tempDir('build');
    const ckpt = tempDir('ckpt');
    writeFileSync(join(ckpt, 'config.json'), '{}');
    writeFileSync(join(ckpt, 'model.safetensors'), 'weights');
    const old = entry(root, 'old', 1 * MB, 60);
    const lines: string[] = [];
    const job = {
      checkpoint: { dir: ckpt, files: [join(ckpt, 'model.safetensors')] },
      name: 'big-f32',
      buildOptions: 'format 1\n',
      build: async (tmp: string) => writeFileSync(join(tmp, 'graph.bin'), Buffer.alloc(2 * MB)),
    };
    const lease = await ensureCached(job, root, { limitBytes: 1 * MB, log: (l) => lines.push(l) });
    assert.deepEqual(liveLeases(lease.dir), [process.pid]);
    assert.ok(!existsSync(old), 'the older entry went to make room');
    assert.ok(existsSync(join(lease.dir, 'manifest.json')), 'the new one stays, though over the limit');
    assert.ok(
      lines.some((l) =>
        /^warning: graph cache: big-f32-[0-9a-f]{16} alone takes 1\.9 MiB, more than the cache limit of 977 KiB; kept/.test(
          l,
        ),
      ),
      lines.join('\n'),
    );
    // a second load of the same graphs shares the lease; the last release frees the folder for eviction
    const again = await ensureCached(job, root, { limitBytes: 1 * MB, log: () => undefined });
    lease.release();
    assert.deepEqual(liveLeases(lease.dir), [process.pid]);
    again.release();
    again.release();
    assert.deepEqual(liveLeases(lease.dir), []);
    assert.equal(clearCache(root).removed.length, 1);
  });
});

describe('graph cache limit: sizes with units', () => {
  it('reads byte counts and sizes with decimal and binary units', () => {
    assert.equal(parseByteSize(4096, 'limit'), 4096);
    assert.equal(parseByteSize('4096', 'limit'), 4096);
    assert.equal(parseByteSize('20GB', 'limit'), 20e9);
    assert.equal(parseByteSize('20 gb', 'limit'), 20e9);
    assert.equal(parseByteSize('512MiB', 'limit'), 512 * 2 ** 20);
    assert.equal(parseByteSize('20G', 'limit'), 20 * 2 ** 30);
    assert.equal(parseByteSize('1.5TB', 'limit'), 1.5e12);
    assert.equal(parseByteSize('0', 'limit'), 0);
  });

  it('refuses anything else with a message naming the setting and the accepted forms', () => {
    for (const bad of ['', 'lots', '20 parsecs', '-5GB', '1e9', '20GB free', 'NaN', null, true, {}]) {
      assert.throws(
        () => parseByteSize(bad, 'switchyard.engine.graphCacheLimit'),
        /^Error: switchyard\.engine\.graphCacheLimit must be a byte count or a size such as 20GB, 512MiB or 20G, got /,
        String(bad),
      );
    }
    assert.throws(() => parseByteSize(-1, '--cache-limit'), /--cache-limit must be a byte count of 0 or more, got -1/);
    assert.throws(() => parseByteSize(Number.NaN, '--cache-limit'), /got NaN/);
  });

  it('clamps to its bounds and shows sizes for people', () => {
    assert.equal(clampCacheLimit(2 ** 60), 2 ** 50);
    assert.equal(clampCacheLimit(-3), 0);
    assert.equal(DEFAULT_GRAPH_CACHE_LIMIT, 32 * 2 ** 30);
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(11.2 * 2 ** 30), '11.2 GiB');
    assert.equal(formatBytes(512 * 2 ** 20), '512 MiB');
    assert.equal(formatBytes(32 * 2 ** 30), '32.0 GiB');
  });
});

// `cache` from a shell: lists what a load built, `--clear` removes it (nothing here holds it any more).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, tempDir } from '../../../helpers/fixture-models';

const ROOT = join(__dirname, '..', '..', '..', '..');
function engine(...args: string[]) {
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'engine', 'cli.ts'), ...args], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('engine CLI: cache', function () {
  this.timeout(120_000);
  it('lists the graphs a load built with their checkpoint and limit, and clears them', () => {
    const cacheDir = tempDir('cli-cache');
    const model = join(FIXTURES, 'v3-tiny');
    assert.equal(
      engine(
        'logits',
        '--model',
        model,
        '--tokens',
        '1,2',
        '--threads',
        '1',
        '--cache-dir',
        cacheDir,
        '--cache-limit',
        '1GB',
      ).code,
      0,
    );
    const info = engine('cache', '--cache-dir', cacheDir, '--json');
    assert.equal(info.code, 0, info.stderr);
    const listed = JSON.parse(info.stdout) as {
      root: string;
      limitBytes: number;
      entries: { checkpoint: string; inUseBy: number[] }[];
    };
    assert.equal(listed.root, cacheDir);
    assert.equal(listed.limitBytes, 32 * 2 ** 30);
    assert.deepEqual(
      listed.entries.map((e) => [e.checkpoint, e.inUseBy]),
      [[model, []]],
      'the logits process has exited: its lease is stale',
    );
    const cleared = engine('cache', '--clear', '--cache-dir', cacheDir);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, /: freed \d+(\.\d)? MiB, 1 removed\n$/);
    assert.deepEqual(readdirSync(cacheDir), []);
  });
});

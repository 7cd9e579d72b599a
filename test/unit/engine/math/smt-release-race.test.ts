// z3-solver's finalizers release Z3 objects on the main thread while a check runs in Z3's worker thread; unguarded, that
// corrupts Z3's heap (the fuzzer's push_assertion stack overflow; here a heap-corruption abort, an OOM abort or a Z3
// error within a few checks, in 2 of 3 runs before the fix). The checks run in a child process with the garbage
// collector forced between every two tasks, since a corrupted heap takes the whole process down.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const CHECKS = 8;

describe('SMT: garbage collection during a Z3 check', function () {
  this.timeout(180_000);

  it(`${CHECKS} checks with the collector forced throughout: the process survives, one outcome each`, () => {
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', join(__dirname, '../../../helpers/z3-release-race-child.ts'), String(CHECKS)],
      { encoding: 'utf8', timeout: 150_000 },
    );
    const tail = (r.stderr ?? '')
      .split('\n')
      .filter((l) => !l.startsWith('    at '))
      .slice(0, 12)
      .join('\n');
    assert.equal(r.signal, null, `the child was killed (${r.signal}): a hang\n${tail}`);
    assert.equal(r.status, 0, `the child died (${r.status}):\n${tail}`);
    const outcomes = r.stdout.trim().split('\n');
    assert.equal(outcomes.length, CHECKS);
    for (const [i, line] of outcomes.entries()) assert.match(line, new RegExp(`^${i} (sat|unsat|unknown)$`));
  });
});

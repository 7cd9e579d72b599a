// The supervisor's own lifecycle against the fake engine process (fake boundary: test/helpers/fake-engine-main.ts
// speaks the real protocol). What it owns (the process, its watchdog, the emitters) goes with one dispose().
import * as assert from 'node:assert/strict';
import { isAlive } from '../../../helpers/fake-prover';
import { fakeEngineSupervisor } from '../../../helpers/fake-engine-supervisor';

describe('engine/EngineSupervisor lifecycle (fake boundary: a fake engine process)', function () {
  this.timeout(60_000);

  it('dispose() stops the engine once: the same promise twice, one "stopped", and no start after it', async () => {
    const s = fakeEngineSupervisor('echo', { intervalMs: 50, timeoutMs: 600 });
    await s.start();
    const pid = s.pid!;
    assert.ok(isAlive(pid));
    const states: string[] = [];
    s.onDidChangeState((state) => states.push(state));
    const first = s.dispose();
    assert.equal(s.dispose(), first, 'a second dispose joins the first');
    await first;
    assert.deepEqual(states, ['stopped']);
    assert.equal(s.pid, undefined);
    assert.equal(isAlive(pid), false, 'the engine process is gone');
    await assert.rejects(s.start(), /shut down/);
  });
});

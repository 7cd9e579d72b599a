// Last: shuts the engine down the way deactivate() does and proves no process is left behind.
import * as assert from 'node:assert/strict';
import { api, engineBundled, isAlive, until } from './helpers';

describe('shutdown', function () {
  before(function () {
    if (!engineBundled()) this.skip();
  });

  it('leaves no engine process behind', async () => {
    const a = await api();
    await a.engine.start();
    const pid = a.engine.pid!;
    assert.ok(isAlive(pid));
    await a.shutdown();
    await until('the engine process to be gone', () => !isAlive(pid) || undefined, 5000);
    assert.equal(a.engine.state, 'stopped');
  });
});

// The engine process starts with ENGINE_ENV (so a memory budget holds: glibc returns closed groups' weights), unless
// the user set the same variables. Read from the running child's own /proc/PID/environ (Linux).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE_ENV } from '../../../../engine/runtime/memory-budget';
import { PingRequest } from '../../../../engine/protocol';
import { EngineProcess } from '../../../../src/engine/process';

const ROOT = join(__dirname, '../../../..');

function environOf(pid: number): Record<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

async function spawnedEnv(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const proc = EngineProcess.spawn({
    enginePath: join(ROOT, 'test/helpers/fake-engine-main.ts'),
    env: { NODE_OPTIONS: '--import tsx', FAKE_ENGINE_CHAT: 'echo', ...env },
    cwd: ROOT,
    onStderrLine: () => undefined,
  });
  try {
    // after an answer the child has certainly exec'd (before exec, /proc shows the parent's environment)
    await proc.connection.sendRequest(PingRequest);
    return environOf(proc.pid!);
  } finally {
    await proc.stop();
  }
}

describe('engine process environment (fake boundary: the fake engine process)', () => {
  before(function () {
    if (process.platform !== 'linux') this.skip();
  });

  it('starts the engine with MALLOC_MMAP_THRESHOLD_ so closed expert groups leave RSS', async () => {
    const saved = process.env.MALLOC_MMAP_THRESHOLD_;
    delete process.env.MALLOC_MMAP_THRESHOLD_;
    try {
      const env = await spawnedEnv({});
      assert.equal(env.MALLOC_MMAP_THRESHOLD_, ENGINE_ENV.MALLOC_MMAP_THRESHOLD_);
    } finally {
      if (saved !== undefined) process.env.MALLOC_MMAP_THRESHOLD_ = saved;
    }
  });

  it("keeps the user's own value", async () => {
    const env = await spawnedEnv({ MALLOC_MMAP_THRESHOLD_: '65536' });
    assert.equal(env.MALLOC_MMAP_THRESHOLD_, '65536');
  });
});

// The real supervisor driving the fake engine process (fake-engine-main.ts, the real protocol): for tests of what the
// real engine cannot do on demand (hang, ignore cancellation) and of the supervisor's own lifecycle.
import { join } from 'node:path';
import { EngineSupervisor } from '../../src/engine/supervisor';
import type { WatchdogPolicy } from '../../src/engine/watchdog';

const ROOT = join(__dirname, '../..');

export function fakeEngineSupervisor(
  mode: 'hang' | 'ignore-cancel' | 'echo',
  policy: WatchdogPolicy = { intervalMs: 100, timeoutMs: 600 },
): EngineSupervisor {
  return new EngineSupervisor(
    () => ({
      spawn: {
        enginePath: join(ROOT, 'test/helpers/fake-engine-main.ts'),
        env: { NODE_OPTIONS: '--import tsx', FAKE_ENGINE_CHAT: mode },
        cwd: ROOT,
        onStderrLine: () => undefined,
      },
      modelPath: '/fake',
      threads: 1,
    }),
    () => undefined,
    { initialMs: 50, maxMs: 50, healthyAfterMs: 60_000, maxQuickCrashes: 5 },
    policy,
  );
}

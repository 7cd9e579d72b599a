// Notices an engine that is alive but no longer answers. A crash ends the process and the supervisor restarts it; a
// hung engine (a busy loop, a deadlock in a native call) keeps its process, so nothing else would notice and every
// request, chat text included, would wait forever. The watchdog sends the cheap `ping` that the engine's main loop
// answers at once, and calls `onHung` when one goes unanswered past the bound. No VS Code API here.

import type { IDisposable } from '../util/disposable';

export interface WatchdogPolicy {
  /** time between pings */
  intervalMs: number;
  /** a ping unanswered this long means the engine hangs */
  timeoutMs: number;
}

export const DEFAULT_WATCHDOG: WatchdogPolicy = { intervalMs: 5_000, timeoutMs: 30_000 };

export class Watchdog implements IDisposable {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly ping: () => Promise<unknown>,
    private readonly onHung: (silentMs: number) => void,
    private readonly policy: WatchdogPolicy = DEFAULT_WATCHDOG,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.probe(), this.policy.intervalMs);
    this.timer.unref?.();
  }

  dispose(): void {
    this.stop();
  }

  private async probe(): Promise<void> {
    const sent = Date.now();
    let bound: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      bound = setTimeout(() => resolve('late'), this.policy.timeoutMs);
      bound.unref?.();
    });
    // A rejected ping (the connection closed) is the exit handler's business, not a hang.
    const answer = await Promise.race([
      this.ping().then(
        () => 'answered' as const,
        () => 'closed' as const,
      ),
      late,
    ]);
    clearTimeout(bound);
    if (this.stopped) return;
    if (answer === 'late') {
      this.stopped = true;
      this.onHung(Date.now() - sent);
      return;
    }
    if (answer === 'answered') this.schedule();
  }
}

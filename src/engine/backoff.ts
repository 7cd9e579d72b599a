// When to restart an engine that crashed. Quick first retries (a one-off crash costs half a second), doubling to a
// cap; an engine that stayed up for a while starts again from the quickest delay; one that keeps crashing right after
// start is given up on, so a broken model does not spin the CPU forever.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** an engine that ran at least this long before crashing counts as healthy: the next delay is `initialMs` again */
  healthyAfterMs: number;
  /** consecutive quick crashes after which to stop restarting */
  maxQuickCrashes: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 500,
  maxMs: 30_000,
  healthyAfterMs: 60_000,
  maxQuickCrashes: 5,
};

export class RestartBackoff {
  private quickCrashes = 0;

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  /** Milliseconds to wait before the next start after a crash of an engine that had run `uptimeMs`; undefined = give up. */
  nextDelay(uptimeMs: number): number | undefined {
    if (uptimeMs >= this.policy.healthyAfterMs) this.quickCrashes = 0;
    this.quickCrashes++;
    if (this.quickCrashes > this.policy.maxQuickCrashes) return undefined;
    return Math.min(this.policy.maxMs, this.policy.initialMs * 2 ** (this.quickCrashes - 1));
  }

  /** A start the user asked for: forget earlier crashes. */
  reset(): void {
    this.quickCrashes = 0;
  }

  get consecutiveCrashes(): number {
    return this.quickCrashes;
  }
}

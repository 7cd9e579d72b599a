import type { CancellationToken } from 'vscode-jsonrpc';

// How long to wait after a keystroke before asking the engine. A fast typist's next key usually comes within their
// usual gap, so a request sent sooner is wasted; a slow typist should not wait for a fixed long delay.

export interface DebounceLimits {
  /** never wait less than this (the user's `switchyard.completion.debounceMs`) */
  minMs: number;
  /** never wait more than this */
  maxMs: number;
}

/** A gap longer than this is a pause, not typing rhythm. */
const PAUSE_MS = 1500;
/** Weight of the newest gap in the moving average. */
const EMA_ALPHA = 0.3;
/** Wait this multiple of the typical gap: most next keys of a typing burst come before it. */
const GAP_FACTOR = 1.5;

export class AdaptiveDebounce {
  private lastKeystroke: number | undefined;
  private averageGap: number | undefined;

  constructor(private limits: DebounceLimits) {}

  setLimits(limits: DebounceLimits): void {
    this.limits = limits;
  }

  /** Call on every edit of the document being completed, with its time in milliseconds. */
  recordKeystroke(nowMs: number): void {
    if (this.lastKeystroke !== undefined) {
      const gap = nowMs - this.lastKeystroke;
      if (gap >= 0 && gap < PAUSE_MS) {
        this.averageGap = this.averageGap === undefined ? gap : EMA_ALPHA * gap + (1 - EMA_ALPHA) * this.averageGap;
      }
    }
    this.lastKeystroke = nowMs;
  }

  /** The typing rhythm so far (milliseconds between keys), or undefined before two keystrokes. */
  get typicalGapMs(): number | undefined {
    return this.averageGap;
  }

  /** Milliseconds to wait now. */
  delayMs(): number {
    const { minMs, maxMs } = this.limits;
    if (this.averageGap === undefined) return minMs;
    return Math.round(Math.min(maxMs, Math.max(minMs, GAP_FACTOR * this.averageGap)));
  }
}

/** Resolves true after `ms`, or false as soon as `token` is cancelled. */
export function waitUnlessCancelled(ms: number, token: CancellationToken): Promise<boolean> {
  if (token.isCancellationRequested) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(ok);
    };
    const timer = setTimeout(() => done(true), ms);
    const sub = token.onCancellationRequested(() => done(false));
  });
}

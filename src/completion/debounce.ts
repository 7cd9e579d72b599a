import type { CancellationToken } from 'vscode-jsonrpc';

// How long to wait after a keystroke before asking the engine. A fast typist's next key usually comes within their
// usual gap, so a request sent sooner is wasted; a slow typist should not wait for a fixed long delay. And when the
// engine answers before the next key is due (a small local model: ~50 ms, against ~150 ms between keys), a request sent
// at once is not wasted at all: waiting would only make every suggestion later.

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
  private averageAnswer: number | undefined;

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

  /** Call with the time an answered request took (sent to answered; cancelled ones say nothing about speed). */
  recordAnswer(ms: number): void {
    if (!(ms >= 0)) return;
    this.averageAnswer = this.averageAnswer === undefined ? ms : EMA_ALPHA * ms + (1 - EMA_ALPHA) * this.averageAnswer;
  }

  /**
   * Call with how long a request ran before it was cancelled: its answer would have taken longer. Without this, an
   * engine that turned slow would never be noticed, since every request sent at once is cancelled by the next key.
   */
  recordCancelledAfter(ms: number): void {
    if (this.averageAnswer === undefined || ms > this.averageAnswer) this.recordAnswer(ms);
  }

  /** How long the engine takes to answer, lately (milliseconds), or undefined before its first answer. */
  get typicalAnswerMs(): number | undefined {
    return this.averageAnswer;
  }

  /** The typing rhythm so far (milliseconds between keys), or undefined before two keystrokes. */
  get typicalGapMs(): number | undefined {
    return this.averageGap;
  }

  /** Milliseconds to wait now. */
  delayMs(): number {
    const { minMs, maxMs } = this.limits;
    if (this.averageGap === undefined) return minMs;
    // The answer is expected before the next key: nothing is wasted by asking now.
    if (this.averageAnswer !== undefined && this.averageAnswer < this.averageGap) return minMs;
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
